//! The ward board: what runs, what waits to start, reactions, and what has not reached the
//! blood bank.

use super::*;
use bedside_app::ward::{BoardTransfusion, OutboxCounts, PendingRecord, WaitingUnit};

pub(in crate::ui) fn show_board(window: &AppWindow, state: &mut UiState) {
    refresh_board(window, state);
    go(window, Screen::Board);
}

pub(in crate::ui) fn refresh_board(window: &AppWindow, state: &mut UiState) {
    let page = window.global::<BoardPage>();
    let board = match state.handheld.board() {
        Ok(b) => b,
        Err(e) => {
            page.set_message(state.t(&e.message()));
            return;
        }
    };
    page.set_message("".into());
    page.set_heading(words(
        state,
        "{ward} — ward board {time}",
        "{ward} — 病区看板 {time}",
        &[
            ("ward", &state.handheld.ward.name),
            ("time", &board.at.format("%H:%M").to_string()),
        ],
    ));
    let running = board
        .running
        .iter()
        .map(|b| running_view(state, b))
        .collect();
    let waiting = board
        .waiting
        .iter()
        .map(|w| waiting_view(state, w))
        .collect();
    let reactions = board.reactions.iter().map(|r| row_view(state, r)).collect();
    let pending = board.pending.iter().map(pending_view).collect();
    page.set_sync_summary(outbox_summary(state, &board.outbox));
    page.set_running(model(running));
    page.set_waiting(model(waiting));
    page.set_reactions(model(reactions));
    page.set_pending(model(pending));
    state.board = Some(board);
}

fn running_view(state: &UiState, b: &BoardTransfusion) -> BoardRunningView {
    let t = &b.running.transfusion;
    let last = b.running.rounds.last().map(|r| {
        format!(
            "{} {}",
            r.at.format("%H:%M"),
            vitals_line(&r.vitals, &r.symptoms, state.lang)
        )
    });
    let mut detail = words(
        state,
        "{min} min · started by {who}",
        "已输 {min} 分钟 · {who} 开始",
        &[
            ("min", &b.minutes.to_string()),
            ("who", &b.running.started_by.name),
        ],
    )
    .to_string();
    if !b
        .running
        .responsible
        .badge
        .eq_ignore_ascii_case(&b.running.started_by.staff_id)
    {
        detail += &words(
            state,
            " · handed over to {who}",
            " · 已交班给 {who}",
            &[("who", &b.running.responsible.name)],
        );
    }
    if let Some(last) = last {
        detail += &format!(" · {last}");
    }
    let due = b
        .timeline
        .interrupted
        .as_ref()
        .or(b.timeline.due.as_ref())
        .map(|x| state.t(x))
        .unwrap_or_default();
    BoardRunningView {
        title: format!(
            "{}{}  {}  {}",
            b.bed
                .as_deref()
                .map(|bed| format!("{bed}  "))
                .unwrap_or_default(),
            t.patient_name,
            b.running.patient_mrn,
            t.din
        )
        .into(),
        detail: detail.into(),
        due,
        overdue: b.timeline.overdue || b.unreported_stop.is_some(),
        interrupted: b.running.interrupted.is_some(),
        alerts: strings(
            b.unreported_stop
                .iter()
                .chain(&b.timeline.alerts)
                .map(|a| state.t(a))
                .collect(),
        ),
    }
}

fn waiting_view(state: &UiState, w: &WaitingUnit) -> BoardWaitingView {
    let left = w.minutes_left.to_string();
    let late = w.minutes_left < 0;
    BoardWaitingView {
        title: format!("{}  {}", w.patient_name, w.din).into(),
        countdown: if late {
            words(
                state,
                "start window passed {m} min ago",
                "已超出开始时限 {m} 分钟",
                &[("m", &(-w.minutes_left).to_string())],
            )
        } else {
            words(
                state,
                "{m} min left to start",
                "剩 {m} 分钟须开始",
                &[("m", &left)],
            )
        },
        late,
    }
}

fn pending_view(p: &PendingRecord) -> PendingView {
    PendingView {
        seq: p.seq as i32,
        title: format!("{} · {}", p.patient_name, p.what).into(),
        reason: p
            .reason
            .clone()
            .map(|r| {
                if p.quarantined {
                    r
                } else {
                    format!("{} ({}×)", r, p.attempts)
                }
            })
            .unwrap_or_default()
            .into(),
        quarantined: p.quarantined,
    }
}

fn outbox_summary(state: &UiState, o: &OutboxCounts) -> SharedString {
    words(
        state,
        "{q} waiting to send, {r} refused (quarantined), {s} accepted",
        "待发送 {q}，被拒（隔离）{r}，已接收 {s}",
        &[
            ("q", &(o.queued + o.sending).to_string()),
            ("r", &o.quarantined.to_string()),
            ("s", &(o.sent + o.archived).to_string()),
        ],
    )
}
