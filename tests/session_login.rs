//! Badge + PIN login, the second checker's signature, roles, lock after inactivity and after
//! repeated wrong PINs — as a nurse at the handheld meets them.

use bedside_app::session::*;
use bedside_clock::{ManualClock, SequentialIds};
use bedside_core::messages::Lang;
use bedside_store::Store;
use chrono::{DateTime, Duration};

fn setup() -> (tempfile::TempDir, Store, ManualClock, Session) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("device.db")).unwrap();
    let clock = ManualClock::at(DateTime::parse_from_rfc3339("2026-11-23T03:00:00+08:00").unwrap());
    seed_demo_staff(
        &mut store,
        &bedside_bloodbank::demo::STAFF,
        &SequentialIds::default(),
        &clock,
    )
    .unwrap();
    (dir, store, clock, Session::new(SessionSettings::default()))
}

#[test]
fn a_nurse_signs_in_with_badge_and_pin_and_the_login_is_audited() {
    let (_dir, mut store, clock, mut session) = setup();
    let user = session.login(&mut store, &clock, "N0451", "0451").unwrap();
    assert_eq!(user.staff.name, "陈静");
    assert_eq!(user.role, Role::Nurse);
    assert!(session.active(bedside_clock::Clock::now(&clock)).is_ok());
    let trail = store.audit_trail().unwrap();
    assert!(trail
        .iter()
        .any(|e| e.actor == "N0451" && e.action == "login"));
}

#[test]
fn wrong_pins_count_down_then_lock_the_badge_even_against_the_right_pin() {
    let (_dir, mut store, clock, mut session) = setup();
    for remaining in (1..=4).rev() {
        match session.login(&mut store, &clock, "N0388", "9999") {
            Err(LoginError::WrongPin { remaining: r }) => assert_eq!(r, remaining),
            other => panic!("{other:?}"),
        }
    }
    let fifth = session
        .login(&mut store, &clock, "N0388", "9999")
        .unwrap_err();
    assert!(matches!(fifth, LoginError::Locked { .. }), "{fifth:?}");
    assert!(
        fifth.text(Lang::ZhCn).contains("锁定至 03:15"),
        "{}",
        fifth.text(Lang::ZhCn)
    );
    let right_pin_too_soon = session
        .login(&mut store, &clock, "N0388", "0388")
        .unwrap_err();
    assert!(matches!(right_pin_too_soon, LoginError::Locked { .. }));
    clock.advance(Duration::minutes(15));
    assert!(session.login(&mut store, &clock, "N0388", "0388").is_ok());
}

#[test]
fn an_unknown_badge_is_refused_in_words() {
    let (_dir, mut store, clock, mut session) = setup();
    let e = session
        .login(&mut store, &clock, "X9999", "1234")
        .unwrap_err();
    assert_eq!(
        e.text(Lang::En),
        "Badge X9999 is not in this ward's staff list."
    );
}

#[test]
fn the_second_checker_must_be_someone_else_with_their_own_pin() {
    let (_dir, mut store, clock, mut session) = setup();
    session.login(&mut store, &clock, "N0451", "0451").unwrap();
    let same = session
        .cosign(&mut store, &clock, "N0451", "0451")
        .unwrap_err();
    assert!(matches!(same, LoginError::SameBadge));
    let wrong = session
        .cosign(&mut store, &clock, "N0388", "0451")
        .unwrap_err();
    assert!(matches!(wrong, LoginError::WrongPin { .. }));
    let second = session.cosign(&mut store, &clock, "N0388", "0388").unwrap();
    assert_eq!(second.name, "刘洋");
    // Co-signing does not change who is signed in.
    assert_eq!(
        session
            .active(bedside_clock::Clock::now(&clock))
            .unwrap()
            .staff
            .staff_id,
        "N0451"
    );
}

#[test]
fn the_screen_locks_after_inactivity_and_only_the_same_nurse_unlocks_it() {
    let (_dir, mut store, clock, mut session) = setup();
    session.login(&mut store, &clock, "N0451", "0451").unwrap();
    clock.advance(Duration::seconds(119));
    assert!(!session.is_locked(bedside_clock::Clock::now(&clock)));
    clock.advance(Duration::seconds(1));
    assert!(session.is_locked(bedside_clock::Clock::now(&clock)));
    assert!(
        session.active(bedside_clock::Clock::now(&clock)).is_err(),
        "patient data is hidden"
    );
    assert!(
        session.unlock(&mut store, &clock, "0388").is_err(),
        "another nurse's PIN"
    );
    session.unlock(&mut store, &clock, "0451").unwrap();
    assert!(session.active(bedside_clock::Clock::now(&clock)).is_ok());
}

#[test]
fn a_nurse_cannot_reach_charge_nurse_functions_and_a_charge_nurse_can() {
    let (_dir, mut store, clock, mut session) = setup();
    session.login(&mut store, &clock, "N0451", "0451").unwrap();
    let refused = session
        .require(Role::ChargeNurse, bedside_clock::Clock::now(&clock))
        .unwrap_err();
    assert_eq!(refused.text(Lang::ZhCn), "只有护士长可以进行此操作。");
    assert!(session
        .require(Role::Nurse, bedside_clock::Clock::now(&clock))
        .is_ok());
    session.logout(&mut store, &clock).unwrap();
    session.login(&mut store, &clock, "C0101", "0101").unwrap();
    assert!(session
        .require(Role::ChargeNurse, bedside_clock::Clock::now(&clock))
        .is_ok());
    assert!(session
        .require(Role::Nurse, bedside_clock::Clock::now(&clock))
        .is_ok());
}

#[test]
fn imported_pins_are_stored_only_as_salted_hashes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("device.db");
    let mut store = Store::open(&path).unwrap();
    let clock = ManualClock::at(DateTime::parse_from_rfc3339("2026-11-23T03:00:00+08:00").unwrap());
    let ids = SequentialIds::default();
    let csv = "badge,name,role,pin\nN1001,李娜,nurse,73914628\nN1002,张敏,nurse,73914628\n";
    assert_eq!(
        import_staff(&mut store, &ids, &clock, csv, "admin").unwrap(),
        2
    );
    let (a, b) = (
        store.staff_member("N1001").unwrap().unwrap(),
        store.staff_member("N1002").unwrap().unwrap(),
    );
    assert!(a.pin_hash.starts_with("$argon2id$"), "{}", a.pin_hash);
    assert_ne!(a.pin_hash, b.pin_hash, "same PIN, different salts");
    drop(store);
    let bytes = std::fs::read(&path).unwrap();
    let wal = std::fs::read(dir.path().join("device.db-wal")).unwrap_or_default();
    for file in [&bytes, &wal] {
        assert!(
            !file.windows(8).any(|w| w == b"73914628"),
            "the PIN itself is nowhere"
        );
    }
    let mut store = Store::open(&path).unwrap();
    let mut session = Session::new(SessionSettings::default());
    assert!(session
        .login(&mut store, &clock, "N1001", "73914628")
        .is_ok());
}

#[test]
fn a_staff_file_with_one_bad_line_changes_nothing_and_says_which_line() {
    let (_dir, mut store, clock, _session) = setup();
    let before = store.staff_count().unwrap();
    let csv = "N2001,王强,nurse,1234\nN2002,赵敏,doctor,1234\n";
    let e = import_staff(&mut store, &SequentialIds::default(), &clock, csv, "admin").unwrap_err();
    assert_eq!(
        e.to_string(),
        "line 2: the role must be nurse or charge_nurse"
    );
    assert_eq!(store.staff_count().unwrap(), before);
}
