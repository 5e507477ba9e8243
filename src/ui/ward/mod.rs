//! The charge nurse's screens: the ward board (redrawn every second), the records with one
//! record's chart, the quality indicators with their drill-down, and the exports (written beside
//! the device's store, in `exports/`).

use std::cell::RefCell;
use std::rc::Rc;

use slint::{Color, ComponentHandle, ModelRc, SharedString, VecModel};

use super::{go, on, on_index, strings, transfuse, AppWindow, Screen, UiState};
use super::{
    BoardPage, BoardRunningView, BoardWaitingView, ChartMarkView, ChartSeriesView, IndicatorView,
    PendingView, QualityPage, RecordPage, RecordRowView, ReviewPage,
};
use bedside_app::transfuse::vitals_line;
use bedside_app::ward::{month_of, parse_day};
use bedside_core::check::component_name;
use bedside_core::messages::{short_date_time, Lang, Text};
use bedside_core::review::{Outcome, ReviewQuery, ReviewRow, TransfusionReview};
use bedside_export::chart::vital_chart;
use bedside_export::Format;

/// The chart's drawing box; the view scales it to the screen's width.
const CHART: (f32, f32) = (440.0, 220.0);

fn model<T: Clone + 'static>(items: Vec<T>) -> ModelRc<T> {
    ModelRc::new(VecModel::from(items))
}

/// A time on the charge nurse's lists: 12月3日 14:05 in Chinese, 12-03 14:05 in English.
fn hhmm(lang: Lang, t: &bedside_clock::Instant) -> String {
    short_date_time(lang, *t)
}

fn words(state: &UiState, text: Text) -> SharedString {
    state.t(&text)
}

fn row_view(state: &UiState, r: &ReviewRow) -> RecordRowView {
    let mut detail = format!(
        "{}  {}  {}",
        hhmm(state.lang, &r.started_at),
        r.din,
        component_name(r.component, state.lang)
    );
    if r.unsent > 0 || r.quarantined > 0 {
        detail += &words(
            state,
            Text::tr(
                " · {n} unsent, {q} refused",
                &[
                    ("n", &r.unsent.to_string()),
                    ("q", &r.quarantined.to_string()),
                ],
            ),
        );
    }
    RecordRowView {
        id: r.procedure_urn.clone().into(),
        title: format!("{}  {}", r.patient_name, r.patient_id).into(),
        detail: detail.into(),
        outcome: state.t(&r.outcome.words()),
        flagged: r.outcome == Outcome::Reaction || r.quarantined > 0,
    }
}

mod board;
mod quality;
mod records;

pub(in crate::ui) use board::{refresh_board, show_board};
use quality::{compute, drill_down, export_period, save, set_period};
use records::{refresh_record, search, show_record};

/// Redraws the charge nurse's screens in the current language.
pub(super) fn refresh(window: &AppWindow, state: &mut UiState, screen: Screen) {
    match screen {
        Screen::Board => refresh_board(window, state),
        Screen::Record => refresh_record(window, state),
        Screen::Records if !state.review_rows.is_empty() => {
            search(window, state);
        }
        Screen::Quality if state.period.is_some() => {
            let drill = state.drill_index;
            if compute(window, state) {
                if let Some(i) = drill {
                    drill_down(window, state, i);
                }
            }
        }
        _ => {}
    }
}

pub(super) fn install(window: &AppWindow, state: Rc<RefCell<UiState>>) {
    install_board(window, &state);
    install_records(window, &state);
    install_quality(window, &state);
}

fn install_board(window: &AppWindow, state: &Rc<RefCell<UiState>>) {
    let weak = window.as_weak();
    let state = state.clone();
    let board = window.global::<BoardPage>();
    board.on_records(on(&weak, &state, |w, s| {
        let page = w.global::<ReviewPage>();
        if page.get_from().is_empty() {
            let (from, to) = month_of(s.handheld.now());
            page.set_from(from.format("%Y-%m-%d").to_string().into());
            page.set_to(to.format("%Y-%m-%d").to_string().into());
        }
        if search(w, s) {
            go(w, Screen::Records);
        }
    }));
    board.on_quality(on(&weak, &state, |w, s| {
        if s.period.is_none() {
            let (from, to) = month_of(s.handheld.now());
            set_period(w, from, to);
        }
        if compute(w, s) {
            go(w, Screen::Quality);
        }
    }));
    board.on_ward_list(on(&weak, &state, |w, s| {
        super::refresh_home(w, s);
        go(w, Screen::Home);
    }));
    board.on_logout(on(&weak, &state, super::sign_out));
    board.on_toggle_language(on(&weak, &state, super::toggle_language));
    board.on_open_running(on_index(&weak, &state, |w, s, i| {
        let Some(r) = s.board.as_ref().and_then(|b| b.running.get(i)) else {
            return;
        };
        let running = r.running.clone();
        s.back_to = Screen::Board;
        transfuse::open(w, s, running);
    }));
    board.on_open_reaction(on_index(&weak, &state, |w, s, i| {
        let Some(id) = s
            .board
            .as_ref()
            .and_then(|b| b.reactions.get(i))
            .map(|r| r.procedure_urn.clone())
        else {
            return;
        };
        show_record(w, s, &id, Screen::Board);
    }));
    board.on_requeue(on_index(&weak, &state, |w, s, i| {
        let Some(p) = s.board.as_ref().and_then(|b| b.pending.get(i)).cloned() else {
            return;
        };
        if let Err(e) = s.handheld.requeue(p.seq) {
            w.global::<BoardPage>().set_message(s.t(&e.message()));
        }
        refresh_board(w, s);
    }));
}

fn install_records(window: &AppWindow, state: &Rc<RefCell<UiState>>) {
    let weak = window.as_weak();
    let state = state.clone();
    let review = window.global::<ReviewPage>();
    review.on_search(on(&weak, &state, |w, s| {
        search(w, s);
    }));
    review.on_set_outcome({
        let (weak, state) = (weak.clone(), state.clone());
        move |code| {
            let Some(w) = weak.upgrade() else { return };
            w.global::<ReviewPage>().set_outcome(code);
            search(&w, &mut state.borrow_mut());
        }
    });
    review.on_open(on_index(&weak, &state, |w, s, i| {
        if let Some(id) = s.review_rows.get(i).map(|r| r.procedure_urn.clone()) {
            show_record(w, s, &id, Screen::Records);
        }
    }));
    review.on_back(on(&weak, &state, show_board));

    let record = window.global::<RecordPage>();
    record.on_back(on(&weak, &state, |w, s| {
        if s.record_back == Screen::Board {
            show_board(w, s);
        } else {
            go(w, s.record_back);
        }
    }));
    record.on_export_pdf(on(&weak, &state, |w, s| {
        let Some(r) = &s.record else { return };
        let name = format!(
            "record-{}-{}.pdf",
            r.patient_id,
            r.started_at.format("%Y%m%d-%H%M")
        );
        let id = r.procedure_urn.clone();
        let result = s
            .handheld
            .export_record(&id, s.lang)
            .map_err(|e| e.message())
            .and_then(|bytes| save(s, &name, &bytes));
        w.global::<RecordPage>().set_message(match result {
            Ok(t) | Err(t) => s.t(&t),
        });
    }));
}

fn install_quality(window: &AppWindow, state: &Rc<RefCell<UiState>>) {
    let weak = window.as_weak();
    let state = state.clone();
    let quality = window.global::<QualityPage>();
    quality.on_this_month(on(&weak, &state, |w, s| {
        let (from, to) = month_of(s.handheld.now());
        set_period(w, from, to);
        compute(w, s);
    }));
    quality.on_last_month(on(&weak, &state, |w, s| {
        let (this, _) = month_of(s.handheld.now());
        let (from, to) = month_of(this - chrono::Duration::days(1));
        set_period(w, from, to);
        compute(w, s);
    }));
    quality.on_compute(on(&weak, &state, |w, s| {
        compute(w, s);
    }));
    quality.on_drill_down(on_index(&weak, &state, drill_down));
    quality.on_close_drill(on(&weak, &state, |w, s| {
        w.global::<QualityPage>().set_drill_title("".into());
        s.drill_index = None;
    }));
    quality.on_open(on_index(&weak, &state, |w, s, i| {
        if let Some(id) = s.drill.get(i).map(|r| r.procedure_urn.clone()) {
            show_record(w, s, &id, Screen::Quality);
        }
    }));
    quality.on_export({
        let (weak, state) = (weak.clone(), state.clone());
        move |format| {
            let Some(w) = weak.upgrade() else { return };
            export_period(&w, &mut state.borrow_mut(), &format);
        }
    });
    quality.on_back(on(&weak, &state, show_board));
}
