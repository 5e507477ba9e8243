//! The record of one transfusion (输血记录单): what was given, the check, the vital signs, what
//! happened, what the blood bank has received, and the audit trail.

use bedside_core::check::component_name;
use bedside_core::messages::Lang;
use bedside_core::review::{Round, TransfusionReview};

use super::format::{audit_time, opt, slot_words, time, time_opt};
use super::layout::{columns, Col, Layout};
use super::vitals_chart::{chart_block, CHART_H};
use super::{in_lang, PdfError, ACCENT, BLACK, WIDTH};

/// The record of one transfusion (输血记录单), A4 portrait, in `lang`.
pub fn transfusion_pdf(review: &TransfusionReview, lang: Lang) -> Result<Vec<u8>, PdfError> {
    let footer = format!(
        "{} · {} · {}",
        review.patient_name, review.patient_id, review.din
    );
    let mut l = Layout::new(lang, footer)?;
    let title = l.t("Transfusion record", "输血记录单").to_string();
    let sub = format!("{} · {}", review.ward, review.procedure_urn);
    l.title(&title, &sub);

    summary(&mut l, review);
    bedside_check(&mut l, review);
    vital_signs(&mut l, review);
    timeline(&mut l, review);
    reaction(&mut l, review);
    interruptions(&mut l, review);
    sync_state(&mut l, review);
    audit_trail(&mut l, review);

    l.finish(&format!("{title} {} {}", review.patient_name, review.din))
}

/// The unit, the patient, the times and the outcome, with the nurse's note at the end.
fn summary(l: &mut Layout, review: &TransfusionReview) {
    let lang = l.lang;
    let t = in_lang(lang);
    l.pairs(&[
        (t("Patient", "患者"), review.patient_name.clone()),
        (t("Patient ID", "病历号"), review.patient_id.clone()),
        (t("Unit (DIN)", "血袋号"), review.din.clone()),
        (t("Product", "产品码"), review.product_id.clone()),
        (
            t("Component", "血液成分"),
            component_name(review.component, lang).to_string(),
        ),
        (t("Ward", "病区"), review.ward.clone()),
        (t("Issued", "发血时间"), time_opt(review.issued_at)),
        (t("Started", "开始时间"), time(review.started_at)),
        (t("Ended", "结束时间"), time_opt(review.ended_at)),
        (
            t("Outcome", "结果"),
            review.outcome.words().get(lang).to_string(),
        ),
        (
            t("Volume", "输入量"),
            review
                .volume_ml
                .map_or("—".to_string(), |v| format!("{v} ml")),
        ),
        (
            t("Keep bag until", "血袋保留至"),
            time_opt(review.keep_until),
        ),
    ]);
    if let Some(note) = review.end_note.as_deref().filter(|n| !n.trim().is_empty()) {
        let words = format!("{}：{note}", t("Note", "备注"));
        l.para(&words, 9.0, BLACK, 0.0);
    }
}

/// Who checked, what was scanned or keyed in, and the warnings acknowledged.
fn bedside_check(l: &mut Layout, review: &TransfusionReview) {
    let t = in_lang(l.lang);
    let c = &review.check;
    l.heading(t("Bedside check", "床旁双人核对"));
    l.pairs(&[
        (t("Checked at", "核对时间"), time(c.at)),
        (t("First nurse", "核对者"), c.first.label()),
        (t("Second nurse", "复核者"), c.second.label()),
    ]);
    let scans = if c.scans.is_empty() {
        "—".to_string()
    } else {
        c.scans.join("  |  ")
    };
    l.para(
        &format!("{}：{scans}", t("Scanned", "扫描内容")),
        8.5,
        BLACK,
        0.0,
    );
    let keyed = if c.keyed_reasons.is_empty() {
        t("none (everything scanned)", "无（全部扫码）").to_string()
    } else {
        c.keyed_reasons.join("; ")
    };
    l.para(
        &format!("{}：{keyed}", t("Keyed in", "手工录入原因")),
        8.5,
        BLACK,
        0.0,
    );
    if let Some(e) = &c.emergency {
        let said = bedside_core::review::emergency_words(e);
        l.para(said.get(l.lang), 8.5, ACCENT, 0.0);
    }
    if c.acknowledgements.is_empty() {
        let none = format!(
            "{}：{}",
            t("Warnings acknowledged", "已确认的警告"),
            t("none", "无")
        );
        l.para(&none, 8.5, BLACK, 0.0);
    } else {
        let head = format!("{}：", t("Warnings acknowledged", "已确认的警告"));
        l.para(&head, 8.5, BLACK, 0.0);
        for (code, reason) in &c.acknowledgements {
            l.para(&format!("• {code} — {reason}"), 8.5, BLACK, 10.0);
        }
    }
}

/// The chart, then every round in a table.
fn vital_signs(l: &mut Layout, review: &TransfusionReview) {
    let lang = l.lang;
    let t = in_lang(lang);
    // The heading stays with the chart.
    l.ensure(CHART_H + 60.0);
    l.heading(t("Vital signs", "生命体征"));
    chart_block(l, review);
    let rows: Vec<Vec<String>> = review.rounds.iter().map(|r| round_row(r, lang)).collect();
    let widths = [72.0, 44.0, 28.0, 26.0, 44.0, 22.0, 30.0, 0.0, 92.0];
    let titles = [
        t("Time", "时间"),
        t("Round", "时点"),
        t("T °C", "体温"),
        t("HR", "心率"),
        t("BP", "血压"),
        t("RR", "呼吸"),
        "SpO2",
        t("Symptoms", "症状"),
        t("Taken by", "测量者"),
    ];
    let cols = columns(&titles, &widths);
    l.table(&cols, &rows, 7.5, 4);
}

fn timeline(l: &mut Layout, review: &TransfusionReview) {
    let lang = l.lang;
    let t = in_lang(lang);
    l.heading(t("Timeline", "时间线"));
    let rows: Vec<Vec<String>> = review
        .timeline()
        .iter()
        .map(|e| vec![time(e.at), e.what.get(lang).to_string()])
        .collect();
    l.table(
        &[
            Col {
                title: t("Time", "时间"),
                width: 80.0,
            },
            Col {
                title: t("What happened", "事件"),
                width: WIDTH - 80.0,
            },
        ],
        &rows,
        8.0,
        3,
    );
}

fn reaction(l: &mut Layout, review: &TransfusionReview) {
    let t = in_lang(l.lang);
    if let Some(r) = &review.reaction {
        l.heading(t("Transfusion reaction", "输血不良反应"));
        l.pairs(&[
            (t("Stopped at", "停止时间"), time(r.stopped_at)),
            (
                t("Serious", "严重"),
                if r.serious {
                    t("yes", "是")
                } else {
                    t("no", "否")
                }
                .to_string(),
            ),
            (t("Suspected", "疑似反应"), r.suspected.clone()),
            (t("Recorded by", "记录者"), r.recorded_by.label()),
        ]);
        l.para(
            &format!("{}：{}", t("Trigger", "触发"), r.trigger),
            8.5,
            BLACK,
            0.0,
        );
        l.para(
            &format!("{}：{}", t("Actions taken", "处理措施"), r.actions_taken),
            8.5,
            BLACK,
            0.0,
        );
    }
}

/// Interruptions in detail (the timeline has only their reasons).
fn interruptions(l: &mut Layout, review: &TransfusionReview) {
    let t = in_lang(l.lang);
    if !review.interruptions.is_empty() {
        l.heading(t("Interruptions", "中断"));
        let rows: Vec<Vec<String>> = review
            .interruptions
            .iter()
            .map(|i| {
                vec![
                    time(i.at),
                    i.reason.clone(),
                    i.by.clone(),
                    time_opt(i.restarted_at),
                    opt(i.restarted_by.clone()),
                    opt(i.second_checker.clone()),
                ]
            })
            .collect();
        let titles = [
            t("Interrupted", "中断时间"),
            t("Reason", "原因"),
            t("By", "操作者"),
            t("Restarted", "继续时间"),
            t("By", "操作者"),
            t("Second checker", "复核者"),
        ];
        let cols = columns(&titles, &[72.0, 0.0, 70.0, 72.0, 70.0, 70.0]);
        l.table(&cols, &rows, 7.5, 4);
    }
}

/// What the blood bank has received, and what it refused.
fn sync_state(l: &mut Layout, review: &TransfusionReview) {
    let lang = l.lang;
    let t = in_lang(lang);
    l.heading(t("Blood bank records", "与血库同步状态"));
    let s = &review.sync;
    let line = match lang {
        Lang::En => format!("sent: {}, not yet sent: {}", s.sent, s.unsent),
        Lang::ZhCn => format!("已发送：{}，未发送：{}", s.sent, s.unsent),
    };
    l.para(&line, 9.0, BLACK, 0.0);
    if s.quarantined.is_empty() {
        let none = format!(
            "{}：{}",
            t("Refused by the blood bank", "被血库拒收"),
            t("none", "无")
        );
        l.para(&none, 9.0, BLACK, 0.0);
    } else {
        let head = format!("{}：", t("Refused by the blood bank", "被血库拒收"));
        l.para(&head, 9.0, ACCENT, 0.0);
        for (what, why) in &s.quarantined {
            l.para(&format!("• {what} — {why}"), 8.5, BLACK, 10.0);
        }
    }
}

fn audit_trail(l: &mut Layout, review: &TransfusionReview) {
    let t = in_lang(l.lang);
    l.heading(t("Audit trail", "审计记录"));
    let rows: Vec<Vec<String>> = review
        .audit
        .iter()
        .map(|a| {
            vec![
                a.seq.to_string(),
                audit_time(&a.at),
                a.actor.clone(),
                a.action.clone(),
                a.detail.clone(),
            ]
        })
        .collect();
    let titles = [
        "#",
        t("Time", "时间"),
        t("Who", "操作者"),
        t("Action", "操作"),
        t("Detail", "详情"),
    ];
    let cols = columns(&titles, &[28.0, 72.0, 80.0, 95.0, 0.0]);
    l.table(&cols, &rows, 7.0, 6);
}

fn round_row(r: &Round, lang: Lang) -> Vec<String> {
    let v = &r.vitals;
    let bp = match (v.sbp, v.dbp) {
        (None, None) => "—".to_string(),
        (s, d) => format!("{}/{}", opt(s), opt(d)),
    };
    vec![
        time(r.at),
        slot_words(&r.slot, lang),
        v.temp_tenths
            .map_or("—".to_string(), |t| format!("{:.1}", t as f32 / 10.0)),
        opt(v.hr),
        bp,
        opt(v.rr),
        opt(v.spo2),
        if r.symptoms.is_empty() {
            "—".to_string()
        } else {
            r.symptoms.join(", ")
        },
        r.taken_by.label(),
    ]
}
