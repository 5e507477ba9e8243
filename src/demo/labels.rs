//! Pictures of the demo ward's wristbands and bag labels, so that a newcomer without a scanner
//! can "scan" them by choosing an image (`scan::scan_image`). They are drawn from the issue
//! records the device pulled, so each picture says exactly what the blood bank issued —
//! including the unit that is about to expire, which the check must then warn about or stop.
//!
//! The texts come from the domain's own types through `label::format_structure`, the inverse of
//! the parser the check uses: a label drawn here reads back to the record's values or the
//! round-trip tests of `domain::label` fail, never a hand-written ISBT 128 string.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context};
use chrono::{NaiveDateTime, Timelike};
use rxing::BarcodeFormat;

use bedside_core::check::{component_text, IssueRecord, PatientRecord};
use bedside_core::label::{
    check_character, code_of_group, format_structure, BloodGroupLabel, Din, ProductCode, Structure,
};
use bedside_core::messages::Text;
use bedside_scan::draw::{one_d_modules, Canvas};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LabelKind {
    Wristband,
    Bag,
}

/// One drawn picture and what to show beside it in a picker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoLabel {
    pub path: PathBuf,
    pub kind: LabelKind,
    /// "张伟的腕带", "张伟 · A9999 26 400101 · 红细胞" (in both languages).
    pub caption: Text,
    /// The patient the wristband names or the unit was issued for.
    pub mrn: String,
}

/// Pixels per bar module: small pictures decode in a few milliseconds, and 2 px keeps every
/// bar crisp (no rounding) while the longest ISBT 128 symbol stays under 500 px wide.
const MODULE_PX: u32 = 2;
/// Bar height of each symbol.
const BAR_PX: u32 = 60;
/// White above, below and between the symbols. Stacked symbols need a clear band between them:
/// the multi-symbol reader finds one, then looks again above and below it.
const GAP_PX: u32 = 30;
/// White left and right, beyond the 10-module quiet zone rxing draws into every symbol.
const SIDE_PX: u32 = 20;

/// Draws one wristband per patient and one bag label per unit (DIN) of `records` into `dir`:
/// `wristband-<mrn>.png`, `bag-<din>.png`. Returned wristbands first, then bags, each by
/// patient (MRN), then DIN. A DIN issued more than once is drawn from its newest issue, the
/// record the check counts. Every record gets a bag, whatever its status: a recalled unit's
/// label is exactly what a nurse might still hold, and the check must stop it.
pub fn draw_demo_labels(records: &[IssueRecord], dir: &Path) -> anyhow::Result<Vec<DemoLabel>> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut patients: BTreeMap<&str, &PatientRecord> = BTreeMap::new();
    let mut units: BTreeMap<&str, &IssueRecord> = BTreeMap::new();
    for r in records {
        patients.entry(r.patient.mrn.as_str()).or_insert(&r.patient);
        let newest = units.entry(r.unit.din.as_str()).or_insert(r);
        if r.issued_at > newest.issued_at {
            *newest = r;
        }
    }
    let mut bags: Vec<&IssueRecord> = units.into_values().collect();
    bags.sort_by(|a, b| (&a.patient.mrn, &a.unit.din).cmp(&(&b.patient.mrn, &b.unit.din)));

    let mut labels = Vec::new();
    for patient in patients.values() {
        let path = dir.join(format!("wristband-{}.png", file_safe(&patient.mrn)));
        draw_stack(&[wristband_text(patient)], &path)?;
        labels.push(DemoLabel {
            path,
            kind: LabelKind::Wristband,
            caption: Text::tr("{name}'s wristband", &[("name", &patient.name)]),
            mrn: patient.mrn.clone(),
        });
    }
    for record in bags {
        let texts = bag_label_texts(record)?;
        let path = dir.join(format!("bag-{}.png", file_safe(&record.unit.din)));
        draw_stack(&texts, &path)?;
        labels.push(DemoLabel {
            path,
            kind: LabelKind::Bag,
            caption: Text::tr_with(
                "{name} · {din} · {component}",
                &[
                    ("name", (&record.patient.name).into()),
                    ("din", (&spaced_din(&record.unit.din)).into()),
                    ("component", (&component_text(record.unit.component)).into()),
                ],
            ),
            mrn: record.patient.mrn.clone(),
        });
    }
    Ok(labels)
}

/// What the wristband's barcode carries: under the `plain` profile the whole text is the
/// patient identifier, which the check compares with the record's wristband number or MRN.
/// A patient with a wristband number wears that; the demo ward's patients have only an MRN.
pub fn wristband_text(patient: &PatientRecord) -> String {
    patient
        .wristband_id
        .clone()
        .unwrap_or_else(|| patient.mrn.clone())
}

/// The four ISBT 128 data structures the check reads from a bag, in the order a blood centre
/// prints them: DIN with flag characters, ABO/RhD, product code, expiry date and time.
pub fn bag_label_texts(record: &IssueRecord) -> anyhow::Result<[String; 4]> {
    let unit = &record.unit;
    let check_char = check_character(&unit.din)
        .ok_or_else(|| anyhow!("unit number {:?} is not an ISBT 128 DIN", unit.din))?;
    let code = code_of_group(unit.group)
        .ok_or_else(|| anyhow!("unit {} has no ISBT 128 group code", unit.din))?;
    let structures = [
        Structure::Din(Din {
            din: unit.din.clone(),
            // `00`: flag characters not used, what most printed labels carry.
            flags: Some("00".into()),
            check_char,
            keyed: false,
        }),
        Structure::BloodGroup(BloodGroupLabel {
            code: code.to_string(),
            abo: unit.group.abo,
            rhd: unit.group.rhd,
            // No Rh/Kell phenotype printed.
            phenotype: '0',
            special: None,
            intended_use: None,
            message: None,
        }),
        Structure::ProductCode(ProductCode {
            product_code: unit.product_code.clone(),
        }),
        Structure::Expiry {
            expires_at: label_expiry(unit.expires_at.naive_local()),
            with_time: true,
        },
    ];
    let texts = structures.map(|s| format_structure(&s));
    match texts {
        [Some(a), Some(b), Some(c), Some(d)] => Ok([a, b, c, d]),
        _ => Err(anyhow!("unit {} cannot be written as ISBT 128", unit.din)),
    }
}

/// ISBT 128 expiry is wall-clock time to the minute (the hospital's local time, the offset the
/// blood bank wrote the record in). Rounding down keeps the label never later than the record,
/// so the demo's near-expiry unit expires on its label no later than in the blood bank.
fn label_expiry(expires_at: NaiveDateTime) -> NaiveDateTime {
    expires_at
        .with_nanosecond(0)
        .and_then(|t| t.with_second(0))
        .unwrap_or(expires_at)
}

/// Draws `texts` as Code 128 symbols one under the other and saves the picture.
fn draw_stack(texts: &[String], path: &Path) -> anyhow::Result<()> {
    let widths = texts
        .iter()
        .map(|t| Ok(one_d_modules(BarcodeFormat::CODE_128, t)? * MODULE_PX))
        .collect::<anyhow::Result<Vec<u32>>>()?;
    let width = widths.iter().max().copied().unwrap_or(0) + 2 * SIDE_PX;
    let rows = texts.len() as u32;
    let height = GAP_PX + rows * (BAR_PX + GAP_PX);
    let mut canvas = Canvas::white(width, height);
    for (i, (text, w)) in texts.iter().zip(&widths).enumerate() {
        let top = GAP_PX + i as u32 * (BAR_PX + GAP_PX);
        canvas.try_draw(BarcodeFormat::CODE_128, text, (SIDE_PX, top), (*w, BAR_PX))?;
    }
    canvas
        .write_png(path)
        .with_context(|| format!("cannot write {}", path.display()))
}

/// `A999926400101` → `A9999 26 400101`: facility, year, serial, the way a label prints the
/// DIN for the eye.
fn spaced_din(din: &str) -> String {
    match (din.get(..5), din.get(5..7), din.get(7..)) {
        (Some(facility), Some(year), Some(serial)) if din.len() == 13 => {
            format!("{facility} {year} {serial}")
        }
        _ => din.to_string(),
    }
}

/// MRNs and DINs are letters and digits; anything else would not belong in a file name.
fn file_safe(id: &str) -> String {
    id.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use bedside_core::blood::{Abo, Component, Group, Rhd};
    use bedside_core::check::{Crossmatch, UnitRecord};
    use bedside_core::label::{parse_scan, LabelProfile};

    fn record(mrn: &str, din: &str, expires: &str) -> IssueRecord {
        let at = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap();
        IssueRecord {
            dispense_id: format!("bdpd-{din}"),
            status: "issued".into(),
            issued_at: at("2026-11-23T09:00:00+08:00"),
            patient: PatientRecord {
                mrn: mrn.into(),
                wristband_id: None,
                name: "张伟".into(),
                birth_date: None,
                group: Group::new(Some(Abo::O), Some(Rhd::Pos)),
                requirements: vec![],
                sex: None,
                merged_ids: vec![],
                bed: None,
            },
            unit: UnitRecord {
                din: din.into(),
                product_code: "E0001V00".into(),
                component: Component::RedCells,
                group: Group::new(Some(Abo::O), Some(Rhd::Pos)),
                expires_at: at(expires),
                attributes: vec![],
            },
            crossmatch: Some(Crossmatch {
                result: "compatible".into(),
                sample_expires_at: None,
            }),
            started_by: None,
            emergency: None,
        }
    }

    #[test]
    fn bag_texts_parse_back_to_the_record_with_expiry_rounded_down_to_the_minute() {
        let r = record("ZY1", "A999926400101", "2026-11-23T10:29:59.900+08:00");
        let texts = bag_label_texts(&r).unwrap();
        let parsed: Vec<Structure> = texts
            .iter()
            .flat_map(|t| parse_scan(t, &LabelProfile::default()).unwrap())
            .collect();
        assert!(matches!(&parsed[0], Structure::Din(d) if d.din == "A999926400101"));
        assert!(matches!(&parsed[1], Structure::BloodGroup(g) if g.group() == r.unit.group));
        assert!(matches!(&parsed[2], Structure::ProductCode(p) if p.product_code == "E0001V00"));
        let expected = chrono::NaiveDate::from_ymd_opt(2026, 11, 23)
            .unwrap()
            .and_hms_opt(10, 29, 0)
            .unwrap();
        assert_eq!(
            parsed[3],
            Structure::Expiry {
                expires_at: expected,
                with_time: true
            }
        );
    }

    #[test]
    fn one_wristband_per_patient_one_bag_per_din_wristbands_first_sorted() {
        let dir = tempfile::tempdir().unwrap();
        let mut newer = record("ZY1", "A999926400101", "2026-12-01T00:00:00+08:00");
        newer.issued_at += chrono::Duration::hours(1);
        newer.unit.product_code = "E3002A00".into();
        let records = [
            record("ZY2", "A999926400103", "2026-12-01T00:00:00+08:00"),
            record("ZY1", "A999926400101", "2026-12-01T00:00:00+08:00"),
            newer,
            record("ZY1", "A999926400102", "2026-12-01T00:00:00+08:00"),
        ];
        let labels = draw_demo_labels(&records, dir.path()).unwrap();
        let names: Vec<String> = labels
            .iter()
            .map(|l| l.path.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            names,
            [
                "wristband-ZY1.png",
                "wristband-ZY2.png",
                "bag-A999926400101.png",
                "bag-A999926400102.png",
                "bag-A999926400103.png"
            ]
        );
        assert!(labels.iter().all(|l| l.path.exists()));
        assert_eq!(labels[2].caption.zh(), "张伟 · A9999 26 400101 · 红细胞");
        assert_eq!(labels[2].caption.en(), "张伟 · A9999 26 400101 · red cells");
        // The re-issued DIN is drawn from its newest record.
        let texts = bedside_scan::scan_image(&labels[2].path).unwrap();
        assert!(texts.contains(&"=<E3002A00".to_string()), "{texts:?}");
    }
}
