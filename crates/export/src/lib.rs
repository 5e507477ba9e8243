//! The charge nurse's exports of the ward's records: CSV for Excel and WPS, PDF reports with the
//! vital-sign chart (`pdf`; the chart's layout in `chart` is shared with the touch screen), and
//! FHIR for other systems. Pure functions of the records (plain data from `domain::review`) to
//! bytes; the caller decides where the bytes go and audits the export.

use std::fmt;
use std::str::FromStr;

use serde_json::{json, Value};

use bedside_clock::Instant;
use bedside_core::check::{component_name, reason_title_of};
use bedside_core::event::BedsideEvent;
use bedside_core::messages::{tr, tr_noop, Lang, Text};
use bedside_core::observations::suspected_words;
use bedside_core::review::{ReviewRow, TransfusionReview};
use bedside_fhir::bundle;

pub mod chart;
pub mod pdf;

pub use pdf::{period_pdf, transfusion_pdf, PdfError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Pdf,
    Fhir,
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Csv => "csv",
            Format::Pdf => "pdf",
            Format::Fhir => "fhir",
        })
    }
}

impl FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Format, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "csv" => Ok(Format::Csv),
            "pdf" => Ok(Format::Pdf),
            "fhir" | "json" => Ok(Format::Fhir),
            other => Err(format!(
                "unknown export format {other:?}: use csv, pdf or fhir"
            )),
        }
    }
}

impl Format {
    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Pdf => "pdf",
            Format::Fhir => "json",
        }
    }
}

/// A review as one line of a list.
pub fn row_of(r: &TransfusionReview) -> ReviewRow {
    ReviewRow {
        procedure_urn: r.procedure_urn.clone(),
        patient_id: r.patient_id.clone(),
        patient_name: r.patient_name.clone(),
        din: r.din.clone(),
        component: r.component,
        started_at: r.started_at,
        ended_at: r.ended_at,
        outcome: r.outcome,
        rounds: u32::try_from(r.rounds.len()).unwrap_or(u32::MAX),
        unsent: r.sync.unsent,
        quarantined: r.sync.refused,
    }
}

/// UTF-8's byte order mark: without it Excel reads the file as the system's code page and the
/// Chinese turns to mojibake.
const BOM: &str = "\u{feff}";

/// One CSV field: quoted when it holds a separator, a quote or a line break; and a text that a
/// spreadsheet would run as a formula (an ISBT scan starts with `=`) is kept as text.
fn field(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_string()
    };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

fn time(t: &Instant) -> String {
    t.format("%Y-%m-%d %H:%M").to_string()
}

const CSV_COLUMNS: [&str; 24] = [
    tr_noop("Started"),
    tr_noop("Ended"),
    tr_noop("Minutes"),
    tr_noop("Patient ID"),
    tr_noop("Patient name"),
    tr_noop("DIN"),
    tr_noop("Product"),
    tr_noop("Component"),
    tr_noop("Outcome"),
    tr_noop("First checker"),
    tr_noop("Second checker"),
    tr_noop("Checked at"),
    tr_noop("All scanned"),
    tr_noop("Keyed in because"),
    tr_noop("Acknowledged warnings"),
    tr_noop("Rounds"),
    tr_noop("Baseline"),
    tr_noop("Highest temperature (°C)"),
    tr_noop("Volume (ml)"),
    tr_noop("Keep bag until"),
    tr_noop("Suspected reaction"),
    tr_noop("Serious"),
    tr_noop("Unsent records"),
    tr_noop("Record id"),
];

/// The transfusions as a CSV table (UTF-8 with BOM, CRLF, one row each), headed in `lang`.
pub fn csv_transfusions(reviews: &[TransfusionReview], lang: Lang) -> Vec<u8> {
    let yes_no = |b: bool| if b { tr(lang, "yes") } else { tr(lang, "no") };
    let mut out = String::with_capacity(256 * (reviews.len() + 1));
    out.push_str(BOM);
    let header: Vec<&str> = CSV_COLUMNS.iter().map(|msgid| tr(lang, msgid)).collect();
    out.push_str(&header.join(","));
    out.push_str("\r\n");
    for r in reviews {
        let highest = r.rounds.iter().filter_map(|x| x.vitals.temp_tenths).max();
        let acks: Vec<String> = r
            .check
            .acknowledgements
            .iter()
            .map(|(code, reason)| {
                format!(
                    "{}{}{reason}",
                    reason_title_of(code).get(lang),
                    lang.colon()
                )
            })
            .collect();
        let cells = [
            time(&r.started_at),
            r.ended_at.as_ref().map(time).unwrap_or_default(),
            r.ended_at
                .map(|_| r.minutes(r.started_at).to_string())
                .unwrap_or_default(),
            r.patient_id.clone(),
            r.patient_name.clone(),
            r.din.clone(),
            r.product_id.clone(),
            component_name(r.component, lang).to_string(),
            r.outcome.words().get(lang).to_string(),
            r.check.first.label(),
            r.check.second.label(),
            time(&r.check.at),
            yes_no(r.check.keyed_reasons.is_empty()).to_string(),
            r.check.keyed_reasons.join("; "),
            acks.join("; "),
            r.rounds.len().to_string(),
            yes_no(r.rounds.iter().any(|x| x.slot == "baseline")).to_string(),
            highest
                .map(|t| format!("{}.{}", t / 10, (t % 10).abs()))
                .unwrap_or_default(),
            r.volume_ml.map(|v| v.to_string()).unwrap_or_default(),
            r.keep_until.as_ref().map(time).unwrap_or_default(),
            r.reaction
                .as_ref()
                .map(|x| suspected_words(&x.suspected).get(lang).to_string())
                .unwrap_or_default(),
            r.reaction
                .as_ref()
                .map(|x| yes_no(x.serious).to_string())
                .unwrap_or_default(),
            r.sync.unsent.to_string(),
            r.procedure_urn.clone(),
        ];
        let line: Vec<String> = cells.iter().map(|c| field(c)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out.into_bytes()
}

/// The transfusions' events as one FHIR `collection` Bundle: each transfusion's Procedure in its
/// final state, the Provenance of its check, every vital sign, and the AdverseEvent of a
/// reaction — the same resources the blood bank receives, referring to each other inside the
/// Bundle by the Procedure's own `urn:uuid`.
/// `mrn_system`: the site's record-number system (`[mapping] mrn_system`), for the near misses.
pub fn fhir_collection(events: &[BedsideEvent], now: &Instant, mrn_system: &str) -> Vec<u8> {
    const BASE: &str = "urn:bedside:export";
    // The update bundles name the Procedure by the blood bank's id: a placeholder here.
    const PROCEDURE_ID: &str = "exported";
    let mut entries: Vec<Value> = Vec::new();
    // Index into `entries` of each transfusion's Procedure, to apply its end or stop.
    let mut procedures: std::collections::HashMap<String, usize> = Default::default();
    for event in events {
        let urn = event.subject();
        let mut made = match event {
            BedsideEvent::Started(s) => bundle::start_bundle(s, "urn:x", BASE, now),
            BedsideEvent::ObservationsTaken(o) => bundle::observations_bundle(o, "urn:x", now),
            BedsideEvent::NearMiss(n) => bundle::near_miss_bundle(n, "urn:x", now, mrn_system),
            BedsideEvent::Ended(_) | BedsideEvent::ReactionReported(_) => {
                let Some(&at) = procedures.get(urn) else {
                    continue;
                };
                let current = entries[at]["resource"].clone();
                let mut update =
                    bundle::update_bundle(event, &current, PROCEDURE_ID, "1", "urn:x", BASE, now);
                let mut rest = take_entries(&mut update);
                if !rest.is_empty() {
                    let mut procedure = rest.remove(0)["resource"].take();
                    if let Some(o) = procedure.as_object_mut() {
                        o.remove("id");
                    }
                    entries[at]["resource"] = procedure;
                }
                let by_id = format!("Procedure/{PROCEDURE_ID}");
                for mut entry in rest {
                    replace_text(&mut entry, &by_id, urn);
                    entries.push(entry);
                }
                continue;
            }
        };
        let by_identifier = bundle::procedure_by_identifier(urn);
        for mut entry in take_entries(&mut made) {
            replace_text(&mut entry, &by_identifier, urn);
            if entry["resource"]["resourceType"] == "Procedure" {
                procedures.insert(urn.to_string(), entries.len());
            }
            entries.push(entry);
        }
    }
    // A reaction's bundle carries the triggering round again when it was recorded on its own
    // first: the same resources (same fullUrl), kept once.
    let mut seen = std::collections::HashSet::new();
    entries.retain(|e| match e["fullUrl"].as_str() {
        Some(url) => seen.insert(url.to_string()),
        None => true,
    });
    for entry in &mut entries {
        if let Some(o) = entry.as_object_mut() {
            o.remove("request");
        }
    }
    let bundle = json!({
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": bedside_fhir::date_time(now),
        "entry": entries,
    });
    serde_json::to_vec(&bundle).unwrap_or_default()
}

fn take_entries(bundle: &mut Value) -> Vec<Value> {
    match bundle["entry"].take() {
        Value::Array(v) => v,
        _ => Vec::new(),
    }
}

/// Every string equal to `from`, anywhere in `value`, becomes `to`.
fn replace_text(value: &mut Value, from: &str, to: &str) {
    match value {
        Value::String(s) if s == from => *s = to.to_string(),
        Value::Array(items) => items.iter_mut().for_each(|v| replace_text(v, from, to)),
        Value::Object(map) => map.values_mut().for_each(|v| replace_text(v, from, to)),
        _ => {}
    }
}

/// An audit row as a person reads it on the record screen and in its PDF: who (the link is
/// named, not coded), what (the action in words) and the detail, made into words for the actions
/// whose detail is the app's own technical text. The stored row is never changed: it is evidence,
/// and its technical detail stays for the IT team (`bedside audit verify`).
pub fn audit_line_words(actor: &str, action: &str, detail: &str) -> (Text, Text, Text) {
    use bedside_core::audit::AuditAction;
    let who = match actor {
        "sync" => Text::tr("blood-bank link", &[]),
        other => Text::same(other),
    };
    let what = AuditAction::words_of(action);
    let shown = bedside_core::review::audit_detail_shown(detail);
    let detail = match AuditAction::parse(action) {
        Some(AuditAction::Quarantined) => quarantined_detail(shown),
        Some(AuditAction::TransfusionRestarted) => restart_detail(shown),
        Some(AuditAction::Export) if shown == "pdf record" => Text::tr("this record as a PDF", &[]),
        _ => Text::same(shown),
    };
    (who, what, detail)
}

/// `outbox 6: unknown-product: …` → the record's number and the refusal in words.
fn quarantined_detail(detail: &str) -> Text {
    let mut parts = detail.splitn(3, ": ");
    let (Some(record), code, text) = (parts.next(), parts.next(), parts.next()) else {
        return Text::same(detail);
    };
    let number = record.trim_start_matches("outbox ").to_string();
    let why = bedside_fhir::outcome::refused_words(code, text);
    Text::tr_with(
        "record {n}: {why}",
        &[("n", (&number).into()), ("why", (&why).into())],
    )
}

/// `urn:…: repeat check by N0451 and N0388` → the two checkers in words.
fn restart_detail(detail: &str) -> Text {
    let Some((urn, rest)) = detail.split_once(": repeat check by ") else {
        return Text::same(detail);
    };
    let Some((by, second)) = rest.split_once(" and ") else {
        return Text::same(detail);
    };
    Text::tr(
        "{record}: repeat check by {by} and {second}",
        &[("record", urn), ("by", by), ("second", second)],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scan_or_a_formula_stays_text_and_separators_are_quoted() {
        assert_eq!(field("=W000012345678"), "'=W000012345678");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("张伟"), "张伟");
    }

    #[test]
    fn formats_parse_from_the_command_line() {
        assert_eq!("CSV".parse::<Format>(), Ok(Format::Csv));
        assert!("xls"
            .parse::<Format>()
            .unwrap_err()
            .contains("csv, pdf or fhir"));
    }
}
