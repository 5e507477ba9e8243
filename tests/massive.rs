//! Massive transfusion (`docs/clinical-rules.md` §6.4) through the app layer: 张伟 bleeds and
//! needs unit after unit. The nurse opens the protocol on the first co-signed check; each next unit
//! is fully scanned and checked, co-signed by the kept second checker; the units are counted
//! against 4 : 4 : 1; the session ends after two hours and at sign-out.

mod common;

use bedside_app::handheld::Handheld;
use bedside_app::verify::ScanSource;
use bedside_bloodbank::actions::{issue, Issue};
use bedside_clock::Clock;
use bedside_core::blood::{Abo, Component, Group, Rhd};
use common::*;

/// Issues one more unit to 张伟 (O RhD+, needs irradiated, leukoreduced); returns its dispense.
fn issue_to_zhang_wei(ward: &Ward, din: &str, component: Component, code: &str) -> String {
    let now = ward.clock.now();
    issue(
        &mut ward.bank.db(),
        &Issue {
            patient_id: "pat-1001".into(),
            ward_id: bedside_bloodbank::demo::WARD_ID.into(),
            din: din.into(),
            product_code: code.into(),
            component,
            group: Group::new(Some(Abo::O), Some(Rhd::Pos)),
            expires_at: now + chrono::Duration::days(5),
            attributes: vec!["irradiated".into(), "leukoreduced".into()],
            match_status: if component.needs_crossmatch() {
                "crossmatched"
            } else {
                "selected"
            }
            .into(),
            sample_expires_at: Some(now + chrono::Duration::days(2)),
            issued_at: now,
            service_request_id: Some("sr-1001".into()),
            emergency: None,
        },
    )
    .unwrap()
    .1
}

/// Scans the wristband and the bag, lets the protocol co-sign, confirms the eye checks, starts.
fn next_unit(h: &mut Handheld, dispense: &str, wristband: &str) -> bool {
    let mut flow = h.begin_check().unwrap();
    flow.scan_wristband(wristband).unwrap();
    for s in bag_scans(&h.store, dispense) {
        flow.scan_bag(&s, ScanSource::Scanner).unwrap();
    }
    if !h.cosign_by_protocol(&mut flow).unwrap() {
        return false;
    }
    for i in 0..3 {
        flow.confirm_visual(i, true);
    }
    flow.confirm_read_aloud(true);
    let ready = flow.ready(h.now()).expect("a fully checked unit");
    h.start(&ready, None).unwrap();
    true
}

#[test]
fn the_kept_second_checker_co_signs_each_fully_checked_unit_and_the_units_are_counted() {
    let ward = Ward::new();
    let units = [
        ("A999926400111", Component::RedCells, "E0001V00"),
        ("A999926400112", Component::Plasma, "E2101V00"),
        ("A999926400113", Component::RedCells, "E0001V00"),
    ];
    let dispenses: Vec<String> = units
        .iter()
        .map(|(din, c, code)| issue_to_zhang_wei(&ward, din, *c, code))
        .collect();
    let mut h = ward.open();
    cycle(&mut h.store, &settings(&ward.bank.running.base_url));

    // The first unit: checked with the second checker's badge and PIN, then the protocol opens.
    let mut flow = h.begin_check().unwrap();
    let ready = checked(&mut h, &mut flow, ZHANG_WEI, "ZY26001001").unwrap();
    h.open_massive_transfusion(&flow).unwrap();
    h.start(&ready, None).unwrap();
    assert_eq!(audited(&h.store, "massive-transfusion-opened", "N0451"), 1);

    // The next units: every barcode scanned, the check run, co-signed by the kept checker.
    for d in &dispenses {
        assert!(next_unit(&mut h, d, "ZY26001001"), "{d}");
    }
    let cosigned_by_protocol = h
        .store
        .audit_trail()
        .unwrap()
        .iter()
        .filter(|a| a.action == "co-sign" && a.detail.contains("massive transfusion protocol"))
        .count();
    assert_eq!(cosigned_by_protocol, 3);

    let summary = h.massive_summary().unwrap().expect("open");
    assert_eq!((summary.totals.red_cells, summary.totals.plasma), (3, 1));
    assert!(
        summary
            .words
            .zh()
            .contains("已输 3 : 1 : 0，目标 4 : 4 : 1"),
        "{}",
        summary.words.zh()
    );
    assert!(
        summary.words.en().contains("plasma behind the target"),
        "{}",
        summary.words.en()
    );
    assert_eq!(summary.minutes_left, 120);

    // Another patient's unit is not co-signed by the protocol: badge and PIN as always.
    let mut other = h.begin_check().unwrap();
    other.scan_wristband("ZY26001002").unwrap();
    for s in bag_scans(&h.store, LI_XIUYING) {
        other.scan_bag(&s, ScanSource::Scanner).unwrap();
    }
    assert!(!h.cosign_by_protocol(&mut other).unwrap());
    assert!(other.second_checker().is_none());
}

#[test]
fn the_protocol_ends_after_its_session_and_at_sign_out() {
    let ward = Ward::new();
    let second = issue_to_zhang_wei(&ward, "A999926400121", Component::RedCells, "E0001V00");
    let mut h = ward.open();
    cycle(&mut h.store, &settings(&ward.bank.running.base_url));
    h.policy.start_within_minutes = 24 * 60;
    h.policy.cache_warn_minutes = 24 * 60;
    let mut flow = h.begin_check().unwrap();
    checked(&mut h, &mut flow, ZHANG_WEI, "ZY26001001").unwrap();
    h.open_massive_transfusion(&flow).unwrap();

    ward.minutes(120);
    assert!(
        !next_unit(&mut h, &second, "ZY26001001"),
        "two hours on: sign in again"
    );
    assert!(h.massive_summary().unwrap().is_none(), "closed");
    assert_eq!(audited(&h.store, "massive-transfusion-closed", "N0451"), 1);

    let mut flow = h.begin_check().unwrap();
    checked(&mut h, &mut flow, ZHANG_WEI, "ZY26001001").unwrap();
    h.open_massive_transfusion(&flow).unwrap();
    h.logout().unwrap();
    assert_eq!(audited(&h.store, "massive-transfusion-closed", "N0451"), 2);
    h.login("N0451", "0451").unwrap();
    assert!(h.massive_summary().unwrap().is_none());
}

#[test]
fn under_the_protocol_one_round_covers_every_unit_running_for_the_patient() {
    let ward = Ward::new();
    let second = issue_to_zhang_wei(&ward, "A999926400131", Component::Plasma, "E2101V00");
    let mut h = ward.open();
    cycle(&mut h.store, &settings(&ward.bank.running.base_url));
    let mut flow = h.begin_check().unwrap();
    let ready = checked(&mut h, &mut flow, ZHANG_WEI, "ZY26001001").unwrap();
    h.open_massive_transfusion(&flow).unwrap();
    let mut first = h.start(&ready, Some((vitals(366), vec![]))).unwrap();
    assert!(next_unit(&mut h, &second, "ZY26001001"));
    // 李秀英's unit runs too, outside the protocol.
    let mut flow = h.begin_check().unwrap();
    let li = checked(&mut h, &mut flow, LI_XIUYING, "ZY26001002").unwrap();
    h.start(&li, Some((vitals(366), vec![]))).unwrap();

    ward.minutes(15);
    let (_, also) = h.observe_round(&mut first, vitals(368), vec![]).unwrap();
    assert_eq!(also, 1, "张伟's plasma took the same round");
    let rounds_of = |h: &Handheld, mrn: &str| -> Vec<usize> {
        h.running()
            .unwrap()
            .iter()
            .filter(|r| r.patient_mrn == mrn)
            .map(|r| r.rounds.len())
            .collect()
    };
    assert_eq!(
        rounds_of(&h, "ZY26001001"),
        [2, 1],
        "baseline + round; the round alone"
    );
    assert_eq!(
        rounds_of(&h, "ZY26001002"),
        [1],
        "another patient: untouched"
    );

    // A fever with rigors stops every unit running for him.
    ward.minutes(15);
    h.observe_round(&mut first, vitals(392), vec!["rigors".into()])
        .unwrap();
    let stopped: Vec<bool> = h
        .running()
        .unwrap()
        .iter()
        .filter(|r| r.patient_mrn == "ZY26001001")
        .map(|r| r.stop.is_some())
        .collect();
    assert_eq!(stopped, [true, true]);
}
