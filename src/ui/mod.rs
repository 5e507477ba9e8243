//! Slint glue only: the views in `ui/` and the adapters binding them to the handheld's core
//! (`app::handheld::Handheld`). No rule is decided here: texts come from the core in both
//! languages, and these modules pick the one on screen. One module per group of screens:
//! this one (state, sign-in, lock, ward list, language), `verify` (the bedside check and its
//! scanner), `transfuse` (baseline, observations, reaction, interruption, end).

use std::cell::RefCell;
use std::path::PathBuf;
use std::rc::Rc;

use slint::{ComponentHandle, ModelRc, SharedString, VecModel};

use bedside_app::alarm::{AlarmWatch, Silent};
use bedside_app::handheld::Handheld;
use bedside_app::handover::reminders_of;
use bedside_app::link::LinkStatus;
use bedside_app::transfuse::{ReactionDraft, RunningTransfusion};
use bedside_app::verify::{ReadyToStart, VerifyFlow, WaitingPatient};
use bedside_core::messages::{Lang, Text};
use bedside_scan::wedge::{Wedge, WedgeSettings};

slint::include_modules!();

mod alarm;
mod alerts;
pub mod app;
mod massive;
mod transfuse;
mod verify;
mod ward;

/// A label image the nurse can "scan" by choosing it (demo mode, or a device without scanner).
#[derive(Debug, Clone)]
pub struct LabelImage {
    pub caption: Text,
    pub path: PathBuf,
}

/// What the screens are about right now.
pub struct UiState {
    pub handheld: Handheld,
    pub lang: Lang,
    /// The messages lately shown, as words in both languages: a switch of language redraws a
    /// message left on a screen in the new one (`retranslate`).
    shown: std::cell::RefCell<std::collections::VecDeque<Text>>,
    pub flow: Option<VerifyFlow>,
    /// The transfusion on the observation screen.
    pub running: Option<RunningTransfusion>,
    pub pending_reaction: Option<ReactionDraft>,
    /// A check that passed, waiting for its baseline round and the start.
    pub ready: Option<ReadyToStart>,
    /// The patient chosen from the ward list, whose wristband is awaited.
    pub chosen: Option<WaitingPatient>,
    pub wedge: Wedge,
    pub images: Vec<LabelImage>,
    /// Demo mode: where label images of the issued units are drawn for "scan from an image".
    pub label_dir: Option<PathBuf>,
    /// Symptom chips switched on, by index into `SYMPTOM_CHIPS`.
    pub chips: Vec<bool>,
    /// Why a judged round is not saved yet, said on every screen until it is.
    not_saved: Option<Text>,
    /// Vital-sign fields with values outside the usual range, shown for confirmation: the same
    /// values recorded again are confirmed.
    confirm_vitals: Option<[SharedString; 6]>,
    /// The screen the lock covered, to return to once unlocked.
    locked_from: Option<Screen>,
    waiting: Vec<WaitingPatient>,
    running_list: Vec<RunningTransfusion>,
    /// Where the charge nurse's exports are saved.
    pub export_dir: PathBuf,
    /// Words for the sign-in screen (the demo's badges and PINs), redrawn in each language.
    pub login_hint: Text,
    board: Option<bedside_app::ward::WardBoard>,
    review_rows: Vec<bedside_core::review::ReviewRow>,
    record: Option<bedside_core::review::TransfusionReview>,
    /// The screen the record was opened from (the board, the records, the indicators).
    record_back: Screen,
    period: Option<bedside_core::review::PeriodReport>,
    drill: Vec<bedside_core::review::ReviewRow>,
    drill_index: Option<usize>,
    /// Where the observation screens return: the ward list, or the board they were opened from.
    back_to: Screen,
    /// The open late-crossmatch alerts, read once a second (`alerts::read`); the first is on
    /// the screen.
    late_alerts: Vec<bedside_app::late_crossmatch::LateAlert>,
    /// What the blood-bank link last said (its thread writes it): a late result it could not
    /// record is shown with the alerts.
    pub link_status: Option<std::sync::Arc<std::sync::Mutex<LinkStatus>>>,
    /// When to ring the alarm, and the alarm itself: silent unless the app sets the device's.
    pub alarms: AlarmWatch,
    /// What the alarm could not do (no sound device), said with the banner once found out.
    alarm_notice: Option<Text>,
}

impl UiState {
    pub fn new(handheld: Handheld) -> UiState {
        UiState {
            handheld,
            lang: Lang::ZhCn,
            shown: Default::default(),
            flow: None,
            running: None,
            pending_reaction: None,
            ready: None,
            chosen: None,
            wedge: Wedge::new(WedgeSettings::default()),
            images: Vec::new(),
            label_dir: None,
            chips: Vec::new(),
            confirm_vitals: None,
            not_saved: None,
            locked_from: None,
            waiting: Vec::new(),
            running_list: Vec::new(),
            export_dir: PathBuf::from("exports"),
            login_hint: Text::same(""),
            board: None,
            review_rows: Vec::new(),
            record: None,
            record_back: Screen::Board,
            period: None,
            drill: Vec::new(),
            drill_index: None,
            back_to: Screen::Home,
            late_alerts: Vec::new(),
            link_status: None,
            alarms: AlarmWatch::new(Box::new(Silent)),
            alarm_notice: None,
        }
    }

    fn t(&self, text: &Text) -> SharedString {
        let mut shown = self.shown.borrow_mut();
        if !shown.contains(text) {
            if shown.len() == 64 {
                shown.pop_front();
            }
            shown.push_back(text.clone());
        }
        text.get(self.lang).into()
    }

    /// `said` in the current language, when it is one of the messages lately shown in either.
    fn again(&self, said: &str) -> Option<SharedString> {
        let shown = self.shown.borrow();
        let text = shown
            .iter()
            .rev()
            .find(|t| !said.is_empty() && (t.get(Lang::ZhCn) == said || t.get(Lang::En) == said))?
            .clone();
        drop(shown);
        Some(self.t(&text))
    }
}

fn strings(items: Vec<SharedString>) -> ModelRc<SharedString> {
    ModelRc::new(VecModel::from(items))
}

fn texts(state: &UiState, items: &[Text]) -> ModelRc<SharedString> {
    strings(items.iter().map(|t| state.t(t)).collect())
}

/// Sets the language of the bundled translations and of the core's texts.
pub fn set_language(state: &mut UiState, lang: Lang) {
    state.lang = lang;
    // Only fails for a language not bundled: both are (tests/translations.rs), and the core's
    // texts follow `state.lang` regardless.
    let _ = slint::select_bundled_translation(match lang {
        Lang::ZhCn => "zh_CN",
        Lang::En => "en",
    });
}

/// Switches the language and redraws what the core wrote on the screen in the old one.
pub fn switch_language(window: &AppWindow, state: &mut UiState, lang: Lang) {
    set_language(state, lang);
    retranslate(window, state);
    show_link_problem(window, state);
    window
        .global::<LoginPage>()
        .set_hint(state.t(&state.login_hint));
    refresh(window, state);
    alerts::show(window, state);
}

/// The messages left on the screens, redrawn in the language just chosen.
fn retranslate(window: &AppWindow, state: &UiState) {
    macro_rules! again {
        ($global:ty, $get:ident, $set:ident) => {{
            let page = window.global::<$global>();
            if let Some(words) = state.again(&page.$get()) {
                page.$set(words);
            }
        }};
    }
    again!(LoginPage, get_error, set_error);
    again!(HomePage, get_message, set_message);
    again!(VerifyPage, get_message, set_message);
    again!(ObservePage, get_message, set_message);
    again!(ReactionPage, get_message, set_message);
    again!(EndedPage, get_summary, set_summary);
    again!(BoardPage, get_message, set_message);
    again!(ReviewPage, get_message, set_message);
    again!(RecordPage, get_message, set_message);
    again!(QualityPage, get_message, set_message);
    again!(Status, get_not_saved, set_not_saved);
}

/// Why the blood bank cannot be reached, in the nurse's language (the status bar says offline).
fn show_link_problem(window: &AppWindow, state: &UiState) {
    let problem = state
        .link_status
        .as_ref()
        .and_then(|s| s.lock().ok().and_then(|s| s.problem.clone()));
    let words = problem.map(|p| state.t(&p)).unwrap_or_default();
    window.global::<Status>().set_link_problem(words);
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
    // -1: the store could not be read; the status bar says so instead of "0".
    s.set_unsent(status.unsent.map_or(-1, |n| n as i32));
}

fn go(window: &AppWindow, screen: Screen) {
    window.global::<Nav>().set_screen(screen);
}

fn refresh_home(window: &AppWindow, state: &mut UiState) {
    massive::show(window, state);
    let now = state.handheld.now();
    let home = window.global::<HomePage>();
    // A list that cannot be read is said, not shown empty: an empty list would read as "no
    // transfusion running".
    match state.handheld.ward_list() {
        Ok(lists) => {
            (state.running_list, state.waiting) = lists;
            home.set_message("".into());
        }
        Err(e) => home.set_message(state.t(&e.message())),
    }
    let patients: Vec<PatientView> = state
        .waiting
        .iter()
        .map(|p| PatientView {
            mrn: p.mrn.clone().into(),
            name: p.name.clone().into(),
            bed: p.bed.clone().unwrap_or_default().into(),
            units: p.units as i32,
        })
        .collect();
    let running: Vec<RunningView> = state
        .running_list
        .iter()
        .map(|r| {
            let timeline = r.timeline(now, &state.handheld.policy);
            let due = timeline
                .stopped
                .as_ref()
                .or(timeline.interrupted.as_ref())
                .or(timeline.due.as_ref())
                .map(|t| state.t(t))
                .unwrap_or_default();
            RunningView {
                title: format!("{}  {}", r.transfusion.patient_name, r.transfusion.din).into(),
                due,
                overdue: timeline.overdue || timeline.stopped.is_some(),
                interrupted: r.interrupted.is_some(),
                nurse: state.t(&timeline.responsible),
            }
        })
        .collect();
    home.set_charge(
        state
            .handheld
            .session
            .owner()
            .is_some_and(|u| u.role == bedside_app::session::Role::ChargeNurse),
    );
    home.set_patients(ModelRc::new(VecModel::from(patients)));
    home.set_running(ModelRc::new(VecModel::from(running)));
    // The reminders of the transfusions handed over to the nurse signed in are hers.
    if let Some(me) = state.handheld.session.owner() {
        let mine = reminders_of(
            &state.running_list,
            &me.staff.staff_id,
            now,
            &state.handheld.policy,
        );
        if !mine.is_empty() && home.get_message().is_empty() {
            let names: Vec<&str> = mine
                .iter()
                .map(|r| r.transfusion.patient_name.as_str())
                .collect();
            let words = Text::tr_with(
                "Your patients need you now: {names}",
                &[(
                    "names",
                    (&Text::from_each(|lang| lang.join_list(&names))).into(),
                )],
            );
            home.set_message(state.t(&words));
        }
    }
}

/// Back from a transfusion's screens to where it was opened: the ward list or the board.
fn back_from_transfusion(window: &AppWindow, state: &mut UiState) {
    if state.back_to == Screen::Board {
        ward::show_board(window, state);
    } else {
        refresh_home(window, state);
        go(window, Screen::Home);
    }
}

/// Redraws the screen on show from the core's current state (after a language switch, a tick).
pub fn refresh(window: &AppWindow, state: &mut UiState) {
    transfuse::draw_not_saved(window, state);
    alarm::show(window, state);
    match window.global::<Nav>().get_screen() {
        Screen::Home => refresh_home(window, state),
        Screen::Verify => verify::refresh(window, state),
        Screen::Observe => transfuse::refresh(window, state),
        Screen::Reaction => transfuse::refresh_reaction(window, state),
        other => ward::refresh(window, state, other),
    }
}

/// A callback without arguments that runs `f` on the window and the state.
fn on(
    weak: &slint::Weak<AppWindow>,
    state: &Rc<RefCell<UiState>>,
    f: fn(&AppWindow, &mut UiState),
) -> impl FnMut() + 'static {
    let (weak, state) = (weak.clone(), state.clone());
    move || {
        if let Some(w) = weak.upgrade() {
            f(&w, &mut state.borrow_mut());
        }
    }
}

/// A callback with a text argument (a key, a scan, a file path).
fn on_text(
    weak: &slint::Weak<AppWindow>,
    state: &Rc<RefCell<UiState>>,
    f: fn(&AppWindow, &mut UiState, &str),
) -> impl FnMut(SharedString) + 'static {
    let (weak, state) = (weak.clone(), state.clone());
    move |text| {
        if let Some(w) = weak.upgrade() {
            f(&w, &mut state.borrow_mut(), text.as_str());
        }
    }
}

/// A callback with a list index; a negative index (no row) does nothing.
fn on_index(
    weak: &slint::Weak<AppWindow>,
    state: &Rc<RefCell<UiState>>,
    f: fn(&AppWindow, &mut UiState, usize),
) -> impl FnMut(i32) + 'static {
    let (weak, state) = (weak.clone(), state.clone());
    move |i| {
        if let (Some(w), Ok(i)) = (weak.upgrade(), usize::try_from(i)) {
            f(&w, &mut state.borrow_mut(), i);
        }
    }
}

fn toggle_language(window: &AppWindow, state: &mut UiState) {
    let next = if state.lang == Lang::ZhCn {
        Lang::En
    } else {
        Lang::ZhCn
    };
    switch_language(window, state, next);
}

/// Signs out and forgets every patient's data the screens held: the next nurse starts clean.
fn sign_out(window: &AppWindow, state: &mut UiState) {
    let logout = state.handheld.logout();
    state.flow = None;
    state.running = None;
    state.pending_reaction = None;
    state.ready = None;
    state.chosen = None;
    state.waiting.clear();
    state.running_list.clear();
    state.chips.clear();
    state.confirm_vitals = None;
    state.board = None;
    state.record = None;
    state.review_rows.clear();
    state.period = None;
    state.drill.clear();
    state.drill_index = None;
    clear_patient_screens(window);
    window.global::<Status>().set_user("".into());
    // Signed out whatever the store says; a sign-out it could not audit is said.
    let words = logout.err().map(|e| {
        state.t(&Text::tr_with(
            "Signed out, but the sign-out could not be kept in the audit trail: {why}",
            &[("why", (&e.message()).into())],
        ))
    });
    window
        .global::<LoginPage>()
        .set_error(words.unwrap_or_default());
    go(window, Screen::Login);
}

/// Empties what the nurse's screens showed of a patient.
fn clear_patient_screens(window: &AppWindow) {
    let verify = window.global::<VerifyPage>();
    for set in [
        VerifyPage::set_patient,
        VerifyPage::set_chosen,
        VerifyPage::set_message,
        VerifyPage::set_second_checker,
        VerifyPage::set_keyed_din,
        VerifyPage::set_keyed_reason,
        VerifyPage::set_ack_reason,
        VerifyPage::set_cosign_badge,
    ] {
        set(&verify, "".into());
    }
    verify.set_matches(ModelRc::default());
    verify.set_checklist(ModelRc::default());
    verify.set_warnings(ModelRc::default());
    verify.set_reasons(ModelRc::default());
    let observe = window.global::<ObservePage>();
    for set in [
        ObservePage::set_patient,
        ObservePage::set_timeline,
        ObservePage::set_due,
        ObservePage::set_interrupted,
        ObservePage::set_message,
    ] {
        set(&observe, "".into());
    }
    let reaction = window.global::<ReactionPage>();
    reaction.set_report("".into());
    reaction.set_triggers("".into());
    reaction.set_suspected("".into());
    let home = window.global::<HomePage>();
    home.set_patients(ModelRc::default());
    home.set_running(ModelRc::default());
    home.set_message("".into());
}

/// Binds every view to the core.
pub fn install(window: &AppWindow, state: Rc<RefCell<UiState>>) {
    let weak = window.as_weak();
    let login = window.global::<LoginPage>();

    login.on_submit(on(&weak, &state, |w, s| {
        let page = w.global::<LoginPage>();
        let result = s
            .handheld
            .login(page.get_badge().as_str(), page.get_pin().as_str());
        page.set_pin("".into());
        match result {
            Ok(user) => {
                page.set_error("".into());
                page.set_badge("".into());
                w.global::<Status>()
                    .set_user(format!("{} {}", user.staff.name, user.staff.staff_id).into());
                if user.role == bedside_app::session::Role::ChargeNurse {
                    ward::show_board(w, s);
                } else {
                    refresh_home(w, s);
                    go(w, Screen::Home);
                }
            }
            Err(e) => page.set_error(e.text(s.lang).into()),
        }
    }));
    login.on_unlock(on(&weak, &state, |w, s| {
        let page = w.global::<LoginPage>();
        let result = s.handheld.unlock(page.get_pin().as_str());
        page.set_pin("".into());
        match result {
            Ok(()) => {
                page.set_error("".into());
                let back = s.locked_from.take().unwrap_or(Screen::Home);
                go(w, back);
                refresh(w, s);
            }
            Err(e) => page.set_error(e.text(s.lang).into()),
        }
    }));
    window
        .global::<Nav>()
        .on_toggle_language(on(&weak, &state, toggle_language));
    alarm::install(window, state.clone());

    let home = window.global::<HomePage>();
    home.on_begin_check(on(&weak, &state, |w, s| {
        s.chosen = None;
        verify::begin(w, s, false);
    }));
    home.on_choose_patient({
        let (weak, state) = (weak.clone(), state.clone());
        move |i| {
            let Some(w) = weak.upgrade() else { return };
            let mut s = state.borrow_mut();
            s.chosen = s.waiting.get(i as usize).cloned();
            verify::begin(&w, &mut s, false);
        }
    });
    home.on_open_running({
        let (weak, state) = (weak.clone(), state.clone());
        move |i| {
            let Some(w) = weak.upgrade() else { return };
            let mut s = state.borrow_mut();
            let Some(r) = s.running_list.get(i as usize).cloned() else {
                return;
            };
            s.back_to = Screen::Home;
            transfuse::open(&w, &mut s, r);
        }
    });
    home.on_logout(on(&weak, &state, sign_out));
    home.on_board(on(&weak, &state, ward::show_board));

    verify::install(window, state.clone());
    alerts::install(window, state.clone());
    massive::install(window, state.clone());
    transfuse::install(window, state.clone());
    ward::install(window, state);
}

/// Once a second: lock the screen when the session says so, let the scanner detector time out
/// unterminated keys, and keep countdowns current.
pub fn tick(window: &AppWindow, state: &mut UiState) {
    // First, locked or not: an alarm carries no patient data and must not wait for a PIN.
    alerts::read(state);
    alarm::tick(window, state);
    show_link_problem(window, state);
    let screen = window.global::<Nav>().get_screen();
    if state.handheld.is_locked() && screen != Screen::Lock && screen != Screen::Login {
        if let Some(owner) = state.handheld.session.owner() {
            window
                .global::<LoginPage>()
                .set_owner(format!("{} {}", owner.staff.name, owner.staff.staff_id).into());
        }
        // Patient data leaves the screen: the lock screen shows only who may unlock it (the
        // late-crossmatch banner names a patient; the alarm's banner does not, and stays).
        window.global::<Status>().set_late_alert("".into());
        state.locked_from = Some(screen);
        go(window, Screen::Lock);
        return;
    }
    verify::tick(window, state);
    alerts::show(window, state);
    if state.handheld.unsaved() > 0 {
        let words = state.handheld.retry_unsaved();
        transfuse::show_not_saved(window, state, words);
    }
    if matches!(screen, Screen::Observe | Screen::Home | Screen::Board) {
        refresh(window, state);
    }
}
