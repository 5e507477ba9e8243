//! A ward shift on the touch app (issue 20.5), with Slint's testing backend and a clock the test
//! moves: 陈静 hands 张伟's running transfusion over to 刘洋 from its observation screen (refused
//! to herself first), the ward list names 刘洋; then, with no sound (the alarm is the tests'
//! recording fake), a missed observation and a check that stops each ring the alarm once and
//! show the flashing red banner until it is tapped.
//!
//! Slint's platform is per process, so this is one test.

mod common;

use std::cell::RefCell;
use std::rc::Rc;

use bedside::ui::*;
use bedside_app::alarm::{AlarmCause, AlarmWatch, RecordingAlarm};
use bedside_core::messages::Lang;
use common::ui::*;
use common::*;
use slint::{ComponentHandle, Model, SharedString};

fn image_of(verify: &VerifyPage, caption_part: &str) -> SharedString {
    verify
        .get_images()
        .iter()
        .find(|i| i.caption.contains(caption_part) && i.caption.contains('·'))
        .unwrap_or_else(|| panic!("no bag label image for {caption_part}"))
        .path
}

#[test]
fn a_transfusion_is_handed_over_on_screen_and_alarms_flash_when_there_is_no_sound() {
    testing_platform();
    let ward = Ward::new();
    let mut h = ward.open();
    started(&mut h); // 张伟's transfusion, by 陈静
    h.logout().unwrap();
    let mut ui = UiState::new(h);
    let alarm = RecordingAlarm::default();
    ui.alarms = AlarmWatch::new(Box::new(alarm.clone()));
    let labels = ward.dir.path().join("labels");
    std::fs::create_dir_all(&labels).unwrap();
    ui.label_dir = Some(labels);
    let state = Rc::new(RefCell::new(ui));
    let window = AppWindow::new().unwrap();
    window.window().set_size(slint::PhysicalSize::new(480, 800));
    install(&window, state.clone());
    window.show().unwrap();
    switch_language(&window, &mut state.borrow_mut(), Lang::En);
    let mut shots = Shots::new();
    let (home, observe) = (window.global::<HomePage>(), window.global::<ObservePage>());

    sign_in(&window, "N0451", "0451");
    assert_eq!(screen(&window), Screen::Home);
    let row = home.get_running().row_data(0).unwrap();
    assert!(row.nurse.contains("陈静"), "{}", row.nurse);

    // The handover: the receiving nurse's badge and PIN, as a second checker signs.
    home.invoke_open_running(0);
    assert_eq!(screen(&window), Screen::Observe);
    assert!(observe.get_responsible().contains("陈静"));
    click(&window, "Hand over to the next shift");
    assert!(observe.get_handing_over());
    type_into(&window, "Receiving nurse's badge", "N0451");
    type_into(&window, "Receiving nurse's PIN", "0451");
    click(&window, "Hand over to this nurse");
    assert!(
        observe.get_message().contains("another nurse"),
        "{}",
        observe.get_message()
    );
    assert!(observe.get_responsible().contains("陈静"));
    type_into(&window, "Receiving nurse's badge", "N0388");
    type_into(&window, "Receiving nurse's PIN", "0388");
    shots.both(&window, &state, "observe-handover");
    click(&window, "Hand over to this nurse");
    assert!(
        observe.get_responsible().contains("刘洋"),
        "{}",
        observe.get_message()
    );
    assert!(observe.get_message().contains("Handed over to 刘洋"));
    assert!(!observe.get_handing_over());
    click(&window, "Back");
    assert_eq!(screen(&window), Screen::Home);
    let row = home.get_running().row_data(0).unwrap();
    assert!(row.nurse.contains("刘洋"), "{}", row.nurse);

    // No sound: the 15-minute observation is missed, the alarm rings once and the banner flashes.
    let status = window.global::<Status>();
    assert_eq!(status.get_alarm(), "");
    ward.minutes(26);
    tick_once(&window, &state);
    tick_once(&window, &state);
    assert_eq!(alarm.rings(), [AlarmCause::ObservationMissed]);
    let banner = status.get_alarm().to_string();
    assert!(banner.contains("observation was missed"), "{banner}");
    shots.both(&window, &state, "alarm-banner");
    click(&window, &banner);
    assert_eq!(status.get_alarm(), "", "tapped: seen");
    tick_once(&window, &state);
    assert_eq!(
        status.get_alarm(),
        "",
        "the same missed observation rings once"
    );

    // A check that stops (王磊's wristband, 李秀英's bag): one more ring, the banner again.
    click(&window, "Start a bedside check");
    let verify = window.global::<VerifyPage>();
    keys(&window, &ward.clock, "ZY26001003", 3);
    verify.invoke_scan_image(image_of(&verify, "李秀英"));
    click(&window, "Check");
    assert!(verify.get_stopped());
    tick_once(&window, &state);
    tick_once(&window, &state);
    assert_eq!(
        alarm.rings(),
        [AlarmCause::ObservationMissed, AlarmCause::CheckStopped]
    );
    assert!(status.get_alarm().contains("check stopped"));
    switch_language(&window, &mut state.borrow_mut(), Lang::ZhCn);
    assert!(
        status.get_alarm().contains("核对未通过"),
        "the banner follows the language"
    );
    switch_language(&window, &mut state.borrow_mut(), Lang::En);
    shots.both(&window, &state, "alarm-check-stopped");
    shots.finish(&[Screen::Observe, Screen::Home, Screen::Verify]);
}
