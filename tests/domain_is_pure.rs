//! `src/domain` is the pure core: no I/O, no clock, no UI, no network, no database. This test
//! reads its source and fails on any crate or call outside that boundary.

use std::path::{Path, PathBuf};

const FORBIDDEN: &[&str] = &[
    "std::fs",
    "std::net",
    "std::io",
    "std::env",
    "std::process",
    "std::thread",
    "std::time",
    "SystemTime",
    "Instant::now",
    "Utc::now",
    "Local::now",
    "::now()",
    "File::",
    "reqwest",
    "rusqlite",
    "slint",
    "tokio",
    "rxing",
    "println!",
    "eprintln!",
    "include_bytes!(\"/",
];

/// Dependencies the domain may use: plain data, time arithmetic, text matching. Every other
/// dependency of Cargo.toml (HTTP, SQLite, UI, command line, …) is outside the boundary.
const ALLOWED_CRATES: &[&str] = &["chrono", "serde", "serde_json", "regex", "thiserror"];

/// The names of the `[dependencies]` of Cargo.toml, as they appear in Rust paths.
fn dependencies() -> Vec<String> {
    let manifest =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml")).unwrap();
    let mut in_deps = false;
    let mut names = Vec::new();
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_deps = line == "[dependencies]";
        } else if in_deps {
            if let Some((name, _)) = line.split_once('=') {
                names.push(name.trim().replace('-', "_"));
            }
        }
    }
    names
}

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

/// The lines of a file outside `#[cfg(test)]` items: test modules may read fixtures, only the
/// shipped code must stay pure.
fn shipped_lines(text: &str) -> Vec<(usize, &str)> {
    let mut lines = Vec::new();
    let (mut skipping, mut depth, mut opened) = (false, 0i32, false);
    for (n, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("#[cfg(test)]") {
            (skipping, depth, opened) = (true, 0, false);
            continue;
        }
        if skipping {
            depth += line.matches('{').count() as i32 - line.matches('}').count() as i32;
            opened |= line.contains('{');
            if opened && depth <= 0 {
                skipping = false;
            }
            continue;
        }
        lines.push((n, line));
    }
    lines
}

#[test]
fn domain_uses_no_io_clock_or_ui() {
    let mut files = Vec::new();
    rust_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src/domain"),
        &mut files,
    );
    assert!(files.len() >= 8, "src/domain has the core's files");
    let outside: Vec<String> = dependencies()
        .into_iter()
        .filter(|d| !ALLOWED_CRATES.contains(&d.as_str()))
        .collect();
    assert!(
        outside.iter().any(|d| d == "clap"),
        "the manifest's dependencies were read: {outside:?}"
    );
    let mut problems = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for (n, line) in shipped_lines(&text) {
            let code = line.split("//").next().unwrap();
            for word in FORBIDDEN {
                if code.contains(word) {
                    problems.push(format!(
                        "{}:{}: `{word}` in `{}`",
                        file.display(),
                        n + 1,
                        line.trim()
                    ));
                }
            }
            for krate in &outside {
                let used = code
                    .match_indices(&format!("{krate}::"))
                    .any(|(i, _)| !code[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_'));
                if used {
                    problems.push(format!(
                        "{}:{}: uses crate `{krate}`",
                        file.display(),
                        n + 1
                    ));
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "the domain reaches outside its boundary:\n{}",
        problems.join("\n")
    );
}
