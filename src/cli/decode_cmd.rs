//! `bedside decode IMAGE...`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use bedside_app::config::Config;
use bedside_core::label::LabelProfile;
use bedside_core::messages::Lang;
use bedside_scan::{Budget, DecodeOptions, ScanProblem};

pub fn run(
    files: &[PathBuf],
    budget_ms: Option<u64>,
    config: &Config,
    lang: Lang,
    out: &mut impl Write,
) -> ExitCode {
    let profile = config.policy.label_profile();
    let mut status = ExitCode::SUCCESS;
    for file in files {
        let (result, unreadable) = decode_file(file, budget_ms, &profile, lang);
        if unreadable {
            status = ExitCode::from(1);
        }
        if super::emit(out, &result).is_err() {
            break;
        }
    }
    status
}

/// The JSON line of one file, and whether the file could not be read at all.
fn decode_file(
    file: &Path,
    budget_ms: Option<u64>,
    profile: &LabelProfile,
    lang: Lang,
) -> (Value, bool) {
    let start = Instant::now();
    let budget = budget_ms.map_or_else(Budget::unlimited, |ms| {
        Budget::within(Duration::from_millis(ms))
    });
    let name = file.display().to_string();
    let frame = match bedside_scan::load_grey(file) {
        Ok(frame) => frame,
        Err(e) => {
            eprintln!("bedside decode: {name}: {e}");
            return (failure(&name, e.problem(), lang, start), true);
        }
    };
    let found = bedside_scan::decode_frame(&frame, &DecodeOptions::default(), budget);
    if found.symbols.is_empty() {
        return (failure(&name, ScanProblem::NoBarcode, lang, start), false);
    }
    let symbols: Vec<Value> = found
        .symbols
        .iter()
        .map(|symbol| {
            json!({
                "format": symbol.symbology.name(),
                "text": symbol.text,
                // A GS1 symbol is read as GS1 whatever its first element (a lot before the
                // wristband's GSRN): its symbology identifier says so.
                "label": super::label_cmd::label_json(&symbol.framed_text(), profile, lang),
            })
        })
        .collect();
    let result = json!({"file": name, "ok": true, "symbols": symbols, "ms": elapsed_ms(start)});
    (result, false)
}

fn failure(name: &str, problem: ScanProblem, lang: Lang, start: Instant) -> Value {
    json!({
        "file": name,
        "ok": false,
        "error": {"code": problem.code(), "message": problem.message().get(lang)},
        "ms": elapsed_ms(start),
    })
}

/// Milliseconds to one decimal, as in docs/cli.md.
fn elapsed_ms(start: Instant) -> f64 {
    (start.elapsed().as_secs_f64() * 10_000.0).round() / 10.0
}
