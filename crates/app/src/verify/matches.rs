//! The eight matches (八对) of the bedside check, each laid out from the engine's reasons: what
//! the patient's and the order's side expects, what the bag and the issue say, how it stands.

use bedside_core::check::{component_text, CheckOutcome, IssueRecord, ReasonCode};
use bedside_core::messages::Text;
use bedside_core::review::crossmatch_words;
use bedside_core::severity::Severity;
use bedside_core::wristband;

use super::VerifyFlow;

/// How one of the eight matches stands.
#[derive(Debug, Clone, PartialEq)]
pub enum MatchState {
    /// Not scanned yet.
    Pending,
    Matches,
    /// A warning the checkers must acknowledge.
    Warning(Text),
    Mismatch(Text),
    /// Not in the blood bank's data (bed, dose): the two checkers read it aloud and confirm.
    ReadAloud,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MatchRow {
    pub label: Text,
    /// The patient's / the order's side, and the bag's / the issue's side.
    pub expected: Text,
    pub found: Text,
    pub state: MatchState,
}

impl VerifyFlow {
    /// The eight matches (八对), each computed from the engine's reasons where the data allows.
    /// `outcome` is this flow's `outcome` at the instant shown.
    pub fn eight_matches(&self, outcome: &CheckOutcome) -> Vec<MatchRow> {
        let m = MatchSources {
            outcome,
            record: self.record(outcome),
            scanned: self.wristband_scan.is_some() && !self.bag_scans.is_empty(),
        };
        let patient = m.record.map(|r| &r.patient);
        let unit = m.record.map(|r| &r.unit);
        let label = &outcome.label;
        let same = |v: Option<String>| v.map(|v| Text::same(&v));
        let wristband_id = outcome.patient_id.clone();
        use ReasonCode::*;
        vec![
            m.row(
                Text::tr("Patient name", &[]),
                same(patient.map(|p| p.name.clone())),
                same(wristband_id.as_ref().map(|id| self.name_of(id))),
                &[UnitForOtherPatient, WristbandUnreadable, PatientIdMerged],
            ),
            m.read_aloud(Text::tr("Bed", &[]), patient.and_then(|p| p.bed.clone())),
            m.row(
                number_label(wristband_id.as_deref(), &self.policy),
                same(patient.map(|p| p.mrn.clone())),
                same(wristband_id.clone()),
                &[UnitForOtherPatient, WristbandUnreadable, PatientIdMerged],
            ),
            m.row(
                Text::tr("Bag number (DIN)", &[]),
                same(unit.map(|u| u.din.clone())),
                same(label.din().map(str::to_string)),
                &[
                    UnitNotIssued,
                    LabelInconsistent,
                    LabelUnreadable,
                    CheckCharacterMismatch,
                    UnitStatus,
                ],
            ),
            m.row(
                Text::tr("Blood group", &[]),
                patient.map(|p| p.group.words()),
                label.group().map(|g| g.words()),
                &[
                    LabelGroupMismatch,
                    AboIncompatible,
                    RhdIncompatible,
                    AboNonidentical,
                ],
            ),
            m.row(
                Text::tr("Crossmatch", &[]),
                Some(crossmatch_words("compatible")),
                m.record
                    .and_then(|r| r.crossmatch.as_ref())
                    .map(|c| crossmatch_words(c.result.code())),
                &CROSSMATCH_CODES,
            ),
            m.row(
                Text::tr("Component", &[]),
                unit.map(|u| {
                    Text::tr_with(
                        "{component} {product_code}",
                        &[
                            ("component", (&component_text(u.component)).into()),
                            ("product_code", (&u.product_code).into()),
                        ],
                    )
                }),
                same(label.product_code().map(str::to_string)),
                &[
                    ProductMismatch,
                    SpecialRequirementUnmet,
                    UnitExpired,
                    IssueTimeExceeded,
                    UnitExpiresSoon,
                ],
            ),
            m.read_aloud(Text::tr("Dose", &[]), None),
        ]
    }

    pub(super) fn name_of(&self, id: &str) -> String {
        self.snapshot
            .issued
            .iter()
            .find(|r| {
                let p = &r.patient;
                wristband::identifies(id, &p.mrn, p.wristband_id.as_deref())
                    || p.merged_ids
                        .iter()
                        .any(|old| wristband::identifies(id, old, None))
            })
            .map(|r| r.patient.name.clone())
            .unwrap_or_else(|| id.to_string())
    }
}

/// The number row's label: it says so when the wristband carries a temporary emergency ID
/// (an unidentified patient, `clinical-rules.md` §6.2).
fn number_label(wristband_id: Option<&str>, policy: &bedside_core::policy::Policy) -> Text {
    if wristband_id.is_some_and(|id| wristband::is_temporary_id(id, policy)) {
        Text::tr("Inpatient number (TEMPORARY emergency ID)", &[])
    } else {
        Text::tr("Inpatient number", &[])
    }
}

/// The reasons that say how the crossmatch row stands (an emergency release among them).
const CROSSMATCH_CODES: [ReasonCode; 5] = [
    ReasonCode::CrossmatchIncompatible,
    ReasonCode::CrossmatchMissing,
    ReasonCode::SampleExpired,
    ReasonCode::EmergencyNotAuthorised,
    ReasonCode::EmergencyRelease,
];

/// What the rows of the eight matches are computed from.
struct MatchSources<'a> {
    outcome: &'a CheckOutcome,
    /// The issue record the bag was checked against.
    record: Option<&'a IssueRecord>,
    /// Both the wristband and the bag were scanned.
    scanned: bool,
}

impl MatchSources<'_> {
    /// A match the engine judges: the first of its reasons found in the outcome says how it
    /// stands; before both scans, or with no record and no such reason, it is still to do.
    fn state(&self, codes: &[ReasonCode]) -> MatchState {
        if !self.scanned || self.record.is_none() && !has_any(self.outcome, codes) {
            return MatchState::Pending;
        }
        // The reasons first; a notice (the unit expiring within the hour) shows on its row too.
        match self
            .outcome
            .reasons
            .iter()
            .chain(&self.outcome.notices)
            .find(|r| codes.contains(&r.code))
        {
            Some(r) if r.severity == Severity::Stop => MatchState::Mismatch(r.message.clone()),
            Some(r) => MatchState::Warning(r.message.clone()),
            None => MatchState::Matches,
        }
    }

    fn row(
        &self,
        label: Text,
        expected: Option<Text>,
        found: Option<Text>,
        codes: &[ReasonCode],
    ) -> MatchRow {
        let or_dash = |v: Option<Text>| v.unwrap_or_else(|| Text::same("—"));
        MatchRow {
            label,
            expected: or_dash(expected),
            found: or_dash(found),
            state: self.state(codes),
        }
    }

    /// Read aloud by the two checkers from the chart and the patient (the bed the blood bank
    /// knows, when it says one, is shown to read against).
    fn read_aloud(&self, label: Text, known: Option<String>) -> MatchRow {
        MatchRow {
            label,
            expected: Text::same(known.as_deref().unwrap_or("—")),
            found: Text::same("—"),
            state: if self.scanned {
                MatchState::ReadAloud
            } else {
                MatchState::Pending
            },
        }
    }
}

fn has_any(outcome: &CheckOutcome, codes: &[ReasonCode]) -> bool {
    outcome.reasons.iter().any(|r| codes.contains(&r.code))
}
