//! The retrospective crossmatch (`clinical-rules.md` §6.3): the crossmatch result of a unit
//! released in an emergency arrives after the unit was started. Each new result is recorded on
//! its transfusion; an incompatible one is an alert until a nurse has taken it in.

use crate::check::{CrossmatchResult, IssueRecord};
use crate::messages::Text;

/// An emergency unit started on this device, as its record and trail say.
#[derive(Debug, Clone, PartialEq)]
pub struct EmergencyUnit {
    pub procedure_urn: String,
    pub dispense_id: String,
    pub din: String,
    pub patient_name: String,
    /// The crossmatch result code at the start.
    pub crossmatch_at_start: String,
    /// The result already recorded on the transfusion since, if any.
    pub recorded: Option<String>,
}

/// A crossmatch result the transfusion has not recorded yet.
#[derive(Debug, Clone, PartialEq)]
pub struct LateResult {
    pub unit: EmergencyUnit,
    pub result: CrossmatchResult,
}

impl LateResult {
    pub fn incompatible(&self) -> bool {
        self.result == CrossmatchResult::Incompatible
    }
}

/// The results the blood bank now gives for `units` that differ from what the start saw and
/// from what was recorded since. Only a final answer (compatible, incompatible) counts; the
/// newest issue of the dispense is read.
pub fn late_results(units: &[EmergencyUnit], issued: &[IssueRecord]) -> Vec<LateResult> {
    units
        .iter()
        .filter_map(|unit| {
            let record = newest_issue(issued, &unit.dispense_id)?;
            let result = record.crossmatch.as_ref()?.result.clone();
            let is_final = matches!(
                result,
                CrossmatchResult::Compatible | CrossmatchResult::Incompatible
            );
            let known = result.code() == unit.crossmatch_at_start
                || unit.recorded.as_deref() == Some(result.code());
            (is_final && !known).then(|| LateResult {
                unit: unit.clone(),
                result,
            })
        })
        .collect()
}

/// The newest issue of a dispense: what the blood bank says of it now.
fn newest_issue<'a>(issued: &'a [IssueRecord], dispense_id: &str) -> Option<&'a IssueRecord> {
    issued
        .iter()
        .filter(|r| r.dispense_id == dispense_id)
        .max_by_key(|r| r.issued_at)
}

/// Emergency units another handheld started (the blood bank marked each dispense with its
/// transfusion) whose crossmatch the blood bank now gives as incompatible, issued at or after
/// `since`. Every handheld of the ward alerts on them, so the charge nurse and a nurse away from
/// the starting handheld learn of it too (§6.3). `started_here`: the dispenses this device
/// started, whose alerts come from their own transfusion's trail.
pub fn incompatible_elsewhere(
    issued: &[IssueRecord],
    started_here: &[String],
    since: crate::Instant,
) -> Vec<EmergencyUnit> {
    issued
        .iter()
        .filter(|r| newest_issue(issued, &r.dispense_id).is_some_and(|n| std::ptr::eq(n, *r)))
        .filter(|r| r.emergency.is_some() && r.issued_at >= since)
        .filter(|r| !started_here.contains(&r.dispense_id))
        .filter(|r| {
            r.crossmatch
                .as_ref()
                .is_some_and(|c| c.result == CrossmatchResult::Incompatible)
        })
        .filter_map(|r| {
            Some(EmergencyUnit {
                procedure_urn: r.started_by.clone()?,
                dispense_id: r.dispense_id.clone(),
                din: r.unit.din.clone(),
                patient_name: r.patient.name.clone(),
                // Another handheld's start: what it saw is in its own record.
                crossmatch_at_start: String::new(),
                recorded: Some(CrossmatchResult::Incompatible.code().to_string()),
            })
        })
        .collect()
}

/// What a nurse or the charge nurse on another handheld reads of a unit started elsewhere.
pub fn incompatible_elsewhere_alert(unit: &EmergencyUnit) -> Text {
    Text::tr("STOP — LATE CROSSMATCH INCOMPATIBLE: unit {din} given to {name} in an emergency, started on another handheld. Find the unit and its nurse now: stop it if it still runs, keep the line open with saline, call the doctor and the blood bank, watch for a haemolytic reaction and report it.",
        &[("din", &unit.din), ("name", &unit.patient_name)],
    )
}

/// What the nurse and the charge nurse read of an incompatible late result.
pub fn incompatible_alert(unit: &EmergencyUnit) -> Text {
    Text::tr("STOP — LATE CROSSMATCH INCOMPATIBLE: unit {din} given to {name} in an emergency. Stop the unit if it still runs, keep the line open with saline, call the doctor and the blood bank, watch for a haemolytic reaction and report it.",
        &[("din", &unit.din), ("name", &unit.patient_name)],
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::tests::record;
    use crate::check::Crossmatch;

    fn unit(at_start: &str, recorded: Option<&str>) -> EmergencyUnit {
        EmergencyUnit {
            procedure_urn: "urn:uuid:p-1".into(),
            dispense_id: "D-1001".into(),
            din: "W000026123456".into(),
            patient_name: "无名氏（男）".into(),
            crossmatch_at_start: at_start.into(),
            recorded: recorded.map(String::from),
        }
    }

    fn issued(result: CrossmatchResult) -> Vec<IssueRecord> {
        let mut r = record();
        r.crossmatch = Some(Crossmatch {
            result,
            sample_expires_at: None,
        });
        vec![r]
    }

    #[test]
    fn an_incompatible_result_after_the_start_is_new_once_and_alerts() {
        let bank = issued(CrossmatchResult::Incompatible);
        let found = late_results(&[unit("missing", None)], &bank);
        assert_eq!(found.len(), 1);
        assert!(found[0].incompatible());
        assert!(incompatible_alert(&found[0].unit).zh().contains("停止输血"));
        // Recorded: not new again.
        assert!(late_results(&[unit("missing", Some("incompatible"))], &bank).is_empty());
    }

    #[test]
    fn a_compatible_result_is_recorded_and_a_pending_one_or_the_start_result_is_not_new() {
        let found = late_results(
            &[unit("missing", None)],
            &issued(CrossmatchResult::Compatible),
        );
        assert_eq!(found.len(), 1);
        assert!(!found[0].incompatible());
        let pending = issued(CrossmatchResult::Missing("missing".into()));
        assert!(late_results(&[unit("missing", None)], &pending).is_empty());
        let same = issued(CrossmatchResult::Compatible);
        assert!(late_results(&[unit("compatible", None)], &same).is_empty());
        // A unit the cache no longer holds says nothing new.
        assert!(late_results(&[unit("missing", None)], &[]).is_empty());
    }

    #[test]
    fn a_unit_started_on_another_handheld_alerts_here_when_incompatible() {
        let mut bank = issued(CrossmatchResult::Incompatible);
        bank[0].emergency = Some(crate::check::EmergencyRelease {
            authorised_by: Some("王医生 (D2001)".into()),
            requested_at: None,
        });
        bank[0].started_by = Some("urn:uuid:elsewhere".into());
        let since = bank[0].issued_at - chrono::Duration::days(14);
        let found = incompatible_elsewhere(&bank, &[], since);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].procedure_urn, "urn:uuid:elsewhere");
        let said = incompatible_elsewhere_alert(&found[0]);
        assert!(said.en().contains("another handheld"), "{}", said.en());
        // Started here: its own trail alerts. Not started, compatible, not an emergency, or
        // issued before the watch: nothing.
        let here = vec![bank[0].dispense_id.clone()];
        assert!(incompatible_elsewhere(&bank, &here, since).is_empty());
        let mut not_started = bank.clone();
        not_started[0].started_by = None;
        assert!(incompatible_elsewhere(&not_started, &[], since).is_empty());
        let mut compatible = bank.clone();
        compatible[0].crossmatch.as_mut().unwrap().result = CrossmatchResult::Compatible;
        assert!(incompatible_elsewhere(&compatible, &[], since).is_empty());
        let mut planned = bank.clone();
        planned[0].emergency = None;
        assert!(incompatible_elsewhere(&planned, &[], since).is_empty());
        let later = bank[0].issued_at + chrono::Duration::minutes(1);
        assert!(incompatible_elsewhere(&bank, &[], later).is_empty());
        // A newer issue of the same dispense that is compatible is the one that counts.
        let mut reissued = bank.clone();
        let mut newer = reissued[0].clone();
        newer.issued_at += chrono::Duration::minutes(5);
        newer.crossmatch.as_mut().unwrap().result = CrossmatchResult::Compatible;
        reissued.push(newer);
        assert!(incompatible_elsewhere(&reissued, &[], since).is_empty());
    }
}
