//! The massive-transfusion protocol on the screens (`docs/clinical-rules.md` §6.4): opened from a
//! co-signed check, its panel on the ward list (units, ratio, kept second checker, time left),
//! the kept checker co-signing the patient's next units once their bag is scanned.

use slint::ComponentHandle;

use bedside_core::messages::Text;

use super::{on, AppWindow, HomePage, UiState, VerifyPage};

/// The panel's words, or why the protocol cannot be read.
fn panel(state: &UiState) -> (String, bool) {
    match state.handheld.massive_summary() {
        Ok(Some(s)) => {
            let head = Text::tr(
                "{name} ({mrn}) · second checker {second} · {left} min left",
                &[
                    ("name", &s.protocol.patient_name),
                    ("mrn", &s.protocol.patient_mrn),
                    (
                        "second",
                        &format!(
                            "{} {}",
                            s.protocol.second_checker.name, s.protocol.second_checker.staff_id
                        ),
                    ),
                    ("left", &s.minutes_left.to_string()),
                ],
            );
            (format!("{}\n{}", state.t(&head), state.t(&s.words)), true)
        }
        Ok(None) => (String::new(), false),
        Err(e) => (state.t(&e.message()).to_string(), true),
    }
}

pub(super) fn show(window: &AppWindow, state: &UiState) {
    let (words, open) = panel(state);
    window.global::<HomePage>().set_massive(words.into());
    window.global::<VerifyPage>().set_may_open_massive(!open);
}

/// After each scan: once the wristband names the protocol's patient, the kept second checker
/// co-signs the check (every barcode of the bag is still scanned and checked).
pub(super) fn cosign_if_open(window: &AppWindow, state: &mut UiState) {
    let UiState { flow, handheld, .. } = state;
    let Some(flow) = flow.as_mut() else {
        return;
    };
    if flow.second_checker().is_some() {
        return;
    }
    if let Err(e) = handheld.cosign_by_protocol(flow) {
        let said = state.t(&e.message());
        window.global::<VerifyPage>().set_message(said);
    }
}

fn open(window: &AppWindow, state: &mut UiState) {
    let UiState { flow, handheld, .. } = state;
    let Some(flow) = flow.as_ref() else {
        return;
    };
    let result = handheld.open_massive_transfusion(flow);
    let page = window.global::<VerifyPage>();
    match result {
        Ok(()) => page.set_message("".into()),
        Err(e) => page.set_message(state.t(&e.message())),
    }
    show(window, state);
}

fn end(window: &AppWindow, state: &mut UiState) {
    if let Err(e) = state
        .handheld
        .end_massive_transfusion("closed by the nurse")
    {
        let said = Text::tr(
            "The protocol could not be closed ({e}): it stays open. Try again.",
            &[("e", &e.to_string())],
        );
        window.global::<HomePage>().set_message(state.t(&said));
    }
    show(window, state);
}

pub(super) fn install(window: &AppWindow, state: std::rc::Rc<std::cell::RefCell<UiState>>) {
    let weak = window.as_weak();
    window
        .global::<VerifyPage>()
        .on_open_massive(on(&weak, &state, open));
    window
        .global::<HomePage>()
        .on_end_massive(on(&weak, &state, end));
}
