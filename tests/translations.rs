//! One catalogue (i18n/zh_CN/LC_MESSAGES/bedside.po) holds every word a nurse reads, from the
//! Slint views and the Rust side alike: zh-CN is the app's default language, and a string
//! missing from the catalogue would show in English on a Chinese ward. These tests extract every
//! msgid as a translator's tool would, and fail on one without its Chinese, on a translation
//! whose placeholders differ from its msgid's, and on a stale entry nothing uses any more.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use bedside_core::messages::{parse_po, CONTEXT};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn catalogue() -> HashMap<String, String> {
    let po = std::fs::read_to_string(root().join("i18n/zh_CN/LC_MESSAGES/bedside.po")).unwrap();
    parse_po(&po)
        .into_iter()
        .filter(|e| e.context.as_deref() == Some(CONTEXT))
        .map(|e| (e.msgid, e.msgstr))
        .collect()
}

fn files(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files(&path, ext, out);
        } else if path.extension().is_some_and(|e| e == ext) {
            out.push(path);
        }
    }
}

/// The value of the Rust (or Slint) string literal starting at `text[0] == '"'`, escapes and
/// `\`-newline continuations undone.
fn literal(text: &str) -> Option<String> {
    let mut out = String::new();
    let mut chars = text.chars().skip(1).peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => return Some(out),
            '\\' => match chars.next()? {
                'n' => out.push('\n'),
                't' => out.push('\t'),
                '\n' => {
                    while chars.peek().is_some_and(|c| c.is_whitespace()) {
                        chars.next();
                    }
                }
                'u' => {
                    let hex: String = chars.by_ref().skip(1).take_while(|c| *c != '}').collect();
                    out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
                }
                other => out.push(other),
            },
            c => out.push(c),
        }
    }
    None
}

/// The msgids of one Rust file: the string literal given to `Text::tr`, `Text::tr_with`,
/// `tr_noop`, `tr(lang, …)` or an exporter's `t(…)`.
fn rust_msgids(source: &str) -> Vec<String> {
    let calls = regex::Regex::new(
        r"(?:Text::tr|Text::tr_with|\btr_noop|\btr|\bt)\(\s*(?:[A-Za-z_][A-Za-z0-9_.]*\s*,\s*)?",
    )
    .unwrap();
    calls
        .find_iter(source)
        .filter(|m| source[m.end()..].starts_with('"'))
        .filter_map(|m| literal(&source[m.end()..]))
        .collect()
}

/// The code a user runs: comments and the unit tests (`#[cfg(test)]` to the end) left out.
fn shipped_code(source: &str) -> String {
    let code = source.split("#[cfg(test)]").next().unwrap_or_default();
    code.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The `@tr("bedside" => "…")` strings of one view file.
fn slint_msgids(source: &str) -> Vec<String> {
    let marker = "@tr(\"bedside\" => ";
    source
        .match_indices(marker)
        .filter_map(|(at, _)| literal(&source[at + marker.len()..]))
        .collect()
}

fn all_msgids() -> (Vec<(String, PathBuf)>, usize) {
    let mut found = Vec::new();
    let mut rust = Vec::new();
    files(&root().join("src"), "rs", &mut rust);
    files(&root().join("crates"), "rs", &mut rust);
    let is_test =
        |p: &Path| p.components().any(|c| c.as_os_str() == "tests") || p.ends_with("tests.rs");
    for path in rust
        .iter()
        .filter(|p| p.components().any(|c| c.as_os_str() == "src") && !is_test(p))
    {
        let source = std::fs::read_to_string(path).unwrap();
        found.extend(
            rust_msgids(&shipped_code(&source))
                .into_iter()
                .map(|m| (m, path.clone())),
        );
    }
    let from_rust = found.len();
    let mut views = Vec::new();
    files(&root().join("ui"), "slint", &mut views);
    for path in views {
        let source = std::fs::read_to_string(&path).unwrap();
        found.extend(slint_msgids(&source).into_iter().map(|m| (m, path.clone())));
    }
    (found, from_rust)
}

fn placeholders(text: &str) -> BTreeSet<String> {
    let re = regex::Regex::new(r"\{[A-Za-z0-9_]*\}").unwrap();
    re.find_iter(text).map(|m| m.as_str().to_string()).collect()
}

#[test]
fn every_word_of_the_app_has_its_chinese_with_the_same_placeholders() {
    let zh = catalogue();
    let (msgids, from_rust) = all_msgids();
    assert!(
        from_rust > 300,
        "the Rust side's msgids were not found ({from_rust})"
    );
    assert!(
        msgids.len() - from_rust > 50,
        "the views' msgids were not found"
    );
    let mut problems = Vec::new();
    for (msgid, path) in &msgids {
        let at = path.strip_prefix(root()).unwrap().display();
        match zh.get(msgid).filter(|t| !t.trim().is_empty()) {
            None => problems.push(format!("{at}: no Chinese for {msgid:?}")),
            Some(t) if placeholders(t) != placeholders(msgid) => {
                problems.push(format!("{at}: placeholders differ: {msgid:?} → {t:?}"))
            }
            Some(_) => {}
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_catalogue_holds_no_entry_nothing_uses() {
    let used: BTreeSet<String> = all_msgids().0.into_iter().map(|(m, _)| m).collect();
    let stale: Vec<String> = catalogue()
        .into_keys()
        .filter(|msgid| !used.contains(msgid))
        .collect();
    assert!(
        stale.is_empty(),
        "stale entries in the catalogue: {stale:#?}"
    );
}

#[test]
fn the_extractor_reads_each_way_a_msgid_is_written() {
    let source = r#"
        Text::tr("one {a}", &[("a", x)]);
        Text::tr_with(
            "two \"quoted\"",
            &[]);
        const T: &str = tr_noop("three, \
                                 continued");
        tr(state.lang, "four");
        l.t("five");
        Text::tr(msgid, &[]);
    "#;
    assert_eq!(
        rust_msgids(source),
        [
            "one {a}",
            "two \"quoted\"",
            "three, continued",
            "four",
            "five"
        ]
    );
}
