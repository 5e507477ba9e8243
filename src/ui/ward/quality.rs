//! The quality indicators of a period, their drill-down, and the period's exports.

use super::*;

pub(super) fn set_period(
    window: &AppWindow,
    from: bedside_clock::Instant,
    to: bedside_clock::Instant,
) {
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
pub(super) fn compute(window: &AppWindow, state: &mut UiState) -> bool {
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
        Text::tr(
            "{n} transfusion(s) issued in the period",
            &[("n", &report.rows.len().to_string())],
        ),
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
                    .map(|t| words(state, Text::tr("target ≥ {t} %", &[("t", &t.to_string())])))
                    .unwrap_or_default(),
                below_target: below,
                breakdown: i
                    .breakdown
                    .iter()
                    .take(4)
                    .map(|(k, n)| {
                        format!(
                            "{} {n}",
                            state.t(&bedside_core::quality::breakdown_words(k))
                        )
                    })
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

pub(super) fn drill_down(window: &AppWindow, state: &mut UiState, index: usize) {
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
                words(state, Text::tr("counted", &[]))
            } else {
                words(state, Text::tr("not counted", &[]))
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

pub(super) fn export_period(window: &AppWindow, state: &mut UiState, format: &str) {
    let page = window.global::<QualityPage>();
    let result = period(window, state).and_then(|(from, to)| {
        let format: Format = format.parse().map_err(|e: String| {
            Text::tr(
                "This export format is not known ({format}).",
                &[("format", &e)],
            )
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
pub(super) fn save(state: &UiState, name: &str, bytes: &[u8]) -> Result<Text, Text> {
    let path = state.export_dir.join(name);
    std::fs::create_dir_all(&state.export_dir)
        .and_then(|()| std::fs::write(&path, bytes))
        .map_err(|e| {
            Text::tr(
                "The export could not be saved to {path}: {e}",
                &[("path", &path.display().to_string()), ("e", &e.to_string())],
            )
        })?;
    Ok(Text::tr(
        "Saved {path}",
        &[("path", &path.display().to_string())],
    ))
}
