//! The alarm on the screen and aloud: each second, a check that has come to a stop and any
//! observation newly missed ring the device's alarm once (`bedside_app::alarm::AlarmWatch`), and
//! a flashing red banner shows on every screen until a nurse taps it. The banner is the alarm on
//! a device with no sound (the testing backend, CI, `[alerts] sound = false`); what the device
//! could not do is said in it once found out.

use bedside_app::alarm::alarm_words;
use std::cell::RefCell;
use std::rc::Rc;

use slint::ComponentHandle;

use super::{on, AppWindow, Nav, Screen, Status, UiState, VerifyPage, VerifyStage};

pub(super) fn tick(window: &AppWindow, state: &mut UiState) {
    let now = state.handheld.now();
    // The check's verdict counts while its review is on screen; leaving it clears its stop.
    let on_screen = window.global::<Nav>().get_screen() == Screen::Verify
        && window.global::<VerifyPage>().get_stage() == VerifyStage::Review;
    let flow = state.flow.as_ref().filter(|_| on_screen);
    state.alarms.check_flow(flow, now);
    // A store that cannot be read says so on the lists; the alarm waits for the next second.
    if let Ok(running) = state.handheld.running() {
        state
            .alarms
            .observations(&running, now, &state.handheld.policy);
    }
    // An incompatible late crossmatch rings even on the lock screen (the alarm's words name no
    // patient); a store that cannot be read is said by the late-crossmatch banner.
    let procedures: Vec<&str> = state
        .late_alerts
        .iter()
        .map(|a| a.procedure_urn.as_str())
        .filter(|p| !p.is_empty())
        .collect();
    state.alarms.late_crossmatches(&procedures);
    if let Some(notice) = state.alarms.alarm.take_notice() {
        state.alarm_notice = Some(notice);
    }
    show(window, state);
}

pub(super) fn show(window: &AppWindow, state: &UiState) {
    let words = state.alarms.pending().map(|cause| {
        let mut text = state.t(&alarm_words(cause)).to_string();
        if let Some(notice) = &state.alarm_notice {
            text = format!("{text}\n{}", state.t(notice));
        }
        text
    });
    window
        .global::<Status>()
        .set_alarm(words.unwrap_or_default().into());
}

pub(super) fn install(window: &AppWindow, state: Rc<RefCell<UiState>>) {
    let weak = window.as_weak();
    window
        .global::<Status>()
        .on_alarm_seen(on(&weak, &state, seen));
}

/// A nurse tapped the banner: seen.
fn seen(window: &AppWindow, state: &mut UiState) {
    state.alarms.acknowledge();
    show(window, state);
}
