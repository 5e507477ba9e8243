//! The eight matches (八对) of the bedside check, each laid out from the engine's reasons: what
//! the patient's and the order's side expects, what the bag and the issue say, how it stands.

use bedside_core::check::{component_names, CheckOutcome, IssueRecord, ReasonCode};
use bedside_core::messages::Text;
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
    pub expected: String,
    pub found: String,
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
        let text = |en: &str, zh: &str| Text::fill(en, zh, &[]);
        let wristband_id = outcome.patient_id.clone();
        use ReasonCode::*;
        vec![
            m.row(
                text("Patient name", "姓名"),
                patient.map(|p| p.name.clone()),
                wristband_id.as_ref().map(|id| self.name_of(id)),
                &[UnitForOtherPatient, WristbandUnreadable, PatientIdMerged],
            ),
            m.read_aloud(text("Bed", "床号"), patient.and_then(|p| p.bed.clone())),
            m.row(
                text("Inpatient number", "住院号"),
                patient.map(|p| p.mrn.clone()),
                wristband_id.clone(),
                &[UnitForOtherPatient, WristbandUnreadable, PatientIdMerged],
            ),
            m.row(
                text("Bag number (DIN)", "血袋号"),
                unit.map(|u| u.din.clone()),
                label.din().map(str::to_string),
                &[
                    UnitNotIssued,
                    LabelInconsistent,
                    LabelUnreadable,
                    CheckCharacterMismatch,
                    UnitStatus,
                ],
            ),
            m.row(
                text("Blood group", "血型"),
                patient.map(|p| p.group.display()),
                label.group().map(|g| g.display()),
                &[
                    LabelGroupMismatch,
                    AboIncompatible,
                    RhdIncompatible,
                    AboNonidentical,
                ],
            ),
            m.row(
                text("Crossmatch", "交叉配血结果"),
                Some("compatible / 相合".into()),
                m.record
                    .and_then(|r| r.crossmatch.as_ref())
                    .map(|c| c.result.code().to_string()),
                &CROSSMATCH_CODES,
            ),
            m.row(
                text("Component", "血液种类"),
                unit.map(|u| {
                    let (en, zh) = component_names(u.component);
                    format!("{zh} {en} {}", u.product_code)
                }),
                label.product_code().map(str::to_string),
                &[
                    ProductMismatch,
                    SpecialRequirementUnmet,
                    UnitExpired,
                    IssueTimeExceeded,
                    UnitExpiresSoon,
                ],
            ),
            m.read_aloud(text("Dose", "剂量"), None),
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
        expected: Option<String>,
        found: Option<String>,
        codes: &[ReasonCode],
    ) -> MatchRow {
        let or_dash = |v: Option<String>| v.unwrap_or_else(|| "—".to_string());
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
            expected: known.unwrap_or_else(|| "—".into()),
            found: "—".into(),
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
