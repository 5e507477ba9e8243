//! Driving the touch app in tests as a person would: taps and typing found by accessible label,
//! key events, screenshots in both languages (Slint's testing backend, software renderer).

use std::cell::RefCell;
use std::rc::Rc;

use bedside::ui::*;
use bedside_clock::ManualClock;
use bedside_core::messages::Lang;
use chrono::Duration;
use i_slint_backend_testing::{
    AccessibleRole, ElementHandle, ElementQuery, TestingBackend, TestingBackendOptions,
};
use slint::platform::{Key, WindowEvent};
use slint::{ComponentHandle, SharedString};

/// The testing backend with the software renderer, once per test process.
pub fn testing_platform() {
    slint::platform::set_platform(Box::new(TestingBackend::new(TestingBackendOptions {
        mock_time: true,
        threading: false,
        renderer_name: Some("software".into()),
    })))
    .unwrap();
}

pub fn click(window: &AppWindow, label: &str) {
    let found: Vec<_> = ElementHandle::find_by_accessible_label(window, label)
        .filter(|e| e.accessible_role() != Some(AccessibleRole::Text))
        .collect();
    assert!(!found.is_empty(), "no element labelled {label:?}");
    found[0].invoke_accessible_default_action();
}

pub fn type_into(window: &AppWindow, label: &str, text: &str) {
    // What the nurse types is hers, shown as she wrote it in either language.
    super::leaks::is_data(text);
    let found: Vec<_> = ElementHandle::find_by_accessible_label(window, label)
        .filter(|e| e.accessible_role() == Some(AccessibleRole::TextInput))
        .collect();
    assert!(!found.is_empty(), "no field labelled {label:?}");
    found[0].set_accessible_value(text);
}

pub fn screen(window: &AppWindow) -> Screen {
    window.global::<Nav>().get_screen()
}

pub fn press(window: &AppWindow, text: SharedString) {
    window
        .window()
        .dispatch_event(WindowEvent::KeyPressed { text: text.clone() });
    window
        .window()
        .dispatch_event(WindowEvent::KeyReleased { text });
}

/// Keys into the focused scanner field, `gap_ms` apart on the app's clock, then Enter.
pub fn keys(window: &AppWindow, clock: &ManualClock, text: &str, gap_ms: i64) {
    for c in text.chars() {
        press(window, c.to_string().into());
        clock.advance(Duration::milliseconds(gap_ms));
    }
    press(window, Key::Return.into());
}

pub struct Shots {
    pub dir: std::path::PathBuf,
    pub taken: Vec<String>,
}

impl Shots {
    pub fn new() -> Shots {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        Shots {
            dir,
            taken: Vec::new(),
        }
    }

    pub fn one(&mut self, window: &AppWindow, name: &str) {
        let shot = window.window().take_snapshot().unwrap();
        let pixels: Vec<u8> = shot.as_bytes().to_vec();
        let distinct = pixels
            .chunks(4)
            .map(|p| (p[0], p[1], p[2]))
            .collect::<std::collections::HashSet<_>>()
            .len();
        assert!(distinct > 8, "{name}: the screen rendered blank");
        image::save_buffer(
            self.dir.join(format!("{name}.png")),
            &pixels,
            shot.width(),
            shot.height(),
            image::ExtendedColorType::Rgba8,
        )
        .unwrap();
        self.taken.push(name.to_string());
    }

    /// The screen in Chinese, then in English (the test goes on in English); each fails on a
    /// word not in its language (`leaks`).
    pub fn both(&mut self, window: &AppWindow, state: &Rc<RefCell<UiState>>, name: &str) {
        ward_data_is_data(state);
        let mut found = Vec::new();
        for lang in [Lang::ZhCn, Lang::En] {
            switch_language(window, &mut state.borrow_mut(), lang);
            let tag = if lang == Lang::ZhCn { "zh" } else { "en" };
            self.one(window, &format!("{name}-{tag}"));
            found.extend(super::leaks::check(lang, name, &visible_texts(window)));
        }
        assert!(
            found.is_empty(),
            "words not in the screen's language:\n{}",
            found.join("\n")
        );
    }
}

/// Every text a person sees on the window now: texts, buttons' and fields' labels, placeholders
/// (not what was typed into a field: that is the nurse's data).
pub fn visible_texts(window: &AppWindow) -> Vec<String> {
    ElementQuery::from_root(window)
        .match_descendants()
        .find_all()
        .into_iter()
        .filter(|e| {
            let size = e.size();
            size.width > 0.0 && size.height > 0.0 && e.computed_opacity() > 0.0
        })
        .flat_map(|e| {
            let value = match e.accessible_role() {
                Some(AccessibleRole::Text) => e.accessible_value(),
                _ => None,
            };
            [e.accessible_label(), e.accessible_placeholder_text(), value]
        })
        .flatten()
        .map(|s| s.to_string())
        .filter(|s| !s.trim().is_empty())
        .collect()
}

/// The ward's names, beds and doctors, as the blood bank sent them, are data in either language.
fn ward_data_is_data(state: &Rc<RefCell<UiState>>) {
    use super::leaks::is_data;
    is_data(bedside_bloodbank::demo::WARD_NAME);
    for (_, name, _) in bedside_bloodbank::demo::STAFF {
        is_data(name);
    }
    if let Ok(snapshot) = state.borrow().handheld.snapshot() {
        for r in &snapshot.issued {
            is_data(&r.patient.name);
            r.patient.bed.as_deref().map(is_data);
            if let Some(doctor) = r.emergency.as_ref().and_then(|e| e.doctor()) {
                is_data(doctor);
            }
        }
    }
}

pub fn tick_once(window: &AppWindow, state: &Rc<RefCell<UiState>>) {
    bedside::ui::tick(window, &mut state.borrow_mut());
}

/// The badge typed, the PIN tapped on the pad, Sign in.
pub fn sign_in(window: &AppWindow, badge: &str, pin: &str) {
    type_into(window, "Badge (scan or type)", badge);
    for d in pin.chars() {
        click(window, &d.to_string());
    }
    click(window, "Sign in");
}

/// The touch app on the ward's device store and clock, 480×800, in English (the tests read the
/// English words; `Shots::both` takes both languages).
pub fn app(ward: &super::Ward) -> (AppWindow, Rc<RefCell<UiState>>) {
    let path = ward.dir.path().join("device.db");
    let store =
        bedside_store::Store::open_encrypted(&path, &super::read_key(ward.dir.path())).unwrap();
    let handheld = bedside_app::handheld::Handheld::new(
        store,
        Box::new(ward.clock.clone()),
        Box::new(bedside_clock::RandomIds),
        bedside_core::policy::Policy::default(),
        super::ward(),
        bedside_app::session::SessionSettings {
            auto_lock_minutes: 24 * 60,
            ..bedside_app::session::SessionSettings::default()
        },
    );
    let state = Rc::new(RefCell::new(UiState::new(handheld)));
    let window = AppWindow::new().unwrap();
    window.window().set_size(slint::PhysicalSize::new(480, 800));
    install(&window, state.clone());
    window.show().unwrap();
    switch_language(&window, &mut state.borrow_mut(), Lang::En);
    (window, state)
}
