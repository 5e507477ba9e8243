//! The charge nurse's review of what nurses did: the board while transfusions run, the record of
//! each one (check, rounds, reaction, audit), the month's indicators with the records behind them,
//! and the exports, through the handheld and through `bedside export`; nurses reach none of it.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use bedside_app::handheld::{ActionError, Handheld};
use bedside_app::session::LoginError;
use bedside_app::transfuse::Judgement;
use bedside_clock::Clock;
use bedside_core::messages::Lang;
use bedside_core::review::{Outcome, ReviewQuery};
use bedside_export::Format;
use chrono::Duration;
use common::*;

fn ward_after_a_morning() -> (Ward, Handheld, String, String) {
    let ward = Ward::new();
    let (h, zhang, li) = a_morning(&ward);
    (ward, h, zhang, li)
}

#[test]
fn a_nurse_reaches_no_charge_nurse_function() {
    let (_ward, mut h, zhang, _) = ward_after_a_morning();
    h.login("N0451", "0451").unwrap();
    let now = h.now();
    let refused = |r: Result<(), ActionError>| {
        assert!(
            matches!(r, Err(ActionError::Login(LoginError::NotPermitted { .. }))),
            "{r:?}"
        )
    };
    refused(h.board().map(drop));
    refused(h.review_list(&ReviewQuery::default(), 10).map(drop));
    refused(h.review(&zhang).map(drop));
    refused(h.indicators(now - Duration::days(1), now).map(drop));
    refused(h.period_report(now - Duration::days(1), now).map(drop));
    refused(
        h.export_period(now - Duration::days(1), now, Format::Csv, Lang::ZhCn)
            .map(drop),
    );
    refused(h.export_record(&zhang, Lang::ZhCn).map(drop));
    assert!(
        !h.store
            .audit_trail()
            .unwrap()
            .iter()
            .any(|a| a.action == "export"),
        "nothing was exported"
    );
}

#[test]
fn the_board_shows_what_runs_what_waits_and_what_has_not_reached_the_blood_bank() {
    let (ward, mut h, zhang, li) = ward_after_a_morning();
    h.login("C0101", "0101").unwrap();
    ward.minutes(80);
    let board = h.board().unwrap();

    assert_eq!(board.running.len(), 1, "李秀英's transfusion was stopped");
    let running = &board.running[0];
    assert_eq!(
        running.bed.as_deref(),
        Some("3床"),
        "the bed the blood bank says"
    );
    assert_eq!(running.running.transfusion.procedure_uuid, zhang);
    assert_eq!(running.minutes, 95);
    assert!(
        running.timeline.overdue,
        "the 60-minute round is missed at 95 minutes: {:?}",
        running.timeline.due
    );

    assert_eq!(board.reactions.len(), 1);
    assert_eq!(board.reactions[0].procedure_urn, li);
    assert_eq!(board.reactions[0].patient_name, "李秀英");

    // The demo ward's other units wait, each against its 30-minute start window.
    assert!(!board.waiting.is_empty());
    assert!(board.waiting.iter().all(|w| w.patient_name != "张伟"));
    for w in &board.waiting {
        assert_eq!(
            w.minutes_left,
            30 - (board.at - w.issued_at).num_minutes(),
            "{w:?}"
        );
    }

    // Nothing was synced since the start: every record waits, each named.
    assert_eq!(board.outbox.queued, 5);
    assert_eq!(board.pending.len(), 5);
    assert!(board.pending.iter().all(|p| !p.quarantined));
    assert!(board
        .pending
        .iter()
        .any(|p| p.what.en() == "reaction report" && p.patient_name == "李秀英"));
}

#[test]
fn a_stop_trigger_left_without_a_report_heads_the_board() {
    let ward = Ward::new();
    let mut h = ward.open();
    let mut zhang = started(&mut h);
    ward.minutes(15);
    let judgement = h
        .observe(&mut zhang, vitals(392), vec!["rigors".into()])
        .unwrap()
        .judgement;
    assert!(matches!(judgement, Judgement::Stop(_)));
    // The app closes before the nurse sends the report.
    drop(h);

    let mut h = ward.open();
    h.logout().unwrap();
    h.login("C0101", "0101").unwrap();
    let board = h.board().unwrap();
    let first = &board.running[0];
    assert_eq!(
        first.running.transfusion.procedure_uuid,
        zhang.transfusion.procedure_uuid
    );
    let warning = first
        .unreported_stop
        .as_ref()
        .expect("the unreported stop trigger is on the board");
    assert!(
        warning.en().contains("no reaction report"),
        "{}",
        warning.en()
    );
    assert!(warning.zh().contains("尚未提交"), "{}", warning.zh());
}

#[test]
fn a_record_shows_the_check_the_rounds_the_reaction_and_its_audit_trail() {
    let (_ward, mut h, zhang, li) = ward_after_a_morning();
    h.login("C0101", "0101").unwrap();

    let all = h.review_list(&ReviewQuery::default(), 100).unwrap();
    assert_eq!(all.len(), 2);
    let by_name = h
        .review_list(
            &ReviewQuery {
                patient: Some("秀英".into()),
                ..ReviewQuery::default()
            },
            100,
        )
        .unwrap();
    assert_eq!(by_name.len(), 1);
    assert_eq!(by_name[0].procedure_urn, li);
    let reactions = h
        .review_list(
            &ReviewQuery {
                outcome: Some(Outcome::Reaction),
                ..ReviewQuery::default()
            },
            100,
        )
        .unwrap();
    assert_eq!(reactions.len(), 1);
    let zhang_row = all.iter().find(|r| r.procedure_urn == zhang).unwrap();
    let by_unit = h
        .review_list(
            &ReviewQuery {
                unit: Some(zhang_row.din[4..].to_lowercase()),
                ..ReviewQuery::default()
            },
            100,
        )
        .unwrap();
    assert_eq!(
        by_unit.len(),
        1,
        "part of the DIN, any case, finds the unit"
    );

    let record = h.review(&li).unwrap();
    assert_eq!(record.patient_name, "李秀英");
    assert_eq!(record.outcome, Outcome::Reaction);
    assert_eq!(record.check.first.badge, "N0451");
    assert_eq!(record.check.second.badge, "N0388");
    assert_eq!(record.check.scans[0], "ZY26001002", "the wristband first");
    assert_eq!(
        record.check.scans.len(),
        5,
        "wristband and the bag's four labels"
    );
    assert!(record.issued_at.is_some());
    let slots: Vec<&str> = record.rounds.iter().map(|r| r.slot.as_str()).collect();
    assert_eq!(slots, ["baseline", "15min"]);
    assert_eq!(record.rounds[1].vitals.temp_tenths, Some(390));
    assert_eq!(record.rounds[1].symptoms, ["rigors"]);
    let reaction = record.reaction.as_ref().unwrap();
    assert!(reaction.trigger.contains("FEBRILE"), "{}", reaction.trigger);
    assert_eq!(record.sync.unsent, 3, "start, round, reaction");
    let actions: Vec<&str> = record.audit.iter().map(|a| a.action.as_str()).collect();
    assert_eq!(
        actions,
        ["started", "observations_taken", "reaction_reported"]
    );
    let timeline: Vec<String> = record
        .timeline()
        .iter()
        .map(|l| l.what.en().to_string())
        .collect();
    assert_eq!(timeline.first().unwrap(), "issued by the blood bank");
    assert!(timeline.last().unwrap().starts_with("stopped: "));

    // Another transfusion's audit rows are not in this one's trail.
    let zhang_record = h.review(&zhang).unwrap();
    assert!(zhang_record
        .audit
        .iter()
        .all(|a| a.action != "reaction_reported"));
    assert!(matches!(
        h.review("urn:uuid:nothing"),
        Err(ActionError::Refused(_))
    ));
}

#[test]
fn the_indicators_count_the_records_behind_them_and_the_exports_carry_them() {
    let (ward, mut h, zhang, li) = ward_after_a_morning();
    h.login("C0101", "0101").unwrap();
    let now = h.now();
    let (from, to) = (now - Duration::days(1), now + Duration::days(1));

    let indicators = h.indicators(from, to).unwrap();
    let get = |code: &str| indicators.iter().find(|i| i.code == code).unwrap();
    let compliance = get("CHECK_COMPLIANCE");
    assert_eq!(
        (compliance.numerator, compliance.denominator),
        (2, 2),
        "both were scanned and co-signed: {compliance:?}"
    );
    let suspected = get("REACTIONS_SUSPECTED");
    assert_eq!(suspected.numerator_ids, vec![li.clone()], "{suspected:?}");
    assert!(suspected.denominator_ids.contains(&zhang));
    let reported = get("REACTIONS_REPORTED");
    assert_eq!(
        reported.numerator, 0,
        "the report has not reached the blood bank"
    );
    let unsent = get("UNSENT_RECORDS");
    assert_eq!(unsent.numerator, 2, "nothing reached the blood bank yet");

    // CSV: a BOM, one header, one row per transfusion, the scan kept as text.
    let (csv, count) = h.export_period(from, to, Format::Csv, Lang::ZhCn).unwrap();
    assert_eq!(count, 2);
    assert!(csv.starts_with(&[0xEF, 0xBB, 0xBF]), "UTF-8 BOM for Excel");
    let text = String::from_utf8(csv).unwrap();
    let lines: Vec<&str> = text.trim_end().split("\r\n").collect();
    assert_eq!(lines.len(), 3);
    assert!(lines[0].contains("患者姓名"));
    assert!(text.contains("李秀英") && text.contains("张伟"));
    assert!(text.contains("因反应停止"));

    // FHIR: a collection the contract's validator accepts.
    let (fhir, _) = h.export_period(from, to, Format::Fhir, Lang::ZhCn).unwrap();
    let bundle: serde_json::Value = serde_json::from_slice(&fhir).unwrap();
    assert_eq!(bundle["type"], "collection");
    let entries = bundle["entry"].as_array().unwrap();
    let kinds = |ty: &str| {
        entries
            .iter()
            .filter(|e| e["resource"]["resourceType"] == ty)
            .count()
    };
    assert_eq!(kinds("Procedure"), 2);
    assert_eq!(kinds("AdverseEvent"), 1);
    let stopped = entries
        .iter()
        .find(|e| e["fullUrl"] == li.as_str())
        .unwrap();
    assert_eq!(stopped["resource"]["status"], "stopped");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("export.json"), &fhir).unwrap();
    if let Err(report) = check_fhir(dir.path()) {
        panic!("the exported resources break the contract:\n{report}");
    }

    assert_eq!(
        audited(&h.store, "export", "C0101"),
        2,
        "each export is audited"
    );
    drop(ward);
}

fn config(ward: &Ward) -> std::path::PathBuf {
    let path = ward.dir.path().join("device.toml");
    std::fs::write(
        &path,
        format!(
            "[bloodbank]\nurl = \"{}\"\nward = \"ward-h5\"\n\n[device]\nstore = \"device.db\"\nstore_key_file = \"store.key\"\n",
            ward.bank.running.base_url
        ),
    )
    .unwrap();
    path
}

fn export(ward: &Ward, badge: &str, pin: &str, extra: &[&str]) -> std::process::Output {
    // From the day before: the morning may have run past midnight (the ward's clock starts at
    // the real time of day).
    let day = (ward.clock.now() - Duration::days(1))
        .format("%Y-%m-%d")
        .to_string();
    let tomorrow = (ward.clock.now() + Duration::days(1))
        .format("%Y-%m-%d")
        .to_string();
    let out = ward.dir.path().join("export.csv");
    let mut child = Command::new(env!("CARGO_BIN_EXE_bedside"))
        .args(["export", "--config"])
        .arg(config(ward))
        .args(["--from", &day, "--to", &tomorrow, "--badge", badge, "--out"])
        .arg(&out)
        .args(extra)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{pin}").unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn bedside_export_writes_the_csv_for_a_charge_nurse_and_refuses_a_nurse() {
    let (ward, h, _, _) = ward_after_a_morning();
    drop(h);
    let out = ward.dir.path().join("export.csv");

    let nurse = export(&ward, "N0451", "0451", &["--lang", "en"]);
    assert_eq!(nurse.status.code(), Some(1));
    let words = String::from_utf8_lossy(&nurse.stderr);
    assert!(words.contains("charge"), "{words}");
    assert!(!out.exists(), "nothing written for a nurse");

    let wrong = export(&ward, "C0101", "9999", &[]);
    assert_eq!(wrong.status.code(), Some(1));
    assert!(!out.exists());

    let bad = export(&ward, "C0101", "0101", &["--format", "xls"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("csv, pdf or fhir"));

    let ok = export(&ward, "C0101", "0101", &["--lang", "en"]);
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let summary: serde_json::Value = serde_json::from_slice(&ok.stdout).unwrap();
    assert_eq!(summary["transfusions"], 2);
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.starts_with('\u{feff}'));
    assert!(text.contains("Patient name,") && text.contains("李秀英"));
}
