//! What happened at the bedside, as facts recorded when the nurse acts: the units of work that
//! go to the blood bank (one transaction each) and stay in the device's store.
//!
//! Every record carries the client-made identifiers it will have on the wire (`urn:uuid:…`
//! values, made once), so that sending it again can never create it twice.

use serde::{Deserialize, Serialize};

use crate::blood::Component;
use crate::observations::Vitals;

pub use crate::Instant;

/// A member of staff as the blood bank's directory knows them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StaffRef {
    /// Badge / staff number (`N0451`).
    pub staff_id: String,
    pub name: String,
    /// The blood bank's Practitioner id, when the directory gave one.
    pub practitioner_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WardRef {
    pub location_id: String,
    pub name: String,
}

/// The transfusion every event belongs to: one unit, one patient, one Procedure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransfusionRef {
    /// Client identifier of the Procedure (`urn:uuid:…`), made when the check passed.
    pub procedure_uuid: String,
    pub dispense_id: String,
    pub product_id: String,
    pub din: String,
    pub patient_id: String,
    pub patient_name: String,
    pub service_request_id: Option<String>,
    pub component: Component,
    pub ward: WardRef,
}

/// One round of vital signs (baseline, 15 min, hourly, end…), each sign with its own id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObservationRound {
    pub at: Instant,
    /// The schedule slot it fills (`baseline`, `15min`, `60min`, `end`, `unscheduled`).
    pub slot: String,
    pub vitals: Vitals,
    pub symptoms: Vec<String>,
    pub taken_by: StaffRef,
    /// Client identifiers of temperature, heart rate, blood pressure, respiratory rate, SpO2.
    pub sign_uuids: [String; 5],
}

/// A unit started under an emergency release (`clinical-rules.md` §6): who authorised it, and
/// what the crossmatch said at the start, so a result that arrives later is known to be new.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmergencyStart {
    pub authorised_by: String,
    pub requested_at: Option<Instant>,
    /// The crossmatch result code at the start (`missing`, `compatible`, …).
    pub crossmatch_at_start: String,
}

/// A warning the checkers saw and acknowledged with a reason before proceeding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Acknowledgement {
    pub code: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Started {
    pub transfusion: TransfusionRef,
    /// Provenance has no identifier element: its id itself is the client-made UUID.
    pub provenance_uuid: String,
    pub first_checker: StaffRef,
    pub second_checker: StaffRef,
    pub checked_at: Instant,
    pub started_at: Instant,
    pub acknowledgements: Vec<Acknowledgement>,
    pub baseline: Option<ObservationRound>,
    /// For the ward's record (the blood bank's contract has no place for them): when the blood
    /// bank issued the unit, the texts scanned at the check (wristband first) and why a unit
    /// number was keyed in. Absent in events recorded before they were kept.
    #[serde(default)]
    pub issued_at: Option<Instant>,
    /// The patient's hospital number (MRN), as the wristband carries it.
    #[serde(default)]
    pub patient_mrn: Option<String>,
    #[serde(default)]
    pub scans: Vec<String>,
    #[serde(default)]
    pub keyed_reasons: Vec<String>,
    /// Set when the unit was released in an emergency before the crossmatch was complete.
    #[serde(default)]
    pub emergency: Option<EmergencyStart>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObservationsTaken {
    pub transfusion: TransfusionRef,
    pub round: ObservationRound,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ended {
    pub transfusion: TransfusionRef,
    pub ended_at: Instant,
    pub volume_ml: Option<u32>,
    pub bag_keep_until: Option<Instant>,
    pub note: Option<String>,
    pub round: Option<ObservationRound>,
    pub recorded_by: StaffRef,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReactionReported {
    pub transfusion: TransfusionRef,
    pub adverse_event_uuid: String,
    pub stopped_at: Instant,
    /// The reaction the triggers suggest, in words (`suspected febrile non-haemolytic reaction`).
    pub suspected: String,
    /// Why: the trigger and the values that raised it.
    pub trigger: String,
    pub actions_taken: String,
    pub serious: bool,
    pub round: ObservationRound,
    pub recorded_by: StaffRef,
}

/// One unit of work for the blood bank.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BedsideEvent {
    Started(Started),
    ObservationsTaken(ObservationsTaken),
    Ended(Ended),
    ReactionReported(ReactionReported),
}

impl BedsideEvent {
    pub fn transfusion(&self) -> &TransfusionRef {
        match self {
            BedsideEvent::Started(e) => &e.transfusion,
            BedsideEvent::ObservationsTaken(e) => &e.transfusion,
            BedsideEvent::Ended(e) => &e.transfusion,
            BedsideEvent::ReactionReported(e) => &e.transfusion,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            BedsideEvent::Started(_) => "started",
            BedsideEvent::ObservationsTaken(_) => "observations_taken",
            BedsideEvent::Ended(_) => "ended",
            BedsideEvent::ReactionReported(_) => "reaction_reported",
        }
    }

    /// Ending or stopping changes the Procedure the start created: a version-aware update.
    pub fn updates_procedure(&self) -> bool {
        matches!(
            self,
            BedsideEvent::Ended(_) | BedsideEvent::ReactionReported(_)
        )
    }
}
