//! The late-crossmatch alert on the touch app, as a nurse meets it (Slint's testing backend): the
//! green channel's unit runs, the blood bank's crossmatch comes back incompatible, and after the
//! next sync every screen carries the red banner until a nurse presses "I have acted on it".
//! Slint's platform is per process: one test.

mod common;

use bedside::ui::*;
use bedside_app::late_crossmatch::record_late_crossmatches;
use bedside_bloodbank::actions::record_crossmatch;
use bedside_clock::Clock;
use bedside_core::messages::Lang;
use common::ui::*;
use common::*;
use slint::ComponentHandle;

#[test]
fn an_incompatible_late_crossmatch_turns_every_screen_red_until_a_nurse_has_acted() {
    testing_platform();
    let ward = Ward::new();
    let charge_nurses = ward.another_device();
    let bank = settings(&ward.bank.running.base_url);
    let procedure = {
        let mut h = ward.open();
        let procedure = start_green_channel(&mut h);
        cycle(&mut h.store, &bank);
        record_crossmatch(&mut ward.bank.db(), GREEN_CHANNEL, false).unwrap();
        // What the link does after its pull, on both handhelds.
        cycle(&mut h.store, &bank);
        record_late_crossmatches(&mut h.store, ward.clock.now()).unwrap();
        procedure
    };

    let (window, state) = app(&ward);
    let status = window.global::<Status>();
    tick_once(&window, &state);
    assert!(
        status
            .get_late_alert()
            .contains("LATE CROSSMATCH INCOMPATIBLE"),
        "on the sign-in screen already: {}",
        status.get_late_alert()
    );
    assert!(
        status.get_alarm().contains("INCOMPATIBLE"),
        "the alarm rings and flashes too: {}",
        status.get_alarm()
    );
    sign_in(&window, "N0502", "0502");
    tick_once(&window, &state);
    assert!(status.get_late_alert().contains("A999926400109"));
    // The banner follows the language at once, not at the next tick.
    switch_language(&window, &mut state.borrow_mut(), Lang::ZhCn);
    assert!(
        status.get_late_alert().starts_with("停止输血"),
        "{}",
        status.get_late_alert()
    );
    let mut shots = Shots::new();
    shots.both(&window, &state, "late-crossmatch-alert");

    click(&window, "I have acted on it");
    tick_once(&window, &state);
    assert_eq!(status.get_late_alert(), "", "taken in: the banner is gone");
    let trail = state
        .borrow()
        .handheld
        .store
        .review(&procedure)
        .unwrap()
        .unwrap()
        .audit;
    assert!(trail
        .iter()
        .any(|l| l.action == "late-crossmatch-acknowledged" && l.actor == "N0502"));
    shots.finish(&[Screen::Home]);
    drop(window);

    // The charge nurse's handheld, where the unit was not started: the blood bank's mark on the
    // dispense brings the alert there too, saying where to look.
    {
        let path = charge_nurses.path().join("device.db");
        let mut store =
            bedside_store::Store::open_encrypted(&path, &read_key(charge_nurses.path())).unwrap();
        cycle(&mut store, &bank);
        record_late_crossmatches(&mut store, ward.clock.now()).unwrap();
    }
    let (window, state) = app_on(&ward, charge_nurses.path());
    let status = window.global::<Status>();
    sign_in(&window, "C0101", "0101");
    tick_once(&window, &state);
    assert!(
        status
            .get_late_alert()
            .contains("started on another handheld")
            && status.get_late_alert().contains("A999926400109"),
        "{}",
        status.get_late_alert()
    );
    click(&window, "I have acted on it");
    tick_once(&window, &state);
    assert_eq!(status.get_late_alert(), "", "taken in on this handheld");
    assert_eq!(
        state
            .borrow()
            .handheld
            .store
            .subjects_audited(bedside_core::audit::AuditAction::LateCrossmatchAcknowledged)
            .unwrap(),
        [procedure]
    );
}
