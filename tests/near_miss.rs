//! Near misses reported (issue 17.4): a bedside check stopped for a wrong-blood reason reaches the
//! blood bank as one AdverseEvent with `actuality` potential, from the moment the stop is
//! recorded — across a killed app and a lost answer — and the charge nurse's indicators count it.

mod common;

use std::sync::atomic::Ordering;

use bedside_app::handheld::Handheld;
use bedside_app::verify::ScanSource;
use bedside_sync::http::{BloodBankHttp, Transport};
use common::*;
use serde_json::Value;

/// 李秀英's wristband, 张伟's bag: the check stops (`UNIT_FOR_OTHER_PATIENT`). Returns the DIN of
/// the bag scanned.
fn wrong_patients_bag(h: &mut Handheld) -> String {
    let mut flow = h.begin_check().unwrap();
    h.scan_wristband(&mut flow, "ZY26001002").unwrap();
    let scans = bag_scans(&h.store, ZHANG_WEI);
    for s in &scans {
        h.scan_bag(&mut flow, s, ScanSource::Scanner).unwrap();
    }
    // Scanning the same bag again shows the same stop: it is not reported twice.
    h.scan_bag(&mut flow, &scans[0], ScanSource::Scanner)
        .unwrap();
    scans[0].trim_start_matches('=')[..13].to_string()
}

/// The near misses the blood bank lists (`GET AdverseEvent?actuality=potential`).
fn listed(ward: &Ward) -> Vec<Value> {
    let http = BloodBankHttp::new(
        &ward.bank.running.base_url,
        std::time::Duration::from_secs(5),
    )
    .unwrap();
    let answer = http.get("AdverseEvent?actuality=potential", None).unwrap();
    assert_eq!(answer.status, 200);
    let bundle: Value = serde_json::from_slice(&answer.body).unwrap();
    bundle["entry"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|e| e["resource"].clone())
        .collect()
}

fn sync(ward: &Ward, h: &mut Handheld) -> bedside_sync::Summary {
    cycle(&mut h.store, &settings(&ward.bank.running.base_url))
}

#[test]
fn a_wrong_patients_bag_reaches_the_blood_bank_once_as_a_potential_adverse_event() {
    let ward = Ward::new();
    let mut h = ward.open();
    let din = wrong_patients_bag(&mut h);
    let queued: Vec<_> = h
        .store
        .unsent()
        .unwrap()
        .into_iter()
        .filter(|r| r.event.kind() == "near_miss")
        .collect();
    assert_eq!(queued.len(), 1, "one stop, one report: {queued:?}");
    assert_eq!(
        audited(&h.store, "check-stopped", "N0451"),
        1,
        "its audit row, in the same transaction"
    );

    let summary = sync(&ward, &mut h);
    assert_eq!(summary.quarantined, 0, "{summary:?}");
    let found = listed(&ward);
    assert_eq!(found.len(), 1, "{found:#?}");
    let ae = &found[0];
    assert_eq!(ae["actuality"], "potential");
    let codes: Vec<&str> = ae["contributingFactor"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["itemCodeableConcept"]["coding"][0]["code"].as_str())
        .collect();
    assert!(codes.contains(&"UNIT_FOR_OTHER_PATIENT"), "{codes:?}");
    assert_eq!(ae["subject"]["identifier"]["value"], "ZY26001002");
    assert_eq!(ae["subject"]["display"], "李秀英");
    let unit = &ae["suspectEntity"][0]["instanceReference"];
    assert_eq!(unit["identifier"]["value"], din.as_str());
    assert!(
        unit["reference"]
            .as_str()
            .is_some_and(|r| r.starts_with("BiologicallyDerivedProduct/")),
        "{unit}"
    );
    // The first checker (the demo directory knows her as a Practitioner), who recorded it.
    let first = &ae["participant"][0]["actor"];
    assert!(
        first["reference"]
            .as_str()
            .is_some_and(|r| r.starts_with("Practitioner/")),
        "{ae:#}"
    );
    assert_eq!(ae["recorder"], *first);
    assert!(ae["recordedDate"].as_str().is_some());

    // What was sent, and the blood bank's list, pass the contract's validator.
    let out = tempfile::tempdir().unwrap();
    for r in h.store.all_outbox().unwrap() {
        std::fs::write(
            out.path().join(format!("outbox-{}.json", r.seq)),
            r.bundle.unwrap(),
        )
        .unwrap();
    }
    let http = BloodBankHttp::new(
        &ward.bank.running.base_url,
        std::time::Duration::from_secs(5),
    )
    .unwrap();
    let answer = http.get("AdverseEvent?actuality=potential", None).unwrap();
    std::fs::write(out.path().join("near-misses.json"), answer.body).unwrap();
    match check_fhir(out.path()) {
        Ok(report) => assert!(report.contains("2 passed, 0 failed"), "{report}"),
        Err(report) => panic!("contract validator failed:\n{report}"),
    }

    // Another cycle sends nothing again; the blood bank's list is still one.
    let again = sync(&ward, &mut h);
    assert_eq!(again.pushed, 0, "{again:?}");
    assert_eq!(listed(&ward).len(), 1);

    // The transfusion department sees it in its alerts and its command line's list.
    let alerts = ward.bank.db().alerts().unwrap();
    assert_eq!(
        alerts.iter().filter(|(_, r, _)| r == "near-miss").count(),
        1,
        "{alerts:?}"
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_bedside"))
        .args(["bloodbank", "near-misses", "--db"])
        .arg(ward.bank.db_path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let lines: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["patient"], "ZY26001002");
    assert_eq!(lines[0]["din"], din.as_str());
    assert_eq!(lines[0]["reasons"][0], "UNIT_FOR_OTHER_PATIENT");
}

#[test]
fn a_stop_recorded_then_the_app_killed_is_reported_exactly_once_even_when_the_answer_is_lost() {
    let ward = Ward::new();
    {
        let mut h = ward.open();
        wrong_patients_bag(&mut h);
        // Killed: no Cancel, no sync; the store is closed with the handheld.
    }
    let mut h = ward.open();
    assert_eq!(h.store.unsent().unwrap().len(), 1, "the stop survived");
    // The blood bank stores the first send, but its answer never arrives: the device resends
    // the same bytes, and the conditional create answers 200 with the stored record.
    ward.bank
        .running
        .faults
        .drop_after_commit
        .store(1, Ordering::SeqCst);
    let summary = sync(&ward, &mut h);
    assert!(
        summary.retried >= 1,
        "the lost answer was resent: {summary:?}"
    );
    assert_eq!(summary.pushed, 1, "{summary:?}");
    assert_eq!(summary.unsent, 0, "{summary:?}");
    drop(h);
    let mut h = ward.open();
    let again = sync(&ward, &mut h);
    assert_eq!(again.pushed, 0, "{again:?}");
    let found = listed(&ward);
    assert_eq!(found.len(), 1, "exactly once: {found:#?}");
    let urn = found[0]["identifier"][0]["value"].as_str().unwrap();
    assert_eq!(ward.bank.stored_with("AdverseEvent", urn), 1);
}

#[test]
fn the_charge_nurse_counts_the_near_miss_among_the_checks_of_the_period() {
    let ward = Ward::new();
    let mut h = ward.open();
    wrong_patients_bag(&mut h);
    started(&mut h); // 张伟's own bag, checked and started: a check that passed
    h.logout().unwrap();
    h.login("C0101", "0101").unwrap();
    let now = h.now();
    let from = now - chrono::Duration::days(1);
    let to = now + chrono::Duration::days(1);
    let indicators = h.indicators(from, to).unwrap();
    let near = indicators
        .iter()
        .find(|i| i.code == "NEAR_MISSES")
        .expect("the indicator is listed");
    assert_eq!((near.numerator, near.denominator), (1, 2), "{near:?}");
    assert_eq!(near.breakdown, [("UNIT_FOR_OTHER_PATIENT".to_string(), 1)]);
    assert!(!near.title.zh().is_empty() && !near.title.en().is_empty());
}

#[test]
fn a_bag_scanned_before_the_wristband_is_no_near_miss() {
    let ward = Ward::new();
    let mut h = ward.open();
    let mut flow = h.begin_check().unwrap();
    for s in bag_scans(&h.store, ZHANG_WEI) {
        h.scan_bag(&mut flow, &s, ScanSource::Scanner).unwrap();
    }
    assert!(
        h.store
            .unsent()
            .unwrap()
            .iter()
            .all(|r| r.event.kind() != "near_miss"),
        "a wristband not yet scanned is a step still to do"
    );
    h.scan_wristband(&mut flow, "ZY26001001").unwrap();
    assert_eq!(h.store.unsent().unwrap().len(), 0);
}
