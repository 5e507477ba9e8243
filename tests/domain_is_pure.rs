//! `bedside-core` (crates/core) is the pure core: no I/O, no clock, no UI, no network, no database.
//! Its crate boundary keeps other crates' code out; these tests keep its manifest, its whole
//! dependency tree and its source inside that boundary.

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

/// Dependencies the core may use: plain data, time arithmetic, text matching.
const ALLOWED_CRATES: &[&str] = &["chrono", "serde", "serde_json", "regex", "thiserror"];

/// Crates whose presence anywhere in the core's dependency tree means I/O, a database, a network
/// or a screen reached it.
const FORBIDDEN_IN_TREE: &[&str] = &[
    "rusqlite",
    "reqwest",
    "slint",
    "axum",
    "tokio",
    "hyper",
    "rxing",
    "image",
    "krilla",
    "libc",
    "uuid",
    "getrandom",
    "tempfile",
];

fn workspace_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The names of the `[dependencies]` of the core's Cargo.toml, as they appear in Rust paths.
fn core_dependencies() -> Vec<String> {
    let manifest =
        std::fs::read_to_string(workspace_root().join("crates/core/Cargo.toml")).unwrap();
    let mut in_deps = false;
    let mut names = Vec::new();
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_deps = line == "[dependencies]";
        } else if in_deps && !line.is_empty() && !line.starts_with('#') {
            let name = line.split(['=', '.']).next().unwrap().trim();
            names.push(name.replace('-', "_"));
        }
    }
    names
}

/// Every crate's name that Cargo's wider workspace knows of (the root manifest's
/// `[workspace.dependencies]`), as it appears in Rust paths.
fn workspace_dependencies() -> Vec<String> {
    let manifest = std::fs::read_to_string(workspace_root().join("Cargo.toml")).unwrap();
    let mut in_deps = false;
    let mut names = Vec::new();
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_deps = line == "[workspace.dependencies]";
        } else if in_deps && !line.is_empty() && !line.starts_with('#') {
            if let Some((name, _)) = line.split_once('=') {
                names.push(name.trim().replace('-', "_"));
            }
        }
    }
    names
}

#[test]
fn the_core_manifest_names_only_pure_crates() {
    let deps = core_dependencies();
    assert!(
        deps.iter().any(|d| d == "chrono"),
        "the manifest was read: {deps:?}"
    );
    let outside: Vec<&String> = deps
        .iter()
        .filter(|d| !ALLOWED_CRATES.contains(&d.as_str()))
        .collect();
    assert!(outside.is_empty(), "bedside-core depends on {outside:?}");
}

#[test]
fn no_io_crate_anywhere_in_the_core_dependency_tree() {
    let output = std::process::Command::new(env!("CARGO"))
        .current_dir(workspace_root())
        .args([
            "tree",
            "--offline",
            "--locked",
            "-p",
            "bedside-core",
            "-e",
            "normal",
        ])
        .args(["--prefix", "none", "--format", "{p}"])
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "cargo tree: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let tree = String::from_utf8(output.stdout).unwrap();
    let crates: Vec<&str> = tree
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert!(crates.contains(&"chrono"), "the tree was listed: {tree}");
    let found: Vec<&&str> = crates
        .iter()
        .filter(|c| FORBIDDEN_IN_TREE.contains(c))
        .collect();
    assert!(
        found.is_empty(),
        "bedside-core's tree holds {found:?}:\n{tree}"
    );
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

/// Test modules kept in files of their own (`tests.rs`, `tests/`): they may read fixtures.
fn is_test_file(path: &Path) -> bool {
    path.file_name().is_some_and(|n| n == "tests.rs")
        || path.components().any(|c| c.as_os_str() == "tests")
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
            // `mod tests;` (its body in a file of its own) ends the item without a brace.
            if (opened && depth <= 0) || (!opened && line.trim_end().ends_with(';')) {
                skipping = false;
            }
            continue;
        }
        lines.push((n, line));
    }
    lines
}

#[test]
fn core_source_uses_no_io_clock_or_ui() {
    let mut files = Vec::new();
    rust_files(&workspace_root().join("crates/core/src"), &mut files);
    assert!(files.len() >= 8, "crates/core/src has the core's files");
    // The components below crates/core/src decide; "tests" higher up the path is the repo's.
    let root = workspace_root().join("crates/core/src");
    files.retain(|f| !is_test_file(f.strip_prefix(&root).unwrap_or(f)));
    let outside: Vec<String> = workspace_dependencies()
        .into_iter()
        .filter(|d| !ALLOWED_CRATES.contains(&d.as_str()))
        .collect();
    assert!(
        outside.iter().any(|d| d == "rusqlite"),
        "the workspace's dependencies were read: {outside:?}"
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
        "the core reaches outside its boundary:\n{}",
        problems.join("\n")
    );
}
