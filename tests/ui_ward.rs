//! The charge nurse's screens driven as a person would (Slint's testing backend, software
//! renderer, a clock the test moves), on a ward where nurses started two transfusions and one
//! stopped for a reaction:
//! - the board after sign-in: what runs (overdue in red once a round is missed), the reaction,
//!   the units waiting against their start window, what has not reached the blood bank;
//! - the records: search by patient, one record with its chart, check, rounds and audit trail,
//!   its PDF saved;
//! - the month's indicators, the drill-down to the records behind one, the CSV saved;
//! - the lock hides the board; a nurse's badge opens none of it.
//!
//! Screens are rendered in both languages to target/screenshots/ (copies in docs/screenshots/).

mod common;

use std::cell::RefCell;
use std::rc::Rc;

use bedside::ui::*;
use bedside_app::handheld::Handheld;
use bedside_app::session::SessionSettings;
use bedside_clock::RandomIds;
use bedside_core::policy::Policy;
use bedside_store::Store;
use common::ui::*;
use common::*;
use i_slint_backend_testing::ElementHandle;
use slint::{ComponentHandle, Model};

#[test]
fn the_charge_nurse_reviews_the_ward_on_the_touch_app() {
    testing_platform();
    let ward = Ward::new();

    // The morning's work, recorded through the nurse's own actions.
    let (h, _, _) = a_morning(&ward);
    drop(h);

    // The app as it opens on that device, locking after the usual 2 idle minutes.
    let h = Handheld::new(
        Store::open_encrypted(
            &ward.dir.path().join("device.db"),
            &read_key(ward.dir.path()),
        )
        .unwrap(),
        Box::new(ward.clock.clone()),
        Box::new(RandomIds),
        Policy::default(),
        common::ward(),
        SessionSettings::default(),
    );
    let mut ui = UiState::new(h);
    ui.export_dir = ward.dir.path().join("exports");
    let state = Rc::new(RefCell::new(ui));
    let window = AppWindow::new().unwrap();
    window.window().set_size(slint::PhysicalSize::new(480, 800));
    install(&window, state.clone());
    window.show().unwrap();
    let mut shots = Shots::new();

    // A nurse's badge: the ward list, no board; the board's actions refuse her.
    sign_in(&window, "N0451", "0451");
    assert_eq!(screen(&window), Screen::Home);
    assert!(!window.global::<HomePage>().get_charge());
    assert_eq!(
        ElementHandle::find_by_accessible_label(&window, "Ward board").count(),
        0
    );
    window.global::<BoardPage>().invoke_records();
    assert_eq!(
        screen(&window),
        Screen::Home,
        "a nurse does not reach the records"
    );
    assert!(
        window
            .global::<ReviewPage>()
            .get_message()
            .contains("护士长"),
        "refused in words (the app opens in Chinese)"
    );
    window.global::<BoardPage>().invoke_quality();
    assert_eq!(screen(&window), Screen::Home);
    click(&window, "Sign out");

    // The charge nurse signs in to the board.
    sign_in(&window, "C0101", "0101");
    assert_eq!(screen(&window), Screen::Board);
    let board = window.global::<BoardPage>();
    assert_eq!(board.get_running().row_count(), 1);
    let running = board.get_running().row_data(0).unwrap();
    assert!(
        running.title.starts_with("3床")
            && running.title.contains("张伟")
            && running.title.contains("ZY26001001"),
        "the patient by bed, name and hospital number: {}",
        running.title
    );
    assert!(!running.overdue);
    assert_eq!(board.get_reactions().row_count(), 1);
    assert!(board
        .get_reactions()
        .row_data(0)
        .unwrap()
        .title
        .contains("李秀英"));
    assert!(board.get_waiting().row_count() > 0);
    assert_eq!(board.get_pending().row_count(), 5);
    shots.both(&window, &state, "board");
    assert!(
        board.get_sync_summary().contains("5 waiting"),
        "{}",
        board.get_sync_summary()
    );

    // Left on the board, redrawn every second, the handheld still locks after 2 idle minutes:
    // a redraw is not a touch. Nothing of the board is behind the lock.
    let before = board.get_running().row_data(0).unwrap();
    for _ in 0..150 {
        ward.clock.advance(chrono::Duration::seconds(1));
        tick_once(&window, &state);
    }
    assert_eq!(
        screen(&window),
        Screen::Lock,
        "the board kept the screen unlocked"
    );
    ward.minutes(68);
    assert_eq!(
        ElementHandle::find_by_accessible_label(&window, &before.due).count(),
        0,
        "no patient data behind the lock"
    );
    shots.one(&window, "board-locked");
    for d in ["0", "1", "0", "1"] {
        click(&window, d);
    }
    click(&window, "Unlock");
    assert_eq!(screen(&window), Screen::Board);

    // The 60-minute round was missed: red on the board; a unit waits past its start window.
    let running = board.get_running().row_data(0).unwrap();
    assert!(running.overdue, "{}", running.due);
    assert!(board
        .get_waiting()
        .iter()
        .any(|w| w.late && w.countdown.contains("passed")));
    shots.both(&window, &state, "board-overdue");

    // The charge nurse opens 张伟's transfusion from the board, and Back returns to the board.
    board.invoke_open_running(0);
    assert_eq!(screen(&window), Screen::Observe);
    assert!(window
        .global::<ObservePage>()
        .get_patient()
        .contains("张伟"));
    click(&window, "Back");
    assert_eq!(screen(&window), Screen::Board);

    // Records: this month's two, then 李秀英's by a part of her name.
    click(&window, "Records");
    assert_eq!(screen(&window), Screen::Records);
    let review = window.global::<ReviewPage>();
    assert_eq!(review.get_rows().row_count(), 2, "{}", review.get_message());
    type_into(&window, "Patient (ID or name)", "秀英");
    click(&window, "Search");
    assert_eq!(review.get_rows().row_count(), 1);
    click(&window, "Reaction");
    assert_eq!(review.get_rows().row_count(), 1);
    shots.both(&window, &state, "records");

    // Her record: the chart, who checked what, the rounds, the report, the audit trail.
    review.invoke_open(0);
    assert_eq!(screen(&window), Screen::Record);
    let record = window.global::<RecordPage>();
    assert!(record.get_title().contains("李秀英"));
    assert!(
        record.get_series().row_count() >= 4,
        "temperature, pulse, blood pressure, SpO2 on the chart"
    );
    let check: Vec<String> = record.get_check().iter().map(|l| l.to_string()).collect();
    assert!(
        check[0].contains("N0451") && check[0].contains("N0388"),
        "{check:?}"
    );
    assert!(check.iter().any(|l| l.contains("ZY26001002")), "{check:?}");
    let rounds: Vec<String> = record.get_rounds().iter().map(|l| l.to_string()).collect();
    assert!(rounds.iter().any(|l| l.contains("39.0")), "{rounds:?}");
    assert!(record.get_reaction().iter().any(|l| l.contains("serious")));
    assert!(record
        .get_audit()
        .iter()
        .any(|l| l.contains("reaction reported")));
    shots.both(&window, &state, "record");
    click(&window, "Export PDF");
    assert!(
        record.get_message().contains("Saved"),
        "{}",
        record.get_message()
    );
    let pdf = std::fs::read_dir(ward.dir.path().join("exports"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "pdf"))
        .expect("the record's PDF was saved");
    assert!(std::fs::read(pdf).unwrap().starts_with(b"%PDF"));
    // Where it was saved, said in her language.
    shots.both(&window, &state, "record-exported");
    click(&window, "Back");
    assert_eq!(screen(&window), Screen::Records);
    click(&window, "Back");
    assert_eq!(screen(&window), Screen::Board);

    // The month's indicators, and the records behind "reactions suspected".
    click(&window, "Indicators");
    assert_eq!(screen(&window), Screen::Quality);
    let quality = window.global::<QualityPage>();
    let indicators: Vec<IndicatorView> = quality.get_indicators().iter().collect();
    assert!(indicators.len() >= 9);
    let compliance = indicators
        .iter()
        .find(|i| i.code == "CHECK_COMPLIANCE")
        .unwrap();
    assert_eq!(compliance.counts, "2 / 2");
    assert_eq!(compliance.percent, "100.0 %");
    shots.both(&window, &state, "quality");
    // The leak check reads every card, those below the fold (which the testing backend does not
    // find at 480×800) too, and nothing of a screen not shown.
    let last = indicators.last().unwrap();
    let found = |label: &str| ElementHandle::find_by_accessible_label(&window, label).count();
    assert_eq!(found(&last.title), 0, "{} is below the fold", last.title);
    let read = visible_texts(&window);
    assert!(indicators
        .iter()
        .all(|i| read.contains(&i.title.to_string())));
    assert!(!read.iter().any(|t| t == "Export PDF" || t == "Records"));
    let suspected = indicators
        .iter()
        .position(|i| i.code == "REACTIONS_SUSPECTED")
        .unwrap();
    // The list scrolls, and the testing backend finds only what is in view: tapped through the
    // page's callback, as the card does.
    quality.invoke_drill_down(suspected as i32);
    assert_ne!(quality.get_drill_title(), "");
    let drill: Vec<RecordRowView> = quality.get_drill().iter().collect();
    assert_eq!(drill.len(), 2);
    assert!(
        drill[0].title.contains("李秀英") && drill[0].flagged,
        "{drill:?}"
    );
    assert!(!drill[1].flagged);
    shots.both(&window, &state, "quality-drill");
    quality.invoke_open(0);
    assert_eq!(screen(&window), Screen::Record);
    assert!(record.get_title().contains("李秀英"));
    click(&window, "Back");
    assert_eq!(screen(&window), Screen::Quality);
    click(&window, "All indicators");
    click(&window, "CSV");
    assert!(
        quality.get_message().contains("Saved"),
        "{}",
        quality.get_message()
    );
    let csv = std::fs::read_dir(ward.dir.path().join("exports"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "csv"))
        .unwrap();
    let csv = std::fs::read(csv).unwrap();
    assert!(csv.starts_with(&[0xEF, 0xBB, 0xBF]));
    assert!(String::from_utf8(csv).unwrap().contains("李秀英"));
    shots.both(&window, &state, "quality-exported");

    let exports = audited(&state.borrow().handheld.store, "export", "C0101");
    assert_eq!(exports, 2, "the PDF and the CSV are audited");
    assert_eq!(shots.taken.len(), 17, "{:?}", shots.taken);
    shots.finish(&[
        Screen::Board,
        Screen::Records,
        Screen::Record,
        Screen::Quality,
    ]);
}
