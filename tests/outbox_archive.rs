//! The outbox archived after the retention period (issue 17.5 d): only records the blood bank
//! confirmed, a transfusion at a time, never a running one's; and nothing the charge nurse's
//! screens, indicators and exports show changes.

mod common;

use bedside_app::handheld::Handheld;
use bedside_app::verify::ScanSource;
use bedside_clock::{Clock, ManualClock, SystemClock};
use bedside_core::messages::Lang;
use bedside_export::Format;
use chrono::Duration;
use common::*;

/// What the charge nurse sees of the morning: the stopped transfusion's record, the period's
/// indicators and its FHIR and CSV exports.
fn charge_nurse_view(h: &mut Handheld, li: &str) -> impl PartialEq + std::fmt::Debug {
    h.login("C0101", "0101").unwrap();
    let now = h.now();
    let (from, to) = (now - Duration::days(1), now + Duration::days(1));
    let review = h.review(li).unwrap();
    let indicators = h.indicators(from, to).unwrap();
    let fhir = h.export_period(from, to, Format::Fhir, Lang::En).unwrap();
    let csv = h.export_period(from, to, Format::Csv, Lang::En).unwrap();
    h.logout().unwrap();
    (review, indicators, fhir, csv)
}

/// One sync cycle of the device with its clock at `days` from now.
fn cycle_in(ward: &Ward, h: &mut Handheld, days: i64) -> bedside_sync::Summary {
    let clock = ManualClock::at(SystemClock::china().now() + Duration::days(days));
    cycle_at(&mut h.store, &settings(&ward.bank.running.base_url), &clock)
}

#[test]
fn confirmed_records_past_retention_are_archived_and_every_screen_reads_the_same() {
    let ward = Ward::new();
    let (mut h, zhang, li) = a_morning(&ward);
    h.login("N0451", "0451").unwrap();
    // A near miss too: 李秀英's wristband, 张伟's bag.
    let mut flow = h.begin_check().unwrap();
    h.scan_wristband(&mut flow, "ZY26001002").unwrap();
    for s in bag_scans(&h.store, ZHANG_WEI) {
        h.scan_bag(&mut flow, &s, ScanSource::Scanner).unwrap();
    }
    h.logout().unwrap();
    let first = cycle(&mut h.store, &settings(&ward.bank.running.base_url));
    assert_eq!((first.unsent, first.archived), (0, 0), "{first:?}");
    let before = charge_nurse_view(&mut h, &li);
    let records = h.store.all_outbox().unwrap().len();

    // Not yet: 89 days after the blood bank confirmed them.
    assert_eq!(cycle_in(&ward, &mut h, 89).archived, 0);
    assert_eq!(h.store.archived_count().unwrap(), 0);

    // Past the 90 days: 李秀英's stopped transfusion and the near miss move; 张伟's transfusion
    // still runs (its end was never recorded), so the app can still rebuild it: it stays.
    let later = cycle_in(&ward, &mut h, 91);
    let kept = h.store.all_outbox().unwrap();
    assert!(later.archived > 0, "{later:?}");
    assert_eq!(later.archived + kept.len(), records);
    assert_eq!(h.store.archived_count().unwrap(), later.archived);
    let counts = h.store.outbox_counts().unwrap();
    assert_eq!(
        counts.archived, later.archived,
        "the status bar still counts them"
    );
    assert_eq!(counts.sent + counts.archived, records);
    assert!(
        kept.iter().all(|r| r.procedure_urn == zhang),
        "only the running transfusion's records stay: {kept:?}"
    );
    assert_eq!(audited(&h.store, "outbox-archived", "sync"), 1);

    // The charge nurse's record, indicators and exports read exactly as before.
    assert_eq!(charge_nurse_view(&mut h, &li), before);
    // The running transfusion is rebuilt with its rounds, and goes on being recorded and sent.
    h.login("N0451", "0451").unwrap();
    let mut running = h.running().unwrap();
    assert_eq!(running.len(), 1);
    assert_eq!(running[0].transfusion.procedure_uuid, zhang);
    ward.minutes(45);
    h.observe(&mut running[0], vitals(368), vec![]).unwrap();
    let summary = cycle(&mut h.store, &settings(&ward.bank.running.base_url));
    assert_eq!((summary.pushed, summary.unsent), (1, 0), "{summary:?}");
    // Another pass archives nothing twice.
    assert_eq!(cycle_in(&ward, &mut h, 92).archived, 0);
}

#[test]
fn nothing_unconfirmed_is_ever_archived() {
    let ward = Ward::new();
    let mut h = ward.open();
    let mut flow = h.begin_check().unwrap();
    let ready = checked(&mut h, &mut flow, ZHANG_WEI, "ZY26001001").unwrap();
    let mut t = h.start(&ready, Some((vitals(368), vec![]))).unwrap();
    ward.minutes(20);
    h.end(&mut t, 250, Some((vitals(367), vec![]))).unwrap();
    // The blood bank is unreachable: a year later, nothing was confirmed, nothing moves.
    let mut offline = settings("http://127.0.0.1:9");
    offline.attempts = 1;
    let clock = ManualClock::at(SystemClock::china().now() + Duration::days(365));
    let summary = cycle_at(&mut h.store, &offline, &clock);
    assert_eq!(summary.archived, 0, "{summary:?}");
    assert_eq!(h.store.archived_count().unwrap(), 0);
    assert_eq!(h.store.unsent().unwrap().len(), 2);
}

fn near_miss(urn: &str, at: bedside_clock::Instant) -> bedside_core::event::BedsideEvent {
    bedside_core::event::BedsideEvent::NearMiss(bedside_core::event::NearMiss {
        adverse_event_uuid: urn.to_string(),
        detected_at: at,
        reasons: vec!["UNIT_FOR_OTHER_PATIENT".into()],
        patient_scanned: Some("ZY26001002".into()),
        patient_mrn: None,
        patient_name: None,
        din: Some("W000026123456".into()),
        product_code: None,
        product_id: None,
        dispense_id: None,
        first_checker: nurse("N0451", "陈静"),
        second_checker: None,
        ward: ward(),
        scans: vec![],
        keyed_reasons: vec![],
    })
}

/// The schema itself keeps the rule: an outbox row leaves only for the archive, once confirmed;
/// the archive is append-only; a refused (quarantined) record never moves.
#[test]
fn the_schema_refuses_to_lose_a_record() {
    let (dir, mut store) = temp_store();
    let now = SystemClock::china().now();
    let confirmed = store
        .enqueue(&near_miss("urn:uuid:a", now), "urn:uuid:ba", &now, "N0451")
        .unwrap();
    let refused = store
        .enqueue(&near_miss("urn:uuid:b", now), "urn:uuid:bb", &now, "N0451")
        .unwrap();
    let raw = rusqlite::Connection::open(dir.path().join("device.db")).unwrap();
    let delete = |seq: i64| raw.execute("DELETE FROM outbox WHERE seq = ?1", [seq]);
    assert!(delete(confirmed).is_err(), "not confirmed: refused");
    store.mark_sent(confirmed, &[], &now).unwrap();
    assert!(
        delete(confirmed).is_err(),
        "confirmed, but not archived: refused"
    );
    store
        .quarantine(refused, "unknown-product", "no such unit", &now)
        .unwrap();

    let later = now + Duration::days(91);
    let moved = store.archive_confirmed(&later, 90).unwrap();
    assert_eq!((moved.subjects, moved.records), (1, 1));
    assert_eq!(
        store.quarantined().unwrap().len(),
        1,
        "the refused record stays"
    );
    assert!(raw.execute("DELETE FROM outbox_archive", []).is_err());
    assert!(raw
        .execute("UPDATE outbox_archive SET bundle = NULL", [])
        .is_err());
    assert_eq!(store.archived_count().unwrap(), 1);
    // The archived near miss still counts for the charge nurse (its ward row never moves).
    let counted = store
        .near_misses_in(now - Duration::days(1), now + Duration::days(1))
        .unwrap();
    assert_eq!(counted.len(), 2);
}
