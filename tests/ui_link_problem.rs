//! A ward's wireless drops: the nurse reads why on every screen, in her language, with what it
//! means for her records and what to do; the technical detail stays for the IT log. The charge
//! nurse's board says, for each record still on the device, why it has not gone, and the record
//! the blood bank refused reads in her language too.

mod common;

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::{Arc, Mutex};

use bedside::ui::*;
use bedside_app::link::LinkStatus;
use bedside_core::messages::Lang;
use bedside_sync::problem::problem_words;
use common::ui::*;
use common::*;
use slint::{ComponentHandle, Model};

/// A morning's records meet a dead link (nothing listens on port 9), then the blood bank, which
/// refuses 李秀英's start (it no longer knows her unit), holding her later records. Returns the
/// dead link's technical detail.
fn records_meet_a_dead_link_and_a_refusal(ward: &Ward) -> String {
    let (mut h, _, _) = a_morning(ward);
    let summary = cycle(&mut h.store, &settings("http://127.0.0.1:9/fhir"));
    assert!(!summary.pull_complete);
    let detail = summary
        .errors
        .first()
        .cloned()
        .expect("the cycle reports its problem");
    rusqlite::Connection::open(ward.bank.db_path())
        .unwrap()
        .execute(
            "UPDATE resource SET id = 'bdp-gone' WHERE id = 'bdp-a999926400102'",
            [],
        )
        .unwrap();
    let summary = cycle(&mut h.store, &settings(&ward.bank.running.base_url));
    assert_eq!(summary.quarantined, 1, "{summary:?}");
    detail
}

fn offline(state: &Rc<RefCell<UiState>>, detail: &str) {
    state.borrow_mut().link_status = Some(Arc::new(Mutex::new(LinkStatus {
        online: false,
        problem: Some(problem_words(detail)),
        last_error: Some(detail.to_string()),
        ..LinkStatus::default()
    })));
}

#[test]
fn a_dead_network_is_said_in_the_nurses_language_with_the_records_kept() {
    testing_platform();
    let ward = Ward::new();
    let detail = records_meet_a_dead_link_and_a_refusal(&ward);

    let (window, state) = app(&ward);
    offline(&state, &detail);
    let mut shots = Shots::new();
    sign_in(&window, "N0451", "0451");
    switch_language(&window, &mut state.borrow_mut(), Lang::ZhCn);
    tick_once(&window, &state);
    let said = window.global::<Status>().get_link_problem().to_string();
    assert!(said.contains("血库连接不上"), "{said}");
    assert!(
        said.contains("本机"),
        "the records are said to be kept: {said}"
    );
    assert!(
        !said.contains("127.0.0.1"),
        "no technical detail for the nurse: {said}"
    );
    shots.both(&window, &state, "offline");

    let said = window.global::<Status>().get_link_problem().to_string();
    assert!(said.contains("wireless"), "{said}");

    // The charge nurse's board: what has not gone, and why; the refused record's own page.
    click(&window, "Sign out");
    sign_in(&window, "C0101", "0101");
    assert_eq!(screen(&window), Screen::Board);
    let pending: Vec<PendingView> = window.global::<BoardPage>().get_pending().iter().collect();
    assert!(pending.iter().any(|p| p.quarantined), "{pending:?}");
    shots.both(&window, &state, "board-offline");
    click(&window, "Records");
    let review = window.global::<ReviewPage>();
    let li = review
        .get_rows()
        .iter()
        .position(|r| r.title.contains("李秀英"))
        .expect("her record is listed");
    review.invoke_open(li as i32);
    assert_eq!(screen(&window), Screen::Record);
    shots.both(&window, &state, "record-refused");

    // Back online: the words go.
    state.borrow_mut().link_status = Some(Arc::new(Mutex::new(LinkStatus {
        online: true,
        ..LinkStatus::default()
    })));
    tick_once(&window, &state);
    assert_eq!(window.global::<Status>().get_link_problem(), "");
    shots.finish(&[Screen::Home, Screen::Board, Screen::Record]);
}
