//! Quality indicators over a small hand-built ward whose every figure is worked out by hand in
//! the comments (clinical-rules.md §5).

use bedside_core::blood::Component;
use bedside_core::observations::{Observation, Vitals};
use bedside_core::policy::Policy;
use bedside_core::quality::{
    indicators, CheckRecord, EmergencyRecord, Indicator, NearMissRecord, Override, ReactionRecord,
    TransfusionRecord,
};
use chrono::{DateTime, Duration, FixedOffset};

type Dt = DateTime<FixedOffset>;

fn dt(s: &str) -> Dt {
    DateTime::parse_from_rfc3339(s).expect("test time")
}

fn plus(t: Dt, minutes: i64) -> Dt {
    t + Duration::minutes(minutes)
}

fn normal() -> Vitals {
    Vitals {
        temp_tenths: Some(368),
        hr: Some(78),
        sbp: Some(122),
        dbp: Some(74),
        rr: Some(16),
        spo2: Some(98),
    }
}

fn obs_at(at: Dt) -> Observation {
    Observation {
        at,
        vitals: normal(),
        symptoms: Vec::new(),
    }
}

/// A transfusion done by the book: issued at `issued`, started `start_after` minutes later,
/// ended `duration` minutes after the start (or still running), checked by two nurses two minutes
/// before the start, baseline five minutes before, observations at +15, +60, +120 … up to the
/// end (the last one also serves the end slot).
fn record(id: &str, issued: &str, start_after: i64, duration: Option<i64>) -> TransfusionRecord {
    let issued_at = dt(issued);
    let started = plus(issued_at, start_after);
    let mut observations = vec![obs_at(plus(started, 15))];
    let mut k = 60;
    while duration.is_some_and(|d| k <= d) {
        observations.push(obs_at(plus(started, k)));
        k += 60;
    }
    if let Some(d) = duration {
        if d % 60 != 0 {
            observations.push(obs_at(plus(started, d)));
        }
    }
    TransfusionRecord {
        id: id.into(),
        patient_mrn: format!("MRN-{id}"),
        din: format!("W0000261234{}", id.len()),
        component: Component::RedCells,
        issued_at,
        started_at: Some(started),
        ended_at: duration.map(|d| plus(started, d)),
        check: Some(CheckRecord {
            at: plus(started, -2),
            first: "Li Na".into(),
            second: Some("Wang Fang".into()),
            proceeded: true,
            all_scanned: true,
            overrides: Vec::new(),
        }),
        baseline: Some(obs_at(plus(started, -5))),
        observations,
        pauses: Vec::new(),
        reaction: None,
        unsent_records: 0,
        emergency: None,
    }
}

fn ov(code: &str) -> Override {
    Override {
        code: code.into(),
        reason: "doctor agreed".into(),
    }
}

fn from() -> Dt {
    dt("2026-11-01T00:00:00+08:00")
}

fn to() -> Dt {
    dt("2026-12-01T00:00:00+08:00")
}

/// 11:05 on the last day: t8 started at 10:00 is running, its 60-minute window still open.
fn now() -> Dt {
    dt("2026-11-30T11:05:00+08:00")
}

fn ward() -> Vec<TransfusionRecord> {
    // t1: by the book, but a heart rate of 125 at 60 min (a warn trigger, not a suspicion).
    let mut t1 = record("t1", "2026-11-02T09:50:00+08:00", 10, Some(120));
    t1.observations[1].vitals.hr = Some(125);

    // t2: the "second" checker is the first one again; two overrides of one code and another;
    // started 35 minutes after issue.
    let mut t2 = record("t2", "2026-11-03T09:50:00+08:00", 35, Some(120));
    let c = t2.check.as_mut().unwrap();
    c.second = Some("  li na ".into());
    c.overrides = vec![
        ov("ABO_NONIDENTICAL"),
        ov("ABO_NONIDENTICAL"),
        ov("EXPIRY_SOON"),
    ];

    // t3: no check at all; ended 250 minutes after issue; two records unsent.
    let mut t3 = record("t3", "2026-11-04T09:50:00+08:00", 10, Some(240));
    t3.check = None;
    t3.unsent_records = 2;

    // t4: no second checker; 15-minute observation missed; fever at 60 min never reported.
    let mut t4 = record("t4", "2026-11-05T09:50:00+08:00", 10, Some(120));
    t4.check.as_mut().unwrap().second = None;
    t4.observations.remove(0);
    t4.observations[0].vitals.temp_tenths = Some(386);

    // t5: a keyed-in DIN with an override; rigors at 60 min, reported after 30 hours.
    let mut t5 = record("t5", "2026-11-06T09:50:00+08:00", 10, Some(120));
    let c = t5.check.as_mut().unwrap();
    c.all_scanned = false;
    c.overrides = vec![ov("ABO_NONIDENTICAL")];
    t5.observations[1].symptoms = vec!["rigors".into()];
    let suspected = t5.observations[1].at;
    t5.reaction = Some(ReactionRecord {
        suspected_at: suspected,
        reported_at: Some(plus(suspected, 30 * 60)),
    });

    // t6: checked after the start; ends exactly 240 minutes after issue; a reaction reported
    // exactly 24 hours later; one record unsent.
    let mut t6 = record("t6", "2026-11-07T09:50:00+08:00", 10, Some(230));
    let started = t6.started_at.unwrap();
    t6.check.as_mut().unwrap().at = plus(started, 1);
    let suspected = plus(started, 100);
    t6.reaction = Some(ReactionRecord {
        suspected_at: suspected,
        reported_at: Some(plus(suspected, 24 * 60)),
    });
    t6.unsent_records = 1;

    // t7: checked, did not proceed, never started (returned to the blood bank); three unsent.
    let mut t7 = record("t7", "2026-11-08T09:50:00+08:00", 10, None);
    t7.started_at = None;
    t7.baseline = None;
    t7.observations.clear();
    t7.check.as_mut().unwrap().proceeded = false;
    t7.unsent_records = 3;

    // t8: running at `now`; the 15-minute observation done, the 60-minute window still open; a
    // reaction record not yet sent.
    let mut t8 = record("t8", "2026-11-30T09:50:00+08:00", 10, None);
    t8.reaction = Some(ReactionRecord {
        suspected_at: dt("2026-11-30T10:30:00+08:00"),
        reported_at: None,
    });

    // t10: issued exactly at the start of the period and started exactly 30 minutes later.
    let t10 = record("t10", "2026-11-01T00:00:00+08:00", 30, Some(120));

    // Outside the period: issued exactly at its end, and one minute before its start. They carry
    // something for every indicator so that counting them would show.
    let mut t9 = record("t9", "2026-12-01T00:00:00+08:00", 60, Some(300));
    t9.check = None;
    t9.unsent_records = 5;
    t9.reaction = Some(ReactionRecord {
        suspected_at: plus(t9.issued_at, 90),
        reported_at: None,
    });
    let mut t0 = t9.clone();
    t0.id = "t0".into();
    t0.issued_at = dt("2026-10-31T23:59:00+08:00");

    vec![t0, t1, t2, t3, t4, t5, t6, t7, t8, t9, t10]
}

fn find<'a>(all: &'a [Indicator], code: &str) -> &'a Indicator {
    all.iter()
        .find(|i| i.code == code)
        .unwrap_or_else(|| panic!("no indicator {code}"))
}

fn ids(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn pairs(v: &[(&str, u32)]) -> Vec<(String, u32)> {
    v.iter().map(|(k, n)| (k.to_string(), *n)).collect()
}

const STARTED: [&str; 8] = ["t1", "t2", "t3", "t4", "t5", "t6", "t8", "t10"];

#[test]
fn every_indicator_is_returned_in_a_fixed_order() {
    let all = indicators(&ward(), &[], from(), to(), now(), &Policy::default());
    let codes: Vec<&str> = all.iter().map(|i| i.code).collect();
    assert_eq!(
        codes,
        [
            "CHECK_COMPLIANCE",
            "CHECK_OVERRIDES",
            "START_WITHIN_LIMIT",
            "COMPLETED_WITHIN_LIMIT",
            "OBS_COMPLETENESS",
            "OBS_15MIN_ON_TIME",
            "REACTIONS_SUSPECTED",
            "REACTIONS_REPORTED",
            "REACTION_REPORT_TIMELY",
            "EMERGENCY_ISSUE_IN_TIME",
            "EMERGENCY_START_IN_TIME",
            "NEAR_MISSES",
            "UNSENT_RECORDS",
        ]
    );
    for i in &all {
        assert!(
            !i.title.en().is_empty() && !i.title.zh().is_empty(),
            "{}",
            i.code
        );
    }
}

#[test]
fn check_compliance_counts_complete_two_person_scan_checks_before_the_start() {
    let all = indicators(&ward(), &[], from(), to(), now(), &Policy::default());
    let i = find(&all, "CHECK_COMPLIANCE");
    assert_eq!((i.numerator, i.denominator), (3, 8));
    assert_eq!(i.numerator_ids, ids(&["t1", "t8", "t10"]));
    assert_eq!(i.denominator_ids, ids(&STARTED));
    assert_eq!(
        i.breakdown,
        pairs(&[
            ("check_after_start", 1),
            ("no_check", 1),
            ("no_second_checker", 1),
            ("not_all_scanned", 1),
            ("same_checker", 1),
        ])
    );
    assert_eq!(i.percent(), Some(37.5));
    assert_eq!(i.target_percent, None);
}

#[test]
fn check_overrides_count_checks_and_break_down_by_code() {
    let all = indicators(&ward(), &[], from(), to(), now(), &Policy::default());
    let i = find(&all, "CHECK_OVERRIDES");
    // Every check in the period, started or not: all but t3.
    assert_eq!((i.numerator, i.denominator), (2, 8));
    assert_eq!(i.numerator_ids, ids(&["t2", "t5"]));
    assert_eq!(
        i.denominator_ids,
        ids(&["t1", "t2", "t4", "t5", "t6", "t7", "t8", "t10"])
    );
    assert_eq!(
        i.breakdown,
        pairs(&[("ABO_NONIDENTICAL", 2), ("EXPIRY_SOON", 1)])
    );
}

#[test]
fn start_and_completion_limits_are_inclusive() {
    let all = indicators(&ward(), &[], from(), to(), now(), &Policy::default());
    let start = find(&all, "START_WITHIN_LIMIT");
    // t10 started exactly 30 minutes after issue and counts; t2 at 35 does not.
    assert_eq!((start.numerator, start.denominator), (7, 8));
    assert!(!start.numerator_ids.contains(&"t2".to_string()));
    assert!(start.numerator_ids.contains(&"t10".to_string()));
    let done = find(&all, "COMPLETED_WITHIN_LIMIT");
    // Ended: all started but t8 (running). t6 ended exactly at 240 minutes; t3 at 250.
    assert_eq!((done.numerator, done.denominator), (6, 7));
    assert_eq!(
        done.denominator_ids,
        ids(&["t1", "t2", "t3", "t4", "t5", "t6", "t10"])
    );
    assert_eq!(
        done.numerator_ids,
        ids(&["t1", "t2", "t4", "t5", "t6", "t10"])
    );
}

#[test]
fn observation_completeness_counts_due_slots_and_leaves_open_ones_out() {
    let all = indicators(&ward(), &[], from(), to(), now(), &Policy::default());
    let i = find(&all, "OBS_COMPLETENESS");
    // Slots due: t1, t2, t4, t5, t10 have 15/60/120/end (4 each); t3 15/60/120/180/240/end (6);
    // t6 15/60/120/180/end (5, the 240-minute slot falls after its end); t8 only 15 (its
    // 60-minute window is still open at `now`). 4·5 + 6 + 5 + 1 = 32; t4 missed one.
    assert_eq!((i.numerator, i.denominator), (31, 32));
    assert_eq!(i.denominator_ids, ids(&STARTED));
    assert_eq!(
        i.numerator_ids,
        ids(&["t1", "t2", "t3", "t5", "t6", "t8", "t10"])
    );
    assert_eq!(i.breakdown, pairs(&[("15min", 1)]));
    let first = find(&all, "OBS_15MIN_ON_TIME");
    assert_eq!((first.numerator, first.denominator), (7, 8));
    assert_eq!(
        first.numerator_ids,
        ids(&["t1", "t2", "t3", "t5", "t6", "t8", "t10"])
    );
}

#[test]
fn open_slots_become_due_once_their_window_closes() {
    // One minute after t8's 60-minute window closed without an observation.
    let later = dt("2026-11-30T11:16:00+08:00");
    let all = indicators(&ward(), &[], from(), to(), later, &Policy::default());
    let i = find(&all, "OBS_COMPLETENESS");
    assert_eq!((i.numerator, i.denominator), (31, 33));
    assert_eq!(i.breakdown, pairs(&[("15min", 1), ("hourly", 1)]));
    assert!(!i.numerator_ids.contains(&"t8".to_string()));
}

#[test]
fn reactions_suspected_from_records_or_stop_triggers_and_their_reporting() {
    let all = indicators(&ward(), &[], from(), to(), now(), &Policy::default());
    let s = find(&all, "REACTIONS_SUSPECTED");
    // t1's tachycardia is only a warning; t4's fever was never reported but is suspected.
    assert_eq!((s.numerator, s.denominator), (4, 8));
    assert_eq!(s.numerator_ids, ids(&["t4", "t5", "t6", "t8"]));
    assert_eq!(
        s.breakdown,
        pairs(&[("REACTION_RECORD", 3), ("FEBRILE", 1), ("SYMPTOMS", 1)])
    );

    let r = find(&all, "REACTIONS_REPORTED");
    assert_eq!((r.numerator, r.denominator), (2, 4));
    assert_eq!(r.denominator_ids, ids(&["t4", "t5", "t6", "t8"]));
    assert_eq!(r.numerator_ids, ids(&["t5", "t6"]));

    let timely = find(&all, "REACTION_REPORT_TIMELY");
    // t6 reported exactly 24 hours after suspicion counts; t5 after 30 hours does not.
    assert_eq!((timely.numerator, timely.denominator), (1, 2));
    assert_eq!(timely.numerator_ids, ids(&["t6"]));
    assert_eq!(timely.percent(), Some(50.0));
    assert_eq!(timely.target_percent, Some(95.0));
}

#[test]
fn unsent_records_cover_every_record_of_the_period() {
    let all = indicators(&ward(), &[], from(), to(), now(), &Policy::default());
    let i = find(&all, "UNSENT_RECORDS");
    assert_eq!((i.numerator, i.denominator), (3, 9));
    assert_eq!(i.numerator_ids, ids(&["t3", "t6", "t7"]));
    assert_eq!(
        i.denominator_ids,
        ids(&["t1", "t2", "t3", "t4", "t5", "t6", "t7", "t8", "t10"])
    );
    assert_eq!(i.breakdown, pairs(&[("total_unsent", 6)]));
}

#[test]
fn the_period_includes_its_start_and_excludes_its_end() {
    let ward = ward();
    // Only t9, issued exactly at 2026-12-01T00:00+08:00 (= 2026-11-30T16:00Z, another offset).
    let all = indicators(
        &ward,
        &[],
        dt("2026-11-30T16:00:00+00:00"),
        dt("2026-11-30T16:00:01+00:00"),
        dt("2026-12-02T00:00:00+08:00"),
        &Policy::default(),
    );
    assert_eq!(find(&all, "UNSENT_RECORDS").denominator_ids, ids(&["t9"]));
    assert_eq!(
        find(&all, "REACTIONS_SUSPECTED").numerator_ids,
        ids(&["t9"])
    );
    // Only t0, one minute before the ward's period, up to (not including) the period.
    let all = indicators(
        &ward,
        &[],
        dt("2026-10-01T00:00:00+08:00"),
        from(),
        now(),
        &Policy::default(),
    );
    assert_eq!(find(&all, "UNSENT_RECORDS").denominator_ids, ids(&["t0"]));
}

#[test]
fn no_records_give_zero_denominators_and_no_percentages() {
    for records in [Vec::new(), ward()] {
        // The second round: a period with nothing in it, and one turned inside out.
        for (a, b) in [(from(), to()), (to(), from()), (from(), from())] {
            if !records.is_empty() && a == from() && b == to() {
                continue;
            }
            let all = indicators(&records, &[], a, b, now(), &Policy::default());
            assert_eq!(all.len(), 13);
            for i in &all {
                assert_eq!((i.numerator, i.denominator), (0, 0), "{}", i.code);
                assert_eq!(i.percent(), None, "{}", i.code);
                assert!(i.numerator_ids.is_empty() && i.denominator_ids.is_empty());
            }
            assert_eq!(
                find(&all, "REACTION_REPORT_TIMELY").target_percent,
                Some(Policy::default().reaction_report_target_percent)
            );
        }
    }
}

#[test]
fn limits_come_from_the_policy() {
    let policy = Policy {
        start_within_minutes: 40,
        reaction_report_within_hours: 48,
        reaction_report_target_percent: 90.0,
        ..Policy::default()
    };
    let all = indicators(&ward(), &[], from(), to(), now(), &policy);
    assert_eq!(find(&all, "START_WITHIN_LIMIT").numerator, 8);
    let timely = find(&all, "REACTION_REPORT_TIMELY");
    assert_eq!(timely.numerator, 2);
    assert_eq!(timely.target_percent, Some(90.0));
}

#[test]
fn absurd_times_and_counts_are_counted_without_overflow() {
    let mut r = record("x", "2026-11-02T09:50:00+08:00", 10, Some(120));
    r.started_at = Some(DateTime::<FixedOffset>::MAX_UTC.fixed_offset());
    r.ended_at = Some(DateTime::<FixedOffset>::MIN_UTC.fixed_offset());
    r.unsent_records = u32::MAX;
    r.reaction = Some(ReactionRecord {
        suspected_at: DateTime::<FixedOffset>::MIN_UTC.fixed_offset(),
        reported_at: Some(DateTime::<FixedOffset>::MAX_UTC.fixed_offset()),
    });
    let mut r2 = r.clone();
    r2.id = "y".into();
    let policy = Policy {
        start_within_minutes: i64::MAX,
        reaction_report_within_hours: i64::MAX,
        ..Policy::default()
    };
    let all = indicators(&[r, r2], &[], from(), to(), now(), &policy);
    let unsent = find(&all, "UNSENT_RECORDS");
    assert_eq!(unsent.breakdown, pairs(&[("total_unsent", u32::MAX)]));
}

/// The hospital plan's green-channel indicator (§6.5): emergency units issued within 15 minutes of
/// the request, and started within 15 minutes of issue; planned units are not counted.
#[test]
fn emergency_units_count_request_to_issue_and_issue_to_start() {
    let emergency = |id: &str, asked_before_issue: Option<i64>, start_after: i64| {
        let mut r = record(id, "2026-11-10T03:20:00+08:00", start_after, Some(90));
        r.emergency = Some(EmergencyRecord {
            requested_at: asked_before_issue.map(|m| plus(r.issued_at, -m)),
        });
        r
    };
    let records = vec![
        emergency("e1", Some(15), 6), // issued at the 15th minute, started in 6: both in time
        emergency("e2", Some(16), 20), // issued a minute late, started 20 minutes after issue
        emergency("e3", None, 10),    // no request time: issue not judged, start in time
        record("p1", "2026-11-10T08:00:00+08:00", 10, Some(90)), // planned: not counted
    ];
    let all = indicators(&records, &[], from(), to(), now(), &Policy::default());
    let issue = find(&all, "EMERGENCY_ISSUE_IN_TIME");
    assert_eq!((issue.numerator, issue.denominator), (1, 2));
    assert_eq!(issue.numerator_ids, ["e1"]);
    assert_eq!(issue.breakdown, [("no_request_time".to_string(), 1)]);
    let start = find(&all, "EMERGENCY_START_IN_TIME");
    assert_eq!((start.numerator, start.denominator), (2, 3));
    assert_eq!(start.numerator_ids, ["e1", "e3"]);
    assert!(start.title.zh().contains("紧急发血"));
}

/// Near misses (§5): checks stopped for a wrong-blood reason, over every check that reached a
/// verdict in the period (the near misses and the started transfusions); the breakdown counts
/// each reason code once per near miss.
#[test]
fn near_misses_count_stopped_checks_over_every_check_with_their_codes() {
    let near = |id: &str, at: &str, codes: &[&str]| NearMissRecord {
        id: id.into(),
        at: dt(at),
        reasons: codes.iter().map(|c| c.to_string()).collect(),
    };
    let near_misses = vec![
        near(
            "n1",
            "2026-11-10T09:00:00+08:00",
            &["UNIT_FOR_OTHER_PATIENT"],
        ),
        near(
            "n2",
            "2026-11-12T21:30:00+08:00",
            &[
                "UNIT_FOR_OTHER_PATIENT",
                "ABO_INCOMPATIBLE",
                "ABO_INCOMPATIBLE",
            ],
        ),
        // Before the period: not counted.
        near("n0", "2026-10-31T23:59:59+08:00", &["UNIT_EXPIRED"]),
    ];
    let all = indicators(
        &ward(),
        &near_misses,
        from(),
        to(),
        now(),
        &Policy::default(),
    );
    let i = find(&all, "NEAR_MISSES");
    assert_eq!(i.numerator_ids, ids(&["n1", "n2"]));
    assert_eq!(
        (i.numerator, i.denominator),
        (2, 2 + STARTED.len() as u32),
        "{i:?}"
    );
    assert_eq!(
        i.breakdown,
        pairs(&[("UNIT_FOR_OTHER_PATIENT", 2), ("ABO_INCOMPATIBLE", 1)])
    );
    assert!(!i.higher_is_better());
    assert!(i.title.zh().contains("未遂") && i.title.en().contains("near miss"));
    let none = indicators(&ward(), &[], from(), to(), now(), &Policy::default());
    assert_eq!(find(&none, "NEAR_MISSES").numerator, 0);
}
