//! The charge nurse's screens: the ward board (redrawn every second), the records with one
//! record's chart, the quality indicators with their drill-down, and the exports (written beside
//! the device's store, in `exports/`).

use std::cell::RefCell;
use std::rc::Rc;

use slint::{Color, ComponentHandle, ModelRc, SharedString, VecModel};

use super::{go, on, strings, transfuse, AppWindow, Screen, UiState};
use super::{
    BoardPage, BoardRunningView, BoardWaitingView, ChartMarkView, ChartSeriesView, IndicatorView,
    PendingView, QualityPage, RecordPage, RecordRowView, ReviewPage,
};
use bedside_app::transfuse::vitals_line;
use bedside_app::ward::{month_of, parse_day};
use bedside_core::check::component_name;
use bedside_core::messages::{Lang, Text};
use bedside_core::review::{Outcome, ReviewQuery, ReviewRow, TransfusionReview};
use bedside_export::chart::vital_chart;
use bedside_export::Format;

/// The chart's drawing box; the view scales it to the screen's width.
const CHART: (f32, f32) = (440.0, 220.0);

fn model<T: Clone + 'static>(items: Vec<T>) -> ModelRc<T> {
    ModelRc::new(VecModel::from(items))
}

fn hhmm(t: &bedside_clock::Instant) -> String {
    t.format("%m-%d %H:%M").to_string()
}

fn words(state: &UiState, en: &str, zh: &str, args: &[(&str, &str)]) -> SharedString {
    state.t(&Text::fill(en, zh, args))
}

fn row_view(state: &UiState, r: &ReviewRow) -> RecordRowView {
    let mut detail = format!(
        "{}  {}  {}",
        hhmm(&r.started_at),
        r.din,
        component_name(r.component, state.lang)
    );
    if r.unsent > 0 || r.quarantined > 0 {
        detail += &words(
            state,
            " · {n} unsent, {q} refused",
            " · 未发送 {n}，被拒 {q}",
            &[
                ("n", &r.unsent.to_string()),
                ("q", &r.quarantined.to_string()),
            ],
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

// ------------------------------------------------------------------------------------ board

pub(super) fn show_board(window: &AppWindow, state: &mut UiState) {
    refresh_board(window, state);
    go(window, Screen::Board);
}

pub(super) fn refresh_board(window: &AppWindow, state: &mut UiState) {
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
        .map(|b| {
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
                title: format!("{}  {}  {}", t.patient_name, b.running.patient_mrn, t.din).into(),
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
        })
        .collect();
    let waiting = board
        .waiting
        .iter()
        .map(|w| {
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
        })
        .collect();
    let reactions = board.reactions.iter().map(|r| row_view(state, r)).collect();
    let pending = board
        .pending
        .iter()
        .map(|p| PendingView {
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
        })
        .collect();
    let o = &board.outbox;
    page.set_sync_summary(words(
        state,
        "{q} waiting to send, {r} refused (quarantined), {s} accepted",
        "待发送 {q}，被拒（隔离）{r}，已接收 {s}",
        &[
            ("q", &(o.queued + o.sending).to_string()),
            ("r", &o.quarantined.to_string()),
            ("s", &o.sent.to_string()),
        ],
    ));
    page.set_running(model(running));
    page.set_waiting(model(waiting));
    page.set_reactions(model(reactions));
    page.set_pending(model(pending));
    state.board = Some(board);
}

// ---------------------------------------------------------------------------------- records

/// Fills the list from the search fields; false when refused (the words are on the page).
fn search(window: &AppWindow, state: &mut UiState) -> bool {
    let page = window.global::<ReviewPage>();
    let offset = *state.handheld.now().offset();
    let day = |text: SharedString| -> Result<Option<bedside_clock::Instant>, Text> {
        let text = text.trim().to_string();
        if text.is_empty() {
            Ok(None)
        } else {
            parse_day(&text, offset).map(Some)
        }
    };
    let (from, to) = match (day(page.get_from()), day(page.get_to())) {
        (Ok(f), Ok(t)) => (f, t),
        (Err(e), _) | (_, Err(e)) => {
            page.set_message(state.t(&e));
            return false;
        }
    };
    let text = |s: SharedString| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    let query = ReviewQuery {
        from,
        to,
        patient: text(page.get_patient()),
        unit: text(page.get_unit()),
        outcome: Outcome::parse(page.get_outcome().as_str()),
    };
    const SHOWN: usize = 200;
    match state.handheld.review_list(&query, SHOWN) {
        Ok(rows) => {
            page.set_message("".into());
            page.set_heading(if rows.len() == SHOWN {
                words(
                    state,
                    "The {n} most recent; narrow the search to see older ones.",
                    "显示最近 {n} 条；缩小查询范围可查看更早的记录。",
                    &[("n", &SHOWN.to_string())],
                )
            } else {
                words(
                    state,
                    "{n} transfusion(s)",
                    "共 {n} 次输血",
                    &[("n", &rows.len().to_string())],
                )
            });
            page.set_rows(model(rows.iter().map(|r| row_view(state, r)).collect()));
            state.review_rows = rows;
            true
        }
        Err(e) => {
            page.set_message(state.t(&e.message()));
            false
        }
    }
}

fn show_record(window: &AppWindow, state: &mut UiState, id: &str, back: Screen) {
    match state.handheld.review(id) {
        Ok(review) => {
            state.record = Some(review);
            state.record_back = back;
            window.global::<RecordPage>().set_message("".into());
            refresh_record(window, state);
            go(window, Screen::Record);
        }
        Err(e) => window
            .global::<BoardPage>()
            .set_message(state.t(&e.message())),
    }
}

fn refresh_record(window: &AppWindow, state: &UiState) {
    let Some(r) = &state.record else { return };
    let page = window.global::<RecordPage>();
    let lang = state.lang;
    let w = |en: &str, zh: &str, args: &[(&str, &str)]| words(state, en, zh, args);
    page.set_title(format!("{}  {}", r.patient_name, r.patient_id).into());

    let mut summary = vec![
        w(
            "Unit {din} · {component}",
            "血袋 {din} · {component}",
            &[
                ("din", &r.din),
                ("component", component_name(r.component, lang)),
            ],
        ),
        w(
            "{outcome} · started {start}",
            "{outcome} · 开始 {start}",
            &[
                ("outcome", r.outcome.words().get(lang)),
                ("start", &hhmm(&r.started_at)),
            ],
        ),
    ];
    if let Some(end) = &r.ended_at {
        let volume = r.volume_ml.map_or("—".to_string(), |v| format!("{v} ml"));
        summary.push(w(
            "ended {end} after {min} min · {volume}",
            "结束 {end}，历时 {min} 分钟 · {volume}",
            &[
                ("end", &hhmm(end)),
                ("min", &r.minutes(*end).to_string()),
                ("volume", &volume),
            ],
        ));
    }
    if let Some(keep) = &r.keep_until {
        summary.push(w(
            "keep the empty bag until {t}",
            "空血袋保留至 {t}",
            &[("t", &hhmm(keep))],
        ));
    }
    page.set_summary(strings(summary));

    let c = &r.check;
    let mut check = vec![w(
        "{at} by {first} and {second}",
        "{at} 由 {first} 与 {second} 核对",
        &[
            ("at", &hhmm(&c.at)),
            ("first", &c.first.label()),
            ("second", &c.second.label()),
        ],
    )];
    for (i, scan) in c.scans.iter().enumerate() {
        let what = if i == 0 {
            w("wristband", "腕带", &[])
        } else {
            w("bag label", "血袋标签", &[])
        };
        check.push(format!("{what}: {}", scan.trim_end()).into());
    }
    for reason in &c.keyed_reasons {
        check.push(w(
            "unit number keyed in: {r}",
            "手工录入血袋号：{r}",
            &[("r", reason)],
        ));
    }
    for (code, reason) in &c.acknowledgements {
        check.push(w(
            "acknowledged {code}: {reason}",
            "已确认警告 {code}：{reason}",
            &[("code", code), ("reason", reason)],
        ));
    }
    page.set_check(strings(check));
    page.set_timeline(strings(
        r.timeline()
            .iter()
            .map(|l| format!("{}  {}", l.at.format("%H:%M"), l.what.get(lang)).into())
            .collect(),
    ));
    page.set_rounds(strings(
        r.rounds
            .iter()
            .map(|x| {
                format!(
                    "{} {} · {} · {}",
                    x.at.format("%H:%M"),
                    bedside_core::review::slot_name(&x.slot).get(lang),
                    vitals_line(&x.vitals, &x.symptoms, lang),
                    x.taken_by.label()
                )
                .into()
            })
            .collect(),
    ));
    let reaction = r
        .reaction
        .iter()
        .flat_map(|x| {
            [
                w(
                    "stopped {at}: {s}",
                    "{at} 停止：{s}",
                    &[("at", &hhmm(&x.stopped_at)), ("s", &x.suspected)],
                ),
                if x.serious {
                    w("serious", "严重", &[])
                } else {
                    w("not serious", "非严重", &[])
                },
                x.trigger.clone().into(),
                x.actions_taken.clone().into(),
                x.recorded_by.label().into(),
            ]
        })
        .collect();
    page.set_reaction(strings(reaction));
    let mut sync = vec![w(
        "{s} accepted, {u} waiting",
        "已接收 {s}，待发送 {u}",
        &[
            ("s", &r.sync.sent.to_string()),
            ("u", &r.sync.unsent.to_string()),
        ],
    )];
    for (what, reason) in &r.sync.quarantined {
        sync.push(w(
            "refused {what}: {reason}",
            "被拒 {what}：{reason}",
            &[("what", what), ("reason", reason)],
        ));
    }
    page.set_sync(strings(sync));
    page.set_audit(strings(
        r.audit
            .iter()
            .map(|a| {
                let mut detail: String = a.detail.chars().take(120).collect();
                if a.detail.chars().count() > 120 {
                    detail.push('…');
                }
                format!("#{} {} {} {} {}", a.seq, a.at, a.actor, a.action, detail).into()
            })
            .collect(),
    ));
    show_chart(&page, r, lang);
}

fn show_chart(page: &RecordPage, r: &TransfusionReview, lang: Lang) {
    let chart = vital_chart(r, CHART.0, CHART.1);
    page.set_chart_width(CHART.0);
    page.set_chart_height(CHART.1);
    let series = chart
        .series
        .iter()
        .filter(|s| !s.points.is_empty())
        .map(|s| ChartSeriesView {
            name: s.name.get(lang).into(),
            colour: Color::from_rgb_u8(s.rgb[0], s.rgb[1], s.rgb[2]),
            commands: s.svg_path().into(),
        })
        .collect();
    page.set_series(model(series));
    page.set_ticks(model(
        chart
            .x_ticks
            .iter()
            .map(|t| ChartMarkView {
                x: t.pos,
                label: t.label.clone().into(),
            })
            .collect(),
    ));
    page.set_bands(model(
        chart
            .bands
            .iter()
            .map(|b| ChartMarkView {
                x: b.area.top,
                label: b.title.get(lang).into(),
            })
            .collect(),
    ));
    page.set_marks(model(
        chart
            .markers
            .iter()
            .map(|m| ChartMarkView {
                x: m.x,
                label: m.label.get(lang).into(),
            })
            .collect(),
    ));
}

// ---------------------------------------------------------------------------------- quality

fn set_period(window: &AppWindow, from: bedside_clock::Instant, to: bedside_clock::Instant) {
    let page = window.global::<QualityPage>();
    page.set_from(from.format("%Y-%m-%d").to_string().into());
    page.set_to(to.format("%Y-%m-%d").to_string().into());
}

fn period(
    window: &AppWindow,
    state: &UiState,
) -> Result<(bedside_clock::Instant, bedside_clock::Instant), Text> {
    let page = window.global::<QualityPage>();
    let offset = *state.handheld.now().offset();
    Ok((
        parse_day(&page.get_from(), offset)?,
        parse_day(&page.get_to(), offset)?,
    ))
}

/// The period's indicators; false when refused (the words are on the page).
fn compute(window: &AppWindow, state: &mut UiState) -> bool {
    let page = window.global::<QualityPage>();
    page.set_drill_title("".into());
    state.drill_index = None;
    let report = period(window, state).and_then(|(from, to)| {
        state
            .handheld
            .period_report(from, to)
            .map_err(|e| e.message())
    });
    let report = match report {
        Ok(r) => r,
        Err(e) => {
            page.set_message(state.t(&e));
            return false;
        }
    };
    page.set_message("".into());
    page.set_heading(words(
        state,
        "{n} transfusion(s) issued in the period",
        "期间发血输注 {n} 次",
        &[("n", &report.rows.len().to_string())],
    ));
    let indicators = report
        .indicators
        .iter()
        .map(|i| {
            let percent = i.percent();
            let below = match (percent, i.target_percent) {
                (Some(p), Some(t)) => p < t,
                _ => false,
            };
            IndicatorView {
                code: i.code.into(),
                title: state.t(&i.title),
                counts: format!("{} / {}", i.numerator, i.denominator).into(),
                percent: percent
                    .map_or("—".to_string(), |p| format!("{p:.1} %"))
                    .into(),
                fraction: percent.map_or(0.0, |p| (p / 100.0) as f32),
                target: i
                    .target_percent
                    .map(|t| {
                        words(
                            state,
                            "target ≥ {t} %",
                            "目标 ≥ {t} %",
                            &[("t", &t.to_string())],
                        )
                    })
                    .unwrap_or_default(),
                below_target: below,
                breakdown: i
                    .breakdown
                    .iter()
                    .take(4)
                    .map(|(k, n)| format!("{k} {n}"))
                    .collect::<Vec<_>>()
                    .join(" · ")
                    .into(),
            }
        })
        .collect();
    page.set_indicators(model(indicators));
    state.period = Some(report);
    true
}

fn drill_down(window: &AppWindow, state: &mut UiState, index: usize) {
    let Some(report) = &state.period else { return };
    let Some(indicator) = report.indicators.get(index) else {
        return;
    };
    // The records to look into first: those that fail a "higher is better" indicator, those
    // counted by the others; then the rest of the denominator.
    let counted = |id: &String| indicator.numerator_ids.contains(id);
    let look = |id: &String| counted(id) != indicator.higher_is_better();
    let mut ids: Vec<&String> = indicator
        .denominator_ids
        .iter()
        .filter(|id| look(id))
        .collect();
    ids.extend(indicator.denominator_ids.iter().filter(|id| !look(id)));
    ids.dedup();
    let rows: Vec<ReviewRow> = ids
        .iter()
        .filter_map(|id| {
            report
                .rows
                .iter()
                .find(|r| &r.procedure_urn == *id)
                .cloned()
        })
        .collect();
    let views = rows
        .iter()
        .map(|r| {
            let mut v = row_view(state, r);
            v.flagged = look(&r.procedure_urn);
            v.outcome = if counted(&r.procedure_urn) {
                words(state, "counted", "计入分子", &[])
            } else {
                words(state, "not counted", "未计入分子", &[])
            };
            v
        })
        .collect();
    let page = window.global::<QualityPage>();
    page.set_drill_title(
        format!(
            "{} — {} / {}",
            state.t(&indicator.title),
            indicator.numerator,
            indicator.denominator
        )
        .into(),
    );
    page.set_drill(model(views));
    state.drill = rows;
    state.drill_index = Some(index);
}

fn export_period(window: &AppWindow, state: &mut UiState, format: &str) {
    let page = window.global::<QualityPage>();
    let result = period(window, state).and_then(|(from, to)| {
        let format: Format = format.parse().map_err(|e: String| Text {
            en: e.clone(),
            zh: e,
        })?;
        let (bytes, _) = state
            .handheld
            .export_period(from, to, format, state.lang)
            .map_err(|e| e.message())?;
        let name = format!(
            "bedside-{}-{}.{}",
            from.format("%Y%m%d"),
            to.format("%Y%m%d"),
            format.extension()
        );
        save(state, &name, &bytes)
    });
    page.set_message(match result {
        Ok(text) | Err(text) => state.t(&text),
    });
}

/// Writes an export into the device's export folder; says where, or why not.
fn save(state: &UiState, name: &str, bytes: &[u8]) -> Result<Text, Text> {
    let path = state.export_dir.join(name);
    std::fs::create_dir_all(&state.export_dir)
        .and_then(|()| std::fs::write(&path, bytes))
        .map_err(|e| {
            Text::fill(
                "The export could not be saved to {path}: {e}",
                "导出文件无法保存到 {path}：{e}",
                &[("path", &path.display().to_string()), ("e", &e.to_string())],
            )
        })?;
    Ok(Text::fill(
        "Saved {path}",
        "已保存 {path}",
        &[("path", &path.display().to_string())],
    ))
}

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
    let weak = window.as_weak();
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
    board.on_open_running(indexed(&weak, &state, |w, s, i| {
        let Some(r) = s.board.as_ref().and_then(|b| b.running.get(i)) else {
            return;
        };
        let running = r.running.clone();
        s.back_to = "board";
        transfuse::open(w, s, running);
    }));
    board.on_open_reaction(indexed(&weak, &state, |w, s, i| {
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
    board.on_requeue(indexed(&weak, &state, |w, s, i| {
        let Some(p) = s.board.as_ref().and_then(|b| b.pending.get(i)).cloned() else {
            return;
        };
        if let Err(e) = s.handheld.requeue(p.seq) {
            w.global::<BoardPage>().set_message(s.t(&e.message()));
        }
        refresh_board(w, s);
    }));

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
    review.on_open(indexed(&weak, &state, |w, s, i| {
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
    quality.on_drill_down(indexed(&weak, &state, drill_down));
    quality.on_close_drill(on(&weak, &state, |w, s| {
        w.global::<QualityPage>().set_drill_title("".into());
        s.drill_index = None;
    }));
    quality.on_open(indexed(&weak, &state, |w, s, i| {
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

/// A callback with a list index.
fn indexed(
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
