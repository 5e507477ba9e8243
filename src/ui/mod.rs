//! Slint glue only: the views in `ui/` and one adapter binding them to the handheld's core
//! (`app::handheld::Handheld`). No rule is decided here: texts come from the core in both
//! languages, and this module picks the one on screen.

use std::cell::RefCell;
use std::rc::Rc;

use slint::{ComponentHandle, ModelRc, SharedString, VecModel};

use crate::app::demo::LinkStatus;
use crate::app::handheld::Handheld;
use crate::app::observe::{parse_vitals, VitalsForm};
use crate::app::verify::{patients_waiting, MatchState, NotReady, ScanSource, VerifyFlow};
use crate::domain::check::IssueRecord;
use crate::domain::event::{ObservationRound, TransfusionRef};
use crate::domain::messages::{Lang, Text};
use crate::domain::observations::{next_due, reaction_triggers, Observation, Transfusion};

slint::include_modules!();

pub mod app;

/// What the screens are about right now.
pub struct UiState {
    pub handheld: Handheld,
    pub lang: Lang,
    pub flow: Option<VerifyFlow>,
    pub running: Option<Running>,
    pub pending_reaction: Option<(String, ObservationRound)>,
}

pub struct Running {
    pub transfusion: TransfusionRef,
    pub monitor: Transfusion,
    pub baseline: Option<Observation>,
}

impl UiState {
    pub fn new(handheld: Handheld) -> UiState {
        UiState {
            handheld,
            lang: Lang::ZhCn,
            flow: None,
            running: None,
            pending_reaction: None,
        }
    }

    fn t(&self, text: &Text) -> SharedString {
        text.get(self.lang).into()
    }
}

fn strings(items: Vec<SharedString>) -> ModelRc<SharedString> {
    ModelRc::new(VecModel::from(items))
}

/// Sets the language of the bundled translations and of the core's texts.
pub fn set_language(state: &mut UiState, lang: Lang) {
    state.lang = lang;
    let _ = slint::select_bundled_translation(match lang {
        Lang::ZhCn => "zh_CN",
        Lang::En => "en",
    });
}

pub fn show_status(window: &AppWindow, status: &LinkStatus) {
    let s = window.global::<Status>();
    s.set_online(status.online);
    s.set_last_pull(
        status
            .last_pull
            .clone()
            .unwrap_or_else(|| "—".into())
            .into(),
    );
    s.set_unsent(status.unsent as i32);
}

fn go(window: &AppWindow, screen: &str) {
    window.global::<Nav>().set_screen(screen.into());
}

fn refresh_home(window: &AppWindow, state: &UiState) {
    let (issued, _) = state
        .handheld
        .store
        .cached()
        .map(|c| c.issue_records())
        .unwrap_or_default();
    let patients: Vec<PatientView> = patients_waiting(&issued)
        .into_iter()
        .map(|p| PatientView {
            mrn: p.mrn.into(),
            name: p.name.into(),
            units: p.units as i32,
        })
        .collect();
    let home = window.global::<HomePage>();
    home.set_patients(ModelRc::new(VecModel::from(patients)));
    home.set_running(
        state
            .running
            .as_ref()
            .map(|r| format!("▶ {} {}", r.transfusion.patient_name, r.transfusion.din))
            .unwrap_or_default()
            .into(),
    );
}

fn refresh_verify(window: &AppWindow, state: &UiState) {
    let Some(flow) = &state.flow else { return };
    let page = window.global::<VerifyPage>();
    let items: Vec<CheckItemView> = flow
        .checklist()
        .into_iter()
        .map(|i| CheckItemView {
            label: state.t(&i.label),
            done: i.value.is_some(),
            value: i.value.unwrap_or_default().into(),
        })
        .collect();
    page.set_checklist(ModelRc::new(VecModel::from(items)));
    let outcome = flow.outcome(state.handheld.clock.now());
    let rows: Vec<MatchRowView> = flow
        .eight_matches(&outcome)
        .into_iter()
        .map(|m| {
            let (kind, note) = match &m.state {
                MatchState::Pending => ("pending", String::new()),
                MatchState::Matches => ("ok", String::new()),
                MatchState::Warning(t) => ("warn", t.get(state.lang).to_string()),
                MatchState::Mismatch(t) => ("stop", t.get(state.lang).to_string()),
                MatchState::ReadAloud => ("aloud", String::new()),
            };
            MatchRowView {
                label: state.t(&m.label),
                expected: m.expected.into(),
                found: m.found.into(),
                state: kind.into(),
                note: note.into(),
            }
        })
        .collect();
    page.set_matches(ModelRc::new(VecModel::from(rows)));
    let stops: Vec<SharedString> = outcome
        .reasons
        .iter()
        .filter(|r| r.severity == crate::domain::severity::Severity::Stop)
        .map(|r| state.t(&r.message))
        .collect();
    // Before the co-signature the engine stops for the missing second checker: that is a step
    // still to do, not a reason to abandon the bag.
    let blocking: Vec<SharedString> = outcome
        .reasons
        .iter()
        .filter(|r| {
            r.severity == crate::domain::severity::Severity::Stop
                && r.code != crate::domain::check::ReasonCode::SecondCheckerRequired
        })
        .map(|r| state.t(&r.message))
        .collect();
    page.set_stopped(!blocking.is_empty());
    page.set_reasons(strings(if blocking.is_empty() { stops } else { blocking }));
    page.set_second_checker(
        flow.second_checker()
            .map(|s| format!("{} {}", s.name, s.staff_id))
            .unwrap_or_default()
            .into(),
    );
}

fn refresh_observe(window: &AppWindow, state: &UiState) {
    let Some(r) = &state.running else { return };
    let page = window.global::<ObservePage>();
    let now = state.handheld.clock.now();
    page.set_patient(format!("{}  {}", r.transfusion.patient_name, r.transfusion.din).into());
    let started = r
        .monitor
        .started_at
        .map(|s| s.format("%H:%M").to_string())
        .unwrap_or_default();
    page.set_timeline(
        match state.lang {
            Lang::ZhCn => format!("开始 {started}，已输 {} 分钟；前 15 分钟慢速并在床旁观察", (now - r.monitor.started_at.unwrap_or(now)).num_minutes()),
            Lang::En => format!("Started {started}, running {} min; slow rate with the nurse at the bedside for the first 15 min", (now - r.monitor.started_at.unwrap_or(now)).num_minutes()),
        }
        .into(),
    );
    match next_due(&r.monitor, now, &state.handheld.policy) {
        Some(slot) => {
            let minutes = (slot.due - now).num_minutes();
            page.set_overdue(minutes < 0);
            page.set_due(
                match state.lang {
                    Lang::ZhCn if minutes < 0 => {
                        format!("{} 观察已超时 {} 分钟", slot.label, -minutes)
                    }
                    Lang::ZhCn => format!(
                        "下一次观察 {}：{} 分钟后（{}）",
                        slot.label,
                        minutes,
                        slot.due.format("%H:%M")
                    ),
                    Lang::En if minutes < 0 => {
                        format!("{} observation overdue by {} min", slot.label, -minutes)
                    }
                    Lang::En => format!(
                        "Next observation {} in {} min ({})",
                        slot.label,
                        minutes,
                        slot.due.format("%H:%M")
                    ),
                }
                .into(),
            );
        }
        None => page.set_due("".into()),
    }
}

/// Binds every view to the core. `poke` tells the blood-bank link something was recorded.
pub fn install(window: &AppWindow, state: Rc<RefCell<UiState>>) {
    let weak = window.as_weak();
    let login = window.global::<LoginPage>();

    login.on_submit({
        let (weak, state) = (weak.clone(), state.clone());
        move || {
            let Some(w) = weak.upgrade() else { return };
            let page = w.global::<LoginPage>();
            let mut s = state.borrow_mut();
            let result = s
                .handheld
                .login(page.get_badge().as_str(), page.get_pin().as_str());
            page.set_pin("".into());
            match result {
                Ok(user) => {
                    page.set_error("".into());
                    w.global::<Status>()
                        .set_user(format!("{} {}", user.staff.name, user.staff.staff_id).into());
                    refresh_home(&w, &s);
                    go(&w, "home");
                }
                Err(e) => page.set_error(e.text(s.lang).into()),
            }
        }
    });
    login.on_unlock({
        let (weak, state) = (weak.clone(), state.clone());
        move || {
            let Some(w) = weak.upgrade() else { return };
            let page = w.global::<LoginPage>();
            let mut s = state.borrow_mut();
            let result = s.handheld.unlock(page.get_pin().as_str());
            page.set_pin("".into());
            match result {
                Ok(()) => {
                    page.set_error("".into());
                    refresh_home(&w, &s);
                    go(&w, "home");
                }
                Err(e) => page.set_error(e.text(s.lang).into()),
            }
        }
    });
    login.on_toggle_language({
        let state = state.clone();
        move || {
            let mut s = state.borrow_mut();
            let next = if s.lang == Lang::ZhCn {
                Lang::En
            } else {
                Lang::ZhCn
            };
            set_language(&mut s, next);
        }
    });

    let home = window.global::<HomePage>();
    home.on_begin_check({
        let (weak, state) = (weak.clone(), state.clone());
        move || {
            let Some(w) = weak.upgrade() else { return };
            let mut s = state.borrow_mut();
            match s.handheld.begin_check() {
                Ok(flow) => {
                    s.flow = Some(flow);
                    let page = w.global::<VerifyPage>();
                    page.set_stage("wristband".into());
                    page.set_patient("".into());
                    page.set_message("".into());
                    page.set_visual_expiry(false);
                    page.set_visual_bag(false);
                    page.set_visual_set(false);
                    page.set_read_aloud(false);
                    refresh_verify(&w, &s);
                    go(&w, "verify");
                }
                Err(e) => w.global::<LoginPage>().set_error(s.t(&e.message())),
            }
        }
    });
    home.on_observe({
        let (weak, state) = (weak.clone(), state.clone());
        move || {
            let Some(w) = weak.upgrade() else { return };
            refresh_observe(&w, &state.borrow());
            go(&w, "observe");
        }
    });
    home.on_logout({
        let (weak, state) = (weak.clone(), state.clone());
        move || {
            let Some(w) = weak.upgrade() else { return };
            let _ = state.borrow_mut().handheld.logout();
            w.global::<Status>().set_user("".into());
            go(&w, "login");
        }
    });

    let verify = window.global::<VerifyPage>();
    verify.on_scan({
        let (weak, state) = (weak.clone(), state.clone());
        move |text| {
            let Some(w) = weak.upgrade() else { return };
            let page = w.global::<VerifyPage>();
            page.set_scan_text("".into());
            let mut s = state.borrow_mut();
            let lang = s.lang;
            let stage = page.get_stage();
            let Some(flow) = s.flow.as_mut() else { return };
            let result = if stage == "wristband" {
                flow.scan_wristband(text.as_str()).map(|name| {
                    page.set_patient(name.into());
                    page.set_stage("bag".into());
                })
            } else {
                flow.scan_bag(text.as_str(), ScanSource::Scanner)
            };
            page.set_message(
                result
                    .err()
                    .map(|e| e.get(lang).to_string())
                    .unwrap_or_default()
                    .into(),
            );
            refresh_verify(&w, &s);
        }
    });
    verify.on_key_din({
        let (weak, state) = (weak.clone(), state.clone());
        move || {
            let Some(w) = weak.upgrade() else { return };
            let page = w.global::<VerifyPage>();
            let mut s = state.borrow_mut();
            let lang = s.lang;
            let Some(flow) = s.flow.as_mut() else { return };
            let result = flow.scan_bag(
                page.get_keyed_din().as_str(),
                ScanSource::Keyed {
                    reason: page.get_keyed_reason().to_string(),
                },
            );
            match result {
                Ok(()) => {
                    page.set_keyed_din("".into());
                    page.set_message("".into());
                }
                Err(e) => page.set_message(e.get(lang).into()),
            }
            refresh_verify(&w, &s);
        }
    });
    verify.on_next({
        let (weak, state) = (weak.clone(), state.clone());
        move || {
            let Some(w) = weak.upgrade() else { return };
            w.global::<VerifyPage>().set_stage("review".into());
            refresh_verify(&w, &state.borrow());
        }
    });
    verify.on_cosign({
        let (weak, state) = (weak.clone(), state.clone());
        move || {
            let Some(w) = weak.upgrade() else { return };
            let page = w.global::<VerifyPage>();
            let mut guard = state.borrow_mut();
            let s = &mut *guard;
            let Some(flow) = s.flow.as_mut() else { return };
            let result = s.handheld.cosign(
                flow,
                page.get_cosign_badge().as_str(),
                page.get_cosign_pin().as_str(),
            );
            page.set_cosign_pin("".into());
            match result {
                Ok(_) => page.set_message("".into()),
                Err(e) => page.set_message(e.text(s.lang).into()),
            }
            refresh_verify(&w, s);
        }
    });
    verify.on_start({
        let (weak, state) = (weak.clone(), state.clone());
        move || {
            let Some(w) = weak.upgrade() else { return };
            let page = w.global::<VerifyPage>();
            let mut guard = state.borrow_mut();
            let s = &mut *guard;
            let Some(flow) = s.flow.as_mut() else { return };
            flow.confirm_visual(0, page.get_visual_expiry());
            flow.confirm_visual(1, page.get_visual_bag());
            flow.confirm_visual(2, page.get_visual_set());
            flow.confirm_read_aloud(page.get_read_aloud());
            let now = s.handheld.clock.now();
            match flow.ready(now) {
                Ok(ready) => match s.handheld.start(&ready, None) {
                    Ok(transfusion) => {
                        s.running = Some(Running {
                            monitor: monitor_of(&ready.record, now),
                            transfusion,
                            baseline: None,
                        });
                        s.flow = None;
                        refresh_observe(&w, s);
                        go(&w, "observe");
                    }
                    Err(e) => page.set_message(s.t(&e.message())),
                },
                Err(NotReady::Stopped(reasons)) | Err(NotReady::Missing(reasons)) => {
                    let lines: Vec<String> =
                        reasons.iter().map(|r| r.get(s.lang).to_string()).collect();
                    page.set_message(lines.join("\n").into());
                }
            }
        }
    });
    verify.on_cancel({
        let (weak, state) = (weak.clone(), state.clone());
        move || {
            let Some(w) = weak.upgrade() else { return };
            let mut guard = state.borrow_mut();
            let s = &mut *guard;
            if let Some(flow) = s.flow.take() {
                if w.global::<VerifyPage>().get_stopped() {
                    let _ = s.handheld.record_stopped_check(&flow);
                }
            }
            refresh_home(&w, s);
            go(&w, "home");
        }
    });

    let observe = window.global::<ObservePage>();
    observe.on_record({
        let (weak, state) = (weak.clone(), state.clone());
        move || {
            let Some(w) = weak.upgrade() else { return };
            let page = w.global::<ObservePage>();
            let mut guard = state.borrow_mut();
            let s = &mut *guard;
            let (temp, hr, sbp, dbp, rr, spo2) = (page.get_temp(), page.get_hr(), page.get_sbp(), page.get_dbp(), page.get_rr(), page.get_spo2());
            let form = VitalsForm { temp_c: &temp, hr: &hr, sbp: &sbp, dbp: &dbp, rr: &rr, spo2: &spo2 };
            let vitals = match parse_vitals(&form) {
                Ok(v) => v,
                Err(e) => return page.set_message(s.t(&e)),
            };
            let symptoms: Vec<String> = [
                (page.get_rigors(), "rigors"),
                (page.get_urticaria(), "urticaria"),
                (page.get_dyspnoea(), "dyspnoea"),
                (page.get_back_pain(), "loin_pain"),
            ]
            .into_iter()
            .filter(|(on, _)| *on)
            .map(|(_, code)| code.to_string())
            .collect();
            let Some(running) = s.running.as_mut() else { return };
            let slot = if running.baseline.is_none() { "baseline" } else { "unscheduled" };
            let round = match s.handheld.observe(&running.transfusion, slot, vitals.clone(), symptoms.clone()) {
                Ok(r) => r,
                Err(e) => return page.set_message(s.t(&e.message())),
            };
            let observation = Observation { at: round.at, vitals, symptoms };
            page.set_message("".into());
            for field in [ObservePage::set_temp, ObservePage::set_hr, ObservePage::set_sbp, ObservePage::set_dbp, ObservePage::set_rr, ObservePage::set_spo2] {
                field(&page, "".into());
            }
            if running.baseline.is_none() {
                running.baseline = Some(observation.clone());
                running.monitor.baseline = Some(observation);
                refresh_observe(&w, s);
                return;
            }
            let triggers: Vec<_> = reaction_triggers(&observation, running.baseline.as_ref(), &s.handheld.policy)
                .into_iter()
                .filter(|a| a.code.is_reaction())
                .collect();
            running.monitor.observations.push(observation);
            if triggers.is_empty() {
                refresh_observe(&w, s);
                return;
            }
            let words: Vec<String> = triggers.iter().map(|a| a.message.get(s.lang).to_string()).collect();
            let report = format!(
                "{patient}  {din}\n{started}\n{triggers}\n\n{actions}",
                patient = running.transfusion.patient_name,
                din = running.transfusion.din,
                started = running.monitor.started_at.map(|t| t.format("%Y-%m-%d %H:%M").to_string()).unwrap_or_default(),
                triggers = triggers.iter().map(|a| a.message.en.clone()).collect::<Vec<_>>().join("; "),
                actions = "Transfusion stopped; line kept open with 0.9% saline; doctor informed; bag and set kept; samples sent. / 已停止输血，生理盐水维持通路，已通知医生，保留血袋及输血器，已送检标本。",
            );
            s.pending_reaction = Some((triggers.iter().map(|a| a.code.as_str()).collect::<Vec<_>>().join(","), round));
            let reaction = w.global::<ReactionPage>();
            reaction.set_triggers(words.join("\n").into());
            reaction.set_report(report.into());
            reaction.set_message("".into());
            go(&w, "reaction");
        }
    });
    observe.on_back({
        let (weak, state) = (weak.clone(), state.clone());
        move || {
            let Some(w) = weak.upgrade() else { return };
            refresh_home(&w, &state.borrow());
            go(&w, "home");
        }
    });

    window.global::<ReactionPage>().on_submit({
        let (weak, state) = (weak.clone(), state.clone());
        move || {
            let Some(w) = weak.upgrade() else { return };
            let page = w.global::<ReactionPage>();
            let mut guard = state.borrow_mut();
            let s = &mut *guard;
            let (Some(running), Some((trigger, round))) =
                (s.running.take(), s.pending_reaction.take())
            else {
                return;
            };
            let report = page.get_report().to_string();
            let serious = trigger.contains("HYPOTENSION") || trigger.contains("HYPOXAEMIA");
            match s.handheld.report_reaction(
                &running.transfusion,
                "suspected transfusion reaction / 疑似输血反应",
                &trigger,
                &report,
                serious,
                round,
            ) {
                Ok(()) => {
                    refresh_home(&w, s);
                    go(&w, "home");
                }
                Err(e) => {
                    page.set_message(s.t(&e.message()));
                    s.running = Some(running);
                }
            }
        }
    });
}

fn monitor_of(record: &IssueRecord, started: crate::clock::Instant) -> Transfusion {
    Transfusion {
        component: record.unit.component,
        issued_at: record.issued_at,
        started_at: Some(started),
        ended_at: None,
        baseline: None,
        observations: Vec::new(),
    }
}

/// Lock the screen when the session says so (called on a timer).
pub fn check_lock(window: &AppWindow, state: &UiState) {
    if state.handheld.is_locked()
        && window.global::<Nav>().get_screen() != "lock"
        && window.global::<Nav>().get_screen() != "login"
    {
        if let Some(owner) = state.handheld.session.owner() {
            window
                .global::<LoginPage>()
                .set_owner(format!("{} {}", owner.staff.name, owner.staff.staff_id).into());
        }
        go(window, "lock");
    }
}
