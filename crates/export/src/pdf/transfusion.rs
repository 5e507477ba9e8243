//! The record of one transfusion (输血记录单): what was given, the check, the vital signs, what
//! happened, what the blood bank has received, and the audit trail.

use bedside_core::check::{component_name, reason_title_of};
use bedside_core::event::BedsideEvent;
use bedside_core::messages::{Lang, Text};
use bedside_core::observations::{suspected_words, symptom_name, trigger_words};
use bedside_core::review::{Round, TransfusionReview};
use bedside_fhir::outcome::refused_words;

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
    let title = l.t("Transfusion record").to_string();
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
        (t("Patient"), review.patient_name.clone()),
        (t("Patient ID"), review.patient_id.clone()),
        (t("Unit (DIN)"), review.din.clone()),
        (t("Product"), review.product_id.clone()),
        (
            t("Component"),
            component_name(review.component, lang).to_string(),
        ),
        (t("Ward"), review.ward.clone()),
        (t("Issued"), time_opt(review.issued_at)),
        (t("Started"), time(review.started_at)),
        (t("Ended"), time_opt(review.ended_at)),
        (t("Outcome"), review.outcome.words().get(lang).to_string()),
        (
            t("Volume"),
            review
                .volume_ml
                .map_or("—".to_string(), |v| format!("{v} ml")),
        ),
        (t("Keep bag until"), time_opt(review.keep_until)),
    ]);
    if let Some(note) = review.end_note.as_deref().filter(|n| !n.trim().is_empty()) {
        let note = bedside_core::review::end_note_words(note);
        let words = format!("{}{}{}", t("Note"), lang.colon(), note.get(lang));
        l.para(&words, 9.0, BLACK, 0.0);
    }
}

/// Who checked, what was scanned or keyed in, and the warnings acknowledged.
fn bedside_check(l: &mut Layout, review: &TransfusionReview) {
    let t = in_lang(l.lang);
    let c = &review.check;
    l.heading(t("Bedside check"));
    l.pairs(&[
        (t("Checked at"), time(c.at)),
        (t("First nurse"), c.first.label()),
        (t("Second nurse"), c.second.label()),
    ]);
    let scans = if c.scans.is_empty() {
        "—".to_string()
    } else {
        c.scans.join("  |  ")
    };
    l.para(
        &format!("{}{}{scans}", t("Scanned"), l.lang.colon()),
        8.5,
        BLACK,
        0.0,
    );
    let keyed = if c.keyed_reasons.is_empty() {
        t("none (everything scanned)").to_string()
    } else {
        c.keyed_reasons.join("; ")
    };
    l.para(
        &format!("{}{}{keyed}", t("Keyed in"), l.lang.colon()),
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
            "{}{}{}",
            t("Warnings acknowledged"),
            l.lang.colon(),
            t("none")
        );
        l.para(&none, 8.5, BLACK, 0.0);
    } else {
        let head = format!("{}{}", t("Warnings acknowledged"), l.lang.colon());
        l.para(&head, 8.5, BLACK, 0.0);
        for (code, reason) in &c.acknowledgements {
            let what = reason_title_of(code);
            l.para(
                &format!("• {} — {reason}", what.get(l.lang)),
                8.5,
                BLACK,
                10.0,
            );
        }
    }
}

/// The chart, then every round in a table.
fn vital_signs(l: &mut Layout, review: &TransfusionReview) {
    let lang = l.lang;
    let t = in_lang(lang);
    // The heading stays with the chart.
    l.ensure(CHART_H + 60.0);
    l.heading(t("Vital signs"));
    chart_block(l, review);
    let rows: Vec<Vec<String>> = review.rounds.iter().map(|r| round_row(r, lang)).collect();
    let widths = [72.0, 44.0, 28.0, 26.0, 44.0, 22.0, 30.0, 0.0, 92.0];
    let titles = [
        t("Time"),
        t("Round"),
        t("T °C"),
        t("HR"),
        t("BP"),
        t("RR"),
        "SpO2",
        t("Symptoms"),
        t("Taken by"),
    ];
    let cols = columns(&titles, &widths);
    l.table(&cols, &rows, 7.5, 4);
}

fn timeline(l: &mut Layout, review: &TransfusionReview) {
    let lang = l.lang;
    let t = in_lang(lang);
    l.heading(t("Timeline"));
    let rows: Vec<Vec<String>> = review
        .timeline()
        .iter()
        .map(|e| vec![time(e.at), e.what.get(lang).to_string()])
        .collect();
    l.table(
        &[
            Col {
                title: t("Time"),
                width: 80.0,
            },
            Col {
                title: t("What happened"),
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
        l.heading(t("Transfusion reaction"));
        l.pairs(&[
            (t("Stopped at"), time(r.stopped_at)),
            (
                t("Serious"),
                if r.serious { t("yes") } else { t("no") }.to_string(),
            ),
            (
                t("Suspected"),
                suspected_words(&r.suspected).get(l.lang).to_string(),
            ),
            (t("Recorded by"), r.recorded_by.label()),
        ]);
        l.para(
            &format!(
                "{}{}{}",
                t("Trigger"),
                l.lang.colon(),
                trigger_words(&r.trigger).get(l.lang)
            ),
            8.5,
            BLACK,
            0.0,
        );
        l.para(
            &format!(
                "{}{}{}",
                t("Actions taken"),
                l.lang.colon(),
                bedside_core::review::reaction_report_words(&r.actions_taken).get(l.lang)
            ),
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
        l.heading(t("Interruptions"));
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
            t("Interrupted"),
            t("Reason"),
            t("By"),
            t("Restarted"),
            t("By"),
            t("Second checker"),
        ];
        let cols = columns(&titles, &[72.0, 0.0, 70.0, 72.0, 70.0, 70.0]);
        l.table(&cols, &rows, 7.5, 4);
    }
}

/// What the blood bank has received, and what it refused.
fn sync_state(l: &mut Layout, review: &TransfusionReview) {
    let lang = l.lang;
    let t = in_lang(lang);
    l.heading(t("Blood bank records"));
    let s = &review.sync;
    let line = bedside_core::messages::Text::tr(
        "sent: {sent}, not yet sent: {unsent}",
        &[
            ("sent", &s.sent.to_string()),
            ("unsent", &s.unsent.to_string()),
        ],
    );
    let line = line.get(lang).to_string();
    l.para(&line, 9.0, BLACK, 0.0);
    if s.quarantined.is_empty() {
        let none = format!(
            "{}{}{}",
            t("Refused by the blood bank"),
            lang.colon(),
            t("none")
        );
        l.para(&none, 9.0, BLACK, 0.0);
    } else {
        let head = format!("{}{}", t("Refused by the blood bank"), lang.colon());
        l.para(&head, 9.0, ACCENT, 0.0);
        for q in &s.quarantined {
            let what = BedsideEvent::kind_words(&q.kind);
            let why = refused_words(q.reason_code.as_deref(), q.reason_text.as_deref());
            let line = format!("• {} — {}", what.get(lang), why.get(lang));
            l.para(&line, 8.5, BLACK, 10.0);
        }
    }
}

fn audit_trail(l: &mut Layout, review: &TransfusionReview) {
    let lang = l.lang;
    let t = in_lang(lang);
    l.heading(t("Audit trail"));
    let rows: Vec<Vec<String>> = review
        .audit
        .iter()
        .map(|a| {
            let (who, what, detail) = crate::audit_line_words(&a.actor, &a.action, &a.detail);
            vec![
                a.seq.to_string(),
                audit_time(&a.at),
                who.get(lang).to_string(),
                what.get(lang).to_string(),
                detail.get(lang).to_string(),
            ]
        })
        .collect();
    let titles = ["#", t("Time"), t("Who"), t("Action"), t("Detail")];
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
            let names: Vec<_> = r.symptoms.iter().map(|s| symptom_name(s)).collect();
            Text::list(&names).get(lang).to_string()
        },
        r.taken_by.label(),
    ]
}
