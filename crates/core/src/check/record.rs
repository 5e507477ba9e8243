//! The scanned unit against the blood bank's issue record: the right patient, a usable unit,
//! compatible blood, in time.

use chrono::{Duration, FixedOffset, NaiveDateTime, TimeZone};

use crate::blood::{compatibility, Group, Verdict};
use crate::messages::{Arg, Text};
use crate::policy::Policy;
use crate::severity::Severity;
use crate::wristband;
use crate::Instant;

use super::emergency::{
    authorised_emergency, check_emergency, push_rhd_positive_warning, rhd_positive_allowed,
};
use super::reason::{Reason, ReasonCode, Reasons};
use super::words::message;
use super::words::{component_text, requirement_name, status_name};
use super::{CheckInput, CrossmatchResult, DispenseStatus, IssueRecord, LabelFacts};

/// When the blood bank issued the same DIN more than once (returned and reissued), the latest
/// issue is the one that counts.
pub(super) fn most_recent_issue(issued: &[IssueRecord], din: &str) -> Option<usize> {
    issued
        .iter()
        .enumerate()
        .filter(|(_, r)| r.unit.din.trim() == din)
        .max_by_key(|(_, r)| r.issued_at)
        .map(|(i, _)| i)
}

/// Every rule that compares the scanned unit with the issue record, in the order the nurse
/// would check them by hand.
pub(super) fn check_record(
    input: &CheckInput,
    record: &IssueRecord,
    patient_id: Option<&str>,
    label: &LabelFacts,
    policy: &Policy,
    found: &mut Reasons,
) {
    if let Some(id) = patient_id {
        check_patient(record, id, found);
    }
    check_status(record, found);
    check_product(record, label, found);
    let label_group = label.group();
    if let Some(group) = label_group {
        check_label_group(record, group, found);
    }
    let unit_group = label_group.unwrap_or(record.unit.group);
    check_compatibility(record, unit_group, input.now, policy, found);
    check_expiry(record, label, input.now, found);
    check_emergency(record, found);
    check_crossmatch(record, input.now, found);
    check_issue_time(record, input.now, policy, found);
    check_requirements(record, found);
}

fn check_patient(record: &IssueRecord, wristband_id: &str, found: &mut Reasons) {
    let patient = &record.patient;
    if wristband::identifies(wristband_id, &patient.mrn, patient.wristband_id.as_deref()) {
        return;
    }
    let merged = patient
        .merged_ids
        .iter()
        .any(|old| wristband::identifies(wristband_id, old, None));
    if merged {
        found.warn(
            ReasonCode::PatientIdMerged,
            &[
                ("id", wristband_id),
                ("name", &patient.name),
                ("mrn", &patient.mrn),
            ],
        );
    } else {
        found.stop(
            ReasonCode::UnitForOtherPatient,
            &[
                ("din", &record.unit.din),
                ("name", &patient.name),
                ("mrn", &patient.mrn),
                ("id", wristband_id),
            ],
        );
    }
}

fn check_status(record: &IssueRecord, found: &mut Reasons) {
    if record.status != DispenseStatus::Issued {
        let status = status_name(&record.status);
        found.stop_with(
            ReasonCode::UnitStatus,
            &[
                ("din", (&record.unit.din).into()),
                ("status", (&status).into()),
            ],
        );
    }
}

fn check_product(record: &IssueRecord, label: &LabelFacts, found: &mut Reasons) {
    if let Some(code) = label.product_code() {
        if code != record.unit.product_code.trim() {
            found.stop(
                ReasonCode::ProductMismatch,
                &[("label", code), ("record", &record.unit.product_code)],
            );
        }
    }
}

fn check_label_group(record: &IssueRecord, label_group: Group, found: &mut Reasons) {
    if label_group != record.unit.group {
        found.stop(
            ReasonCode::LabelGroupMismatch,
            &[
                ("label", &label_group.display()),
                ("record", &record.unit.group.display()),
            ],
        );
    }
}

/// The earlier of the label's and the record's expiry.
fn expiry_of(record: &IssueRecord, label: &LabelFacts, now: Instant) -> Instant {
    let label_expiry = label
        .expires_at()
        .and_then(|naive| local_instant(now.offset(), naive));
    match label_expiry {
        Some(l) => l.min(record.unit.expires_at),
        None => record.unit.expires_at,
    }
}

/// A unit not expired yet whose expiry is at most `expiry_warn_minutes` away: it may run out
/// of date while it runs (`clinical-rules.md` §7).
pub(super) fn expiry_notice(
    record: &IssueRecord,
    label: &LabelFacts,
    now: Instant,
    policy: &Policy,
) -> Option<Reason> {
    let expiry = expiry_of(record, label, now);
    let left = expiry - now;
    if policy.expiry_warn_minutes == 0
        || is_past_minute(now, expiry)
        || left > Duration::minutes(policy.expiry_warn_minutes)
    {
        return None;
    }
    let (expiry, minutes) = (
        Text::date_time(expiry),
        left.num_minutes().max(0).to_string(),
    );
    Some(Reason {
        code: ReasonCode::UnitExpiresSoon,
        severity: Severity::Warn,
        message: message(
            ReasonCode::UnitExpiresSoon,
            &[
                ("din", (&record.unit.din).into()),
                ("expiry", (&expiry).into()),
                ("minutes", (&minutes).into()),
            ],
        ),
    })
}

/// The earlier of the label's and the record's expiry counts.
fn check_expiry(record: &IssueRecord, label: &LabelFacts, now: Instant, found: &mut Reasons) {
    let expiry = expiry_of(record, label, now);
    if is_past_minute(now, expiry) {
        let expiry = Text::date_time(expiry);
        found.stop_with(
            ReasonCode::UnitExpired,
            &[
                ("din", (&record.unit.din).into()),
                ("expiry", (&expiry).into()),
            ],
        );
    }
}

fn check_issue_time(record: &IssueRecord, now: Instant, policy: &Policy, found: &mut Reasons) {
    let since_issue = now - record.issued_at;
    if since_issue > Duration::minutes(policy.start_within_minutes) {
        found.stop(
            ReasonCode::IssueTimeExceeded,
            &[
                ("din", &record.unit.din),
                ("minutes", &since_issue.num_minutes().to_string()),
                ("limit", &policy.start_within_minutes.to_string()),
            ],
        );
    }
}

/// The patient's special requirements (irradiated, CMV-negative, …) the unit does not meet.
fn check_requirements(record: &IssueRecord, found: &mut Reasons) {
    let unmet: Vec<&str> = record
        .patient
        .requirements
        .iter()
        .map(|r| r.trim())
        .filter(|r| !r.is_empty() && !record.unit.attributes.iter().any(|a| a.trim() == *r))
        .collect();
    if unmet.is_empty() {
        return;
    }
    let names: Vec<Text> = unmet.iter().map(|r| requirement_name(r)).collect();
    let missing = Text::list(&names);
    found.stop_with(
        ReasonCode::SpecialRequirementUnmet,
        &[
            ("din", (&record.unit.din).into()),
            ("missing", (&missing).into()),
        ],
    );
}

fn check_compatibility(
    record: &IssueRecord,
    unit_group: Group,
    now: Instant,
    policy: &Policy,
    found: &mut Reasons,
) {
    let component = record.unit.component;
    let patient_group = record.patient.group;
    let result = compatibility(component, patient_group, unit_group);
    let (component, unit, patient) = (
        component_text(component),
        unit_group.words(),
        patient_group.words(),
    );
    let args: [(&str, Arg); 3] = [
        ("component", (&component).into()),
        ("unit", (&unit).into()),
        ("patient", (&patient).into()),
    ];
    match result.abo {
        Verdict::Stop => found.stop_with(ReasonCode::AboIncompatible, &args),
        Verdict::Warn => found.warn_with(ReasonCode::AboNonidentical, &args),
        Verdict::Ok => {}
    }
    match result.rhd {
        Verdict::Stop if rhd_positive_allowed(record, now, policy) => {
            push_rhd_positive_warning(found, &args)
        }
        Verdict::Stop => found.stop_with(ReasonCode::RhdIncompatible, &args),
        Verdict::Warn => found.push(
            ReasonCode::RhdIncompatible,
            Severity::Warn,
            Text::tr_with("RhD-positive {component} ({unit}) for an RhD-negative or untyped patient ({patient}): tell the doctor (anti-D prophylaxis), then acknowledge.",
                &args,
            ),
        ),
        Verdict::Ok => {}
    }
}

fn check_crossmatch(record: &IssueRecord, now: Instant, found: &mut Reasons) {
    let din = record.unit.din.as_str();
    let result = record.crossmatch.as_ref().map(|c| &c.result);
    if result == Some(&CrossmatchResult::Incompatible) {
        found.stop(ReasonCode::CrossmatchIncompatible, &[("din", din)]);
    } else if record.unit.component.needs_crossmatch()
        && authorised_emergency(record).is_none()
        && !matches!(
            result,
            Some(CrossmatchResult::Compatible | CrossmatchResult::NotRequired)
        )
    {
        found.stop(ReasonCode::CrossmatchMissing, &[("din", din)]);
    }
    if let Some(sample_end) = record.crossmatch.as_ref().and_then(|c| c.sample_expires_at) {
        if sample_end < now {
            let at = Text::date_time(sample_end);
            found.stop_with(ReasonCode::SampleExpired, &[("at", (&at).into())]);
        }
    }
}

/// A label time is the hospital's wall clock, read in the zone of `now`.
fn local_instant(offset: &FixedOffset, naive: NaiveDateTime) -> Option<Instant> {
    offset.from_local_datetime(&naive).single()
}

/// Expiry times have minute precision and the whole minute is allowed: a unit expiring at
/// 23:59 may be used until 23:59:59.
fn is_past_minute(now: Instant, expiry: Instant) -> bool {
    let minute_start = expiry - Duration::seconds(i64::from(chrono::Timelike::second(&expiry)));
    now >= minute_start + Duration::minutes(1)
}
