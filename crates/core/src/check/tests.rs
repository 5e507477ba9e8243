//! The bedside check, scenario by scenario; `record` and `bag` are shared with the tests of
//! `domain::transition`.

use chrono::Duration;

use super::*;
use crate::blood::{Abo, Rhd};
use crate::label;

pub(crate) fn at(s: &str) -> Instant {
    chrono::DateTime::parse_from_rfc3339(s).unwrap()
}

pub(crate) fn record() -> IssueRecord {
    IssueRecord {
        dispense_id: "D-1001".into(),
        status: "issued".into(),
        issued_at: at("2026-11-22T09:50:00+08:00"),
        patient: PatientRecord {
            mrn: "MRN0001".into(),
            wristband_id: None,
            name: "张三".into(),
            birth_date: None,
            group: Group::new(Some(Abo::A), Some(Rhd::Pos)),
            requirements: vec!["irradiated".into()],
            sex: None,
            merged_ids: Vec::new(),
            bed: None,
        },
        unit: UnitRecord {
            din: "W000026123456".into(),
            product_code: "E0001V00".into(),
            component: Component::RedCells,
            group: Group::new(Some(Abo::A), Some(Rhd::Pos)),
            expires_at: at("2026-12-01T23:59:00+08:00"),
            attributes: vec!["irradiated".into(), "leukoreduced".into()],
        },
        crossmatch: Some(Crossmatch {
            result: "compatible".into(),
            sample_expires_at: Some(at("2026-11-24T09:00:00+08:00")),
        }),
        started_by: None,
        emergency: None,
    }
}

pub(crate) fn bag() -> Vec<String> {
    ["=W00002612345600", "=%6200", "=<E0001V00", "&>0263352359"]
        .map(String::from)
        .to_vec()
}

fn run(now: &str, bag: &[String], records: &[IssueRecord], policy: &Policy) -> CheckOutcome {
    let input = CheckInput {
        now: at(now),
        cache_synced_at: Some(at(now) - Duration::minutes(5)),
        first_checker: Some("N1001"),
        second_checker: Some("N1002"),
        wristband_scan: "MRN0001",
        bag_scans: bag,
        issued: records,
        unreadable: &[],
        clock: Default::default(),
    };
    check(&input, policy)
}

fn codes(outcome: &CheckOutcome) -> Vec<&'static str> {
    outcome.reasons.iter().map(|r| r.code.as_str()).collect()
}

#[test]
fn a_matching_unit_proceeds() {
    let outcome = run(
        "2026-11-22T10:05:00+08:00",
        &bag(),
        &[record()],
        &Policy::default(),
    );
    assert_eq!(
        outcome.verdict,
        CheckVerdict::Proceed,
        "{:?}",
        codes(&outcome)
    );
    assert!(outcome.reasons.is_empty());
    assert_eq!(outcome.patient_id.as_deref(), Some("MRN0001"));
    assert_eq!(outcome.record, Some(0));
}

#[test]
fn exactly_at_the_issue_limit_is_allowed_and_a_minute_later_is_not() {
    let policy = Policy::default();
    let on_time = run("2026-11-22T10:20:00+08:00", &bag(), &[record()], &policy);
    assert_eq!(on_time.verdict, CheckVerdict::Proceed);
    let late = run("2026-11-22T10:21:00+08:00", &bag(), &[record()], &policy);
    assert_eq!(codes(&late), ["ISSUE_TIME_EXCEEDED"]);
}

#[test]
fn a_unit_expiring_at_2359_may_be_used_until_235959() {
    let mut r = record();
    r.issued_at = at("2026-12-01T23:50:00+08:00");
    r.crossmatch.as_mut().unwrap().sample_expires_at = None;
    let mut scans = bag();
    scans[3] = "&>0263352359".into(); // 2026-12-01 23:59
    let policy = Policy::default();
    let last_second = run("2026-12-01T23:59:59+08:00", &scans, &[r.clone()], &policy);
    assert!(
        !codes(&last_second).contains(&"UNIT_EXPIRED"),
        "{:?}",
        codes(&last_second)
    );
    let next_day = run("2026-12-02T00:00:00+08:00", &scans, &[r], &policy);
    assert!(codes(&next_day).contains(&"UNIT_EXPIRED"));
}

#[test]
fn the_earlier_of_label_and_record_expiry_counts() {
    let mut r = record();
    r.unit.expires_at = at("2026-11-22T10:00:00+08:00");
    let outcome = run(
        "2026-11-22T10:05:00+08:00",
        &bag(),
        &[r],
        &Policy::default(),
    );
    assert_eq!(codes(&outcome), ["UNIT_EXPIRED"]);
}

#[test]
fn the_most_recent_issue_of_a_din_is_used() {
    let mut old = record();
    old.status = "returned".into();
    old.issued_at = at("2026-11-22T08:00:00+08:00");
    let records = [old, record()];
    let outcome = run(
        "2026-11-22T10:05:00+08:00",
        &bag(),
        &records,
        &Policy::default(),
    );
    assert_eq!(outcome.verdict, CheckVerdict::Proceed);
    assert_eq!(outcome.record, Some(1));
}

#[test]
fn two_dins_stop_without_record_checks() {
    let mut scans = bag();
    scans.push("=W00002612345700".into());
    let outcome = run(
        "2026-11-22T10:05:00+08:00",
        &scans,
        &[record()],
        &Policy::default(),
    );
    assert_eq!(codes(&outcome), ["LABEL_INCONSISTENT"]);
    assert_eq!(outcome.record, None);
}

#[test]
fn a_keyed_din_with_the_right_check_character_is_accepted_and_recorded() {
    let mut scans = bag();
    scans[0] = format!(
        "W000026123456{}",
        label::check_character("W000026123456").unwrap()
    );
    let outcome = run(
        "2026-11-22T10:05:00+08:00",
        &scans,
        &[record()],
        &Policy::default(),
    );
    assert_eq!(
        outcome.verdict,
        CheckVerdict::Proceed,
        "{:?}",
        codes(&outcome)
    );
    assert!(outcome.label.keyed_din);
}

#[test]
fn platelets_rhd_positive_to_negative_patient_warns_and_proceeds() {
    let mut r = record();
    r.unit.component = Component::Platelets;
    r.patient.group = Group::new(Some(Abo::A), Some(Rhd::Neg));
    let outcome = run(
        "2026-11-22T10:05:00+08:00",
        &bag(),
        &[r],
        &Policy::default(),
    );
    assert_eq!(outcome.verdict, CheckVerdict::Proceed);
    assert_eq!(codes(&outcome), ["RHD_INCOMPATIBLE"]);
    assert_eq!(outcome.reasons[0].severity, Severity::Warn);
}

#[test]
fn a_device_clock_off_the_blood_banks_gone_back_or_before_the_issue_stops() {
    let records = [record()];
    let scans = bag();
    let now = "2026-11-22T10:05:00+08:00";
    let run_with = |clock: ClockFacts, now: &str| {
        let input = CheckInput {
            now: at(now),
            cache_synced_at: Some(at(now) - Duration::minutes(5)),
            first_checker: Some("N1001"),
            second_checker: Some("N1002"),
            wristband_scan: "MRN0001",
            bag_scans: &scans,
            issued: &records,
            unreadable: &[],
            clock,
        };
        check(&input, &Policy::default())
    };
    let fine = ClockFacts {
        server_offset_seconds: Some(5 * 60),
        latest_known: Some(at(now) + Duration::seconds(50)),
    };
    assert!(
        codes(&run_with(fine, now)).is_empty(),
        "5 minutes and 50 s are tolerated"
    );
    let ahead = ClockFacts {
        server_offset_seconds: Some(5 * 60 + 1),
        ..fine
    };
    let stopped = run_with(ahead, now);
    assert_eq!(codes(&stopped), ["CLOCK_UNTRUSTED"]);
    assert!(stopped.reasons[0].message.en().contains("5 minutes ahead"));
    let nearly_ten = ClockFacts {
        server_offset_seconds: Some(-(9 * 60 + 58)),
        ..fine
    };
    let said = &run_with(nearly_ten, now).reasons[0].message;
    assert!(said.en().contains("10 minutes behind"), "{}", said.en());
    assert!(said.zh().contains("慢 10 分钟"), "{}", said.zh());
    let went_back = ClockFacts {
        latest_known: Some(at(now) + Duration::minutes(2)),
        ..fine
    };
    assert_eq!(codes(&run_with(went_back, now)), ["CLOCK_UNTRUSTED"]);
    // The unit left the blood bank at 09:50: a device saying 09:40 is wrong.
    let before_issue = run_with(ClockFacts::default(), "2026-11-22T09:40:00+08:00");
    assert_eq!(codes(&before_issue), ["CLOCK_UNTRUSTED"]);
    assert!(before_issue.reasons[0]
        .message
        .zh()
        .contains("晚于本设备当前时间"));
}

#[test]
fn a_second_checker_is_optional_only_when_policy_says_so() {
    let records = [record()];
    let scans = bag();
    let mut input = CheckInput {
        now: at("2026-11-22T10:05:00+08:00"),
        cache_synced_at: None,
        first_checker: Some("N1001"),
        second_checker: Some("  "),
        wristband_scan: "MRN0001",
        bag_scans: &scans,
        issued: &records,
        unreadable: &[],
        clock: Default::default(),
    };
    let strict = check(&input, &Policy::default());
    assert_eq!(codes(&strict), ["SECOND_CHECKER_REQUIRED", "CACHE_STALE"]);
    let lenient = Policy {
        require_second_checker: false,
        ..Policy::default()
    };
    assert_eq!(codes(&check(&input, &lenient)), ["CACHE_STALE"]);
    input.second_checker = Some("n1001");
    assert_eq!(
        codes(&check(&input, &lenient)),
        ["SAME_CHECKER", "CACHE_STALE"]
    );
}

#[test]
fn messages_name_the_unit_and_patient_in_both_languages() {
    let mut r = record();
    r.patient.mrn = "MRN0002".into();
    r.patient.name = "李四".into();
    let outcome = run(
        "2026-11-22T10:05:00+08:00",
        &bag(),
        &[r],
        &Policy::default(),
    );
    let reason = &outcome.reasons[0];
    assert_eq!(reason.code, ReasonCode::UnitForOtherPatient);
    assert!(
        reason.message.en().contains("W000026123456") && reason.message.en().contains("MRN0002")
    );
    assert!(reason.message.zh().contains("李四") && reason.message.zh().contains("禁止输注"));
    assert!(
        !reason.message.en().contains('{'),
        "unfilled placeholder: {}",
        reason.message.en()
    );
}

#[test]
fn a_unit_expiring_within_the_hour_is_noticed_without_touching_the_verdict_or_its_reasons() {
    // The label and the record say 2026-12-01 23:59.
    let at_22_59 = run(
        "2026-12-01T22:59:00+08:00",
        &bag(),
        &[fresh_record("2026-12-01T22:45:00+08:00")],
        &Policy::default(),
    );
    assert_eq!(at_22_59.verdict, CheckVerdict::Proceed);
    assert!(at_22_59.reasons.is_empty(), "{:?}", codes(&at_22_59));
    let notice = &at_22_59.notices[0];
    assert_eq!(notice.code.as_str(), "UNIT_EXPIRES_SOON");
    assert!(
        notice.message.en().contains("in 60 minutes"),
        "{}",
        notice.message.en()
    );
    assert!(
        notice.message.zh().contains("还有 60 分钟"),
        "{}",
        notice.message.zh()
    );
    let at_22_58 = run(
        "2026-12-01T22:58:00+08:00",
        &bag(),
        &[fresh_record("2026-12-01T22:45:00+08:00")],
        &Policy::default(),
    );
    assert!(at_22_58.notices.is_empty(), "61 minutes away");
    let off = Policy {
        expiry_warn_minutes: 0,
        ..Policy::default()
    };
    let silent = run(
        "2026-12-01T23:59:00+08:00",
        &bag(),
        &[fresh_record("2026-12-01T23:45:00+08:00")],
        &off,
    );
    assert!(silent.notices.is_empty(), "switched off");
    let expired = run(
        "2026-12-02T00:00:00+08:00",
        &bag(),
        &[fresh_record("2026-12-01T23:45:00+08:00")],
        &Policy::default(),
    );
    assert!(
        expired.notices.is_empty(),
        "an expired unit stops; no notice beside it"
    );
}

/// `record()` issued at `issued_at`, with a crossmatch sample valid past it.
fn fresh_record(issued_at: &str) -> IssueRecord {
    let mut r = record();
    r.issued_at = at(issued_at);
    r.crossmatch.as_mut().unwrap().sample_expires_at = Some(at("2026-12-03T00:00:00+08:00"));
    r
}
