//! Every text of the views has its Chinese: zh-CN is the app's default language, and a string
//! missing from the catalogue would show in English on a Chinese ward.

use std::collections::HashMap;
use std::path::Path;

fn unescape(s: &str) -> String {
    s.replace("\\\"", "\"").replace("\\\\", "\\")
}

/// The `@tr("bedside" => "…")` strings of one view file.
fn tr_strings(source: &str) -> Vec<String> {
    let mut out = Vec::new();
    let marker = "@tr(\"bedside\" => \"";
    let mut rest = source;
    while let Some(at) = rest.find(marker) {
        rest = &rest[at + marker.len()..];
        let mut end = 0;
        let bytes = rest.as_bytes();
        while end < bytes.len() && !(bytes[end] == b'"' && (end == 0 || bytes[end - 1] != b'\\')) {
            end += 1;
        }
        out.push(unescape(&rest[..end]));
    }
    out
}

fn catalogue(po: &str) -> HashMap<String, String> {
    let mut map = HashMap::new();
    let mut id = None;
    for line in po.lines() {
        if let Some(v) = line.strip_prefix("msgid \"") {
            id = Some(unescape(v.trim_end_matches('"')));
        } else if let Some(v) = line.strip_prefix("msgstr \"") {
            if let Some(id) = id.take() {
                map.insert(id, unescape(v.trim_end_matches('"')));
            }
        }
    }
    map
}

#[test]
fn every_text_on_screen_has_its_chinese() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let po =
        std::fs::read_to_string(root.join("ui/translations/zh_CN/LC_MESSAGES/bedside.po")).unwrap();
    let zh = catalogue(&po);
    let mut missing = Vec::new();
    let mut seen = 0;
    for entry in std::fs::read_dir(root.join("ui")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "slint") {
            for text in tr_strings(&std::fs::read_to_string(&path).unwrap()) {
                seen += 1;
                match zh.get(&text) {
                    Some(t)
                        if !t.is_empty()
                            && t.chars().filter(|c| *c == '{').count()
                                == text.chars().filter(|c| *c == '{').count() => {}
                    _ => missing.push(text),
                }
            }
        }
    }
    assert!(seen > 50, "the views' texts were not found ({seen})");
    assert!(missing.is_empty(), "no Chinese for: {missing:#?}");
}
