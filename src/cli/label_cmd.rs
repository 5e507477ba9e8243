//! `bedside label TEXT...` and `bedside label -`.

use std::io::{BufRead, Write};
use std::process::ExitCode;

use serde_json::json;

use bedside_app::config::Config;
use bedside_core::label::{self, json::structure_json, LabelProfile};
use bedside_core::messages::Lang;

pub fn run(texts: &[String], config: &Config, lang: Lang, out: &mut impl Write) -> ExitCode {
    let profile = config.policy.label_profile();
    if texts.len() == 1 && texts[0] == "-" {
        return run_stdin(&profile, lang, out);
    }
    for text in texts {
        if super::emit(out, &label_json(text, &profile, lang)).is_err() {
            break;
        }
    }
    ExitCode::SUCCESS
}

fn run_stdin(profile: &LabelProfile, lang: Lang, out: &mut impl Write) -> ExitCode {
    let mut status = ExitCode::SUCCESS;
    for (n, line) in std::io::stdin().lock().lines().enumerate() {
        let line = match line {
            Ok(line) => line,
            Err(e) => {
                eprintln!("bedside label: stdin line {}: cannot read: {e}", n + 1);
                return ExitCode::from(1);
            }
        };
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<String>(&line) {
            Ok(text) => {
                if super::emit(out, &label_json(&text, profile, lang)).is_err() {
                    break;
                }
            }
            Err(e) => {
                eprintln!(
                    "bedside label: stdin line {}: not a JSON string literal ({e}); write each input as \"…\" with escapes such as \\r",
                    n + 1
                );
                status = ExitCode::from(1);
            }
        }
    }
    status
}

/// The JSON of one scanned text, as `bedside label` prints it (and `bedside decode` embeds it).
pub(super) fn label_json(text: &str, profile: &LabelProfile, lang: Lang) -> serde_json::Value {
    match label::parse_scan(text, profile) {
        Ok(structures) => json!({
            "input": text,
            "ok": true,
            "structures": structures.iter().map(structure_json).collect::<Vec<_>>(),
        }),
        Err(e) => json!({
            "input": text,
            "ok": false,
            "error": {"code": e.code.as_str(), "message": e.message.get(lang)},
        }),
    }
}
