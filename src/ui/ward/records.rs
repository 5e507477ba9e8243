//! The records: the search, and one transfusion's record with its chart and audit trail.

use super::*;
use bedside_core::event::BedsideEvent;
use bedside_core::observations::{suspected_words, trigger_words};
use bedside_fhir::outcome::refused_words;

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
                    Text::tr(
                        "The {n} most recent; narrow the search to see older ones.",
                        &[("n", &SHOWN.to_string())],
                    ),
                )
            } else {
                words(
                    state,
                    Text::tr("{n} transfusion(s)", &[("n", &rows.len().to_string())]),
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
    page.set_audit(strings(audit_lines(state, r)));
    show_chart(&page, r, state.lang);
}

fn summary_lines(state: &UiState, r: &TransfusionReview) -> Vec<SharedString> {
    let w = |text: Text| state.t(&text);
    let lang = state.lang;
    let mut summary = vec![
        w(Text::tr(
            "Unit {din} · {component}",
            &[
                ("din", &r.din),
                ("component", component_name(r.component, lang)),
            ],
        )),
        w(Text::tr(
            "{outcome} · started {start}",
            &[
                ("outcome", r.outcome.words().get(lang)),
                ("start", &hhmm(state.lang, &r.started_at)),
            ],
        )),
        w(Text::tr(
            "responsible nurse: {who}",
            &[("who", &r.responsible().label())],
        )),
    ];
    if let Some(end) = &r.ended_at {
        let volume = r.volume_ml.map_or("—".to_string(), |v| format!("{v} ml"));
        summary.push(w(Text::tr(
            "ended {end} after {min} min · {volume}",
            &[
                ("end", &hhmm(state.lang, end)),
                ("min", &r.minutes(*end).to_string()),
                ("volume", &volume),
            ],
        )));
    }
    if let Some(keep) = &r.keep_until {
        summary.push(w(Text::tr(
            "keep the empty bag until {t}",
            &[("t", &hhmm(state.lang, keep))],
        )));
    }
    summary
}

fn check_lines(state: &UiState, r: &TransfusionReview) -> Vec<SharedString> {
    let w = |text: Text| state.t(&text);
    let c = &r.check;
    let mut check = vec![w(Text::tr(
        "{at} by {first} and {second}",
        &[
            ("at", &hhmm(state.lang, &c.at)),
            ("first", &c.first.label()),
            ("second", &c.second.label()),
        ],
    ))];
    for (i, scan) in c.scans.iter().enumerate() {
        let what = if i == 0 {
            w(Text::tr("wristband", &[]))
        } else {
            w(Text::tr("bag label", &[]))
        };
        check.push(format!("{what}: {}", scan.trim_end()).into());
    }
    for reason in &c.keyed_reasons {
        check.push(w(Text::tr("unit number keyed in: {r}", &[("r", reason)])));
    }
    if let Some(e) = &c.emergency {
        check.push(state.t(&bedside_core::review::emergency_words(e)));
    }
    for (code, reason) in &c.acknowledgements {
        let warning = bedside_core::check::reason_title_of(code);
        check.push(w(Text::tr_with(
            "acknowledged {code}: {reason}",
            &[("code", (&warning).into()), ("reason", reason.into())],
        )));
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
    let w = |text: Text| state.t(&text);
    let reaction = r
        .reaction
        .iter()
        .flat_map(|x| {
            [
                w(Text::tr_with(
                    "stopped {at}: {s}",
                    &[
                        ("at", (&hhmm(state.lang, &x.stopped_at)).into()),
                        ("s", (&suspected_words(&x.suspected)).into()),
                    ],
                )),
                if x.serious {
                    w(Text::tr("serious", &[]))
                } else {
                    w(Text::tr("not serious", &[]))
                },
                w(Text::tr_with(
                    "triggered by: {triggers}",
                    &[("triggers", (&trigger_words(&x.trigger)).into())],
                )),
                w(bedside_core::review::reaction_report_words(
                    &x.actions_taken,
                )),
                x.recorded_by.label().into(),
            ]
        })
        .collect();
    reaction
}

fn sync_lines(state: &UiState, r: &TransfusionReview) -> Vec<SharedString> {
    let w = |text: Text| state.t(&text);
    let mut sync = vec![w(Text::tr(
        "{s} accepted, {u} waiting",
        &[
            ("s", &r.sync.sent.to_string()),
            ("u", &r.sync.unsent.to_string()),
        ],
    ))];
    for q in &r.sync.quarantined {
        let (what, why) = (
            BedsideEvent::kind_words(&q.kind),
            refused_words(q.reason_code.as_deref(), q.reason_text.as_deref()),
        );
        sync.push(w(Text::tr_with(
            "refused {what}: {reason}",
            &[("what", (&what).into()), ("reason", (&why).into())],
        )));
    }
    sync
}

fn audit_lines(state: &UiState, r: &TransfusionReview) -> Vec<SharedString> {
    r.audit
        .iter()
        .map(|a| {
            let (who, what, said) =
                bedside_export::audit_line_words(&a.actor, &a.action, &a.detail);
            let said = state.t(&said);
            let mut detail: String = said.chars().take(120).collect();
            if said.chars().count() > 120 {
                detail.push('…');
            }
            let at = chrono::DateTime::parse_from_rfc3339(&a.at)
                .map_or_else(|_| a.at.clone(), |t| hhmm(state.lang, &t));
            format!(
                "#{} {at} {} {} {detail}",
                a.seq,
                state.t(&who),
                state.t(&what)
            )
            .into()
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
