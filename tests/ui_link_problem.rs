//! A ward's wireless drops: the nurse reads why on every screen, in her language, with what it
//! means for her records and what to do; the technical detail stays for the IT log.

mod common;

use std::sync::{Arc, Mutex};

use bedside::ui::*;
use bedside_app::link::LinkStatus;
use bedside_core::messages::Lang;
use bedside_sync::problem::problem_words;
use common::ui::*;
use common::*;
use slint::ComponentHandle;

#[test]
fn a_dead_network_is_said_in_the_nurses_language_with_the_records_kept() {
    testing_platform();
    let ward = Ward::new();
    // A cycle against a blood bank that is not there (nothing listens on port 9).
    let (_dir, mut store) = temp_store();
    let summary = cycle(&mut store, &settings("http://127.0.0.1:9/fhir"));
    let detail = summary
        .errors
        .first()
        .cloned()
        .expect("the cycle reports its problem");
    assert!(!summary.pull_complete);

    let (window, state) = app(&ward);
    state.borrow_mut().link_status = Some(Arc::new(Mutex::new(LinkStatus {
        online: false,
        problem: Some(problem_words(&detail)),
        last_error: Some(detail.clone()),
        ..LinkStatus::default()
    })));
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

    // Back online: the words go.
    state.borrow_mut().link_status = Some(Arc::new(Mutex::new(LinkStatus {
        online: true,
        ..LinkStatus::default()
    })));
    tick_once(&window, &state);
    assert_eq!(window.global::<Status>().get_link_problem(), "");
}
