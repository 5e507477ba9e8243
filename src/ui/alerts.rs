//! The late-crossmatch alert (`docs/clinical-rules.md` §6.3) on every screen: read from the store
//! once a second (the link records the results after each pull), taken in by the signed-in
//! nurse. A store that cannot be read is said in the banner, never shown as "no alert".

use slint::ComponentHandle;

use bedside_app::late_crossmatch::LateAlert;

use super::{on, AppWindow, Status, UiState};

/// Reads the open alerts once (a tick, an acknowledgement): what the link could not record
/// first (it has no transfusion to take in), then this device's store's. The alarm and the
/// banner both use what was read.
pub(super) fn read(state: &mut UiState) {
    let link_problems: Vec<LateAlert> = state
        .link_status
        .as_ref()
        // A link thread that panicked holding the lock left its last status: still worth reading.
        .map(|s| {
            s.lock()
                .unwrap_or_else(|p| p.into_inner())
                .late_alerts
                .clone()
        })
        .unwrap_or_default()
        .into_iter()
        .filter(|a| a.procedure_urn.is_empty())
        .collect();
    state.late_alerts = link_problems;
    state
        .late_alerts
        .extend(state.handheld.late_crossmatch_alerts());
}

/// The first alert in the reader's language; the button only for one a nurse can take in.
pub(super) fn show(window: &AppWindow, state: &UiState) {
    let status = window.global::<Status>();
    let first = state.late_alerts.first();
    status.set_late_alert(first.map(|a| state.t(&a.message)).unwrap_or_default());
    status.set_late_alert_can_acknowledge(first.is_some_and(|a| !a.procedure_urn.is_empty()));
}

fn acknowledge(window: &AppWindow, state: &mut UiState) {
    let Some(procedure) = state
        .late_alerts
        .first()
        .map(|a| a.procedure_urn.clone())
        .filter(|p| !p.is_empty())
    else {
        return;
    };
    // Refused (no nurse signed in, the store failed): the banner stays and says why.
    if let Err(e) = state.handheld.acknowledge_late_crossmatch(&procedure) {
        let status = window.global::<Status>();
        let alert = status.get_late_alert();
        status.set_late_alert(format!("{alert}\n{}", state.t(&e.message())).into());
        return;
    }
    read(state);
    show(window, state);
}

pub(super) fn install(window: &AppWindow, state: std::rc::Rc<std::cell::RefCell<UiState>>) {
    let weak = window.as_weak();
    window
        .global::<Status>()
        .on_acknowledge_late_alert(on(&weak, &state, acknowledge));
}
