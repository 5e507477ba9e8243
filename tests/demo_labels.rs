//! The demo's pictures of wristbands and bag labels, drawn from what a device pulled from the
//! demo blood bank, "scanned" back from their files: every bag reads back to its record, every
//! wristband to its patient, and a patient's pictures carry the bedside check to a full
//! checklist. A file that is no image, or shows no barcode, is a scan problem, not a panic.

mod common;

use std::path::Path;

use bedside::demo::labels::{draw_demo_labels, DemoLabel, LabelKind};
use bedside_app::verify::{ScanSource, VerifyFlow};
use bedside_clock::{Clock, SystemClock};
use bedside_core::check::{IssueRecord, ReasonCode};
use bedside_core::label::{parse_scan, LabelProfile, Structure};
use bedside_core::policy::Policy;
use bedside_core::wristband::patient_identifier;
use bedside_scan::{scan_image, ScanProblem};
use chrono::{Duration, Timelike};
use common::*;

struct Pulled {
    _bank: Bank,
    _store_dir: tempfile::TempDir,
    store: bedside_store::Store,
    records: Vec<IssueRecord>,
    pictures: tempfile::TempDir,
    labels: Vec<DemoLabel>,
}

/// A device that pulled the demo ward, and the demo's pictures drawn from its records.
fn pulled_and_drawn() -> Pulled {
    let bank = demo_bank();
    let (store_dir, mut store) = temp_store();
    let summary = cycle(&mut store, &settings(&bank.running.base_url));
    assert!(summary.pull_complete, "{summary:?}");
    let (records, problems) = store.cached().unwrap().issue_records();
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(
        records.len(),
        9,
        "eight planned units and the green channel's"
    );
    let pictures = tempfile::tempdir().unwrap();
    let labels = draw_demo_labels(&records, pictures.path()).unwrap();
    Pulled {
        _bank: bank,
        _store_dir: store_dir,
        store,
        records,
        pictures,
        labels,
    }
}

fn scan_texts(path: &Path) -> Vec<String> {
    scan_image(path).unwrap_or_else(|p| panic!("{}: {}", path.display(), p.code()))
}

#[test]
fn every_bag_reads_back_to_its_record_and_every_wristband_to_its_patient() {
    let p = pulled_and_drawn();
    let kinds: Vec<LabelKind> = p.labels.iter().map(|l| l.kind).collect();
    // Nine patients (the green channel's EM260001 among them), nine bags.
    assert_eq!(kinds[..9], [LabelKind::Wristband; 9]);
    assert_eq!(kinds[9..], [LabelKind::Bag; 9]);

    let policy = Policy::default();
    for label in &p.labels {
        let image = image::image_dimensions(&label.path).unwrap();
        assert!(image.0 <= 600, "{}: {image:?}", label.path.display());
        let texts = scan_texts(&label.path);
        match label.kind {
            LabelKind::Wristband => {
                assert_eq!(texts.len(), 1, "{texts:?}");
                let id = patient_identifier(&texts[0], &policy).unwrap();
                let patient = &p
                    .records
                    .iter()
                    .find(|r| r.patient.mrn == label.mrn)
                    .unwrap()
                    .patient;
                assert!(
                    id == patient.mrn || patient.wristband_id.as_deref() == Some(id.as_str()),
                    "{id} for {}",
                    patient.mrn
                );
                assert!(
                    label.caption.zh().contains(&patient.name),
                    "{}",
                    label.caption.zh()
                );
            }
            LabelKind::Bag => {
                assert_eq!(texts.len(), 4, "{texts:?}");
                let structures: Vec<Structure> = texts
                    .iter()
                    .flat_map(|t| parse_scan(t, &LabelProfile::default()).unwrap())
                    .collect();
                let din = structures
                    .iter()
                    .find_map(|s| match s {
                        Structure::Din(d) => Some(d.din.clone()),
                        _ => None,
                    })
                    .unwrap();
                let record = p.records.iter().find(|r| r.unit.din == din).unwrap();
                assert_eq!(label.mrn, record.patient.mrn);
                assert!(label.caption.zh().contains(&record.patient.name));
                let unit = &record.unit;
                // The record's expiry, to the minute an ISBT 128 label can say.
                let expected_expiry = unit
                    .expires_at
                    .naive_local()
                    .with_second(0)
                    .unwrap()
                    .with_nanosecond(0)
                    .unwrap();
                let mut seen = 0;
                for s in &structures {
                    match s {
                        Structure::Din(d) => {
                            assert_eq!(d.din, unit.din);
                            assert!(!d.keyed);
                        }
                        Structure::BloodGroup(g) => assert_eq!(g.group(), unit.group),
                        Structure::ProductCode(c) => assert_eq!(c.product_code, unit.product_code),
                        Structure::Expiry { expires_at, .. } => {
                            assert_eq!(*expires_at, expected_expiry)
                        }
                        other => panic!("unexpected {other:?}"),
                    }
                    seen += 1;
                }
                assert_eq!(seen, 4);
            }
        }
    }
    // The file names say what each picture is.
    assert!(p.pictures.path().join("wristband-ZY26001001.png").exists());
    assert!(p.pictures.path().join("bag-A999926400101.png").exists());
}

#[test]
fn a_patients_pictures_complete_the_checklist_and_the_near_expiry_unit_stops_once_expired() {
    let p = pulled_and_drawn();
    let now = SystemClock::china().now();
    // 刘芳's red cells expire 90 minutes after the demo was seeded.
    for (mrn, din) in [
        ("ZY26001001", "A999926400101"),
        ("ZY26001004", "A999926400104"),
    ] {
        let snapshot = bedside_core::check::CacheSnapshot {
            issued: p.records.clone(),
            synced_at: p.store.cache_synced_at().unwrap(),
            ..Default::default()
        };
        let mut flow = VerifyFlow::new(nurse("N0451", "陈静"), snapshot, Policy::default());
        let wristband = p
            .labels
            .iter()
            .find(|l| l.kind == LabelKind::Wristband && l.mrn == mrn)
            .unwrap();
        let bag = p
            .labels
            .iter()
            .find(|l| l.kind == LabelKind::Bag && l.path.ends_with(format!("bag-{din}.png")))
            .unwrap();
        let band = scan_texts(&wristband.path);
        let named = flow.scan_wristband(&band[0]).unwrap();
        assert!(named.contains(mrn), "{named}");
        for text in scan_texts(&bag.path) {
            flow.scan_bag(&text, ScanSource::Scanner).unwrap();
        }
        let checklist = flow.checklist();
        assert_eq!(checklist.len(), 4);
        assert!(
            checklist.iter().all(|item| item.value.is_some()),
            "{checklist:?}"
        );
        assert_eq!(checklist[0].value.as_ref().map(|v| v.en()), Some(din));
        assert!(flow.bag_complete());

        let expired_soon = |at| {
            flow.outcome(at)
                .reasons
                .iter()
                .any(|r| r.code == ReasonCode::UnitExpired)
        };
        assert!(!expired_soon(now), "{mrn}: not yet expired");
        let in_two_hours = now + Duration::hours(2);
        assert_eq!(
            expired_soon(in_two_hours),
            din == "A999926400104",
            "{mrn}: only the near-expiry unit has expired two hours on"
        );
    }
}

#[test]
fn a_text_file_and_a_blank_picture_are_scan_problems_not_panics() {
    let dir = tempfile::tempdir().unwrap();
    let notes = dir.path().join("notes.png");
    std::fs::write(&notes, "not a picture").unwrap();
    assert_eq!(scan_image(&notes), Err(ScanProblem::NotAnImage));

    let blank = dir.path().join("blank.png");
    image::GrayImage::from_pixel(400, 300, image::Luma([255]))
        .save(&blank)
        .unwrap();
    assert_eq!(scan_image(&blank), Err(ScanProblem::NoBarcode));

    let missing = dir.path().join("missing.png");
    assert_eq!(scan_image(&missing), Err(ScanProblem::UnreadableFile));
}
