//! Compiles the Slint views. Debug info keeps element ids for the UI tests; the translations
//! are bundled so the handheld needs no gettext files at run time.

fn main() {
    let config = slint_build::CompilerConfiguration::new()
        .with_debug_info(true)
        .with_bundled_translations("i18n");
    slint_build::compile_with_config("ui/app.slint", config).expect("the Slint views compile");
}
