//! The codes of the check's reasons, and the reasons as the check collects them.

use crate::messages::{Arg, Text};
use crate::severity::Severity;

use super::words::message;
use super::CheckVerdict;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReasonCode {
    SecondCheckerRequired,
    SameChecker,
    WristbandUnreadable,
    LabelUnreadable,
    CheckCharacterMismatch,
    LabelInconsistent,
    LabelIncomplete,
    UnitNotIssued,
    UnitForOtherPatient,
    UnitStatus,
    ProductMismatch,
    LabelGroupMismatch,
    AboIncompatible,
    AboNonidentical,
    RhdIncompatible,
    UnitExpired,
    CrossmatchIncompatible,
    CrossmatchMissing,
    SampleExpired,
    IssueTimeExceeded,
    SpecialRequirementUnmet,
    CacheStale,
    /// A repeat check found another bag than the interrupted one (`domain::transition`).
    NotTheInterruptedUnit,
    /// The blood bank's record of the scanned unit could not be read completely on the device.
    IssueRecordUnreadable,
    /// The device clock disagrees with the blood bank's, went back, or precedes an issue time.
    ClockUntrusted,
    /// Released before the crossmatch was complete, on a doctor's authorisation (§6).
    EmergencyRelease,
    /// Marked emergency, but no authorising doctor recorded.
    EmergencyNotAuthorised,
    /// The wristband's ID is a temporary one the blood bank merged into the unit's patient.
    PatientIdMerged,
    /// A notice, not a reason: the unit expires within `Policy::expiry_warn_minutes`.
    UnitExpiresSoon,
}

impl ReasonCode {
    /// Every code, in the order the check runs its rules.
    pub const ALL: [ReasonCode; 29] = [
        ReasonCode::SecondCheckerRequired,
        ReasonCode::SameChecker,
        ReasonCode::WristbandUnreadable,
        ReasonCode::LabelUnreadable,
        ReasonCode::CheckCharacterMismatch,
        ReasonCode::LabelInconsistent,
        ReasonCode::LabelIncomplete,
        ReasonCode::UnitNotIssued,
        ReasonCode::UnitForOtherPatient,
        ReasonCode::UnitStatus,
        ReasonCode::ProductMismatch,
        ReasonCode::LabelGroupMismatch,
        ReasonCode::AboIncompatible,
        ReasonCode::AboNonidentical,
        ReasonCode::RhdIncompatible,
        ReasonCode::UnitExpired,
        ReasonCode::CrossmatchIncompatible,
        ReasonCode::CrossmatchMissing,
        ReasonCode::SampleExpired,
        ReasonCode::IssueTimeExceeded,
        ReasonCode::SpecialRequirementUnmet,
        ReasonCode::CacheStale,
        ReasonCode::NotTheInterruptedUnit,
        ReasonCode::IssueRecordUnreadable,
        ReasonCode::ClockUntrusted,
        ReasonCode::EmergencyRelease,
        ReasonCode::EmergencyNotAuthorised,
        ReasonCode::PatientIdMerged,
        ReasonCode::UnitExpiresSoon,
    ];

    /// The code as stored (`ABO_INCOMPATIBLE`).
    pub fn parse(code: &str) -> Option<ReasonCode> {
        ReasonCode::ALL.into_iter().find(|c| c.as_str() == code)
    }

    pub fn as_str(self) -> &'static str {
        use ReasonCode::*;
        match self {
            SecondCheckerRequired => "SECOND_CHECKER_REQUIRED",
            SameChecker => "SAME_CHECKER",
            WristbandUnreadable => "WRISTBAND_UNREADABLE",
            LabelUnreadable => "LABEL_UNREADABLE",
            CheckCharacterMismatch => "CHECK_CHARACTER_MISMATCH",
            LabelInconsistent => "LABEL_INCONSISTENT",
            LabelIncomplete => "LABEL_INCOMPLETE",
            UnitNotIssued => "UNIT_NOT_ISSUED",
            UnitForOtherPatient => "UNIT_FOR_OTHER_PATIENT",
            UnitStatus => "UNIT_STATUS",
            ProductMismatch => "PRODUCT_MISMATCH",
            LabelGroupMismatch => "LABEL_GROUP_MISMATCH",
            AboIncompatible => "ABO_INCOMPATIBLE",
            AboNonidentical => "ABO_NONIDENTICAL",
            RhdIncompatible => "RHD_INCOMPATIBLE",
            UnitExpired => "UNIT_EXPIRED",
            CrossmatchIncompatible => "CROSSMATCH_INCOMPATIBLE",
            CrossmatchMissing => "CROSSMATCH_MISSING",
            SampleExpired => "SAMPLE_EXPIRED",
            IssueTimeExceeded => "ISSUE_TIME_EXCEEDED",
            SpecialRequirementUnmet => "SPECIAL_REQUIREMENT_UNMET",
            CacheStale => "CACHE_STALE",
            NotTheInterruptedUnit => "NOT_THE_INTERRUPTED_UNIT",
            IssueRecordUnreadable => "ISSUE_RECORD_UNREADABLE",
            ClockUntrusted => "CLOCK_UNTRUSTED",
            EmergencyRelease => "EMERGENCY_RELEASE",
            EmergencyNotAuthorised => "EMERGENCY_NOT_AUTHORISED",
            PatientIdMerged => "PATIENT_ID_MERGED",
            UnitExpiresSoon => "UNIT_EXPIRES_SOON",
        }
    }

    /// The key the UI looks its own rendering up by (`reason.UNIT_EXPIRED`).
    pub fn message_key(self) -> String {
        format!("reason.{}", self.as_str())
    }
}

/// One reason the check found, with the words the nurse reads.
#[derive(Debug, Clone, PartialEq)]
pub struct Reason {
    pub code: ReasonCode,
    pub severity: Severity,
    pub message: Text,
}

/// The reasons found so far, in the order the checks ran.
#[derive(Default)]
pub(super) struct Reasons(Vec<Reason>);

impl Reasons {
    pub(super) fn stop(&mut self, code: ReasonCode, args: &[(&str, &str)]) {
        self.stop_with(code, &same(args));
    }

    pub(super) fn warn(&mut self, code: ReasonCode, args: &[(&str, &str)]) {
        self.warn_with(code, &same(args));
    }

    /// A stop whose facts include words (a component's name, a status) in both languages.
    pub(super) fn stop_with(&mut self, code: ReasonCode, args: &[(&str, Arg)]) {
        self.push(code, Severity::Stop, message(code, args));
    }

    pub(super) fn warn_with(&mut self, code: ReasonCode, args: &[(&str, Arg)]) {
        self.push(code, Severity::Warn, message(code, args));
    }

    /// The verdict, and the reasons with every stop before every warning (each group in the
    /// order the checks ran).
    pub(super) fn into_verdict(self) -> (CheckVerdict, Vec<Reason>) {
        let verdict = if self.0.iter().any(|r| r.severity == Severity::Stop) {
            CheckVerdict::Stop
        } else {
            CheckVerdict::Proceed
        };
        let mut reasons = self.0;
        reasons.sort_by_key(|r| std::cmp::Reverse(r.severity));
        (verdict, reasons)
    }

    pub(super) fn push(&mut self, code: ReasonCode, severity: Severity, message: Text) {
        self.0.push(Reason {
            code,
            severity,
            message,
        });
    }
}

/// Facts the same in both languages, as placeholder values.
pub(super) fn same<'a>(args: &[(&'a str, &'a str)]) -> Vec<(&'a str, Arg<'a>)> {
    args.iter().map(|(k, v)| (*k, Arg::Same(v))).collect()
}
