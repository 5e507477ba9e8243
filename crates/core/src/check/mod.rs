//! The bedside check (床旁核对, 三查八对) of `clinical-rules.md` §1: what the wristband and the
//! bag say, against what the blood bank issued, at `now`.
//!
//! The check collects every reason that applies instead of stopping at the first, so the nurse
//! sees the whole picture at once; any `stop` reason makes the verdict `stop`.

use chrono::NaiveDateTime;

use crate::blood::{Component, Group};
use crate::messages::Text;
use crate::policy::Policy;
use crate::severity::Severity;
use crate::wristband;

mod bag;
mod device;
mod emergency;
mod reason;
mod record;
mod words;

pub use crate::Instant;
pub use reason::{Reason, ReasonCode};
pub use words::{component_name, component_text, reason_title, reason_title_of};

pub(crate) use words::stop_reason;

use bag::read_bag;
use device::{check_cache, check_clock};
use reason::Reasons;
use record::{check_record, expiry_notice, most_recent_issue};
/// Everything the check looks at. Times carry their offset; label times (local wall-clock) are
/// read in the offset of `now`.
#[derive(Debug, Clone)]
pub struct CheckInput<'a> {
    pub now: Instant,
    /// The last successful pull from the blood bank; `None` when the device never pulled.
    pub cache_synced_at: Option<Instant>,
    pub first_checker: Option<&'a str>,
    pub second_checker: Option<&'a str>,
    pub wristband_scan: &'a str,
    pub bag_scans: &'a [String],
    pub issued: &'a [IssueRecord],
    /// Units issued to the ward that the device could not read completely (a mapping problem):
    /// a scan of one of them stops with the problem, never passes on half the facts.
    pub unreadable: &'a [UnreadableIssue],
    /// What the device knows of its own clock against the blood bank's.
    pub clock: ClockFacts,
}

/// A dispense the device holds but could not turn into an issue record, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct UnreadableIssue {
    pub dispense_id: String,
    /// The unit's DIN when the product could be read that far.
    pub din: Option<String>,
    /// What is wrong, in words a blood-bank IT person can act on.
    pub problem: Text,
}

/// The device clock against the blood bank's: the facts the check needs to trust `now`.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ClockFacts {
    /// Device time minus the blood bank's (its HTTP `Date`) at the last pull, in seconds.
    pub server_offset_seconds: Option<i64>,
    /// The latest instant this device already knows to have passed (the blood bank's time at
    /// the last pull, the last record written): a `now` before it means the clock went back.
    pub latest_known: Option<Instant>,
}

/// What the device's cache holds at one instant, as the check reads it.
#[derive(Debug, Clone, Default)]
pub struct CacheSnapshot {
    pub issued: Vec<IssueRecord>,
    pub unreadable: Vec<UnreadableIssue>,
    /// The last complete pull; `None` when the device never pulled.
    pub synced_at: Option<Instant>,
    pub clock: ClockFacts,
}

/// One unit issued by the blood bank (a dispense), as cached on the device.
#[derive(Debug, Clone, PartialEq)]
pub struct IssueRecord {
    pub dispense_id: String,
    pub status: DispenseStatus,
    pub issued_at: Instant,
    pub patient: PatientRecord,
    pub unit: UnitRecord,
    pub crossmatch: Option<Crossmatch>,
    /// The client identifier of the transfusion that started this unit, as the blood bank
    /// marked it on the dispense: a unit already hanging (on another handheld) is not started
    /// again (`domain::transition`).
    pub started_by: Option<String>,
    /// Set when the blood bank released the unit in an emergency, before the crossmatch was
    /// complete (`clinical-rules.md` §6).
    pub emergency: Option<EmergencyRelease>,
}

/// A unit released before the crossmatch was complete, on a doctor's authorisation.
#[derive(Debug, Clone, PartialEq)]
pub struct EmergencyRelease {
    /// The doctor who authorised the release, as the blood bank recorded them; none stops.
    pub authorised_by: Option<String>,
    /// When the emergency request reached the blood bank (the 15-minute indicator).
    pub requested_at: Option<Instant>,
}

impl EmergencyRelease {
    /// The authorising doctor, when the blood bank named one.
    pub fn doctor(&self) -> Option<&str> {
        self.authorised_by
            .as_deref()
            .map(str::trim)
            .filter(|d| !d.is_empty())
    }
}

/// The patient's sex as the emergency RhD rule reads it; anything else is unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sex {
    Female,
    Male,
}

impl Sex {
    /// FHIR `Patient.gender` and the scenario files' `sex`: `female`, `male`; other codes
    /// (`other`, `unknown`) say nothing the rule can use.
    pub fn parse(code: &str) -> Option<Sex> {
        match code.trim() {
            "female" => Some(Sex::Female),
            "male" => Some(Sex::Male),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Sex::Female => "female",
            Sex::Male => "male",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct PatientRecord {
    pub mrn: String,
    pub wristband_id: Option<String>,
    pub name: String,
    pub birth_date: Option<chrono::NaiveDate>,
    pub group: Group,
    /// Attributes every unit for this patient must have (`irradiated`, `cmv_negative`, …).
    pub requirements: Vec<String>,
    pub sex: Option<Sex>,
    /// Identifiers the blood bank merged into this patient (a temporary emergency ID replaced
    /// once the patient was identified, `clinical-rules.md` §6.2).
    pub merged_ids: Vec<String>,
    /// The bed the patient lies in (the blood bank's in-progress Encounter): read aloud among
    /// the eight matches, never a check input.
    pub bed: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct UnitRecord {
    pub din: String,
    pub product_code: String,
    pub component: Component,
    pub group: Group,
    pub expires_at: Instant,
    pub attributes: Vec<String>,
}

/// Where an issued unit stands, as the blood bank says. A status the contract does not name is
/// kept as read (`Other`): it stops the check and is shown, never mistaken for another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DispenseStatus {
    Issued,
    Returned,
    Recalled,
    Cancelled,
    Transfused,
    Other(String),
}

impl DispenseStatus {
    pub fn parse(code: &str) -> DispenseStatus {
        match code.trim() {
            "issued" => DispenseStatus::Issued,
            "returned" => DispenseStatus::Returned,
            "recalled" => DispenseStatus::Recalled,
            "cancelled" => DispenseStatus::Cancelled,
            "transfused" => DispenseStatus::Transfused,
            other => DispenseStatus::Other(other.to_string()),
        }
    }

    /// The code as scenario files and the blood bank's mapping write it.
    pub fn code(&self) -> &str {
        match self {
            DispenseStatus::Issued => "issued",
            DispenseStatus::Returned => "returned",
            DispenseStatus::Recalled => "recalled",
            DispenseStatus::Cancelled => "cancelled",
            DispenseStatus::Transfused => "transfused",
            DispenseStatus::Other(code) => code,
        }
    }
}

impl From<&str> for DispenseStatus {
    fn from(code: &str) -> DispenseStatus {
        DispenseStatus::parse(code)
    }
}

/// The crossmatch as the blood bank reported it for the unit. Anything but a compatible result
/// (or none needed for the component) stops the check; `Missing` keeps what was read, if
/// anything (`pending`, a code the contract does not name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CrossmatchResult {
    Compatible,
    Incompatible,
    NotRequired,
    Missing(String),
}

impl CrossmatchResult {
    pub fn parse(code: &str) -> CrossmatchResult {
        match code.trim() {
            "compatible" => CrossmatchResult::Compatible,
            "incompatible" => CrossmatchResult::Incompatible,
            "not_required" => CrossmatchResult::NotRequired,
            other => CrossmatchResult::Missing(other.to_string()),
        }
    }

    pub fn code(&self) -> &str {
        match self {
            CrossmatchResult::Compatible => "compatible",
            CrossmatchResult::Incompatible => "incompatible",
            CrossmatchResult::NotRequired => "not_required",
            CrossmatchResult::Missing(code) => code,
        }
    }
}

impl From<&str> for CrossmatchResult {
    fn from(code: &str) -> CrossmatchResult {
        CrossmatchResult::parse(code)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Crossmatch {
    pub result: CrossmatchResult,
    pub sample_expires_at: Option<Instant>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckVerdict {
    Proceed,
    Stop,
}

impl CheckVerdict {
    pub fn as_str(self) -> &'static str {
        match self {
            CheckVerdict::Proceed => "proceed",
            CheckVerdict::Stop => "stop",
        }
    }
}

/// What the bag scans said, gathered from every readable structure.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LabelFacts {
    pub dins: Vec<String>,
    pub groups: Vec<Group>,
    pub product_codes: Vec<String>,
    pub expiries: Vec<NaiveDateTime>,
    /// True when a DIN was keyed in rather than scanned (recorded as such).
    pub keyed_din: bool,
}

impl LabelFacts {
    pub fn din(&self) -> Option<&str> {
        single(&self.dins).map(String::as_str)
    }
    pub fn group(&self) -> Option<Group> {
        single(&self.groups).copied()
    }
    pub fn product_code(&self) -> Option<&str> {
        single(&self.product_codes).map(String::as_str)
    }
    pub fn expires_at(&self) -> Option<NaiveDateTime> {
        single(&self.expiries).copied()
    }
}

/// The value when every scan agrees on it.
fn single<T: PartialEq>(values: &[T]) -> Option<&T> {
    let first = values.first()?;
    values.iter().all(|v| v == first).then_some(first)
}

#[derive(Debug, Clone, PartialEq)]
pub struct CheckOutcome {
    pub verdict: CheckVerdict,
    /// Stop reasons first, then warnings, each group in the order the checks ran.
    pub reasons: Vec<Reason>,
    /// The identifier read from the wristband.
    pub patient_id: Option<String>,
    pub label: LabelFacts,
    /// Index into `CheckInput::issued` of the record the unit was checked against.
    pub record: Option<usize>,
    /// What the nurses should know that neither stops nor needs an acknowledgement (a unit that
    /// will expire within the hour, `clinical-rules.md` §7). Not among `reasons`: the verdict and
    /// its reasons are the rule table's alone.
    pub notices: Vec<Reason>,
}

impl CheckOutcome {
    pub fn warnings(&self) -> impl Iterator<Item = &Reason> {
        self.reasons.iter().filter(|r| r.severity == Severity::Warn)
    }
}

/// Runs the bedside check.
pub fn check(input: &CheckInput, policy: &Policy) -> CheckOutcome {
    let mut found = Reasons::default();

    check_staff(input, policy, &mut found);
    let patient_id = read_wristband(input, policy, &mut found);
    let label = read_bag(input.bag_scans, policy, &mut found);
    let record = label
        .din()
        .and_then(|din| find_record(input, din, &mut found));
    if let Some(index) = record {
        check_record(
            input,
            &input.issued[index],
            patient_id.as_deref(),
            &label,
            policy,
            &mut found,
        );
    }
    check_cache(input, policy, &mut found);
    check_clock(input, record.map(|i| &input.issued[i]), policy, &mut found);
    let notices = record
        .and_then(|i| expiry_notice(&input.issued[i], &label, input.now, policy))
        .into_iter()
        .collect();

    let (verdict, reasons) = found.into_verdict();
    CheckOutcome {
        verdict,
        reasons,
        patient_id,
        label,
        record,
        notices,
    }
}

/// The patient identifier on the wristband, or a reason when it cannot be read.
fn read_wristband(input: &CheckInput, policy: &Policy, found: &mut Reasons) -> Option<String> {
    match wristband::patient_identifier(input.wristband_scan, policy) {
        Ok(id) => Some(id),
        Err(detail) => {
            found.stop_with(
                ReasonCode::WristbandUnreadable,
                &[("detail", (&detail).into())],
            );
            None
        }
    }
}

/// Index into `input.issued` of the issue the scanned DIN is checked against.
fn find_record(input: &CheckInput, din: &str, found: &mut Reasons) -> Option<usize> {
    // A record the device could not read stops the unit even beside a readable one of the same
    // DIN: which of them counts cannot be known.
    let unreadable: Vec<&UnreadableIssue> = input
        .unreadable
        .iter()
        .filter(|u| u.din.as_deref().map(str::trim) == Some(din))
        .collect();
    for u in &unreadable {
        found.stop_with(
            ReasonCode::IssueRecordUnreadable,
            &[("din", din.into()), ("problem", (&u.problem).into())],
        );
    }
    let record = most_recent_issue(input.issued, din);
    if record.is_none() && unreadable.is_empty() {
        found.stop(ReasonCode::UnitNotIssued, &[("din", din)]);
    }
    record
}

fn check_staff(input: &CheckInput, policy: &Policy, found: &mut Reasons) {
    let badge = |b: Option<&str>| {
        b.map(str::trim)
            .filter(|b| !b.is_empty())
            .map(str::to_uppercase)
    };
    let first = badge(input.first_checker);
    let second = badge(input.second_checker);
    match (&first, &second) {
        (Some(a), Some(b)) if a == b => found.stop(ReasonCode::SameChecker, &[("badge", a)]),
        (Some(_), Some(_)) => {}
        _ if policy.require_second_checker => found.stop(ReasonCode::SecondCheckerRequired, &[]),
        _ => {}
    }
}

#[cfg(test)]
pub(crate) mod tests;
