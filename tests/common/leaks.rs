//! The language leak check: what a nurse reads in Chinese holds no English word, and what she
//! reads in English no Chinese, apart from data (names, beds, the ward), identifiers and the few
//! Latin words a Chinese ward writes as they are.

use std::cell::RefCell;

use bedside_core::messages::Lang;

/// Latin words a Chinese nursing department accepts on a Chinese screen or report: units,
/// standards and codes that have no Chinese name of their own on a ward.
const LATIN_ON_CHINESE_SCREENS: &[&str] = &[
    // units
    "ml", "mL", "mmHg", "min", "h", "kg", "C", "bpm", // identifiers, standards, formats
    "DIN", "ISBT", "GS1", "GSRN", "AI", "FHIR", "HL7", "PIN", "ID", "CSV", "PDF", "JSON", "IT",
    // a record's id (urn:uuid:…)
    "urn", "uuid",
    // blood groups and clinical abbreviations written in Latin on Chinese wards
    "ABO", "RhD", "Rh", "A", "B", "AB", "O", "TACO", "TRALI", "CMV", "HLA", "SpO",
    // the language switch names each language in its own words
    "English",
];

/// Chinese words on an English screen: only the language switch's own name.
const CHINESE_ON_ENGLISH_SCREENS: &[&str] = &["中文"];

thread_local! {
    /// Data the test typed or the blood bank holds (names, beds, free text): shown as it is in
    /// either language.
    static DATA: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// Marks `text` as data: a name, a bed, what a nurse typed.
pub fn is_data(text: &str) {
    let text = text.trim();
    if !text.is_empty() {
        DATA.with(|d| d.borrow_mut().push(text.to_string()));
    }
}

fn without_data(text: &str) -> String {
    DATA.with(|d| {
        let mut data = d.borrow().clone();
        // Longest first, so a name inside a longer datum goes with it.
        data.sort_by_key(|s| std::cmp::Reverse(s.chars().count()));
        data.iter()
            .fold(text.to_string(), |t, datum| replace_whole(&t, datum))
    })
}

/// `text` with each occurrence of `datum` that stands on its own (not inside a longer Latin
/// word or number) blanked.
fn replace_whole(text: &str, datum: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(datum) {
        let before = rest[..at].chars().next_back();
        let after = rest[at + datum.len()..].chars().next();
        let glued = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
        let glued_before = glued(before) && glued(datum.chars().next());
        let glued_after = glued(after) && glued(datum.chars().next_back());
        let alone = !(glued_before || glued_after);
        out.push_str(&rest[..at]);
        out.push_str(if alone { " " } else { datum });
        rest = &rest[at + datum.len()..];
    }
    out.push_str(rest);
    out
}

fn is_han(c: char) -> bool {
    matches!(c,
        '\u{4e00}'..='\u{9fff}' | '\u{3400}'..='\u{4dbf}' // CJK ideographs
        | '\u{3000}'..='\u{303f}'                          // CJK punctuation: 、。「」
        | '\u{ff01}'..='\u{ff5e}') // full-width forms: ：，（）
}

/// Every word of `text` that is not in `lang`: a Latin word in Chinese (not an identifier, which
/// holds a digit, nor an accepted one), any Chinese in English.
pub fn leaks(lang: Lang, text: &str) -> Vec<String> {
    let text = without_data(text);
    match lang {
        Lang::ZhCn => text
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            .map(|w| w.trim_matches('-'))
            .filter(|w| w.chars().any(|c| c.is_ascii_alphabetic()))
            .filter(|w| !w.chars().any(|c| c.is_ascii_digit()))
            .filter(|w| !LATIN_ON_CHINESE_SCREENS.contains(w))
            .map(str::to_string)
            .collect(),
        Lang::En => {
            let mut text = text;
            for allowed in CHINESE_ON_ENGLISH_SCREENS {
                text = text.replace(allowed, " ");
            }
            text.split(|c: char| !is_han(c))
                .filter(|w| !w.is_empty())
                .map(str::to_string)
                .collect()
        }
    }
}

/// The leaks of every text, each said with where it was seen and the whole text around it.
pub fn check(lang: Lang, place: &str, texts: &[String]) -> Vec<String> {
    let mut seen = std::collections::BTreeSet::new();
    texts
        .iter()
        .filter(|t| seen.insert(t.as_str()))
        .filter_map(|t| {
            let words = leaks(lang, t);
            (!words.is_empty()).then(|| format!("{place} [{}]: {words:?} in {t:?}", lang.code()))
        })
        .collect()
}
