//! The PDF exports: a realistic transfusion record and a month's period report are written, their
//! Chinese text read back with `pdftotext` (poppler-utils), and page 1 of each rendered to PNG in
//! `target/pdf-preview/` for a look.

use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use bedside_core::blood::Component;
use bedside_core::messages::{Lang, Text};
use bedside_core::observations::Vitals;
use bedside_core::quality::Indicator;
use bedside_core::review::{
    AuditLine, CheckDetail, Interruption, Outcome, PeriodReport, Person, ReactionDetail,
    RefusedRecord, ReviewRow, Round, SyncState, TransfusionReview,
};
use bedside_export::{period_pdf, transfusion_pdf};
use chrono::{DateTime, Duration, FixedOffset};

type Dt = DateTime<FixedOffset>;

fn at(s: &str) -> Dt {
    DateTime::parse_from_rfc3339(s).unwrap()
}

fn nurse(badge: &str, name: &str) -> Person {
    Person {
        badge: badge.into(),
        name: name.into(),
    }
}

fn vitals(t: i32, hr: i32, sbp: i32, dbp: i32, rr: i32, spo2: i32) -> Vitals {
    Vitals {
        temp_tenths: Some(t),
        hr: Some(hr),
        sbp: Some(sbp),
        dbp: Some(dbp),
        rr: Some(rr),
        spo2: Some(spo2),
    }
}

fn review() -> TransfusionReview {
    let start = at("2026-11-23T09:10:00+08:00");
    let chen = nurse("N0451", "陈静");
    let li = nurse("N0318", "李娜");
    let round = |min: i64, slot: &str, v: Vitals, symptoms: &[&str]| Round {
        at: start + Duration::minutes(min),
        slot: slot.into(),
        vitals: v,
        symptoms: symptoms.iter().map(|s| s.to_string()).collect(),
        taken_by: chen.clone(),
    };
    let mut missing_temp = vitals(0, 88, 124, 76, 18, 97);
    missing_temp.temp_tenths = None;
    let rounds = vec![
        round(-8, "baseline", vitals(366, 78, 118, 72, 16, 98), &[]),
        round(15, "15min", vitals(368, 82, 120, 74, 16, 98), &[]),
        round(30, "unscheduled", missing_temp, &[]),
        round(60, "60min", vitals(372, 90, 126, 78, 18, 97), &[]),
        round(
            95,
            "unscheduled",
            vitals(379, 104, 134, 84, 22, 95),
            &["寒战"],
        ),
        round(
            110,
            "reaction",
            vitals(391, 118, 142, 88, 24, 93),
            &["寒战", "发热", "胸闷"],
        ),
    ];
    let audit = (0..40)
        .map(|i| AuditLine {
            seq: 1000 + i,
            at: (start + Duration::minutes(i * 3)).to_rfc3339(),
            actor: if i % 2 == 0 {
                "N0451 陈静"
            } else {
                "N0318 李娜"
            }
            .into(),
            action: ["observation.record", "reminder.ack", "sync.push"][i as usize % 3].into(),
            detail: if i == 7 {
                // Very long free text: wrapped, then cut with an ellipsis.
                "患者诉轻微不适，".repeat(60)
            } else {
                format!("round {i}: 体温、心率、血压已记录 / vitals recorded")
            },
        })
        .collect();
    TransfusionReview {
        procedure_urn: "urn:uuid:7c1e4d2a-5b9f-4e0c-9a61-2f3b8d4c6e10".into(),
        dispense_id: "disp-20261123-0042".into(),
        patient_id: "MRN00012345".into(),
        patient_name: "张伟".into(),
        din: "A999926400101".into(),
        product_id: "E0336V00".into(),
        component: Component::RedCells,
        ward: "心内科二病区".into(),
        issued_at: Some(at("2026-11-23T08:40:00+08:00")),
        started_at: start,
        ended_at: Some(start + Duration::minutes(110)),
        outcome: Outcome::Reaction,
        volume_ml: Some(180),
        keep_until: Some(at("2026-11-24T11:00:00+08:00")),
        end_note: Some("血袋及输血器已封存送检。".into()),
        check: CheckDetail {
            at: start - Duration::minutes(4),
            first: chen.clone(),
            second: li.clone(),
            scans: vec![
                "MRN00012345".into(),
                "=A999926400101".into(),
                "=<E0336V00".into(),
                "=%5100".into(),
            ],
            keyed_reasons: vec![],
            acknowledgements: vec![(
                "ABO_NONIDENTICAL".into(),
                "O 型红细胞，经输血科同意 / approved by the blood bank".into(),
            )],
            emergency: None,
        },
        rounds,
        interruptions: vec![Interruption {
            at: start + Duration::minutes(40),
            reason: "输液管路堵塞".into(),
            by: "N0451 陈静".into(),
            restarted_at: Some(start + Duration::minutes(48)),
            restarted_by: Some("N0451 陈静".into()),
            second_checker: Some("N0318 李娜".into()),
        }],
        handovers: vec![],
        reaction: Some(ReactionDetail {
            stopped_at: start + Duration::minutes(110),
            suspected: "发热性非溶血性输血反应 (FNHTR)".into(),
            trigger: "体温较基线升高 2.5 °C，伴寒战".into(),
            actions_taken: "立即停止输血，保留静脉通路，通知医生及输血科".into(),
            serious: false,
            recorded_by: chen,
        }),
        sync: SyncState {
            sent: 9,
            unsent: 2,
            refused: 1,
            quarantined: vec![RefusedRecord {
                kind: "observations_taken".into(),
                reason_code: Some("invalid-content".into()),
                reason_text: Some("value out of range".into()),
            }],
        },
        audit,
    }
}

fn indicator(
    code: &'static str,
    en: &str,
    zh: &str,
    n: u32,
    d: u32,
    target: Option<f64>,
) -> Indicator {
    Indicator {
        code,
        title: Text::from_each(|lang| match lang {
            Lang::En => en.to_string(),
            Lang::ZhCn => zh.to_string(),
        }),
        numerator: n,
        denominator: d,
        numerator_ids: vec![],
        denominator_ids: vec![],
        breakdown: if n < d {
            vec![("no_second_checker".into(), d - n)]
        } else {
            vec![]
        },
        target_percent: target,
    }
}

fn period(rows: usize) -> PeriodReport {
    let from = at("2026-10-01T00:00:00+08:00");
    let names = ["张伟", "王芳", "李强", "刘洋", "陈敏", "杨磊"];
    let rows = (0..rows)
        .map(|i| {
            let started = from + Duration::minutes(i as i64 * 25);
            ReviewRow {
                procedure_urn: format!("urn:uuid:{i}"),
                patient_id: format!("MRN{:08}", 20000 + i),
                patient_name: if i + 1 == rows {
                    "欧阳娜娜".into()
                } else {
                    names[i % names.len()].into()
                },
                din: format!("A9999264{:05}", i),
                component: [Component::RedCells, Component::Plasma, Component::Platelets][i % 3],
                started_at: started,
                ended_at: (i % 17 != 0).then(|| started + Duration::minutes(150)),
                outcome: if i % 17 == 0 {
                    Outcome::Running
                } else if i % 50 == 0 {
                    Outcome::Reaction
                } else {
                    Outcome::Ended
                },
                rounds: 4 + (i % 3) as u32,
                unsent: (i % 29 == 0) as u32,
                quarantined: 0,
            }
        })
        .collect();
    PeriodReport {
        ward: "心内科二病区".into(),
        from,
        to: at("2026-11-01T00:00:00+08:00"),
        generated_at: at("2026-11-02T08:30:00+08:00"),
        generated_by: nurse("N0102", "周红"),
        indicators: vec![
            indicator(
                "CHECK_COMPLIANCE",
                "Bedside check compliance",
                "床旁双人核对执行率",
                1680,
                1700,
                None,
            ),
            indicator(
                "OBS_15MIN",
                "15-minute observation on time",
                "输血15分钟生命体征按时监测率",
                1650,
                1700,
                Some(95.0),
            ),
            indicator(
                "REACTIONS_SUSPECTED",
                "Suspected reactions",
                "疑似输血不良反应发生率",
                34,
                1700,
                None,
            ),
            indicator(
                "REACTION_REPORT_TIMELY",
                "Reactions reported in time",
                "不良反应及时上报率",
                0,
                0,
                Some(100.0),
            ),
        ],
        rows,
    }
}

fn preview_dir() -> PathBuf {
    // CARGO_TARGET_TMPDIR is <target>/tmp: the previews go beside it, in <target>/pdf-preview.
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .join("pdf-preview");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn poppler(tool: &str) -> Command {
    let found = Command::new(tool).arg("-v").output().is_ok();
    assert!(
        found,
        "`{tool}` is missing: install the Debian package poppler-utils (scripts/setup.sh does)"
    );
    Command::new(tool)
}

/// Writes the PDF, renders page 1 to `<name>-1.png` and returns the text of every page.
fn write_and_read(name: &str, pdf: &[u8]) -> String {
    assert!(pdf.starts_with(b"%PDF"), "{name} is not a PDF");
    let dir = preview_dir();
    let path = dir.join(format!("{name}.pdf"));
    std::fs::write(&path, pdf).unwrap();
    let out = poppler("pdftotext")
        .args([path.to_str().unwrap(), "-"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "pdftotext: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let status = poppler("pdftoppm")
        .args(["-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile"])
        .arg(&path)
        .arg(dir.join(format!("{name}-1")))
        .status()
        .unwrap();
    assert!(status.success(), "pdftoppm failed on {name}");
    String::from_utf8(out.stdout).unwrap()
}

fn pages(text: &str) -> usize {
    text.matches('\u{c}').count()
}

#[test]
fn the_transfusion_record_reads_back_in_chinese() {
    let review = review();
    let pdf = transfusion_pdf(&review, Lang::ZhCn).unwrap();
    eprintln!("record (zh): {} bytes", pdf.len());
    let text = write_and_read("record-zh", &pdf);
    for needle in [
        "张伟",
        "输血记录单",
        "A999926400101",
        "39.1",
        "发热性非溶血性输血反应",
        "输液管路堵塞",
        "2026-11-23 09:10",
        "审计记录",
        "1039",
    ] {
        assert!(
            text.contains(needle),
            "`{needle}` not in the record:\n{text}"
        );
    }
    assert!(pages(&text) >= 2, "the audit trail goes onto another page");
    // Subset font: a few hundred glyphs, not the 5 MB collection.
    assert!(pdf.len() < 400_000, "{} bytes", pdf.len());

    let pdf = transfusion_pdf(&review, Lang::En).unwrap();
    let text = write_and_read("record-en", &pdf);
    for needle in ["Transfusion record", "张伟", "Audit trail", "Heart rate"] {
        assert!(
            text.contains(needle),
            "`{needle}` not in the record:\n{text}"
        );
    }
}

#[test]
fn odd_records_still_make_readable_reports() {
    let mut review = review();
    review.rounds.clear();
    review.audit.clear();
    review.interruptions.clear();
    review.reaction = None;
    review.ended_at = None;
    review.check.acknowledgements.clear();
    review.check.scans.clear();
    review.patient_name = "名".repeat(300);
    review.end_note = Some("\u{0}\t🩸 ".repeat(50));
    let pdf = transfusion_pdf(&review, Lang::ZhCn).unwrap();
    let text = write_and_read("record-odd", &pdf);
    assert!(text.contains("输血记录单"));

    let mut report = period(0);
    report.indicators.clear();
    let pdf = period_pdf(&report, Lang::En).unwrap();
    let text = write_and_read("period-empty", &pdf);
    assert!(text.contains("Ward transfusion quality report"), "{text}");
}

#[test]
fn a_month_of_the_ward_pages_quickly_and_reads_back() {
    let report = period(1700);
    let started = Instant::now();
    let pdf = period_pdf(&report, Lang::ZhCn).unwrap();
    eprintln!(
        "period (zh, 1,700 rows): {} bytes in {:?}",
        pdf.len(),
        started.elapsed()
    );
    let text = write_and_read("period-zh", &pdf);
    for needle in [
        "科室输血质量报告",
        "床旁双人核对执行率",
        "输血15分钟生命体征按时监测率",
        "不良反应及时上报率",
        "欧阳娜娜",
        "A999926401699",
        "98.8 %",
    ] {
        assert!(text.contains(needle), "`{needle}` not in the report");
    }
    // 0 of 0 is no result: a dash, never 0 % or 100 %.
    let line = text
        .lines()
        .skip_while(|l| !l.contains("不良反应及时上报率"))
        .take(3)
        .collect::<Vec<_>>()
        .join(" ");
    assert!(line.contains("0 / 0") && line.contains('—'), "{line}");
    assert!(pages(&text) > 20, "{} pages", pages(&text));
    let rows_seen = text.matches("A9999264").count();
    assert_eq!(rows_seen, 1700, "every row once, none lost at a page break");
}
