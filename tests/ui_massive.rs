//! The massive-transfusion protocol on the touch app (Slint's testing backend): opened from a
//! co-signed check, its panel on the ward list, the kept second checker filled in on the patient's
//! next check once the wristband is scanned, and closed from the panel. One test per process.

mod common;

use bedside::ui::*;
use bedside_store::Store;
use common::ui::*;
use common::*;
use slint::ComponentHandle;

/// 张伟's wristband and bag scanned on the check screen.
fn scan_zhang_wei(window: &AppWindow, ward: &Ward) {
    click(window, "Start a bedside check");
    keys(window, &ward.clock, "ZY26001001", 3);
    let store = Store::open_encrypted(
        &ward.dir.path().join("device.db"),
        &read_key(ward.dir.path()),
    )
    .unwrap();
    let verify = window.global::<VerifyPage>();
    for scan in bag_scans(&store, ZHANG_WEI) {
        verify.invoke_scan(scan.into());
    }
}

#[test]
fn the_protocol_keeps_its_second_checker_for_the_patients_next_check() {
    testing_platform();
    let ward = Ward::new();
    let (window, state) = app(&ward);
    sign_in(&window, "N0451", "0451");
    let verify = window.global::<VerifyPage>();
    let home = window.global::<HomePage>();

    scan_zhang_wei(&window, &ward);
    click(&window, "Check");
    verify.set_cosign_badge("N0388".into());
    verify.set_cosign_pin("0388".into());
    verify.invoke_cosign();
    assert!(verify.get_may_open_massive(), "{}", verify.get_message());
    assert_eq!(
        verify.get_second_checker(),
        "刘洋 N0388",
        "{}",
        verify.get_message()
    );
    // The button sits below the eye checks, out of the scrolled view: invoked as the other
    // tests invoke the co-signature.
    verify.invoke_open_massive();
    assert!(!verify.get_may_open_massive(), "{}", verify.get_message());
    click(&window, "Cancel check");

    tick_once(&window, &state);
    assert!(
        home.get_massive().contains("张伟"),
        "{}",
        home.get_massive()
    );
    assert!(home.get_massive().contains("second checker 刘洋 N0388"));
    assert!(home.get_massive().contains("target 4 : 4 : 1"));
    let mut shots = Shots::new();
    shots.both(&window, &state, "massive-panel");
    assert!(home.get_massive().contains("120 min left"));

    // The next check of 张伟: no badge, no PIN — the kept second checker signs once the
    // wristband is read; the bag is still scanned and checked.
    scan_zhang_wei(&window, &ward);
    assert_eq!(verify.get_second_checker(), "刘洋 N0388");
    click(&window, "Cancel check");

    tick_once(&window, &state);
    click(&window, "End massive transfusion");
    assert_eq!(home.get_massive(), "", "closed");
    assert_eq!(
        audited(
            &state.borrow().handheld.store,
            "massive-transfusion-closed",
            "N0451"
        ),
        1
    );
    shots.finish(&[Screen::Home]);
}
