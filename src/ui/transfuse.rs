//! The screens of a running transfusion: baseline before the start, observations with their
//! countdowns and reminders, the reaction stop screen, interruption and restart, the end.

use std::cell::RefCell;
use std::rc::Rc;

use slint::{ComponentHandle, ModelRc, VecModel};

use super::{
    back_from_transfusion, go, on, texts, verify, AppWindow, ChipView, EndedPage, ObserveMode,
    ObservePage, ReactionPage, Screen, Status, UiState,
};
use bedside_app::handheld::{ActionError, Ended};
use bedside_app::observe::{parse_vitals, VitalsForm, VitalsProblem};
use bedside_app::transfuse::{parse_volume, Judgement, RunningTransfusion, SYMPTOM_CHIPS};
use bedside_app::verify::ReadyToStart;
use bedside_core::messages::{date_time, tr, Text};
use bedside_core::observations::Vitals;

fn clear_form(page: &ObservePage, state: &mut UiState) {
    for field in [
        ObservePage::set_temp,
        ObservePage::set_hr,
        ObservePage::set_sbp,
        ObservePage::set_dbp,
        ObservePage::set_rr,
        ObservePage::set_spo2,
        ObservePage::set_other_symptom,
        ObservePage::set_volume,
        ObservePage::set_message,
    ] {
        field(page, "".into());
    }
    state.chips = vec![false; SYMPTOM_CHIPS.len()];
    state.confirm_vitals = None;
}

/// The observation screen in `mode` (running or end) for the transfusion in `state.running`.
pub(super) fn show(window: &AppWindow, state: &mut UiState, mode: ObserveMode) {
    let page = window.global::<ObservePage>();
    clear_form(&page, state);
    page.set_watch(ModelRc::default());
    page.set_mode(mode);
    close_handover(&page);
    refresh(window, state);
    go(window, Screen::Observe);
}

/// The check passed: take the baseline before spiking the bag.
pub(super) fn ask_baseline(window: &AppWindow, state: &mut UiState, ready: ReadyToStart) {
    let page = window.global::<ObservePage>();
    clear_form(&page, state);
    page.set_mode(ObserveMode::Baseline);
    page.set_watch(ModelRc::default());
    page.set_patient(format!("{}  {}", ready.record.patient.name, ready.record.unit.din).into());
    for set in [
        ObservePage::set_timeline,
        ObservePage::set_due,
        ObservePage::set_slow_rate,
        ObservePage::set_interrupted,
    ] {
        set(&page, "".into());
    }
    state.ready = Some(ready);
    go(window, Screen::Observe);
}

pub(super) fn refresh(window: &AppWindow, state: &mut UiState) {
    let page = window.global::<ObservePage>();
    let chips: Vec<ChipView> = SYMPTOM_CHIPS
        .iter()
        .enumerate()
        .map(|(i, (_, msgid))| ChipView {
            label: tr(state.lang, msgid).into(),
            on: state.chips.get(i).copied().unwrap_or(false),
        })
        .collect();
    page.set_chips(ModelRc::new(VecModel::from(chips)));
    let Some(r) = &state.running else { return };
    if page.get_mode() == ObserveMode::Baseline {
        return;
    }
    let timeline = r.timeline(state.handheld.now(), &state.handheld.policy);
    let t = |text: &Option<Text>| text.as_ref().map(|t| state.t(t)).unwrap_or_default();
    page.set_patient(format!("{}  {}", r.transfusion.patient_name, r.transfusion.din).into());
    page.set_timeline(state.t(&timeline.headline));
    page.set_responsible(state.t(&timeline.responsible));
    page.set_slow_rate(t(&timeline.slow_rate));
    page.set_due(t(&timeline.due));
    page.set_overdue(timeline.overdue);
    page.set_remind(timeline.remind);
    page.set_interrupted(t(&timeline.interrupted));
    page.set_alerts(texts(state, &timeline.alerts));
}

pub(super) fn refresh_reaction(window: &AppWindow, state: &UiState) {
    let Some(draft) = &state.pending_reaction else {
        return;
    };
    let page = window.global::<ReactionPage>();
    page.set_triggers(
        draft
            .alerts
            .iter()
            .map(|a| a.get(state.lang))
            .collect::<Vec<_>>()
            .join("\n")
            .into(),
    );
    page.set_suspected(state.t(&draft.suspected.words()));
    // The report follows the language until the nurse edits it; then it is theirs.
    let report = page.get_report();
    if report.is_empty() || report == draft.report.en() || report == draft.report.zh() {
        page.set_report(state.t(&draft.report));
    }
}

/// The six vital-sign fields as keyed: temperature, HR, systolic, diastolic, RR, SpO2.
fn vitals_fields(page: &ObservePage) -> [slint::SharedString; 6] {
    [
        page.get_temp(),
        page.get_hr(),
        page.get_sbp(),
        page.get_dbp(),
        page.get_rr(),
        page.get_spo2(),
    ]
}

/// The form as vitals. Values outside the usual range are taken when the nurse presses Record
/// again on the same values (the confirmation the message asks for).
fn form_vitals(
    state: &mut UiState,
    fields: &[slint::SharedString; 6],
    with_symptoms: bool,
) -> Result<Vitals, Text> {
    let [temp, hr, sbp, dbp, rr, spo2] = fields;
    let confirmed = state.confirm_vitals.as_ref() == Some(fields);
    let form = VitalsForm {
        temp_c: temp,
        hr,
        sbp,
        dbp,
        rr,
        spo2,
        with_symptoms,
        confirmed,
    };
    match parse_vitals(&form) {
        Ok(v) => {
            state.confirm_vitals = None;
            Ok(v)
        }
        Err(VitalsProblem::Confirm(words)) => {
            state.confirm_vitals = Some(fields.clone());
            Err(words)
        }
        Err(VitalsProblem::Refused(words)) => {
            state.confirm_vitals = None;
            Err(words)
        }
    }
}

/// Says on every screen that a judged round is not saved yet (or clears it); kept as words in
/// both languages so a language switch redraws it.
pub(super) fn show_not_saved(window: &AppWindow, state: &mut UiState, words: Option<Text>) {
    state.not_saved = words;
    draw_not_saved(window, state);
}

pub(super) fn draw_not_saved(window: &AppWindow, state: &UiState) {
    let words = state.not_saved.as_ref().map(|w| state.t(w));
    window
        .global::<Status>()
        .set_not_saved(words.unwrap_or_default());
}

fn form_symptoms(page: &ObservePage, state: &UiState) -> Vec<String> {
    let mut symptoms: Vec<String> = SYMPTOM_CHIPS
        .iter()
        .zip(&state.chips)
        .filter(|(_, on)| **on)
        .map(|((code, _), _)| code.to_string())
        .collect();
    let other = page.get_other_symptom().trim().to_string();
    if !other.is_empty() {
        symptoms.push(other);
    }
    symptoms
}

fn stop_for_reaction(
    window: &AppWindow,
    state: &mut UiState,
    draft: bedside_app::transfuse::ReactionDraft,
) {
    let page = window.global::<ReactionPage>();
    page.set_report("".into());
    page.set_message("".into());
    page.set_serious(draft.serious);
    state.pending_reaction = Some(draft);
    refresh_reaction(window, state);
    go(window, Screen::Reaction);
}

fn record(window: &AppWindow, state: &mut UiState) {
    let page = window.global::<ObservePage>();
    let symptoms = form_symptoms(&page, state);
    let fields = vitals_fields(&page);
    let nothing_keyed = fields.iter().all(|f| f.trim().is_empty());
    let mode = page.get_mode();
    // At the end, the volume first: it is what the end cannot do without.
    let volume = if mode == ObserveMode::End {
        match parse_volume(&page.get_volume()) {
            Ok(v) => Some(v),
            Err(e) => return page.set_message(state.t(&e)),
        }
    } else {
        None
    };
    let vitals = if mode == ObserveMode::End && nothing_keyed {
        Vitals::default()
    } else {
        match form_vitals(state, &fields, !symptoms.is_empty()) {
            Ok(v) => v,
            Err(e) => return page.set_message(state.t(&e)),
        }
    };
    match (mode, volume) {
        (ObserveMode::Baseline, _) => {
            let Some(ready) = state.ready.take() else {
                return;
            };
            start(window, state, ready, Some((vitals, symptoms)));
        }
        (ObserveMode::End, Some(volume)) => record_end(window, state, volume, vitals, symptoms),
        _ => record_round(window, state, vitals, symptoms),
    }
}

fn record_end(
    window: &AppWindow,
    state: &mut UiState,
    volume: u32,
    vitals: Vitals,
    symptoms: Vec<String>,
) {
    let measured = vitals != Vitals::default() || !symptoms.is_empty();
    let Some(mut running) = state.running.take() else {
        return;
    };
    let result = state
        .handheld
        .end(&mut running, volume, measured.then_some((vitals, symptoms)));
    match result {
        Ok(Ended::Normally { keep_until }) => {
            show_ended(window, state, &running, volume, keep_until);
        }
        Ok(Ended::Reaction { draft, not_saved }) => {
            state.running = Some(running);
            show_not_saved(window, state, not_saved);
            stop_for_reaction(window, state, *draft);
        }
        Err(e) => {
            state.running = Some(running);
            let page = window.global::<ObservePage>();
            page.set_message(state.t(&e.message()));
        }
    }
}

fn show_ended(
    window: &AppWindow,
    state: &UiState,
    running: &RunningTransfusion,
    volume: u32,
    keep_until: Option<bedside_core::Instant>,
) {
    let ended = window.global::<EndedPage>();
    let now = state.handheld.now();
    ended.set_summary(state.t(&Text::tr(
        "{patient} · {din}: ended at {at}, {ml} ml transfused.",
        &[
            ("patient", &running.transfusion.patient_name),
            ("din", &running.transfusion.din),
            ("at", &now.format("%H:%M").to_string()),
            ("ml", &volume.to_string()),
        ],
    )));
    ended.set_keep_until(
        keep_until
            .map(|k| date_time(state.lang, k))
            .unwrap_or_default()
            .into(),
    );
    go(window, Screen::Ended);
}

/// A round while the blood runs: judged first, whatever the store said; then what was not saved.
fn record_round(window: &AppWindow, state: &mut UiState, vitals: Vitals, symptoms: Vec<String>) {
    let page = window.global::<ObservePage>();
    let Some(mut running) = state.running.take() else {
        return;
    };
    // Under a massive-transfusion protocol the round covers every unit running for the patient.
    let result = state.handheld.observe_round(&mut running, vitals, symptoms);
    state.running = Some(running);
    match result {
        Ok((observed, _)) => {
            show_not_saved(window, state, observed.not_saved);
            match observed.judgement {
                Judgement::Watch(warnings) => {
                    clear_form(&page, state);
                    let words: Vec<Text> = warnings.into_iter().map(|a| a.message).collect();
                    page.set_watch(texts(state, &words));
                    refresh(window, state);
                }
                Judgement::Stop(draft) => stop_for_reaction(window, state, *draft),
            }
        }
        Err(e) => page.set_message(state.t(&e.message())),
    }
}

fn start(
    window: &AppWindow,
    state: &mut UiState,
    ready: ReadyToStart,
    baseline: Option<(Vitals, Vec<String>)>,
) {
    match state.handheld.start(&ready, baseline) {
        Ok(running) => {
            state.flow = None;
            state.running = Some(running);
            show(window, state, ObserveMode::Running);
        }
        Err(e @ ActionError::CheckStopped { .. }) => {
            // Judged again at the start, the check stops: the start is no longer offered.
            verify::refused(window, state, &e);
        }
        Err(e) => {
            let message = state.t(&e.message());
            state.ready = Some(ready);
            window.global::<ObservePage>().set_message(message);
        }
    }
}

/// A transfusion opened from a list: one stopped for a suspected reaction opens on its STOP
/// screen with the report to send, whatever happened to the app since.
pub(super) fn open(window: &AppWindow, state: &mut UiState, running: RunningTransfusion) {
    let stop = running.stop.clone();
    state.running = Some(running);
    match stop {
        Some(draft) => stop_for_reaction(window, state, *draft),
        None => show(window, state, ObserveMode::Running),
    }
}

fn close_handover(page: &ObservePage) {
    page.set_handing_over(false);
    page.set_handover_badge("".into());
    page.set_handover_pin("".into());
}

/// The receiving nurse signed with her badge and PIN: the transfusion is hers from now.
fn hand_over(window: &AppWindow, state: &mut UiState) {
    let page = window.global::<ObservePage>();
    let Some(mut running) = state.running.take() else {
        return;
    };
    let result = state.handheld.hand_over(
        &mut running,
        &page.get_handover_badge(),
        &page.get_handover_pin(),
    );
    state.running = Some(running);
    match result {
        Ok(to) => {
            close_handover(&page);
            let done = Text::tr("Handed over to {who}.", &[("who", &to.label())]);
            page.set_message(state.t(&done));
            refresh(window, state);
        }
        Err(e) => {
            page.set_handover_pin("".into());
            page.set_message(state.t(&e.message()));
        }
    }
}

pub(super) fn install(window: &AppWindow, state: Rc<RefCell<UiState>>) {
    let weak = window.as_weak();
    let observe = window.global::<ObservePage>();
    let on = |f: fn(&AppWindow, &mut UiState)| on(&weak, &state, f);
    observe.on_record(on(record));
    observe.on_start_without_baseline(on(|w, s| {
        if let Some(ready) = s.ready.take() {
            start(w, s, ready, None);
        }
    }));
    observe.on_toggle_chip({
        let (weak, state) = (weak.clone(), state.clone());
        move |i| {
            let Some(w) = weak.upgrade() else { return };
            let mut s = state.borrow_mut();
            if let Some(chip) = s.chips.get_mut(i as usize) {
                *chip = !*chip;
            }
            refresh(&w, &mut s);
        }
    });
    observe.on_end(on(|w, s| {
        let page = w.global::<ObservePage>();
        clear_form(&page, s);
        page.set_mode(ObserveMode::End);
        refresh(w, s);
    }));
    observe.on_cancel_end(on(|w, s| show(w, s, ObserveMode::Running)));
    observe.on_interrupt(on(|w, s| {
        let page = w.global::<ObservePage>();
        let Some(mut running) = s.running.take() else {
            return;
        };
        let result = s
            .handheld
            .interrupt(&mut running, &page.get_interrupt_reason());
        s.running = Some(running);
        match result {
            Ok(()) => {
                page.set_interrupt_reason("".into());
                page.set_message("".into());
                refresh(w, s);
            }
            Err(e) => page.set_message(s.t(&e.message())),
        }
    }));
    observe.on_hand_over(on(hand_over));
    observe.on_restart(on(|w, s| {
        s.chosen = None;
        verify::begin(w, s, true);
    }));
    observe.on_back(on(back_from_transfusion));

    window.global::<ReactionPage>().on_submit(on(|w, s| {
        let page = w.global::<ReactionPage>();
        let (Some(running), Some(draft)) = (s.running.as_ref(), s.pending_reaction.as_ref()) else {
            return;
        };
        match s
            .handheld
            .report_reaction(running, draft, &page.get_report(), page.get_serious())
        {
            Ok(()) => {
                s.running = None;
                s.pending_reaction = None;
                show_not_saved(w, s, None);
                back_from_transfusion(w, s);
            }
            Err(e) => page.set_message(s.t(&e.message())),
        }
    }));
    window
        .global::<EndedPage>()
        .on_done(on(back_from_transfusion));
}
