//! What happened at the bedside, as facts recorded when the nurse acts: the units of work that
//! go to the blood bank (one transaction each) and stay in the device's store.
//!
//! Every record carries the client-made identifiers it will have on the wire (`urn:uuid:…`
//! values, made once), so that sending it again can never create it twice.

use crate::messages::{tr_noop, Text};
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

/// A bedside check stopped for a wrong-blood reason (`transition::is_near_miss`): no unit was
/// hung, yet it is a potential adverse event the blood bank must hear of (`clinical-rules.md`
/// §5, `fhir-contract.md` §2.5). What was scanned is kept as read: the wristband may name no
/// patient the blood bank knows, the bag no unit it issued.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NearMiss {
    /// Client identifier of the AdverseEvent (`urn:uuid:…`), made when the stop was recorded.
    pub adverse_event_uuid: String,
    pub detected_at: Instant,
    /// The stop reason codes that make it a near miss (`UNIT_FOR_OTHER_PATIENT`, …), in the
    /// check's order.
    pub reasons: Vec<String>,
    /// The patient identifier the wristband carries, as read (MRN or wristband id).
    pub patient_scanned: Option<String>,
    /// The MRN of the patient on this device's list whom that identifier names, if any.
    pub patient_mrn: Option<String>,
    /// That patient's name, as the blood bank gave it.
    pub patient_name: Option<String>,
    /// The unit as its label was read: the DIN and the product code.
    pub din: Option<String>,
    pub product_code: Option<String>,
    /// The issued unit the DIN was found as (the blood bank's product and dispense ids).
    pub product_id: Option<String>,
    pub dispense_id: Option<String>,
    pub first_checker: StaffRef,
    pub second_checker: Option<StaffRef>,
    pub ward: WardRef,
    /// The texts scanned (wristband first) and why a unit number was keyed in.
    pub scans: Vec<String>,
    pub keyed_reasons: Vec<String>,
}

/// One unit of work for the blood bank.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BedsideEvent {
    Started(Started),
    ObservationsTaken(ObservationsTaken),
    Ended(Ended),
    ReactionReported(ReactionReported),
    /// A stopped check: its own record, of no transfusion.
    NearMiss(NearMiss),
}

impl BedsideEvent {
    /// The transfusion the event belongs to; a near miss belongs to none.
    pub fn transfusion(&self) -> Option<&TransfusionRef> {
        match self {
            BedsideEvent::Started(e) => Some(&e.transfusion),
            BedsideEvent::ObservationsTaken(e) => Some(&e.transfusion),
            BedsideEvent::Ended(e) => Some(&e.transfusion),
            BedsideEvent::ReactionReported(e) => Some(&e.transfusion),
            BedsideEvent::NearMiss(_) => None,
        }
    }

    /// What the event is about, as the outbox and the audit trail file it: the transfusion's
    /// Procedure identifier, or a near miss's own AdverseEvent identifier.
    pub fn subject(&self) -> &str {
        match self {
            BedsideEvent::NearMiss(n) => &n.adverse_event_uuid,
            other => other
                .transfusion()
                .map_or("", |t| t.procedure_uuid.as_str()),
        }
    }

    /// The patient's name as the record names it (a near miss may name none).
    pub fn patient_name(&self) -> &str {
        match self {
            BedsideEvent::NearMiss(n) => n.patient_name.as_deref().unwrap_or_default(),
            other => other.transfusion().map_or("", |t| t.patient_name.as_str()),
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            BedsideEvent::Started(_) => "started",
            BedsideEvent::ObservationsTaken(_) => "observations_taken",
            BedsideEvent::Ended(_) => "ended",
            BedsideEvent::ReactionReported(_) => "reaction_reported",
            BedsideEvent::NearMiss(_) => "near_miss",
        }
    }

    /// A stored event kind (`observations_taken`) in words.
    pub fn kind_words(kind: &str) -> Text {
        let msgid = match kind {
            "started" => tr_noop("transfusion started"),
            "observations_taken" => tr_noop("vital signs"),
            "ended" => tr_noop("transfusion ended"),
            "reaction_reported" => tr_noop("reaction report"),
            "near_miss" => tr_noop("near miss (check stopped)"),
            other => return Text::same(other),
        };
        Text::tr(msgid, &[])
    }

    /// Ending or stopping changes the Procedure the start created: a version-aware update.
    pub fn updates_procedure(&self) -> bool {
        matches!(
            self,
            BedsideEvent::Ended(_) | BedsideEvent::ReactionReported(_)
        )
    }
}
