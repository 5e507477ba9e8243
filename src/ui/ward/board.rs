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
        Text::tr(
            "{ward} — ward board {time}",
            &[
                ("ward", &state.handheld.ward.name),
                ("time", &board.at.format("%H:%M").to_string()),
            ],
        ),
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
    let pending = board
        .pending
        .iter()
        .map(|p| pending_view(state, p))
        .collect();
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
        Text::tr(
            "{min} min · started by {who}",
            &[
                ("min", &b.minutes.to_string()),
                ("who", &b.running.started_by.name),
            ],
        ),
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
            Text::tr(
                " · handed over to {who}",
                &[("who", &b.running.responsible.name)],
            ),
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
                Text::tr(
                    "start window passed {m} min ago",
                    &[("m", &(-w.minutes_left).to_string())],
                ),
            )
        } else {
            words(state, Text::tr("{m} min left to start", &[("m", &left)]))
        },
        late,
    }
}

fn pending_view(state: &UiState, p: &PendingRecord) -> PendingView {
    PendingView {
        seq: p.seq as i32,
        title: format!("{} · {}", p.patient_name, state.t(&p.what)).into(),
        reason: p
            .reason
            .as_ref()
            .map(|r| {
                if p.quarantined {
                    state.t(r)
                } else {
                    let tries = p.attempts.to_string();
                    words(
                        state,
                        Text::tr_with(
                            "{reason} (tried {n} times)",
                            &[("reason", r.into()), ("n", (&tries).into())],
                        ),
                    )
                }
            })
            .unwrap_or_default(),
        quarantined: p.quarantined,
    }
}

fn outbox_summary(state: &UiState, o: &OutboxCounts) -> SharedString {
    words(
        state,
        Text::tr(
            "{q} waiting to send, {r} refused (quarantined), {s} accepted",
            &[
                ("q", &(o.queued + o.sending).to_string()),
                ("r", &o.quarantined.to_string()),
                ("s", &(o.sent + o.archived).to_string()),
            ],
        ),
    )
}
