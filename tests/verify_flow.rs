//! The bedside check as two nurses walk through it, against a device that pulled the demo ward
//! from the reference blood bank: proceed and record the start; stop for the wrong patient;
//! keyed entry only with a reason and a check character; warnings need a reason.

mod common;

use bedside_app::record::{CheckFacts, Recorder};
use bedside_app::verify::*;
use bedside_clock::{Clock, SystemClock};
use bedside_core::check::{CacheSnapshot, ReasonCode};
use bedside_core::event::BedsideEvent;
use bedside_core::policy::Policy;
use bedside_store::Store;
use common::*;

const ZHANG_WEI: &str = "bdpd-000001";

fn pulled_device() -> (Bank, tempfile::TempDir, Store) {
    let bank = demo_bank();
    let (dir, mut store) = temp_store();
    cycle(&mut store, &settings(&bank.running.base_url));
    (bank, dir, store)
}

fn flow(store: &Store) -> VerifyFlow {
    let (issued, _) = store.cached().unwrap().issue_records();
    let snapshot = CacheSnapshot {
        issued,
        synced_at: store.cache_synced_at().unwrap(),
        ..CacheSnapshot::default()
    };
    VerifyFlow::new(nurse("N0451", "陈静"), snapshot, Policy::default())
}

#[test]
fn a_right_bag_for_the_right_patient_proceeds_and_the_start_is_recorded_with_both_checkers() {
    let (_bank, _dir, mut store) = pulled_device();
    let mut f = flow(&store);
    let now = SystemClock::china().now();
    let (issued, _) = store.cached().unwrap().issue_records();
    assert!(patients_waiting(&issued).iter().any(|p| p.name == "张伟"));

    assert_eq!(f.scan_wristband("ZY26001001").unwrap(), "张伟 ZY26001001");
    let scans = bag_scans(&store, ZHANG_WEI);
    f.scan_bag(&scans[0], ScanSource::Scanner).unwrap();
    let partial = f.checklist();
    assert!(
        partial[0].value.is_some() && partial[1].value.is_none(),
        "{partial:?}"
    );
    for s in &scans[1..] {
        f.scan_bag(s, ScanSource::Scanner).unwrap();
    }
    assert!(f.bag_complete());

    // Without the second checker the check stops, in words.
    match f.ready(now) {
        Err(NotReady::Stopped(reasons)) => {
            assert!(
                reasons.iter().any(|r| r.zh().contains("第二")),
                "{reasons:?}"
            )
        }
        other => panic!("{other:?}"),
    }
    f.second_checker_signed(nurse("N0388", "刘洋"));
    let rows = f.eight_matches(&f.outcome(now));
    assert_eq!(rows.len(), 8);
    let computed: Vec<_> = rows
        .iter()
        .filter(|r| r.state != MatchState::ReadAloud)
        .collect();
    assert_eq!(computed.len(), 6);
    assert!(
        computed.iter().all(|r| r.state == MatchState::Matches),
        "{rows:#?}"
    );
    assert_eq!(rows[0].expected.zh(), "张伟");

    // The visual checks and the read-aloud are still to confirm.
    match f.ready(now) {
        Err(NotReady::Missing(what)) => assert_eq!(what.len(), 4, "{what:?}"),
        other => panic!("{other:?}"),
    }
    for i in 0..VISUAL_CHECKS.len() {
        f.confirm_visual(i, true);
    }
    f.confirm_read_aloud(true);
    let ready = f.ready(now).unwrap();
    assert_eq!(ready.dispense_id, ZHANG_WEI);

    let clock = SystemClock::china();
    let ids = ids();
    let mut rec = Recorder {
        store: &mut store,
        clock: &clock,
        ids: &ids,
    };
    rec.start(
        &ready.dispense_id,
        ward(),
        &nurse("N0451", "陈静"),
        CheckFacts::new(
            &ready.second_checker,
            ready.checked_at,
            ready.acknowledgements.clone(),
        ),
        None,
    )
    .unwrap();
    let queued = store.unsent().unwrap();
    match &queued[0].event {
        BedsideEvent::Started(s) => {
            assert_eq!(s.second_checker.staff_id, "N0388");
            assert_eq!(s.transfusion.patient_name, "张伟");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_bag_of_another_patient_stops_with_both_names() {
    let (_bank, _dir, store) = pulled_device();
    let mut f = flow(&store);
    let now = SystemClock::china().now();
    f.scan_wristband("ZY26001002").unwrap(); // 李秀英
    for s in bag_scans(&store, ZHANG_WEI) {
        f.scan_bag(&s, ScanSource::Scanner).unwrap();
    }
    f.second_checker_signed(nurse("N0388", "刘洋"));
    match f.ready(now) {
        Err(NotReady::Stopped(reasons)) => {
            assert!(
                reasons.iter().any(|r| r.zh().contains("张伟")),
                "{reasons:?}"
            );
        }
        other => panic!("{other:?}"),
    }
    let rows = f.eight_matches(&f.outcome(now));
    assert!(
        matches!(rows[0].state, MatchState::Mismatch(_)),
        "{:?}",
        rows[0]
    );
    assert!(f.stop_record(now).contains("UNIT_FOR_OTHER_PATIENT"));
}

#[test]
fn a_keyed_unit_number_needs_a_reason_and_its_check_character() {
    let (_bank, _dir, store) = pulled_device();
    let mut f = flow(&store);
    let din = bag_scans(&store, ZHANG_WEI)[0][1..14].to_string();
    let check = bedside_core::label::check_character(&din).unwrap();
    let no_reason = f
        .scan_bag(
            &format!("{din}{check}"),
            ScanSource::Keyed { reason: " ".into() },
        )
        .unwrap_err();
    assert!(no_reason.zh().contains("原因"), "{no_reason:?}");
    let without_check = f
        .scan_bag(
            &din,
            ScanSource::Keyed {
                reason: "条码污损".into(),
            },
        )
        .unwrap_err();
    assert!(
        without_check.en().contains("check character"),
        "{without_check:?}"
    );
    let wrong = if check == 'A' { 'B' } else { 'A' };
    assert!(f
        .scan_bag(
            &format!("{din}{wrong}"),
            ScanSource::Keyed {
                reason: "条码污损".into()
            }
        )
        .is_err());
    f.scan_bag(
        &format!("{din}{check}"),
        ScanSource::Keyed {
            reason: "条码污损".into(),
        },
    )
    .unwrap();
    assert_eq!(
        f.checklist()[0].value.as_ref().map(|v| v.en()),
        Some(din.as_str())
    );
    assert!(f
        .stop_record(SystemClock::china().now())
        .contains("条码污损"));
}

#[test]
fn a_warning_cannot_be_passed_without_a_reason() {
    let (_bank, _dir, store) = pulled_device();
    let mut f = flow(&store);
    let e = f
        .acknowledge(ReasonCode::AboNonidentical, "  ")
        .unwrap_err();
    assert!(e.en().contains("reason"));
    f.acknowledge(ReasonCode::AboNonidentical, "医嘱同意")
        .unwrap();
}
