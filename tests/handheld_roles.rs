//! Roles and the lock are enforced by the handheld's core, whatever screen calls it.

use bedside_app::handheld::{ActionError, Handheld};
use bedside_app::session::{seed_demo_staff, LoginError, SessionSettings};
use bedside_clock::{ManualClock, SequentialIds};
use bedside_core::event::WardRef;
use bedside_core::policy::Policy;
use bedside_store::Store;
use chrono::{DateTime, Duration};
use std::sync::Arc;

struct Shared(Arc<ManualClock>);
impl bedside_clock::Clock for Shared {
    fn now(&self) -> bedside_clock::Instant {
        self.0.now()
    }
}

fn handheld() -> (tempfile::TempDir, Handheld, Arc<ManualClock>) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("device.db")).unwrap();
    let clock = Arc::new(ManualClock::at(
        DateTime::parse_from_rfc3339("2026-11-23T03:00:00+08:00").unwrap(),
    ));
    seed_demo_staff(
        &mut store,
        &bedside_bloodbank::demo::STAFF,
        &SequentialIds::default(),
        clock.as_ref(),
    )
    .unwrap();
    let h = Handheld::new(
        store,
        Box::new(Shared(clock.clone())),
        Box::new(SequentialIds::default()),
        Policy::default(),
        WardRef {
            location_id: "ward-h5".into(),
            name: "血液科五病区".into(),
        },
        SessionSettings::default(),
    );
    (dir, h, clock)
}

#[test]
fn a_nurse_cannot_requeue_a_quarantined_record_and_nobody_can_check_while_locked() {
    let (_dir, mut h, clock) = handheld();
    assert!(matches!(
        h.begin_check(),
        Err(ActionError::Login(LoginError::NotSignedIn))
    ));
    h.login("N0451", "0451").unwrap();
    assert!(h.begin_check().is_ok());
    match h.requeue(1) {
        Err(ActionError::Login(LoginError::NotPermitted { .. })) => {}
        other => panic!("{other:?}"),
    }
    clock.advance(Duration::minutes(3));
    assert!(h.is_locked());
    assert!(h.begin_check().is_err(), "the lock hides patient data");
    h.unlock("0451").unwrap();
    assert!(h.begin_check().is_ok());
    h.logout().unwrap();
    h.login("C0101", "0101").unwrap();
    assert!(
        matches!(h.requeue(1), Ok(false)),
        "nothing quarantined to requeue"
    );
}
