//! The rules at each step of a transfusion, as pure functions the app calls at the instant of the
//! step: the check (at every scan), the start, each round, the end, the restart after an
//! interruption. The app carries typed state between the steps and records what these allow; it
//! never decides on its own. A step taken later than its check (a locked device, a baseline
//! taken slowly) is judged again at its own instant, against the cache as it is then.

use crate::check::{
    check, stop_reason, CheckInput, CheckOutcome, CheckVerdict, Reason, ReasonCode,
};
use crate::event::Acknowledgement;
use crate::messages::Text;
use crate::observations::{reaction_triggers, usable_baseline, Alert, Observation, Transfusion};
use crate::policy::Policy;
use crate::severity::Severity;

/// Why a check is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose<'a> {
    /// Before a unit is first hung.
    Start,
    /// Before an interrupted transfusion goes on: the same rules except the start window (the
    /// unit was started in time, and its 4-hour limit is watched while it runs), and it must be
    /// the very unit that was interrupted, started by this transfusion (`procedure`).
    Restart {
        dispense_id: &'a str,
        procedure: &'a str,
    },
}

/// The bedside check for `purpose` at `input.now`.
pub fn check_for(input: &CheckInput, policy: &Policy, purpose: Purpose) -> CheckOutcome {
    let mut outcome = check(input, policy);
    // A unit the blood bank says another transfusion started is hanging elsewhere.
    let found = outcome.record.map(|i| &input.issued[i]);
    if let Some((record, by)) = found.and_then(|r| Some((r, r.started_by.as_deref()?))) {
        let own = matches!(purpose, Purpose::Restart { procedure, .. } if procedure == by);
        if !own {
            outcome.reasons.insert(
                0,
                stop_reason(
                    ReasonCode::UnitStatus,
                    &[
                        ("din", (&record.unit.din).into()),
                        (
                            "status",
                            (&Text::tr("already started (on another handheld)", &[])).into(),
                        ),
                    ],
                ),
            );
            outcome.verdict = CheckVerdict::Stop;
        }
    }
    if let Purpose::Restart { dispense_id, .. } = purpose {
        outcome
            .reasons
            .retain(|r| r.code != ReasonCode::IssueTimeExceeded);
        let found = outcome.record.map(|i| &input.issued[i]);
        if let Some(record) = found.filter(|r| r.dispense_id != dispense_id) {
            outcome.reasons.insert(
                0,
                stop_reason(
                    ReasonCode::NotTheInterruptedUnit,
                    &[("din", (&record.unit.din).into())],
                ),
            );
        }
        outcome.verdict = if outcome.reasons.iter().any(|r| r.severity == Severity::Stop) {
            CheckVerdict::Stop
        } else {
            CheckVerdict::Proceed
        };
    }
    outcome
}

/// Whether a stop reason is a near miss, kept in the audit trail the moment a scan shows it,
/// rather than a step still to do (the second checker, the rest of the label).
pub fn is_near_miss(code: ReasonCode) -> bool {
    !matches!(
        code,
        ReasonCode::SecondCheckerRequired | ReasonCode::LabelIncomplete
    )
}

/// Why a unit may not be hung (or hung again) at this instant.
#[derive(Debug, Clone, PartialEq)]
pub enum Refusal {
    /// The check stops: every stop reason.
    Stopped(Vec<Reason>),
    /// Warnings nobody has acknowledged with a reason yet (new ones may appear between the
    /// check and the start: the cache went stale meanwhile).
    Unacknowledged(Vec<Reason>),
    /// The check found no issue record to hang against.
    NoRecord,
    /// The start was asked for another unit than the one checked.
    OtherUnit { checked: String, found: String },
    /// This device already started the unit: a bag is hung once.
    AlreadyStarted { din: String },
}

impl Refusal {
    /// Every line the nurse reads.
    pub fn messages(&self) -> Vec<Text> {
        match self {
            Refusal::Stopped(reasons) => reasons.iter().map(|r| r.message.clone()).collect(),
            Refusal::Unacknowledged(reasons) => reasons
                .iter()
                .map(|r| {
                    Text::tr_with(
                        "Acknowledge the warning with a reason: {warning}",
                        &[("warning", (&r.message).into())],
                    )
                })
                .collect(),
            Refusal::NoRecord => vec![Text::tr("No issued unit was found for this bag: scan the bag again.",
                &[],
            )],
            Refusal::OtherUnit { checked, found } => vec![Text::tr("The unit now found ({found}) is not the one checked ({checked}): check again.",
                &[("found", found), ("checked", checked)],
            )],
            Refusal::AlreadyStarted { din } => vec![Text::tr("Unit {din} was already started on this device: a bag is hung once. Do not hang it again; call the blood bank.",
                &[("din", din)],
            )],
        }
    }

    /// The reason codes, as the audit trail keeps them.
    pub fn codes(&self) -> Vec<&'static str> {
        match self {
            Refusal::Stopped(r) | Refusal::Unacknowledged(r) => {
                r.iter().map(|r| r.code.as_str()).collect()
            }
            Refusal::NoRecord => vec!["NO_RECORD"],
            Refusal::OtherUnit { .. } => vec!["OTHER_UNIT"],
            Refusal::AlreadyStarted { .. } => vec!["ALREADY_STARTED"],
        }
    }
}

/// Whether the unit `dispense_id` may be hung at `outcome`'s instant, with these warnings
/// acknowledged. `issued` is the input the outcome was computed from; `started_on_device` the
/// dispenses this device has already started (empty for a restart, which hangs its own again).
pub fn clear_to_hang(
    outcome: &CheckOutcome,
    issued: &[crate::check::IssueRecord],
    dispense_id: Option<&str>,
    acknowledged: &[Acknowledgement],
    started_on_device: &[String],
) -> Result<(), Refusal> {
    if outcome.verdict == CheckVerdict::Stop {
        return Err(Refusal::Stopped(
            outcome
                .reasons
                .iter()
                .filter(|r| r.severity == Severity::Stop)
                .cloned()
                .collect(),
        ));
    }
    let Some(record) = outcome.record.and_then(|i| issued.get(i)) else {
        return Err(Refusal::NoRecord);
    };
    if let Some(checked) = dispense_id.filter(|d| *d != record.dispense_id) {
        return Err(Refusal::OtherUnit {
            checked: checked.to_string(),
            found: record.dispense_id.clone(),
        });
    }
    if started_on_device.contains(&record.dispense_id) {
        return Err(Refusal::AlreadyStarted {
            din: record.unit.din.clone(),
        });
    }
    let unacknowledged: Vec<Reason> = outcome
        .warnings()
        .filter(|w| !acknowledged.iter().any(|a| a.code == w.code.as_str()))
        .cloned()
        .collect();
    if !unacknowledged.is_empty() {
        return Err(Refusal::Unacknowledged(unacknowledged));
    }
    Ok(())
}

/// What one recorded round means for a running transfusion: the reaction triggers that stop
/// it, and the warnings to watch. `transfusion` already holds the round.
pub fn judge_round(
    transfusion: &Transfusion,
    round: &Observation,
    policy: &Policy,
) -> (Vec<Alert>, Vec<Alert>) {
    reaction_triggers(round, usable_baseline(transfusion, policy), policy)
        .into_iter()
        .filter(|a| a.code.is_reaction())
        .partition(|a| a.severity == Severity::Stop)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::tests::{at, bag, record};
    use crate::check::{ClockFacts, IssueRecord};
    use chrono::Duration;

    fn outcome(now: &str, records: &[IssueRecord], purpose: Purpose) -> CheckOutcome {
        let scans = bag();
        let input = CheckInput {
            now: at(now),
            cache_synced_at: Some(at(now) - Duration::minutes(5)),
            first_checker: Some("N1001"),
            second_checker: Some("N1002"),
            wristband_scan: "MRN0001",
            bag_scans: &scans,
            issued: records,
            unreadable: &[],
            clock: ClockFacts::default(),
        };
        check_for(&input, &Policy::default(), purpose)
    }

    fn codes(o: &CheckOutcome) -> Vec<&'static str> {
        o.reasons.iter().map(|r| r.code.as_str()).collect()
    }

    #[test]
    fn a_restart_is_spared_the_start_window_but_must_be_the_interrupted_unit() {
        let records = [record()];
        let late = "2026-11-22T11:30:00+08:00"; // 100 minutes after issue
        assert_eq!(
            codes(&outcome(late, &records, Purpose::Start)),
            ["ISSUE_TIME_EXCEEDED"]
        );
        let own = Purpose::Restart {
            dispense_id: "D-1001",
            procedure: "urn:uuid:p",
        };
        let restart = outcome(late, &records, own);
        assert_eq!(
            restart.verdict,
            CheckVerdict::Proceed,
            "{:?}",
            codes(&restart)
        );
        let other = Purpose::Restart {
            dispense_id: "D-2002",
            procedure: "urn:uuid:p",
        };
        let wrong_bag = outcome(late, &records, other);
        assert_eq!(codes(&wrong_bag), ["NOT_THE_INTERRUPTED_UNIT"]);
        assert_eq!(wrong_bag.verdict, CheckVerdict::Stop);
    }

    #[test]
    fn a_unit_started_elsewhere_stops_except_for_its_own_repeat_check() {
        let mut started = record();
        started.started_by = Some("urn:uuid:p".into());
        let records = [started];
        let now = "2026-11-22T10:05:00+08:00";
        let first = outcome(now, &records, Purpose::Start);
        assert_eq!(codes(&first), ["UNIT_STATUS"]);
        assert!(first.reasons[0].message.en().contains("already started"));
        let own = Purpose::Restart {
            dispense_id: "D-1001",
            procedure: "urn:uuid:p",
        };
        assert!(codes(&outcome(now, &records, own)).is_empty());
        let someone_elses = Purpose::Restart {
            dispense_id: "D-1001",
            procedure: "urn:uuid:q",
        };
        assert_eq!(
            codes(&outcome(now, &records, someone_elses)),
            ["UNIT_STATUS"]
        );
    }

    #[test]
    fn hanging_needs_every_warning_acknowledged_and_a_unit_not_started_here() {
        let mut platelets = record();
        platelets.unit.component = crate::blood::Component::Platelets;
        platelets.patient.group =
            crate::blood::Group::new(Some(crate::blood::Abo::B), Some(crate::blood::Rhd::Pos));
        let records = [platelets];
        let now = "2026-11-22T10:05:00+08:00";
        let o = outcome(now, &records, Purpose::Start);
        assert_eq!(codes(&o), ["ABO_NONIDENTICAL"]);
        match clear_to_hang(&o, &records, Some("D-1001"), &[], &[]) {
            Err(Refusal::Unacknowledged(w)) => assert_eq!(w.len(), 1),
            other => panic!("{other:?}"),
        }
        let ack = [Acknowledgement {
            code: "ABO_NONIDENTICAL".into(),
            reason: "only O platelets in stock".into(),
        }];
        assert_eq!(
            clear_to_hang(&o, &records, Some("D-1001"), &ack, &[]),
            Ok(())
        );
        assert!(matches!(
            clear_to_hang(&o, &records, Some("D-9999"), &ack, &[]),
            Err(Refusal::OtherUnit { .. })
        ));
        assert!(matches!(
            clear_to_hang(&o, &records, Some("D-1001"), &ack, &["D-1001".to_string()]),
            Err(Refusal::AlreadyStarted { .. })
        ));
    }

    #[test]
    fn only_real_stops_are_near_misses() {
        assert!(is_near_miss(ReasonCode::UnitForOtherPatient));
        assert!(is_near_miss(ReasonCode::AboIncompatible));
        assert!(!is_near_miss(ReasonCode::SecondCheckerRequired));
        assert!(!is_near_miss(ReasonCode::LabelIncomplete));
    }
}
