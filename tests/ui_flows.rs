//! The touch app driven as a nurse would, with Slint's testing backend and its software
//! renderer, on a device that pulled the demo ward, with a clock the test moves:
//! - sign in (a wrong PIN refused), the screen locking after inactivity;
//! - the check: typing refused by the scanner, a wristband scanned as a key burst, the bag
//!   scanned from its label image, co-sign refused for the same badge, the eight matches;
//! - baseline, start, the slow-rate reminder, a typo refused, the 15-minute round;
//! - interruption, the repeat check, restart; the end with volume and keep-until;
//! - a fever with rigors that stops the transfusion with the report prefilled;
//! - a check stopped for the wrong patient.
//!
//! Every screen is rendered in both languages to target/screenshots/ (docs/screenshots/ holds
//! the committed copies). Slint's platform is per process, so this is one test.

mod common;

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use bedside::ui::*;
use bedside_app::handheld::Handheld;
use bedside_app::session::SessionSettings;
use bedside_clock::{Clock, ManualClock, RandomIds, SystemClock};
use bedside_core::messages::Lang;
use bedside_core::policy::Policy;
use chrono::Duration;
use common::ui::*;
use common::*;
use slint::{ComponentHandle, Model, SharedString};

/// The nurse is away `minutes`: the screen locks, and her PIN brings back where she was.
fn away(window: &AppWindow, state: &Rc<RefCell<UiState>>, clock: &ManualClock, minutes: i64) {
    let before = screen(window);
    clock.advance(Duration::minutes(minutes));
    tick_once(window, state);
    assert_eq!(screen(window), Screen::Lock);
    for d in ["0", "4", "5", "1"] {
        click(window, d);
    }
    click(window, "Unlock");
    assert_eq!(
        screen(window),
        before,
        "{}",
        window.global::<LoginPage>().get_error()
    );
}

fn image_of(verify: &VerifyPage, caption_part: &str, bag: bool) -> SharedString {
    verify
        .get_images()
        .iter()
        .find(|i| i.caption.contains(caption_part) && i.caption.contains('·') == bag)
        .unwrap_or_else(|| panic!("no label image for {caption_part}"))
        .path
}

fn cosign_and_confirm(verify: &VerifyPage) {
    // The review scrolls; its fields are driven through the page's properties.
    verify.set_cosign_badge("N0388".into());
    verify.set_cosign_pin("0388".into());
    verify.invoke_cosign();
    assert!(
        verify.get_second_checker().contains("刘洋"),
        "{}",
        verify.get_message()
    );
    verify.set_visual_expiry(true);
    verify.set_visual_bag(true);
    verify.set_visual_set(true);
    verify.set_read_aloud(true);
}

#[test]
fn nurses_check_observe_interrupt_end_and_stop_for_a_reaction_on_the_touch_app() {
    testing_platform();
    let bank = demo_bank();
    let (dir, mut store) = temp_store();
    cycle(&mut store, &settings(&bank.running.base_url));
    with_demo_staff(&mut store);
    let li_bag = bag_scans(&store, "bdpd-000002");
    let clock = Arc::new(ManualClock::at(SystemClock::china().now()));
    let handheld = Handheld::new(
        store,
        Box::new(clock.clone()),
        Box::new(RandomIds),
        Policy::default(),
        ward(),
        SessionSettings::default(),
    );
    let mut ui = UiState::new(handheld);
    let labels = dir.path().join("labels");
    std::fs::create_dir_all(&labels).unwrap();
    ui.label_dir = Some(labels);
    let state = Rc::new(RefCell::new(ui));
    let window = AppWindow::new().unwrap();
    window.window().set_size(slint::PhysicalSize::new(480, 800));
    install(&window, state.clone());
    window.show().unwrap();
    let mut shots = Shots::new();

    // Sign in: a wrong PIN is refused in words; the right one opens the ward list.
    shots.both(&window, &state, "login");
    sign_in(&window, "N0451", "9999");
    assert_eq!(screen(&window), Screen::Login);
    assert!(window
        .global::<LoginPage>()
        .get_error()
        .contains("Wrong PIN"));
    sign_in(&window, "N0451", "0451");
    assert_eq!(screen(&window), Screen::Home);
    let home = window.global::<HomePage>();
    let verify = window.global::<VerifyPage>();
    let observe = window.global::<ObservePage>();
    assert!(home.get_patients().iter().any(|p| p.name == "张伟"));
    shots.both(&window, &state, "home");

    // Two idle minutes lock the screen and hide the patients; the PIN unlocks it.
    clock.advance(Duration::minutes(2));
    tick_once(&window, &state);
    assert_eq!(screen(&window), Screen::Lock);
    shots.both(&window, &state, "lock");
    for d in ["0", "4", "5", "1"] {
        click(&window, d);
    }
    click(&window, "Unlock");
    assert_eq!(screen(&window), Screen::Home);

    // 李秀英: a fever with rigors stops the transfusion with the report prefilled.
    click(&window, "Start a bedside check");
    keys(&window, &clock, "ZY26001002", 3);
    for scan in &li_bag {
        verify.invoke_scan(scan.into());
    }
    click(&window, "Check");
    cosign_and_confirm(&verify);
    verify.invoke_start();
    assert_eq!(screen(&window), Screen::Observe, "{}", verify.get_message());
    click(&window, "Start without baseline");
    assert_eq!(observe.get_mode(), ObserveMode::Running);
    type_into(&window, "Temperature °C", "38.6");
    type_into(&window, "Heart rate /min", "112");
    click(&window, "Rigors");
    click(&window, "Record observation");
    assert_eq!(screen(&window), Screen::Reaction);
    let reaction = window.global::<ReactionPage>();
    assert!(reaction.get_report().contains("李秀英"));
    assert!(reaction.get_report().contains("rigors"));
    shots.both(&window, &state, "reaction");
    assert!(reaction.get_report().contains("寒战") || reaction.get_report().contains("rigors"));
    click(&window, "Send reaction report");
    assert_eq!(screen(&window), Screen::Home);
    // 张伟 chosen from the list; typing his number is not a scan; the scanner's burst is.
    click(&window, "张伟");
    assert_eq!(screen(&window), Screen::Verify);
    assert!(verify.get_chosen().contains("张伟"));
    keys(&window, &clock, "ZY26001001", 180);
    assert_eq!(verify.get_stage(), VerifyStage::Wristband);
    assert!(
        verify.get_message().contains("typed, not scanned"),
        "{}",
        verify.get_message()
    );
    shots.both(&window, &state, "verify-wristband");
    keys(&window, &clock, "ZY26001001", 4);
    assert_eq!(
        verify.get_stage(),
        VerifyStage::Bag,
        "{}",
        verify.get_message()
    );
    assert!(verify.get_patient().contains("张伟"));

    // The bag from its label image: all four barcodes in one go.
    verify.set_show_images(true);
    shots.both(&window, &state, "verify-images");
    verify.invoke_scan_image(image_of(&verify, "张伟", true));
    let checklist: Vec<_> = verify.get_checklist().iter().collect();
    assert!(
        checklist.iter().all(|i| i.done),
        "{checklist:?} {}",
        verify.get_message()
    );
    shots.both(&window, &state, "verify-bag");

    // The review: co-signing with one's own badge is refused; 刘洋 co-signs.
    click(&window, "Check");
    verify.set_cosign_badge("N0451".into());
    verify.set_cosign_pin("0451".into());
    verify.invoke_cosign();
    assert!(
        verify.get_message().contains("someone else"),
        "{}",
        verify.get_message()
    );
    cosign_and_confirm(&verify);
    assert!(
        !verify.get_stopped(),
        "{:?}",
        verify.get_reasons().iter().collect::<Vec<_>>()
    );
    // The eight matches follow a language switch (they come from the core in both).
    switch_language(&window, &mut state.borrow_mut(), Lang::ZhCn);
    assert!(verify
        .get_matches()
        .iter()
        .any(|m| m.label.contains("姓名")));
    shots.both(&window, &state, "verify-matches");
    assert!(verify
        .get_matches()
        .iter()
        .any(|m| m.label.contains("name")));
    verify.invoke_start();

    // Baseline before spiking the bag, then the start.
    assert_eq!(screen(&window), Screen::Observe, "{}", verify.get_message());
    assert_eq!(observe.get_mode(), ObserveMode::Baseline);
    shots.both(&window, &state, "baseline");
    type_into(&window, "Temperature °C", "36.8");
    type_into(&window, "Heart rate /min", "80");
    type_into(&window, "Systolic mmHg", "120");
    type_into(&window, "Diastolic mmHg", "75");
    click(&window, "Record baseline and start");
    assert_eq!(
        observe.get_mode(),
        ObserveMode::Running,
        "{}",
        observe.get_message()
    );
    assert!(observe.get_slow_rate().contains("20 drops/min"));
    assert!(
        observe
            .get_due()
            .contains("15-minute observation in 15 min"),
        "{}",
        observe.get_due()
    );
    type_into(&window, "Temperature °C", "3.7");
    click(&window, "Record observation");
    assert!(
        observe.get_message().contains("3.7"),
        "{}",
        observe.get_message()
    );
    shots.both(&window, &state, "observe");

    // Twelve minutes in, the 15-minute window opens: the screen reminds.
    away(&window, &state, &clock, 12);
    assert!(observe.get_remind());
    assert!(
        observe.get_due().contains("take it now"),
        "{}",
        observe.get_due()
    );
    shots.both(&window, &state, "observe-due");
    type_into(&window, "Temperature °C", "37.0");
    type_into(&window, "Heart rate /min", "84");
    click(&window, "Record observation");
    assert_eq!(observe.get_message(), "");
    assert!(
        observe.get_due().contains("60-minute"),
        "{}",
        observe.get_due()
    );

    // The patient goes to CT: interrupt, with a reason.
    click(&window, "Interrupt");
    assert!(
        observe.get_message().contains("why"),
        "{}",
        observe.get_message()
    );
    // The reason field is below the chips (scrolled); set as the nurse would type it.
    common::leaks::typed("CT scan");
    observe.set_interrupt_reason("CT scan".into());
    click(&window, "Interrupt");
    assert!(observe.get_interrupted().contains("CT scan"));
    shots.both(&window, &state, "observe-interrupted");
    click(&window, "Back");
    assert!(home.get_running().iter().any(|r| r.interrupted));

    // Back on the ward 50 minutes later: the repeat check, then the restart.
    away(&window, &state, &clock, 50);
    home.invoke_open_running(0);
    assert_eq!(screen(&window), Screen::Observe);
    click(&window, "Repeat check and restart");
    assert_eq!(screen(&window), Screen::Verify);
    assert!(verify.get_repeat());
    shots.both(&window, &state, "verify-repeat");
    keys(&window, &clock, "ZY26001001", 3);
    verify.invoke_scan_image(image_of(&verify, "张伟", true));
    click(&window, "Check");
    cosign_and_confirm(&verify);
    verify.invoke_start();
    // An hour without a pull (the test's blood bank does not sync): acknowledge, then restart.
    assert!(
        verify.get_message().contains("Acknowledge"),
        "{}",
        verify.get_message()
    );
    // On the screen: the warning with its button, the reason typed below the matches.
    assert_eq!(verify.get_warnings().row_count(), 1);
    common::leaks::typed("ward network down");
    verify.set_ack_reason("ward network down".into());
    verify.invoke_acknowledge(0);
    assert!(verify.get_warnings().row_data(0).unwrap().acknowledged);
    verify.invoke_start();
    assert_eq!(screen(&window), Screen::Observe, "{}", verify.get_message());
    assert_eq!(observe.get_interrupted(), "");

    // The end: volume and the end observation; the bag is kept 24 hours.
    click(&window, "End transfusion");
    assert_eq!(observe.get_mode(), ObserveMode::End);
    click(&window, "Record end of transfusion");
    assert!(
        observe.get_message().contains("volume"),
        "{}",
        observe.get_message()
    );
    shots.both(&window, &state, "observe-end");
    type_into(&window, "Volume transfused (ml)", "260");
    type_into(&window, "Temperature °C", "36.9");
    click(&window, "Record end of transfusion");
    assert_eq!(screen(&window), Screen::Ended, "{}", observe.get_message());
    let keep = (clock.now() + Duration::hours(24))
        .format("%Y-%m-%d %H:%M")
        .to_string();
    assert_eq!(window.global::<EndedPage>().get_keep_until(), keep.as_str());
    shots.both(&window, &state, "ended");
    click(&window, "Done");
    assert_eq!(screen(&window), Screen::Home);
    assert_eq!(home.get_running().row_count(), 0);

    let kinds: Vec<String> = state
        .borrow()
        .handheld
        .store
        .all_outbox()
        .unwrap()
        .iter()
        .map(|r| r.event.kind().to_string())
        .collect();
    assert_eq!(
        kinds,
        [
            "started",
            "observations_taken",
            "reaction_reported",
            "started",
            "observations_taken",
            "ended"
        ]
    );

    // The wrong patient: 王磊's wristband with 张伟's bag stops, naming 张伟.
    click(&window, "Start a bedside check");
    keys(&window, &clock, "ZY26001003", 3);
    verify.invoke_scan_image(image_of(&verify, "张伟", true));
    click(&window, "Check");
    assert!(verify.get_stopped());
    let reasons: Vec<String> = verify.get_reasons().iter().map(|r| r.to_string()).collect();
    assert!(reasons.iter().any(|r| r.contains("张伟")), "{reasons:?}");
    shots.both(&window, &state, "verify-stop");

    assert_eq!(shots.taken.len(), 32, "{:?}", shots.taken);
    shots.finish(&[
        Screen::Login,
        Screen::Home,
        Screen::Lock,
        Screen::Reaction,
        Screen::Verify,
        Screen::Observe,
        Screen::Ended,
    ]);
}
