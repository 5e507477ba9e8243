//! Quality indicators (clinical-rules.md §5).
//!
//! The charge nurse's monthly figures (科室输血质量指标), each a numerator over a denominator with
//! the record ids behind both, so that every percentage can be drilled down to the transfusions
//! that make it. They are computed from the same rules the bedside uses (`observations`), so the
//! report and the reminders on the handheld can never disagree.

use crate::Instant;
use std::collections::BTreeMap;

use chrono::Duration;

use crate::blood::Component;
use crate::messages::Text;
use crate::observations::{self, Observation, Pause, SlotStatus, Transfusion, FIRST_LABEL};
use crate::policy::Policy;
use crate::severity::Severity;

/// One transfusion as the ward's records keep it.
#[derive(Debug, Clone, PartialEq)]
pub struct TransfusionRecord {
    pub id: String,
    pub patient_mrn: String,
    pub din: String,
    pub component: Component,
    pub issued_at: Instant,
    pub started_at: Option<Instant>,
    pub ended_at: Option<Instant>,
    pub check: Option<CheckRecord>,
    pub baseline: Option<Observation>,
    pub observations: Vec<Observation>,
    /// The interruptions: the observation schedule does not count them (infusion time).
    pub pauses: Vec<Pause>,
    pub reaction: Option<ReactionRecord>,
    /// Records of this transfusion not yet accepted by the blood bank.
    pub unsent_records: u32,
    /// Set for a unit released in an emergency (`clinical-rules.md` §6.5): when it was asked for.
    pub emergency: Option<EmergencyRecord>,
}

/// The green channel's times of one emergency unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmergencyRecord {
    /// When the request reached the blood bank; unknown for a release that did not say.
    pub requested_at: Option<Instant>,
}

/// The bedside check as it was done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckRecord {
    pub at: Instant,
    pub first: String,
    pub second: Option<String>,
    pub proceeded: bool,
    /// False when a DIN was keyed in or a barcode was missing.
    pub all_scanned: bool,
    pub overrides: Vec<Override>,
}

/// A warning the nurse acknowledged to go on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    /// The acknowledged warning code, e.g. `ABO_NONIDENTICAL`.
    pub code: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReactionRecord {
    pub suspected_at: Instant,
    /// When the report reached the blood bank.
    pub reported_at: Option<Instant>,
}

/// A bedside check stopped for a wrong-blood reason (a near miss, `transition::is_near_miss`):
/// no unit was hung, so it is no transfusion record of its own.
#[derive(Debug, Clone, PartialEq)]
pub struct NearMissRecord {
    /// The near miss's own identifier (its AdverseEvent's `urn:uuid`).
    pub id: String,
    pub at: Instant,
    /// Its stop reason codes (`UNIT_FOR_OTHER_PATIENT`, …).
    pub reasons: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Indicator {
    pub code: &'static str,
    pub title: Text,
    pub numerator: u32,
    pub denominator: u32,
    /// Records counted in the numerator, in input order.
    pub numerator_ids: Vec<String>,
    /// Records counted in the denominator, in input order.
    pub denominator_ids: Vec<String>,
    /// Indicator-specific detail (see each indicator), most frequent first.
    pub breakdown: Vec<(String, u32)>,
    pub target_percent: Option<f64>,
}

impl Indicator {
    /// Whether a higher percentage is the better result (compliance, timeliness, completeness);
    /// for overrides, reactions and unsent records the numerator is what to look into.
    pub fn higher_is_better(&self) -> bool {
        !matches!(
            self.code,
            "CHECK_OVERRIDES" | "REACTIONS_SUSPECTED" | "UNSENT_RECORDS" | "NEAR_MISSES"
        )
    }

    /// `None` when nothing was counted: 0 of 0 is no result, not 0 % or 100 %.
    pub fn percent(&self) -> Option<f64> {
        (self.denominator > 0)
            .then(|| f64::from(self.numerator) * 100.0 / f64::from(self.denominator))
    }
}

/// Why a started transfusion fails the check-compliance indicator: the breakdown keys, each
/// record counted under the first reason found, so the breakdown adds up to the failures.
const NO_CHECK: &str = "no_check";
const NOT_PROCEEDED: &str = "not_proceeded";
const NO_SECOND_CHECKER: &str = "no_second_checker";
const SAME_CHECKER: &str = "same_checker";
const NOT_ALL_SCANNED: &str = "not_all_scanned";
const CHECK_AFTER_START: &str = "check_after_start";

/// Breakdown key of `REACTIONS_SUSPECTED` for records where the nurse opened a reaction record.
const REACTION_RECORD: &str = "REACTION_RECORD";

/// Each indicator's code and its title in English and Chinese.
type Title = (&'static str, &'static str);

mod titles {
    use super::Title;
    use crate::messages::tr_noop;

    pub(super) const CHECK_COMPLIANCE: Title = (
        "CHECK_COMPLIANCE",
        tr_noop("Bedside check compliance (started after a complete two-person scan check)"),
    );

    pub(super) const CHECK_OVERRIDES: Title = (
        "CHECK_OVERRIDES",
        tr_noop("Bedside checks with overridden warnings"),
    );

    pub(super) const START_WITHIN_LIMIT: Title = (
        "START_WITHIN_LIMIT",
        tr_noop("Started within the time limit after issue"),
    );

    pub(super) const COMPLETED_WITHIN_LIMIT: Title = (
        "COMPLETED_WITHIN_LIMIT",
        tr_noop("Completed within the time limit after issue"),
    );

    pub(super) const OBS_COMPLETENESS: Title = (
        "OBS_COMPLETENESS",
        tr_noop("Observation completeness (slots satisfied / slots due)"),
    );

    pub(super) const OBS_15MIN_ON_TIME: Title = (
        "OBS_15MIN_ON_TIME",
        tr_noop("15-minute observation on time"),
    );

    pub(super) const REACTIONS_SUSPECTED: Title = (
        "REACTIONS_SUSPECTED",
        tr_noop("Transfusions with a suspected reaction"),
    );

    pub(super) const REACTIONS_REPORTED: Title = (
        "REACTIONS_REPORTED",
        tr_noop("Suspected reactions reported to the blood bank"),
    );

    pub(super) const REACTION_REPORT_TIMELY: Title = (
        "REACTION_REPORT_TIMELY",
        tr_noop("Reactions reported to the blood bank in time"),
    );

    pub(super) const EMERGENCY_ISSUE_IN_TIME: Title = (
        "EMERGENCY_ISSUE_IN_TIME",
        tr_noop("Emergency units issued within the time limit after the request (green channel)"),
    );

    pub(super) const EMERGENCY_START_IN_TIME: Title = (
        "EMERGENCY_START_IN_TIME",
        tr_noop("Emergency units started within the time limit after issue"),
    );

    pub(super) const NEAR_MISSES: Title = (
        "NEAR_MISSES",
        tr_noop("Bedside checks stopped for a wrong-blood reason (near misses)"),
    );

    pub(super) const UNSENT_RECORDS: Title = (
        "UNSENT_RECORDS",
        tr_noop("Transfusions with records not yet sent to the blood bank"),
    );
}

/// The words for a breakdown key of an indicator (a compliance gap, a reason or alert code, a
/// missed observation): stored and exported as codes, shown in the reader's language.
pub fn breakdown_words(key: &str) -> Text {
    use crate::messages::tr_noop;
    let msgid = match key {
        NO_CHECK => tr_noop("no check recorded"),
        NOT_PROCEEDED => tr_noop("check did not pass"),
        NO_SECOND_CHECKER => tr_noop("no second checker"),
        SAME_CHECKER => tr_noop("the same person checked twice"),
        NOT_ALL_SCANNED => tr_noop("not everything scanned"),
        CHECK_AFTER_START => tr_noop("checked after the start"),
        REACTION_RECORD => tr_noop("reaction record opened"),
        "hourly" => tr_noop("hourly observations"),
        "total_unsent" => tr_noop("records not yet sent"),
        "no_request_time" => tr_noop("no request time recorded"),
        k if k == FIRST_LABEL => tr_noop("15-minute observation"),
        k if k == observations::END_LABEL => tr_noop("end-of-transfusion observation"),
        other => {
            if let Some(code) = crate::check::ReasonCode::parse(other) {
                return crate::check::reason_title(code);
            }
            if let Some(code) = observations::AlertCode::parse(other) {
                return code.title();
            }
            return Text::same(other);
        }
    };
    Text::tr(msgid, &[])
}

/// Counts of a numerator/denominator pair while scanning records.
#[derive(Default)]
struct Tally {
    numerator_ids: Vec<String>,
    denominator_ids: Vec<String>,
}

impl Tally {
    fn count(&mut self, id: &str, in_numerator: bool) {
        self.denominator_ids.push(id.to_string());
        if in_numerator {
            self.numerator_ids.push(id.to_string());
        }
    }

    fn titled(self, title: Title, breakdown: BTreeMap<String, u32>) -> Indicator {
        self.indicator(title.0, title.1, breakdown)
    }

    fn indicator(
        self,
        code: &'static str,
        title: &str,
        breakdown: BTreeMap<String, u32>,
    ) -> Indicator {
        Indicator {
            code,
            title: Text::tr(title, &[]),
            numerator: len_u32(&self.numerator_ids),
            denominator: len_u32(&self.denominator_ids),
            numerator_ids: self.numerator_ids,
            denominator_ids: self.denominator_ids,
            breakdown: sorted(breakdown),
            target_percent: None,
        }
    }
}

fn len_u32<T>(v: &[T]) -> u32 {
    u32::try_from(v.len()).unwrap_or(u32::MAX)
}

fn bump(map: &mut BTreeMap<String, u32>, key: &str, by: u32) {
    let n = map.entry(key.to_string()).or_insert(0);
    *n = n.saturating_add(by);
}

/// Most frequent first, then by key, so exports are stable.
fn sorted(map: BTreeMap<String, u32>) -> Vec<(String, u32)> {
    let mut v: Vec<(String, u32)> = map.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v
}

/// `later` is at most `minutes` after `earlier`. An event before its reference (a clock set
/// wrong) is not late; a limit beyond the calendar is never reached.
fn within_minutes(earlier: Instant, later: Instant, minutes: i64) -> bool {
    match Duration::try_minutes(minutes).and_then(|d| earlier.checked_add_signed(d)) {
        Some(limit) => later <= limit,
        None => minutes > 0,
    }
}

fn same_person(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

/// The first reason a started transfusion was not preceded by a complete two-person scan check,
/// or `None` when it was.
fn check_gap(r: &TransfusionRecord, started: Instant) -> Option<&'static str> {
    let Some(c) = &r.check else {
        return Some(NO_CHECK);
    };
    let second = c.second.as_deref().map(str::trim).filter(|s| !s.is_empty());
    if c.first.trim().is_empty() || second.is_none() {
        Some(NO_SECOND_CHECKER)
    } else if second.is_some_and(|s| same_person(s, &c.first)) {
        Some(SAME_CHECKER)
    } else if !c.proceeded {
        Some(NOT_PROCEEDED)
    } else if !c.all_scanned {
        Some(NOT_ALL_SCANNED)
    } else if c.at > started {
        Some(CHECK_AFTER_START)
    } else {
        None
    }
}

fn transfusion(r: &TransfusionRecord) -> Transfusion {
    Transfusion {
        component: r.component,
        issued_at: r.issued_at,
        started_at: r.started_at,
        ended_at: r.ended_at,
        baseline: r.baseline.clone(),
        observations: r.observations.clone(),
        pauses: r.pauses.clone(),
    }
}

/// The indicators for the records issued in `[from, to)` and the near misses recorded in it,
/// judged at `now` (slots whose window has not closed by `now` are not counted yet). Always
/// returns every indicator, in a fixed order, even when there are no records.
pub fn indicators(
    records: &[TransfusionRecord],
    near_misses: &[NearMissRecord],
    from: Instant,
    to: Instant,
    now: Instant,
    policy: &Policy,
) -> Vec<Indicator> {
    let mut counts = Counts::default();
    // A near miss is a check that stopped; a started transfusion, a check that passed.
    for n in near_misses.iter().filter(|n| n.at >= from && n.at < to) {
        counts.near_misses.count(&n.id, true);
        let mut codes: Vec<&str> = n.reasons.iter().map(|c| c.trim()).collect();
        codes.sort_unstable();
        codes.dedup();
        for code in codes {
            bump(&mut counts.near_miss_codes, code, 1);
        }
    }
    for r in records
        .iter()
        .filter(|r| r.issued_at >= from && r.issued_at < to)
    {
        counts.add(r, now, policy);
    }
    counts.into_indicators(policy)
}

/// Every indicator's tallies while the records are scanned.
#[derive(Default)]
struct Counts {
    compliance: Tally,
    compliance_gaps: BTreeMap<String, u32>,
    overrides: Tally,
    override_codes: BTreeMap<String, u32>,
    start_limit: Tally,
    complete_limit: Tally,
    obs_records: Tally,
    slots_satisfied: u32,
    slots_due: u32,
    missed_slots: BTreeMap<String, u32>,
    first_on_time: Tally,
    suspected: Tally,
    suspected_by: BTreeMap<String, u32>,
    reported: Tally,
    timely: Tally,
    unsent: Tally,
    unsent_total: u32,
    emergency_issue: Tally,
    emergency_issue_unknown: u32,
    emergency_start: Tally,
    near_misses: Tally,
    near_miss_codes: BTreeMap<String, u32>,
}

impl Counts {
    /// Counts one record of the period in every indicator it belongs to.
    fn add(&mut self, r: &TransfusionRecord, now: Instant, policy: &Policy) {
        let id = r.id.as_str();
        if let Some(c) = &r.check {
            self.add_overrides(id, c);
        }
        self.unsent.count(id, r.unsent_records > 0);
        self.unsent_total = self.unsent_total.saturating_add(r.unsent_records);

        // Only a started transfusion was checked, timed and observed.
        let Some(started) = r.started_at else {
            return;
        };
        self.near_misses.count(id, false);
        let gap = check_gap(r, started);
        self.compliance.count(id, gap.is_none());
        if let Some(gap) = gap {
            bump(&mut self.compliance_gaps, gap, 1);
        }
        self.add_time_limits(r, started, policy);
        self.add_emergency(r, started, policy);
        let t = transfusion(r);
        self.add_observations(id, &t, now, policy);
        self.add_reaction(r, &t, now, policy);
    }

    fn add_overrides(&mut self, id: &str, c: &CheckRecord) {
        self.overrides.count(id, !c.overrides.is_empty());
        // One check acknowledging the same warning twice is one check with that override.
        let mut codes: Vec<&str> = c.overrides.iter().map(|o| o.code.trim()).collect();
        codes.sort_unstable();
        codes.dedup();
        for code in codes {
            bump(&mut self.override_codes, code, 1);
        }
    }

    fn add_time_limits(&mut self, r: &TransfusionRecord, started: Instant, policy: &Policy) {
        let id = r.id.as_str();
        self.start_limit.count(
            id,
            within_minutes(r.issued_at, started, policy.start_within_minutes),
        );
        if let Some(ended) = r.ended_at {
            self.complete_limit.count(
                id,
                within_minutes(r.issued_at, ended, policy.complete_within_minutes),
            );
        }
    }

    /// The green channel's two times: request to issue, issue to start. A release without a
    /// request time cannot be judged: counted apart, never as in time.
    fn add_emergency(&mut self, r: &TransfusionRecord, started: Instant, policy: &Policy) {
        let Some(emergency) = &r.emergency else {
            return;
        };
        let id = r.id.as_str();
        match emergency.requested_at {
            Some(requested) => self.emergency_issue.count(
                id,
                within_minutes(
                    requested,
                    r.issued_at,
                    policy.emergency_issue_within_minutes,
                ),
            ),
            None => self.emergency_issue_unknown = self.emergency_issue_unknown.saturating_add(1),
        }
        self.emergency_start.count(
            id,
            within_minutes(r.issued_at, started, policy.emergency_start_within_minutes),
        );
    }

    fn add_observations(&mut self, id: &str, t: &Transfusion, now: Instant, policy: &Policy) {
        let schedule = observations::schedule(t, now, policy);
        // Open slots can still be done (or have not come yet): they are not due for the report.
        let due: Vec<_> = schedule
            .iter()
            .filter(|s| s.status != SlotStatus::Open)
            .collect();
        if !due.is_empty() {
            let satisfied = due
                .iter()
                .filter(|s| matches!(s.status, SlotStatus::Satisfied { .. }))
                .count();
            let satisfied = u32::try_from(satisfied).unwrap_or(u32::MAX);
            let due_count = len_u32(&due);
            self.slots_satisfied = self.slots_satisfied.saturating_add(satisfied);
            self.slots_due = self.slots_due.saturating_add(due_count);
            self.obs_records.count(id, satisfied == due_count);
            for s in due.iter().filter(|s| s.status == SlotStatus::Overdue) {
                let group = if s.label == FIRST_LABEL || s.label == observations::END_LABEL {
                    s.label.as_str()
                } else {
                    "hourly"
                };
                bump(&mut self.missed_slots, group, 1);
            }
        }
        if let Some(first) = due.iter().find(|s| s.label == FIRST_LABEL) {
            self.first_on_time
                .count(id, matches!(first.status, SlotStatus::Satisfied { .. }));
        }
    }

    fn add_reaction(
        &mut self,
        r: &TransfusionRecord,
        t: &Transfusion,
        now: Instant,
        policy: &Policy,
    ) {
        let id = r.id.as_str();
        // A reaction is suspected when the nurse opened a record or any observation met a stop
        // trigger; the latter catches reactions that were never reported, which is the point.
        let mut stop_codes: Vec<&'static str> = observations::evaluate(t, now, policy)
            .into_iter()
            .filter(|a| a.code.is_reaction() && a.severity == Severity::Stop)
            .map(|a| a.code.as_str())
            .collect();
        stop_codes.sort_unstable();
        stop_codes.dedup();
        let is_suspected = r.reaction.is_some() || !stop_codes.is_empty();
        self.suspected.count(id, is_suspected);
        if !is_suspected {
            return;
        }
        for code in stop_codes {
            bump(&mut self.suspected_by, code, 1);
        }
        if r.reaction.is_some() {
            bump(&mut self.suspected_by, REACTION_RECORD, 1);
        }

        let report = r
            .reaction
            .as_ref()
            .and_then(|x| x.reported_at.map(|at| (x.suspected_at, at)));
        self.reported.count(id, report.is_some());
        if let Some((suspected_at, reported_at)) = report {
            let within = policy
                .reaction_report_within_hours
                .checked_mul(60)
                .unwrap_or(i64::MAX);
            self.timely
                .count(id, within_minutes(suspected_at, reported_at, within));
        }
    }

    /// The indicators in their fixed order.
    fn into_indicators(self, policy: &Policy) -> Vec<Indicator> {
        let mut unsent_breakdown = BTreeMap::new();
        unsent_breakdown.insert("total_unsent".to_string(), self.unsent_total);

        let mut completeness = self
            .obs_records
            .titled(titles::OBS_COMPLETENESS, self.missed_slots);
        // The figure counts slots; the ids name the records, complete or not, to drill into.
        completeness.numerator = self.slots_satisfied;
        completeness.denominator = self.slots_due;

        let mut issue_breakdown = BTreeMap::new();
        if self.emergency_issue_unknown > 0 {
            issue_breakdown.insert("no_request_time".to_string(), self.emergency_issue_unknown);
        }

        let mut timely = self
            .timely
            .titled(titles::REACTION_REPORT_TIMELY, BTreeMap::new());
        timely.target_percent = Some(policy.reaction_report_target_percent);

        vec![
            self.compliance
                .titled(titles::CHECK_COMPLIANCE, self.compliance_gaps),
            self.overrides
                .titled(titles::CHECK_OVERRIDES, self.override_codes),
            self.start_limit
                .titled(titles::START_WITHIN_LIMIT, BTreeMap::new()),
            self.complete_limit
                .titled(titles::COMPLETED_WITHIN_LIMIT, BTreeMap::new()),
            completeness,
            self.first_on_time
                .titled(titles::OBS_15MIN_ON_TIME, BTreeMap::new()),
            self.suspected
                .titled(titles::REACTIONS_SUSPECTED, self.suspected_by),
            self.reported
                .titled(titles::REACTIONS_REPORTED, BTreeMap::new()),
            timely,
            self.emergency_issue
                .titled(titles::EMERGENCY_ISSUE_IN_TIME, issue_breakdown),
            self.emergency_start
                .titled(titles::EMERGENCY_START_IN_TIME, BTreeMap::new()),
            self.near_misses
                .titled(titles::NEAR_MISSES, self.near_miss_codes),
            self.unsent.titled(titles::UNSENT_RECORDS, unsent_breakdown),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, FixedOffset};

    fn dt(s: &str) -> Instant {
        DateTime::parse_from_rfc3339(s).expect("test time")
    }

    fn record(check: Option<CheckRecord>) -> TransfusionRecord {
        TransfusionRecord {
            id: "r".into(),
            patient_mrn: "M1".into(),
            din: "W000026123456".into(),
            component: Component::Platelets,
            issued_at: dt("2026-11-22T09:50:00+08:00"),
            started_at: Some(dt("2026-11-22T10:00:00+08:00")),
            ended_at: None,
            check,
            baseline: None,
            observations: Vec::new(),
            pauses: Vec::new(),
            reaction: None,
            unsent_records: 0,
            emergency: None,
        }
    }

    fn check(first: &str, second: Option<&str>) -> CheckRecord {
        CheckRecord {
            at: dt("2026-11-22T10:00:00+08:00"),
            first: first.into(),
            second: second.map(Into::into),
            proceeded: true,
            all_scanned: true,
            overrides: Vec::new(),
        }
    }

    fn gap(c: Option<CheckRecord>) -> Option<&'static str> {
        let r = record(c);
        check_gap(&r, r.started_at.unwrap())
    }

    #[test]
    fn a_complete_check_at_the_start_itself_counts() {
        assert_eq!(gap(Some(check("Li Na", Some("Wang Fang")))), None);
    }

    #[test]
    fn second_checker_must_be_present_and_another_person() {
        assert_eq!(gap(None), Some(NO_CHECK));
        assert_eq!(gap(Some(check("Li Na", None))), Some(NO_SECOND_CHECKER));
        assert_eq!(
            gap(Some(check("Li Na", Some("  ")))),
            Some(NO_SECOND_CHECKER)
        );
        assert_eq!(
            gap(Some(check(" ", Some("Li Na")))),
            Some(NO_SECOND_CHECKER)
        );
        assert_eq!(
            gap(Some(check("Li Na", Some(" LI NA ")))),
            Some(SAME_CHECKER)
        );
    }

    #[test]
    fn the_first_failing_condition_names_the_gap() {
        let mut c = check("Li Na", Some("Wang Fang"));
        c.at = dt("2026-11-22T10:00:01+08:00");
        assert_eq!(gap(Some(c.clone())), Some(CHECK_AFTER_START));
        c.all_scanned = false;
        assert_eq!(gap(Some(c.clone())), Some(NOT_ALL_SCANNED));
        c.proceeded = false;
        assert_eq!(gap(Some(c)), Some(NOT_PROCEEDED));
    }

    #[test]
    fn within_minutes_is_inclusive_and_total() {
        let a = dt("2026-11-22T10:00:00+08:00");
        assert!(within_minutes(a, dt("2026-11-22T10:30:00+08:00"), 30));
        assert!(!within_minutes(a, dt("2026-11-22T10:30:01+08:00"), 30));
        // The same instant written in another offset.
        assert!(within_minutes(a, dt("2026-11-22T02:30:00+00:00"), 30));
        assert!(within_minutes(a, dt("2026-11-22T09:00:00+08:00"), 30));
        assert!(within_minutes(
            a,
            DateTime::<FixedOffset>::MAX_UTC.fixed_offset(),
            i64::MAX
        ));
        assert!(!within_minutes(a, a, i64::MIN));
    }

    #[test]
    fn percent_is_none_for_an_empty_denominator() {
        let mut i = Tally::default().indicator("X", "x", BTreeMap::new());
        assert_eq!(i.percent(), None);
        i.numerator = 1;
        i.denominator = 3;
        assert!((i.percent().unwrap() - 33.333_333).abs() < 1e-4);
    }

    #[test]
    fn breakdowns_are_most_frequent_first_then_by_key() {
        let mut m = BTreeMap::new();
        bump(&mut m, "B", 1);
        bump(&mut m, "A", 1);
        bump(&mut m, "C", 2);
        bump(&mut m, "C", u32::MAX);
        assert_eq!(
            sorted(m),
            vec![
                ("C".to_string(), u32::MAX),
                ("A".to_string(), 1),
                ("B".to_string(), 1)
            ]
        );
    }
}
