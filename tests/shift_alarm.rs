//! The alarm (issue 20.5) through the handheld with a clock the test moves and the tests'
//! recording alarm: a check that stops rings once, a missed observation rings once, however
//! often the screen asks; nothing rings while an interrupted transfusion's bag is stopped.

mod common;

use bedside_app::alarm::{AlarmCause, AlarmWatch, RecordingAlarm};
use bedside_core::policy::Policy;
use common::*;

fn watch() -> (AlarmWatch, RecordingAlarm) {
    let fake = RecordingAlarm::default();
    (AlarmWatch::new(Box::new(fake.clone())), fake)
}

#[test]
fn a_check_that_stops_rings_once() {
    let ward = Ward::new();
    let mut h = ward.open();
    let (mut alarms, fake) = watch();
    // A check that passes: no alarm.
    let mut good = h.begin_check().unwrap();
    checked(&mut h, &mut good, ZHANG_WEI, "ZY26001001").unwrap();
    assert!(!alarms.check_flow(Some(&good), h.now()));
    let mut flow = h.begin_check().unwrap();
    // 王磊's wristband, 李秀英's bag: the check stops.
    h.scan_wristband(&mut flow, "ZY26001003").unwrap();
    for scan in bag_scans(&h.store, LI_XIUYING) {
        h.scan_bag(&mut flow, &scan, bedside_app::verify::ScanSource::Scanner)
            .unwrap();
    }
    for _ in 0..5 {
        alarms.check_flow(Some(&flow), h.now()); // the screen, every second
    }
    assert_eq!(fake.rings(), [AlarmCause::CheckStopped]);
    assert_eq!(alarms.pending(), Some(AlarmCause::CheckStopped));
    alarms.acknowledge();
    assert_eq!(alarms.pending(), None);
    // The check abandoned, a new one that stops again rings again.
    alarms.check_flow(None, h.now());
    alarms.check_flow(Some(&flow), h.now());
    assert_eq!(fake.rings().len(), 2);
}

#[test]
fn a_missed_observation_rings_once_and_a_stopped_bag_rings_nothing() {
    let ward = Ward::new();
    let mut h = ward.open();
    let mut running = started(&mut h);
    let policy = Policy::default();
    let (mut alarms, fake) = watch();

    ward.minutes(20); // the 15-minute window is open until start + 25
    assert!(!alarms.observations(&h.running().unwrap(), h.now(), &policy));
    ward.minutes(6);
    for _ in 0..3 {
        alarms.observations(&h.running().unwrap(), h.now(), &policy);
        ward.minutes(1);
    }
    assert_eq!(fake.rings(), [AlarmCause::ObservationMissed]);

    // Interrupted at start + 50 and still stopped at + 90, past the 60-minute window: no ring.
    ward.minutes(21);
    h.interrupt(&mut running, "patient to CT").unwrap();
    ward.minutes(40);
    alarms.observations(&h.running().unwrap(), h.now(), &policy);
    assert_eq!(fake.rings().len(), 1, "{:?}", fake.rings());
}
