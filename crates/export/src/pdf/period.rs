//! The ward's quality report for a period (科室输血质量报告): each indicator as a bar against its
//! target, then every transfusion of the period.

use bedside_core::check::component_name;
use bedside_core::messages::Lang;
use bedside_core::quality::breakdown_words;
use bedside_core::quality::Indicator;
use bedside_core::review::PeriodReport;

use super::format::{time, time_opt};
use super::layout::{columns, Layout};
use super::{in_lang, PdfError, ACCENT, BLACK, GREY, LEFT, WIDTH};

/// The ward's quality report for a period (科室输血质量报告), A4 portrait, in `lang`.
pub fn period_pdf(report: &PeriodReport, lang: Lang) -> Result<Vec<u8>, PdfError> {
    let period = format!("{} – {}", time(report.from), time(report.to));
    let mut l = Layout::new(lang, format!("{} · {period}", report.ward))?;
    let t = in_lang(lang);
    let title = t("Ward transfusion quality report");
    l.title(title, &report.ward);
    l.pairs(&[
        (t("Ward"), report.ward.clone()),
        (t("Period"), period.clone()),
        (t("Generated"), time(report.generated_at)),
        (t("By"), report.generated_by.label()),
        (t("Transfusions"), report.rows.len().to_string()),
    ]);

    l.heading(t("Indicators"));
    for ind in &report.indicators {
        indicator(&mut l, ind);
    }
    if report.indicators.is_empty() {
        l.para(t("none"), 9.0, GREY, 0.0);
    }

    transfusions(&mut l, report);

    l.finish(&format!("{title} {} {period}", report.ward))
}

/// One indicator: its title, a bar of its percentage with the target marked, the figures, and
/// its breakdown (the first eight keys).
fn indicator(l: &mut Layout, ind: &Indicator) {
    let lang = l.lang;
    let t = in_lang(lang);
    let extra = ind.breakdown.len().min(8) as f32 * 10.0;
    l.ensure(40.0 + extra);
    let title = ind.title.get(lang).to_string();
    let title = l.m.fit(&title, 9.5, WIDTH);
    l.text(LEFT, l.y + 10.0, 9.5, BLACK, &title);
    l.y += 14.0;
    // The bar: the full width is 100 %.
    let bar_w = 300.0;
    let by = l.y;
    l.rect(LEFT, by, bar_w, 9.0, [228, 228, 232]);
    let percent = ind.percent().filter(|p| p.is_finite());
    if let Some(p) = percent {
        let w = (p.clamp(0.0, 100.0) as f32) / 100.0 * bar_w;
        l.rect(LEFT, by, w, 9.0, [31, 119, 180]);
    }
    if let Some(target) = ind.target_percent.filter(|t| t.is_finite()) {
        let x = LEFT + (target.clamp(0.0, 100.0) as f32) / 100.0 * bar_w;
        l.line(vec![(x, by - 2.0), (x, by + 11.0)], ACCENT, 1.2, false);
    }
    let pct = percent.map_or("—".to_string(), |p| format!("{p:.1} %"));
    let mut figures = format!("{} / {}   {pct}", ind.numerator, ind.denominator);
    if let Some(target) = ind.target_percent.filter(|t| t.is_finite()) {
        figures.push_str(&format!("   {} {target:.0} %", t("target")));
    }
    l.text(LEFT + bar_w + 10.0, by + 8.0, 9.0, BLACK, &figures);
    l.y += 14.0;
    for (key, count) in ind.breakdown.iter().take(8) {
        let key = breakdown_words(key);
        let line = format!("{}{}{count}", key.get(l.lang), l.lang.colon());
        let line = l.m.fit(&line, 7.5, WIDTH - 20.0);
        l.text(LEFT + 12.0, l.y + 7.5, 7.5, GREY, &line);
        l.y += 10.0;
    }
    if ind.breakdown.len() > 8 {
        let more = format!("… +{}", ind.breakdown.len() - 8);
        l.text(LEFT + 12.0, l.y + 7.5, 7.5, GREY, &more);
        l.y += 10.0;
    }
    l.y += 6.0;
}

/// Every transfusion of the period, one row each.
fn transfusions(l: &mut Layout, report: &PeriodReport) {
    let lang = l.lang;
    let t = in_lang(lang);
    l.heading(t("Transfusions"));
    let rows: Vec<Vec<String>> = report
        .rows
        .iter()
        .map(|r| {
            vec![
                time(r.started_at),
                time_opt(r.ended_at),
                format!("{} {}", r.patient_name, r.patient_id),
                r.din.clone(),
                component_name(r.component, lang).to_string(),
                r.outcome.words().get(lang).to_string(),
                r.rounds.to_string(),
                format!("{} / {}", r.unsent, r.quarantined),
            ]
        })
        .collect();
    let titles = [
        t("Started"),
        t("Ended"),
        t("Patient"),
        t("Unit (DIN)"),
        t("Component"),
        t("Outcome"),
        t("Rounds"),
        t("Unsent / refused"),
    ];
    let cols = columns(&titles, &[70.0, 70.0, 0.0, 82.0, 48.0, 62.0, 30.0, 50.0]);
    l.table(&cols, &rows, 7.0, 1);
}
