//! The words of the check: each reason's message, and the names of statuses, components and
//! special requirements in both languages.

use crate::blood::Component;
use crate::messages::{tr, tr_noop, Arg, Lang, Text};
use crate::severity::Severity;

use super::reason::{Reason, ReasonCode};
use super::DispenseStatus;

/// What the blood bank says of a unit, in both languages.
pub(super) fn status_name(status: &DispenseStatus) -> Text {
    let msgid = match status {
        DispenseStatus::Issued => tr_noop("issued"),
        DispenseStatus::Returned => tr_noop("returned"),
        DispenseStatus::Recalled => tr_noop("recalled"),
        DispenseStatus::Cancelled => tr_noop("cancelled"),
        DispenseStatus::Transfused => tr_noop("already transfused"),
        DispenseStatus::Other(code) => {
            return Text::tr("in an unusual status ({status})", &[("status", code)])
        }
    };
    Text::tr(msgid, &[])
}

/// The component's name in `lang`.
pub fn component_name(component: Component, lang: Lang) -> &'static str {
    tr(lang, component_msgid(component))
}

/// The component's name in both languages.
pub fn component_text(component: Component) -> Text {
    Text::tr(component_msgid(component), &[])
}

fn component_msgid(component: Component) -> &'static str {
    match component {
        Component::RedCells => tr_noop("red cells"),
        Component::WholeBlood => tr_noop("whole blood"),
        Component::Plasma => tr_noop("plasma"),
        Component::Platelets => tr_noop("platelets"),
        Component::Cryo => tr_noop("cryoprecipitate"),
    }
}

/// A special requirement's name in both languages; one the app does not know is named as such.
pub(super) fn requirement_name(requirement: &str) -> Text {
    let msgid = match requirement {
        "irradiated" => tr_noop("irradiated"),
        "cmv_negative" => tr_noop("CMV-negative"),
        "leukoreduced" => tr_noop("leukoreduced"),
        "washed" => tr_noop("washed"),
        "hla_matched" => tr_noop("HLA-matched"),
        other => return Text::tr("special requirement {code}", &[("code", other)]),
    };
    Text::tr(msgid, &[])
}

/// A reason's message in English, the msgid, with `{placeholders}` for its facts.
type Words = &'static str;

/// The words of each reason: what is wrong, then what to do. Written for a tired nurse.
pub(super) fn message(code: ReasonCode, args: &[(&str, Arg)]) -> Text {
    Text::tr_with(words(code), args)
}

fn words(code: ReasonCode) -> Words {
    use ReasonCode::*;
    match code {
        SecondCheckerRequired => SECOND_CHECKER_REQUIRED,
        SameChecker => SAME_CHECKER,
        WristbandUnreadable => WRISTBAND_UNREADABLE,
        LabelUnreadable => LABEL_UNREADABLE,
        CheckCharacterMismatch => CHECK_CHARACTER_MISMATCH,
        LabelInconsistent => LABEL_INCONSISTENT,
        LabelIncomplete => LABEL_INCOMPLETE,
        UnitNotIssued => UNIT_NOT_ISSUED,
        UnitForOtherPatient => UNIT_FOR_OTHER_PATIENT,
        UnitStatus => UNIT_STATUS,
        ProductMismatch => PRODUCT_MISMATCH,
        LabelGroupMismatch => LABEL_GROUP_MISMATCH,
        AboIncompatible => ABO_INCOMPATIBLE,
        AboNonidentical => ABO_NONIDENTICAL,
        RhdIncompatible => RHD_INCOMPATIBLE,
        UnitExpired => UNIT_EXPIRED,
        CrossmatchIncompatible => CROSSMATCH_INCOMPATIBLE,
        CrossmatchMissing => CROSSMATCH_MISSING,
        SampleExpired => SAMPLE_EXPIRED,
        IssueTimeExceeded => ISSUE_TIME_EXCEEDED,
        SpecialRequirementUnmet => SPECIAL_REQUIREMENT_UNMET,
        CacheStale => CACHE_STALE,
        ClockUntrusted => CLOCK_UNTRUSTED,
        IssueRecordUnreadable => ISSUE_RECORD_UNREADABLE,
        NotTheInterruptedUnit => NOT_THE_INTERRUPTED_UNIT,
        EmergencyRelease => EMERGENCY_RELEASE,
        EmergencyNotAuthorised => EMERGENCY_NOT_AUTHORISED,
        PatientIdMerged => PATIENT_ID_MERGED,
        UnitExpiresSoon => UNIT_EXPIRES_SOON,
    }
}

const SECOND_CHECKER_REQUIRED: Words = tr_noop(
    "A second nurse must check with you: ask a colleague to scan their badge and enter their PIN.",
);

const SAME_CHECKER: Words = tr_noop("The second checker is the same person as the first ({badge}). A different colleague must check.");

const WRISTBAND_UNREADABLE: Words = tr_noop("Cannot read the patient's wristband ({detail}). Scan it again; if it is damaged, print a new wristband.");

const LABEL_UNREADABLE: Words = tr_noop("Bag barcode {n} could not be read: {detail}");

const CHECK_CHARACTER_MISMATCH: Words =
    tr_noop("The unit number {scan} does not match its check character: {detail}");

const LABEL_INCONSISTENT: Words = tr_noop(
    "The bag scans disagree ({values}). Were two bags scanned? Scan only the bag you will hang.",
);

const LABEL_INCOMPLETE: Words =
    tr_noop("Not scanned from the bag yet: {missing}. Scan every barcode on the bag label.");

const UNIT_NOT_ISSUED: Words = tr_noop("Unit {din} was not issued by the blood bank for any patient on this device. Do not transfuse; call the blood bank.");

const UNIT_FOR_OTHER_PATIENT: Words = tr_noop("WRONG PATIENT: unit {din} was issued for {name} ({mrn}), not for this patient ({id}). Do not transfuse; return the unit to the blood bank.");

const UNIT_STATUS: Words = tr_noop(
    "Unit {din} is {status} at the blood bank. Do not transfuse; return it to the blood bank.",
);

const PRODUCT_MISMATCH: Words = tr_noop("The bag's product code {label} differs from the product the blood bank issued ({record}). Do not transfuse; call the blood bank.");

const LABEL_GROUP_MISMATCH: Words = tr_noop("The bag's blood group {label} differs from the group the blood bank issued ({record}). Do not transfuse; call the blood bank.");

const ABO_INCOMPATIBLE: Words = tr_noop("ABO INCOMPATIBLE: {component} of group {unit} for a patient of group {patient}. Do not transfuse.");

const ABO_NONIDENTICAL: Words = tr_noop("{component} of group {unit} for a patient of group {patient} is not ABO-identical. Acknowledge with a reason to go on.");

const RHD_INCOMPATIBLE: Words = tr_noop(
    "RhD INCOMPATIBLE: {component} {unit} for a patient of group {patient}. Do not transfuse.",
);

const UNIT_EXPIRED: Words =
    tr_noop("Unit {din} expired at {expiry}. Do not transfuse; return it to the blood bank.");

const CROSSMATCH_INCOMPATIBLE: Words = tr_noop(
    "The crossmatch for unit {din} is INCOMPATIBLE. Do not transfuse; call the blood bank.",
);

const CROSSMATCH_MISSING: Words = tr_noop(
    "Unit {din} has no compatible crossmatch result. Do not transfuse; call the blood bank.",
);

const SAMPLE_EXPIRED: Words = tr_noop("The patient's crossmatch sample expired at {at}: a new sample and crossmatch are needed. Call the blood bank.");

const ISSUE_TIME_EXCEEDED: Words = tr_noop("Unit {din} left the blood bank {minutes} minutes ago (limit {limit}). Do not start it; return it to the blood bank.");

const SPECIAL_REQUIREMENT_UNMET: Words = tr_noop(
    "The patient needs {missing} blood; unit {din} is not. Do not transfuse; call the blood bank.",
);

const CACHE_STALE: Words = tr_noop("Blood-bank data last updated {minutes}: a recall may not have reached this device. Reconnect if you can, then acknowledge.");

const CLOCK_UNTRUSTED: Words = tr_noop("This device's clock cannot be trusted: {why}. Times (the 30-minute rule, expiry) cannot be judged: have the device's time set, then check again.");

const ISSUE_RECORD_UNREADABLE: Words = tr_noop("The blood bank's record of unit {din} is incomplete on this device ({problem}). Do not transfuse; call the blood bank.");

const NOT_THE_INTERRUPTED_UNIT: Words = tr_noop(
    "This bag ({din}) is not the one whose transfusion was interrupted: scan the interrupted bag.",
);

const EMERGENCY_RELEASE: Words = tr_noop("EMERGENCY RELEASE authorised by {doctor}: NOT CHECKED — {unchecked}. Everything else was checked. Acknowledge to go on; watch the patient closely, the crossmatch result will follow.");

const EMERGENCY_NOT_AUTHORISED: Words = tr_noop("Unit {din} is marked as emergency release, but no authorising doctor is recorded. Do not transfuse; the doctor must authorise it with the blood bank.");

const PATIENT_ID_MERGED: Words = tr_noop("The wristband shows the temporary ID {id}; the blood bank has merged it with {name} ({mrn}). Check the name aloud; put a new wristband on the patient when you can.");

const UNIT_EXPIRES_SOON: Words = tr_noop("Unit {din} expires at {expiry}, in {minutes} minutes: it may run out of date while it runs. Start it now or ask the blood bank.");

/// A stop reason with its words, for the rules of `domain::transition`.
pub(crate) fn stop_reason(code: ReasonCode, args: &[(&str, Arg)]) -> Reason {
    Reason {
        code,
        severity: Severity::Stop,
        message: message(code, args),
    }
}

/// A reason's short name, for lists and tables (indicators, exports, the audit trail).
pub fn reason_title(code: ReasonCode) -> Text {
    use ReasonCode::*;
    let msgid = match code {
        SecondCheckerRequired => tr_noop("second checker missing"),
        SameChecker => tr_noop("the same person checked twice"),
        WristbandUnreadable => tr_noop("wristband unreadable"),
        LabelUnreadable => tr_noop("bag label unreadable"),
        CheckCharacterMismatch => tr_noop("unit number check character wrong"),
        LabelInconsistent => tr_noop("bag scans disagree"),
        LabelIncomplete => tr_noop("bag label not fully scanned"),
        UnitNotIssued => tr_noop("unit not issued"),
        UnitForOtherPatient => tr_noop("unit issued for another patient"),
        UnitStatus => tr_noop("unit not in issued status"),
        ProductMismatch => tr_noop("product differs from the issue"),
        LabelGroupMismatch => tr_noop("bag blood group differs from the issue"),
        AboIncompatible => tr_noop("ABO incompatible"),
        AboNonidentical => tr_noop("ABO compatible, not identical"),
        RhdIncompatible => tr_noop("RhD incompatible"),
        UnitExpired => tr_noop("unit expired"),
        CrossmatchIncompatible => tr_noop("crossmatch incompatible"),
        CrossmatchMissing => tr_noop("no crossmatch result"),
        SampleExpired => tr_noop("crossmatch sample expired"),
        IssueTimeExceeded => tr_noop("too long since issue"),
        SpecialRequirementUnmet => tr_noop("special requirement unmet"),
        CacheStale => tr_noop("blood bank records not recent"),
        ClockUntrusted => tr_noop("device clock untrusted"),
        IssueRecordUnreadable => tr_noop("issue record unreadable"),
        NotTheInterruptedUnit => tr_noop("not the interrupted unit"),
        EmergencyRelease => tr_noop("emergency release"),
        EmergencyNotAuthorised => tr_noop("emergency release not authorised"),
        PatientIdMerged => tr_noop("temporary ID merged"),
        UnitExpiresSoon => tr_noop("unit expires soon"),
    };
    Text::tr(msgid, &[])
}

/// The short name of a reason code as stored (`ABO_INCOMPATIBLE`); a code this version does not
/// know is shown as it is.
pub fn reason_title_of(code: &str) -> Text {
    ReasonCode::parse(code).map_or_else(|| Text::same(code), reason_title)
}
