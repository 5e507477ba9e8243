//! `src/domain` is the pure core: no I/O, no clock, no UI, no network, no database. This test
//! reads its source and fails on any crate or call outside that boundary.

use std::path::{Path, PathBuf};

const FORBIDDEN: &[&str] = &[
    "std::fs", "std::net", "std::io", "std::env", "std::process", "std::thread", "std::time",
    "SystemTime", "Instant::now", "Utc::now", "Local::now", "::now()", "File::", "reqwest",
    "rusqlite", "slint", "tokio", "rxing", "println!", "eprintln!", "include_bytes!(\"/",
];

/// Crates the domain may use: plain data, time arithmetic, text matching.
const ALLOWED_CRATES: &[&str] = &["std", "core", "crate", "super", "self", "chrono", "serde", "serde_json", "regex", "thiserror"];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn domain_uses_no_io_clock_or_ui() {
    let mut files = Vec::new();
    rust_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src/domain"), &mut files);
    assert!(files.len() >= 8, "src/domain has the core's files");
    let mut problems = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        // Test modules may read fixtures; only the shipped code must stay pure.
        let shipped = text.split("#[cfg(test)]").next().unwrap();
        for (n, line) in shipped.lines().enumerate() {
            let code = line.split("//").next().unwrap();
            for word in FORBIDDEN {
                if code.contains(word) {
                    problems.push(format!("{}:{}: `{word}` in `{}`", file.display(), n + 1, line.trim()));
                }
            }
            let trimmed = code.trim_start();
            if let Some(path) = trimmed.strip_prefix("use ").or_else(|| trimmed.strip_prefix("pub use ")) {
                let krate = path.split("::").next().unwrap().trim_end_matches(';').trim();
                if !ALLOWED_CRATES.contains(&krate) {
                    problems.push(format!("{}:{}: uses crate `{krate}`", file.display(), n + 1));
                }
            }
        }
    }
    assert!(problems.is_empty(), "the domain reaches outside its boundary:\n{}", problems.join("\n"));
}
