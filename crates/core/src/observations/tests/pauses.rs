//! The schedule runs on infusion time: an interruption (the bag stopped, later restarted after
//! the repeat check) shifts the observations after it instead of making them missed
//! (docs/ward-shift.md). Started at 10:00 throughout.

use super::*;
use crate::quality::{indicators, TransfusionRecord};

fn paused(from: &str, until: Option<&str>) -> Pause {
    Pause {
        from: t(from),
        until: until.map(t),
    }
}

fn slot<'a>(slots: &'a [Slot], label: &str) -> &'a Slot {
    slots
        .iter()
        .find(|s| s.label == label)
        .unwrap_or_else(|| panic!("no {label} slot in {slots:?}"))
}

#[test]
fn paused_twenty_minutes_at_minute_fifty_the_hourly_observation_is_due_at_eighty() {
    let p = Policy::default();
    let mut tr = running(vec![obs("10:15", normal())]);
    // Without the pause the 60-minute observation is due 11:00 and missed by 11:16.
    assert_eq!(overdue_labels(&schedule(&tr, t("11:16"), &p)), ["60min"]);

    tr.pauses = vec![paused("10:50", Some("11:10"))];
    let slots = schedule(&tr, t("11:16"), &p);
    let hourly = slot(&slots, "60min");
    assert_eq!(
        hourly.due,
        t("11:20"),
        "60 minutes of infusion = 80 on the clock"
    );
    assert_eq!(hourly.status, SlotStatus::Open, "not overdue at minute 76");
    assert!(overdue_labels(&slots).is_empty());
    assert!(!codes(&evaluate(&tr, t("11:16"), &p)).contains(&"OBS_OVERDUE"));
    // Its window moved with it: 10 minutes early to 15 late, in infusion time.
    assert_eq!(
        (hourly.window_start, hourly.window_end),
        (t("11:10"), t("11:35"))
    );
    let next = next_due(&tr, t("11:16"), &p).expect("a slot ahead");
    assert_eq!((next.label.as_str(), next.due), ("60min", t("11:20")));
    // Missed only once the shifted window has closed.
    assert_eq!(overdue_labels(&schedule(&tr, t("11:36"), &p)), ["60min"]);
    // The 120-minute observation moves by the same 20 minutes.
    let later = schedule(&tr, t("12:10"), &p);
    assert_eq!(slot(&later, "120min").due, t("12:20"));
}

#[test]
fn nothing_falls_overdue_while_the_bag_is_stopped() {
    let p = Policy::default();
    let mut tr = running(vec![obs("10:15", normal())]);
    tr.pauses = vec![paused("10:50", None)];
    // Still stopped at 11:30, half an hour after the 60-minute observation was due.
    for now in ["11:00", "11:16", "11:30", "12:40"] {
        let slots = schedule(&tr, t(now), &p);
        assert!(overdue_labels(&slots).is_empty(), "at {now}: {slots:?}");
        assert!(!codes(&evaluate(&tr, t(now), &p)).contains(&"OBS_OVERDUE"));
    }
    // Restarted at 11:30 after the repeat check: 40 minutes stopped, due at 11:40.
    tr.pauses = vec![paused("10:50", Some("11:30"))];
    assert_eq!(
        slot(&schedule(&tr, t("11:31"), &p), "60min").due,
        t("11:40")
    );
}

#[test]
fn an_observation_missed_before_the_pause_stays_missed() {
    let p = Policy::default();
    let mut tr = running(Vec::new());
    // The 15-minute window closed at 10:25; the patient went to CT at 10:40.
    tr.pauses = vec![paused("10:40", None)];
    assert_eq!(overdue_labels(&schedule(&tr, t("11:00"), &p)), ["15min"]);
}

#[test]
fn an_observation_taken_just_before_the_pause_still_fills_its_slot() {
    let p = Policy::default();
    // Vital signs at 10:55 (in the 60-minute window, which opens at 10:50), then stopped at
    // 10:58 for half an hour: the slot is done, not asked for again at 11:30.
    let mut tr = running(vec![obs("10:15", normal()), obs("10:55", normal())]);
    tr.pauses = vec![paused("10:58", Some("11:28"))];
    let slots = schedule(&tr, t("11:40"), &p);
    let hourly = slot(&slots, "60min");
    assert_eq!(hourly.due, t("11:30"));
    assert_eq!(hourly.status, SlotStatus::Satisfied { by: t("10:55") });
}

#[test]
fn a_slot_due_as_the_bag_is_stopped_comes_due_when_it_goes_on() {
    let p = Policy::default();
    let mut tr = running(vec![obs("10:15", normal())]);
    tr.pauses = vec![paused("11:00", Some("11:15"))];
    assert_eq!(
        slot(&schedule(&tr, t("11:15"), &p), "60min").due,
        t("11:15")
    );
}

#[test]
fn two_pauses_add_up_and_a_slot_pushed_past_the_end_was_never_due() {
    let p = Policy::default();
    // 10:00–13:00 on the clock with 11:20–11:40 and 12:10–12:20 stopped: 150 minutes of
    // infusion, so the 120-minute observation is due 12:30 and there is no 180-minute one.
    let mut tr = running(vec![
        obs("10:15", normal()),
        obs("11:00", normal()),
        obs("12:30", normal()),
        obs("13:00", normal()),
    ]);
    tr.pauses = vec![
        paused("12:10", Some("12:20")),
        paused("11:20", Some("11:40")),
    ];
    tr.ended_at = Some(t("13:00"));
    let slots = schedule(&tr, t("14:00"), &p);
    let labels: Vec<&str> = slots.iter().map(|s| s.label.as_str()).collect();
    assert_eq!(labels, ["15min", "60min", "120min", "end"]);
    assert_eq!(slot(&slots, "120min").due, t("12:30"));
    assert!(slots
        .iter()
        .all(|s| matches!(s.status, SlotStatus::Satisfied { .. })));
}

#[test]
fn a_pause_recorded_twice_or_backwards_is_not_counted_twice() {
    let p = Policy::default();
    let mut tr = running(vec![obs("10:15", normal())]);
    tr.pauses = vec![
        paused("10:50", Some("11:10")),
        paused("10:55", Some("11:05")),
        paused("10:40", Some("10:30")),
    ];
    assert_eq!(
        slot(&schedule(&tr, t("11:16"), &p), "60min").due,
        t("11:20")
    );
}

#[test]
fn observation_completeness_counts_the_shifted_slots() {
    let p = Policy::default();
    // Ran 10:00–12:00 with a pause 10:50–11:10: the 60-minute round was taken at 11:20, as
    // the handheld asked. Without the pause that round would be out of its window.
    let record = |pauses: Vec<Pause>| TransfusionRecord {
        id: "T1".into(),
        patient_mrn: "MRN0001".into(),
        din: "W000026123456".into(),
        component: Component::RedCells,
        issued_at: t("09:50"),
        started_at: Some(t("10:00")),
        ended_at: Some(t("12:00")),
        check: None,
        baseline: Some(obs("09:55", normal())),
        observations: vec![
            obs("10:15", normal()),
            obs("11:20", normal()),
            obs("12:00", normal()),
        ],
        pauses,
        reaction: None,
        unsent_records: 0,
        emergency: None,
    };
    let completeness = |r: TransfusionRecord| {
        indicators(&[r], &[], t("00:00"), t("23:59"), t("23:59"), &p)
            .into_iter()
            .find(|i| i.code == "OBS_COMPLETENESS")
            .map(|i| (i.numerator, i.denominator))
    };
    assert_eq!(
        completeness(record(vec![paused("10:50", Some("11:10"))])),
        Some((3, 3)),
        "15, 60 (shifted) and end"
    );
    // Read on the ward's clock instead, the same record misses the 60-minute observation and
    // owes a 120-minute one (due 12:00, filled by the end round).
    assert_eq!(completeness(record(Vec::new())), Some((3, 4)));
}
