//! The late-crossmatch alert (`docs/clinical-rules.md` §6.3) on every screen: read from the store
//! once a second (the link records the results after each pull), taken in by the signed-in
//! nurse. A store that cannot be read is said in the banner, never shown as "no alert".

use slint::ComponentHandle;

use bedside_core::messages::Text;

use super::{on, AppWindow, Status, UiState};

pub(super) fn show(window: &AppWindow, state: &mut UiState) {
    let status = window.global::<Status>();
    // The link could not record a late result: said first (it has no transfusion to take in).
    let link_problem: Option<Text> = state
        .link_status
        .as_ref()
        // A link thread that panicked holding the lock left its last status: still worth reading.
        .map(|s| {
            s.lock()
                .unwrap_or_else(|p| p.into_inner())
                .late_alerts
                .clone()
        })
        .and_then(|alerts| alerts.into_iter().find(|a| a.procedure_urn.is_empty()))
        .map(|a| a.message);
    if let Some(problem) = link_problem {
        status.set_late_alert(state.t(&problem));
        status.set_late_alert_can_acknowledge(false);
        state.late_alert = None;
        return;
    }
    match state.handheld.late_crossmatch_alerts() {
        Ok(alerts) => {
            let first = alerts.first();
            status.set_late_alert(first.map(|a| state.t(&a.message)).unwrap_or_default());
            status
                .set_late_alert_can_acknowledge(first.is_some_and(|a| !a.procedure_urn.is_empty()));
            state.late_alert = first.map(|a| a.procedure_urn.clone());
        }
        Err(e) => {
            let said = Text::fill(
                "Late crossmatch results of emergency units cannot be read ({e_en}). Phone the blood bank for them.",
                "无法读取紧急发血血袋的交叉配血结果（{e_zh}）。请电话向输血科确认。",
                &[("e_en", &e.message().en), ("e_zh", &e.message().zh)],
            );
            status.set_late_alert(state.t(&said));
            status.set_late_alert_can_acknowledge(false);
            state.late_alert = None;
        }
    }
}

fn acknowledge(window: &AppWindow, state: &mut UiState) {
    let Some(procedure) = state.late_alert.clone() else {
        return;
    };
    // Refused (no nurse signed in, the store failed): the banner stays and says why.
    if let Err(e) = state.handheld.acknowledge_late_crossmatch(&procedure) {
        let status = window.global::<Status>();
        let alert = status.get_late_alert();
        status.set_late_alert(format!("{alert}\n{}", state.t(&e.message())).into());
        return;
    }
    show(window, state);
}

pub(super) fn install(window: &AppWindow, state: std::rc::Rc<std::cell::RefCell<UiState>>) {
    let weak = window.as_weak();
    window
        .global::<Status>()
        .on_acknowledge_late_alert(on(&weak, &state, acknowledge));
}
