use super::*;
use crate::observations::schedule::MAX_HOURLY_SLOTS;

#[test]
fn baseline_counts_within_the_window_inclusive() {
    let p = Policy::default();
    let mut tr = running(Vec::new());
    for (hm, usable) in [
        ("09:00", true),
        ("08:59", false),
        ("10:00", true),
        ("10:01", false),
    ] {
        tr.baseline = Some(obs(hm, normal()));
        assert_eq!(
            usable_baseline(&tr, &p).is_some(),
            usable,
            "baseline at {hm}"
        );
    }
}

#[test]
fn baseline_missing_is_reported_once_after_the_start_and_not_used() {
    let p = Policy::default();
    let mut tr = running(vec![obs("10:15", vitals(37.0, 78, 160, 16, 98))]);
    tr.baseline = Some(obs("08:30", vitals(36.0, 78, 120, 16, 98)));
    let alerts = evaluate(&tr, t("10:20"), &p);
    // The stale baseline's systolic 120 is not used, so 160 is no HYPERTENSION.
    assert_eq!(codes(&alerts), ["BASELINE_MISSING"]);
    assert_eq!(alerts[0].at, None);
    assert_eq!(alerts[0].severity, Severity::Warn);
    // At the start itself it is not late yet.
    assert!(evaluate(&tr, t("10:00"), &p).is_empty());
    tr.baseline = None;
    assert_eq!(codes(&evaluate(&tr, t("10:01"), &p)), ["BASELINE_MISSING"]);
}

#[test]
fn not_started_has_no_slots_and_no_baseline_missing() {
    let p = Policy::default();
    let mut tr = running(vec![obs("09:52", vitals(38.5, 78, 122, 16, 98))]);
    tr.started_at = None;
    tr.baseline = None;
    assert!(schedule(&tr, t("23:00"), &p).is_empty());
    assert_eq!(next_due(&tr, t("23:00"), &p), None);
    // Triggers still fire on what was recorded; no duration alert before a start.
    assert_eq!(codes(&evaluate(&tr, t("23:00"), &p)), ["FEBRILE"]);
    assert_eq!(slow_rate_until(&tr, &p), None);
}

// --- schedule ---

#[test]
fn first_slot_window_bounds_are_inclusive() {
    let p = Policy::default();
    for (hm, ok) in [
        ("10:09", false),
        ("10:10", true),
        ("10:25", true),
        ("10:26", false),
    ] {
        let s = schedule(&running(vec![obs(hm, normal())]), t("10:40"), &p);
        assert_eq!(s[0].label, "15min");
        assert_eq!(s[0].due, t("10:15"));
        let want = if ok {
            SlotStatus::Satisfied { by: t(hm) }
        } else {
            SlotStatus::Overdue
        };
        assert_eq!(s[0].status, want, "observation at {hm}");
    }
}

#[test]
fn first_slot_is_overdue_only_strictly_after_its_window() {
    let p = Policy::default();
    let tr = running(Vec::new());
    assert_eq!(schedule(&tr, t("10:25"), &p)[0].status, SlotStatus::Open);
    assert_eq!(schedule(&tr, t("10:26"), &p)[0].status, SlotStatus::Overdue);
    let at = |hm| codes(&evaluate(&tr, t(hm), &p));
    assert_eq!(at("10:25"), Vec::<&str>::new());
    assert_eq!(at("10:26"), ["OBS_OVERDUE"]);
    let a = &evaluate(&tr, t("10:26"), &p)[0];
    assert_eq!(a.label.as_deref(), Some("15min"));
    assert_eq!(a.at, None);
    assert!(
        a.message.en().contains("15-minute observation (due 10:15)"),
        "{}",
        a.message.en()
    );
}

#[test]
fn hourly_windows_are_inclusive_and_labelled_by_minutes() {
    let p = Policy::default();
    let base = vec![obs("10:15", normal())];
    for (hm, ok) in [
        ("10:49", false),
        ("10:50", true),
        ("11:15", true),
        ("11:16", false),
    ] {
        let mut o = base.clone();
        o.push(obs(hm, normal()));
        let s = schedule(&running(o), t("11:20"), &p);
        let hourly = s.iter().find(|s| s.label == "60min").expect("60min slot");
        assert_eq!(hourly.due, t("11:00"));
        assert_eq!(hourly.window_start, t("10:50"));
        assert_eq!(hourly.window_end, t("11:15"));
        assert_eq!(
            hourly.status == SlotStatus::Overdue,
            !ok,
            "observation at {hm}"
        );
    }
    let tr = running(base);
    assert_eq!(
        overdue_labels(&schedule(&tr, t("11:15"), &p)),
        Vec::<String>::new()
    );
    assert_eq!(overdue_labels(&schedule(&tr, t("11:16"), &p)), ["60min"]);
    let late = schedule(&tr, t("13:20"), &p);
    assert_eq!(overdue_labels(&late), ["60min", "120min", "180min"]);
}

#[test]
fn running_lists_due_slots_plus_the_next_one() {
    let p = Policy::default();
    let s = schedule(&running(Vec::new()), t("10:05"), &p);
    let labels: Vec<&str> = s.iter().map(|s| s.label.as_str()).collect();
    assert_eq!(labels, ["15min", "60min"]);
    let s = schedule(&running(Vec::new()), t("12:00"), &p);
    let labels: Vec<&str> = s.iter().map(|s| s.label.as_str()).collect();
    assert_eq!(labels, ["15min", "60min", "120min", "180min"]);
    assert_eq!(labels_with(&s, SlotStatus::Open), ["120min", "180min"]);
}

#[test]
fn unsorted_observations_satisfy_every_window_they_fall_in() {
    let p = Policy::default();
    let tr = running(vec![
        obs("12:05", normal()),
        obs("10:12", normal()),
        obs("11:05", normal()),
        obs("10:20", normal()),
    ]);
    let s = schedule(&tr, t("12:30"), &p);
    assert_eq!(s[0].status, SlotStatus::Satisfied { by: t("10:12") });
    assert_eq!(s[1].status, SlotStatus::Satisfied { by: t("11:05") });
    assert_eq!(s[2].status, SlotStatus::Satisfied { by: t("12:05") });
    assert!(evaluate(&tr, t("12:30"), &p).is_empty());
    // One observation inside two overlapping windows satisfies both.
    let p2 = Policy {
        hourly_obs_interval_minutes: 20,
        ..Policy::default()
    };
    let s = schedule(&running(vec![obs("10:20", normal())]), t("10:30"), &p2);
    assert_eq!(s[0].status, SlotStatus::Satisfied { by: t("10:20") });
    assert_eq!(s[1].label, "20min");
    assert_eq!(s[1].status, SlotStatus::Satisfied { by: t("10:20") });
}

#[test]
fn trigger_alerts_come_in_observation_time_order() {
    let p = Policy::default();
    let tr = running(vec![
        obs("10:40", vitals(38.5, 78, 122, 16, 98)),
        obs("10:15", vitals(36.8, 78, 122, 16, 85)),
    ]);
    let alerts = evaluate(&tr, t("10:45"), &p);
    let at: Vec<Option<Instant>> = alerts.iter().map(|a| a.at).collect();
    assert_eq!(at, [Some(t("10:15")), Some(t("10:40"))]);
}

#[test]
fn ended_transfusion_has_an_end_slot_and_no_hourly_slots_after_the_end() {
    let p = Policy::default();
    let mut tr = running(vec![obs("10:15", normal()), obs("11:00", normal())]);
    tr.ended_at = Some(t("11:50"));
    let s = schedule(&tr, t("23:00"), &p);
    let labels: Vec<&str> = s.iter().map(|s| s.label.as_str()).collect();
    assert_eq!(labels, ["15min", "60min", "end"]);
    let end = &s[2];
    assert_eq!((end.window_start, end.window_end), (t("11:35"), t("12:50")));
    assert_eq!(codes(&evaluate(&tr, t("12:50"), &p)), Vec::<&str>::new());
    assert_eq!(overdue_labels(&schedule(&tr, t("12:51"), &p)), ["end"]);
    let alerts = evaluate(&tr, t("12:51"), &p);
    assert_eq!(alerts[0].label.as_deref(), Some("end"));
    // The end observation at the end bounds satisfies it.
    for hm in ["11:35", "12:50"] {
        let mut done = tr.clone();
        done.observations.push(obs(hm, normal()));
        assert!(
            evaluate(&done, t("23:00"), &p).is_empty(),
            "end obs at {hm}"
        );
    }
}

#[test]
fn an_hourly_slot_due_exactly_at_the_end_is_due_and_a_short_transfusion_has_no_15min() {
    let p = Policy::default();
    let mut tr = running(vec![obs("10:15", normal())]);
    tr.ended_at = Some(t("11:00"));
    let labels: Vec<String> = schedule(&tr, t("23:00"), &p)
        .into_iter()
        .map(|s| s.label)
        .collect();
    assert_eq!(labels, ["15min", "60min", "end"]);
    tr.ended_at = Some(t("10:14"));
    tr.observations.clear();
    let labels: Vec<String> = schedule(&tr, t("23:00"), &p)
        .into_iter()
        .map(|s| s.label)
        .collect();
    assert_eq!(labels, ["end"]);
}

#[test]
fn next_due_is_the_first_open_slot() {
    let p = Policy::default();
    let tr = running(Vec::new());
    assert_eq!(
        next_due(&tr, t("10:05"), &p).map(|s| s.label),
        Some("15min".into())
    );
    // The 15-minute window closed: the next thing to do is the 60-minute observation.
    assert_eq!(
        next_due(&tr, t("10:30"), &p).map(|s| s.label),
        Some("60min".into())
    );
    let done = running(vec![obs("10:15", normal()), obs("11:00", normal())]);
    assert_eq!(
        next_due(&done, t("11:05"), &p).map(|s| s.label),
        Some("120min".into())
    );
    let mut ended = done.clone();
    ended.ended_at = Some(t("11:30"));
    assert_eq!(
        next_due(&ended, t("11:35"), &p).map(|s| s.label),
        Some("end".into())
    );
    ended.observations.push(obs("11:40", normal()));
    assert_eq!(next_due(&ended, t("11:45"), &p), None);
}

// --- time rules ---

#[test]
fn duration_exceeded_strictly_after_the_limit_while_running() {
    let p = Policy::default();
    // Issued 09:50: the limit is 13:50. Observations are kept complete so only the time
    // rule speaks.
    let all: Vec<Observation> = ["10:15", "11:00", "12:00", "13:00"]
        .iter()
        .map(|hm| obs(hm, normal()))
        .collect();
    let tr = running(all);
    assert_eq!(codes(&evaluate(&tr, t("13:50"), &p)), Vec::<&str>::new());
    let alerts = evaluate(&tr, t("13:51"), &p);
    assert_eq!(codes(&alerts), ["DURATION_EXCEEDED"]);
    assert_eq!(alerts[0].severity, Severity::Warn);
    assert_eq!(alerts[0].at, None);
}

#[test]
fn duration_exceeded_on_completion_depends_on_the_end_not_now() {
    let p = Policy::default();
    let all: Vec<Observation> = ["10:15", "11:00", "12:00", "13:00", "13:50"]
        .iter()
        .map(|hm| obs(hm, normal()))
        .collect();
    let mut tr = running(all);
    tr.ended_at = Some(t("13:50"));
    assert_eq!(codes(&evaluate(&tr, t("23:00"), &p)), Vec::<&str>::new());
    tr.ended_at = Some(t("13:51"));
    let alerts = evaluate(&tr, t("23:00"), &p);
    assert_eq!(codes(&alerts), ["DURATION_EXCEEDED"]);
    assert!(
        alerts[0].message.en().contains("13:51"),
        "{}",
        alerts[0].message.en()
    );
}

#[test]
fn slow_rate_and_bag_keeping_times() {
    let p = Policy::default();
    let mut tr = running(Vec::new());
    assert_eq!(slow_rate_until(&tr, &p), Some(t("10:15")));
    assert_eq!(bag_discard_after(&tr, &p), None);
    tr.ended_at = Some(t("12:00"));
    assert_eq!(
        bag_discard_after(&tr, &p),
        Some(dt("2026-11-23T12:00:00+08:00"))
    );
}

#[test]
fn absurd_times_and_policies_keep_the_schedule_and_the_alerts_bounded() {
    let p = Policy {
        complete_within_minutes: i64::MAX,
        hourly_obs_interval_minutes: 1,
        bag_keep_hours: i64::MAX,
        baseline_window_minutes: i64::MAX,
        first_obs_minutes: i64::MAX,
        ..Policy::default()
    };
    let bounded = MAX_HOURLY_SLOTS as usize + 2;
    let mut tr = running(vec![obs("10:15", normal())]);
    tr.started_at = Some(DateTime::<FixedOffset>::MAX_UTC.fixed_offset());
    let far = dt("9999-12-31T23:59:00+00:00");
    assert!(evaluate(&tr, far, &p).len() <= bounded);
    tr.started_at = Some(dt("0001-01-01T00:00:00+00:00"));
    tr.ended_at = Some(DateTime::<FixedOffset>::MAX_UTC.fixed_offset());
    assert!(schedule(&tr, far, &p).len() <= bounded);
    assert!(evaluate(&tr, far, &p).len() <= bounded);
    // Keeping the bag "forever" overflows the calendar: no discard time rather than a wrong one.
    assert_eq!(bag_discard_after(&tr, &p), None);
    let zero = Policy {
        hourly_obs_interval_minutes: 0,
        ..Policy::default()
    };
    assert!(schedule(&running(Vec::new()), far, &zero).len() <= bounded);
}

// --- golden scenarios (tests/data/scenarios/observations.json) ---
