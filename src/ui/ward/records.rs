//! The records: the search, and one transfusion's record with its chart and audit trail.

use super::*;

/// Fills the list from the search fields; false when refused (the words are on the page).
pub(super) fn search(window: &AppWindow, state: &mut UiState) -> bool {
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

pub(super) fn show_record(window: &AppWindow, state: &mut UiState, id: &str, back: Screen) {
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

pub(super) fn refresh_record(window: &AppWindow, state: &UiState) {
    let Some(r) = &state.record else { return };
    let page = window.global::<RecordPage>();
    page.set_title(format!("{}  {}", r.patient_name, r.patient_id).into());
    page.set_summary(strings(summary_lines(state, r)));
    page.set_check(strings(check_lines(state, r)));
    page.set_timeline(strings(timeline_lines(state, r)));
    page.set_rounds(strings(round_lines(state, r)));
    page.set_reaction(strings(reaction_lines(state, r)));
    page.set_sync(strings(sync_lines(state, r)));
    page.set_audit(strings(audit_lines(r)));
    show_chart(&page, r, state.lang);
}

fn summary_lines(state: &UiState, r: &TransfusionReview) -> Vec<SharedString> {
    let w = |en: &str, zh: &str, args: &[(&str, &str)]| words(state, en, zh, args);
    let lang = state.lang;
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
        w(
            "responsible nurse: {who}",
            "责任护士：{who}",
            &[("who", &r.responsible().label())],
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
    summary
}

fn check_lines(state: &UiState, r: &TransfusionReview) -> Vec<SharedString> {
    let w = |en: &str, zh: &str, args: &[(&str, &str)]| words(state, en, zh, args);
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
    if let Some(e) = &c.emergency {
        check.push(state.t(&bedside_core::review::emergency_words(e)));
    }
    for (code, reason) in &c.acknowledgements {
        check.push(w(
            "acknowledged {code}: {reason}",
            "已确认警告 {code}：{reason}",
            &[("code", code), ("reason", reason)],
        ));
    }
    check
}

fn timeline_lines(state: &UiState, r: &TransfusionReview) -> Vec<SharedString> {
    let lang = state.lang;
    r.timeline()
        .iter()
        .map(|l| format!("{}  {}", l.at.format("%H:%M"), l.what.get(lang)).into())
        .collect()
}

fn round_lines(state: &UiState, r: &TransfusionReview) -> Vec<SharedString> {
    let lang = state.lang;
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
        .collect()
}

fn reaction_lines(state: &UiState, r: &TransfusionReview) -> Vec<SharedString> {
    let w = |en: &str, zh: &str, args: &[(&str, &str)]| words(state, en, zh, args);
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
    reaction
}

fn sync_lines(state: &UiState, r: &TransfusionReview) -> Vec<SharedString> {
    let w = |en: &str, zh: &str, args: &[(&str, &str)]| words(state, en, zh, args);
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
    sync
}

fn audit_lines(r: &TransfusionReview) -> Vec<SharedString> {
    r.audit
        .iter()
        .map(|a| {
            let mut detail: String = a.detail.chars().take(120).collect();
            if a.detail.chars().count() > 120 {
                detail.push('…');
            }
            format!("#{} {} {} {} {}", a.seq, a.at, a.actor, a.action, detail).into()
        })
        .collect()
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
