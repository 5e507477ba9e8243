//! The language leak check (issue 19): what a nurse reads in Chinese holds no English word, and
//! what she reads in English no Chinese — apart from data (the names, beds and ward the blood bank
//! holds, what a person typed), identifiers, and the few Latin words a Chinese ward writes as
//! they are. Used on every screen the UI tests shoot (`ui::Shots::both`) and on the exports
//! (tests/language_leaks.rs).

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::fmt;
use std::sync::{Arc, OnceLock};

use bedside_core::messages::Lang;
use serde_json::Value;

/// The only Latin words allowed on a Chinese screen, PDF or CSV. Each is what a Chinese
/// nursing department writes in Latin itself; anything else in Latin is a word left untranslated.
const LATIN_IN_CHINESE: &[&str] = &[
    // Units, as Chinese charts and infusion orders print them (ml, mmHg, °C, 次/min…).
    "ml", "mL", "mmHg", "bpm", "min", "h", "kg", "°C",
    // Blood labelling and its barcodes: ISBT 128 and its donation number (DIN) have no Chinese
    // names on a label or in the national standard WS/T 203's Chinese text.
    "ISBT", "DIN",
    // Blood group systems, written so in Chinese reports (ABO血型, RhD阴性).
    "ABO", "RhD", "Rh", // The interchange standards the hospital's IT names them by.
    "FHIR", "HL7",
    // Device words Chinese staff use as they are: the badge's PIN, a patient or record ID, the
    // export formats.
    "PIN", "ID", "CSV", "PDF",
];

/// The language switch names each language in its own script, as every language picker does:
/// the one text allowed in both languages.
const LANGUAGE_SWITCH: &str = "中文 / English";

thread_local! {
    /// What the test typed as a nurse would (free text, a reason, a badge): hers, shown as she
    /// wrote it in either language. Per thread: each test registers its own.
    static TYPED: RefCell<BTreeSet<String>> = const { RefCell::new(BTreeSet::new()) };
}

/// Marks `text` as typed by a person: shown in whatever language she wrote it.
pub fn typed(text: &str) {
    let text = text.trim();
    if text.chars().any(char::is_alphabetic) {
        TYPED.with(|t| t.borrow_mut().insert(text.to_string()));
    }
}

/// Data the demo blood bank seeds, legitimately in another script on an English screen: the
/// patients', staff's and doctor's names, the ward and the beds (what a FHIR reference displays),
/// and the blood bank staff's notes. Read from a freshly seeded demo blood bank, so it follows
/// the demo data rather than a copy of it. Coded displays ("Ward", "Transfusion of red blood
/// cells") are not data: the app shows its own words for codes.
pub fn seeded_data() -> &'static [String] {
    static SEEDED: OnceLock<Vec<String>> = OnceLock::new();
    SEEDED.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bloodbank.db");
        let clock = Arc::new(bedside_clock::SystemClock::china());
        let mut db = bedside_bloodbank::db::BloodBankDb::open(&path, clock).unwrap();
        bedside_bloodbank::demo::seed(&mut db).unwrap();
        let types: Vec<String> = {
            let conn = rusqlite::Connection::open(&path).unwrap();
            let mut stmt = conn.prepare("SELECT DISTINCT type FROM resource").unwrap();
            let rows = stmt.query_map([], |r| r.get(0)).unwrap();
            rows.map(Result::unwrap).collect()
        };
        let mut found = BTreeSet::new();
        for ty in &types {
            for stored in db.of_type(ty, None).unwrap() {
                data_in(&stored.json, &mut found);
            }
        }
        found.into_iter().collect()
    })
}

/// Names (HumanName.text, a Location's or Organization's name), reference displays (an object with a display and no
/// code: a patient, a bed, the doctor) and notes' texts within a FHIR resource.
fn data_in(value: &Value, found: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            if let (Some(Value::String(display)), None) = (map.get("display"), map.get("code")) {
                found.insert(display.clone());
            }
            let place = matches!(
                map.get("resourceType").and_then(Value::as_str),
                Some("Location" | "Organization")
            );
            match map.get("name") {
                Some(Value::String(name)) if place => {
                    found.insert(name.clone());
                }
                Some(Value::Array(names)) => found.extend(
                    names
                        .iter()
                        .filter_map(|n| n["text"].as_str())
                        .map(str::to_string),
                ),
                _ => {}
            }
            if let Some(Value::Array(notes)) = map.get("note") {
                found.extend(
                    notes
                        .iter()
                        .filter_map(|n| n["text"].as_str())
                        .map(str::to_string),
                );
            }
            map.values().for_each(|v| data_in(v, found));
        }
        Value::Array(items) => items.iter().for_each(|v| data_in(v, found)),
        _ => {}
    }
}

/// `text` with every datum (seeded or typed) and the language switch blanked, longest first so
/// a name inside a longer datum goes with it. A datum's Latin end is only matched on a word
/// boundary: a typed "0388" does not eat into a badge N0388.
fn without_data(text: &str) -> String {
    let mut data: Vec<String> = seeded_data().to_vec();
    TYPED.with(|t| data.extend(t.borrow().iter().cloned()));
    data.push(LANGUAGE_SWITCH.to_string());
    data.sort_by_key(|d| std::cmp::Reverse(d.len()));
    data.iter()
        .filter(|d| !d.trim().is_empty())
        .fold(text.to_string(), |t, d| blank_whole(&t, d))
}

fn blank_whole(text: &str, datum: &str) -> String {
    let word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(datum) {
        let (before, after) = (&rest[..at], &rest[at + datum.len()..]);
        let glued_before = word(before.chars().next_back()) && word(datum.chars().next());
        let glued_after = word(after.chars().next()) && word(datum.chars().next_back());
        out.push_str(before);
        out.push_str(if glued_before || glued_after {
            datum
        } else {
            " "
        });
        rest = after;
    }
    out.push_str(rest);
    out
}

/// Chinese script: CJK ideographs, CJK punctuation (、。「」【】) and the full-width forms
/// (：，（）；！？) that Chinese text uses and English never does.
pub fn is_han(c: char) -> bool {
    matches!(c,
        '\u{3400}'..='\u{4dbf}' | '\u{4e00}'..='\u{9fff}' | '\u{f900}'..='\u{faff}'
        | '\u{20000}'..='\u{2fa1f}' | '\u{3000}'..='\u{303f}' | '\u{ff00}'..='\u{ffef}')
}

/// A blood group's letter before 型 or its Rh ("A型", "O RhD阴性", "AB型"): how Chinese reports
/// write the group.
fn is_blood_group(word: &str, after: &str) -> bool {
    matches!(word, "A" | "B" | "AB" | "O")
        && (after.starts_with('型') || after.trim_start().starts_with("Rh"))
}

/// Identifiers that are more than one run of letters and digits, blanked: a file's absolute
/// path (where an export was saved: the device's name for it) and a URN (`urn:uuid:…`, a
/// record's id, as the CSV's record-id column carries it). Two path segments at least, ASCII
/// only: "/min" is a unit, not a path.
fn without_identifiers(text: &str) -> String {
    static IDS: OnceLock<regex::Regex> = OnceLock::new();
    let ids = IDS.get_or_init(|| {
        regex::Regex::new(
            r"(?:^|[^A-Za-z0-9._-])(/[A-Za-z0-9._-]+(?:/[A-Za-z0-9._-]+)+|urn:[a-z0-9]+:[A-Za-z0-9._:-]+)",
        )
        .unwrap()
    });
    ids.replace_all(text, |c: &regex::Captures| c[0].replace(&c[1], " "))
        .into_owned()
}

/// Every word of `text` that is not in `lang`: in Chinese, each Latin word (`latin_words`:
/// identifiers are not words) not on the allow-list; in English, each run of Chinese script.
/// Data, paths and URNs are taken out first.
pub fn leaks(lang: Lang, text: &str) -> Vec<String> {
    let text = without_identifiers(&without_data(text));
    match lang {
        Lang::ZhCn => latin_words(&text)
            .into_iter()
            .filter(|(at, word)| {
                let before = text[..*at].chars().next_back();
                let after = &text[at + word.len()..];
                let allowed = if before == Some('°') {
                    LATIN_IN_CHINESE.contains(&format!("°{word}").as_str())
                } else {
                    LATIN_IN_CHINESE.contains(word) || is_blood_group(word, after)
                };
                !allowed
            })
            .map(|(_, w)| w.to_string())
            .collect(),
        Lang::En => text
            .split(|c: char| !is_han(c))
            .filter(|run| !run.is_empty())
            .map(str::to_string)
            .collect(),
    }
}

/// The Latin words of `text`, with their offsets: runs of ASCII letters, digits, underscores
/// (inside a code such as `no_second_checker`) and hyphens. A run holding a digit is an
/// identifier (A999926400101, E0001V00, N0451, pat-1002, YZ-EM260001), save for a part of
/// four letters or more glued to a number, which is a word ("15-minute"); a run without one
/// is words, split at its hyphens ("unknown-product").
fn latin_words(text: &str) -> Vec<(usize, &str)> {
    let is_part = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    let mut words = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices().chain([(text.len(), ' ')]) {
        match (is_part(c), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                let run = &text[s..i];
                let identifier = run.chars().any(|c| c.is_ascii_digit());
                let mut at = s;
                for part in run.split('-') {
                    let word = part.trim_matches('_');
                    let letters = word.chars().all(|c| c.is_ascii_alphabetic() || c == '_');
                    let keep = word.chars().any(|c| c.is_ascii_alphabetic())
                        && (!identifier || (letters && word.len() >= 4));
                    if keep {
                        words.push((at + part.find(word).unwrap_or(0), word));
                    }
                    at += part.len() + 1;
                }
                start = None;
            }
            _ => {}
        }
    }
    words
}

/// Words in the wrong language: where they were seen, in which language, and the whole text.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Leak {
    pub place: String,
    pub lang: &'static str,
    pub words: Vec<String>,
    pub text: String,
}

impl fmt::Display for Leak {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} [{}] {:?} in {:?}",
            self.place, self.lang, self.words, self.text
        )
    }
}

/// The leaks of the texts seen at `place` in `lang`, one per text (a text seen twice once).
pub fn check(lang: Lang, place: &str, texts: &[String]) -> Vec<Leak> {
    let distinct: BTreeSet<&String> = texts.iter().collect();
    distinct
        .into_iter()
        .filter_map(|text| {
            let words = leaks(lang, text);
            (!words.is_empty()).then(|| Leak {
                place: place.to_string(),
                lang: lang.code(),
                words,
                text: text.clone(),
            })
        })
        .collect()
}

/// Fails listing every leak, one a line.
pub fn assert_none(what: &str, found: &[Leak]) {
    let lines: Vec<String> = found.iter().map(Leak::to_string).collect();
    assert!(
        found.is_empty(),
        "{what}: {} text(s) with words not in the reader's language:\n{}",
        found.len(),
        lines.join("\n")
    );
}

/// The text of every page of a PDF as `pdftotext` (poppler-utils) reads it, a block (what it
/// sets apart by a blank line: a table cell, a paragraph) at a time, its wrapped lines joined
/// (without a space where Chinese text wrapped), so that a name or a typed reason broken over
/// two lines is still one datum.
pub fn pdf_blocks(pdf: &[u8]) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("export.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .expect("`pdftotext` is missing: install poppler-utils (scripts/setup.sh does)");
    assert!(
        out.status.success(),
        "pdftotext: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout)
        .unwrap()
        .replace('\u{c}', "\n\n");
    text.split("\n\n")
        .map(|block| {
            block.lines().map(str::trim).filter(|l| !l.is_empty()).fold(
                String::new(),
                |mut joined, line| {
                    let han_break = joined.chars().next_back().is_some_and(is_han)
                        || line.chars().next().is_some_and(is_han);
                    if !joined.is_empty() && !han_break {
                        joined.push(' ');
                    }
                    joined.push_str(line);
                    joined
                },
            )
        })
        .filter(|b| !b.is_empty())
        .collect()
}

/// The cells of a CSV export (UTF-8, its BOM, quoted fields with doubled quotes).
pub fn csv_cells(csv: &[u8]) -> Vec<String> {
    let text = String::from_utf8(csv.to_vec()).unwrap();
    let text = text.trim_start_matches('\u{feff}');
    let (mut cells, mut cell, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cell.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',' | '\r' | '\n', false) => cells.push(std::mem::take(&mut cell)),
            _ => cell.push(c),
        }
    }
    cells.push(cell);
    cells.retain(|c| !c.trim().is_empty());
    cells
}
