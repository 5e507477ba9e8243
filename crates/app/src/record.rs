//! Recording what happened at the bedside: each action becomes one event in the outbox (and the
//! audit trail), with its client identifiers made once, here, from the injected `IdSource`.

use crate::port::DeviceStore;
use bedside_clock::{urn, Clock, IdSource};
use bedside_core::audit::AuditAction;
use bedside_core::event::*;
use bedside_core::observations::Vitals;
use bedside_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("dispense {0} is not in this device's cache: pull from the blood bank first")]
    NotCached(String),
}

impl RecordError {
    /// What a nurse reads, in her language.
    pub fn message(&self) -> bedside_core::messages::Text {
        match self {
            RecordError::Store(e) => e.message(),
            RecordError::NotCached(d) => bedside_core::messages::Text::tr(
                "The unit of dispense {d} is not on this device: sync with the blood bank first.",
                &[("d", d)],
            ),
        }
    }
}

/// What the passed check leaves for the start's record.
pub struct CheckFacts {
    pub second_checker: StaffRef,
    pub checked_at: bedside_clock::Instant,
    pub acknowledgements: Vec<Acknowledgement>,
    pub issued_at: Option<bedside_clock::Instant>,
    pub patient_mrn: Option<String>,
    pub scans: Vec<String>,
    pub keyed_reasons: Vec<String>,
    pub emergency: Option<EmergencyStart>,
}

impl CheckFacts {
    /// A check with nothing more than its second checker, time and acknowledgements.
    pub fn new(
        second_checker: &StaffRef,
        checked_at: bedside_clock::Instant,
        acknowledgements: Vec<Acknowledgement>,
    ) -> CheckFacts {
        CheckFacts {
            second_checker: second_checker.clone(),
            checked_at,
            acknowledgements,
            issued_at: None,
            patient_mrn: None,
            scans: Vec::new(),
            keyed_reasons: Vec::new(),
            emergency: None,
        }
    }
}

pub struct Recorder<'a> {
    pub store: &'a mut dyn DeviceStore,
    pub clock: &'a dyn Clock,
    pub ids: &'a dyn IdSource,
}

impl Recorder<'_> {
    fn new_urn(&self) -> String {
        urn(&self.ids.new_uuid())
    }

    /// One round of vital signs with fresh identifiers.
    pub fn round(
        &self,
        slot: &str,
        vitals: Vitals,
        symptoms: Vec<String>,
        taken_by: &StaffRef,
    ) -> ObservationRound {
        ObservationRound {
            at: self.clock.now(),
            slot: slot.to_string(),
            vitals,
            symptoms,
            taken_by: taken_by.clone(),
            sign_uuids: std::array::from_fn(|_| self.new_urn()),
        }
    }

    fn enqueue(&mut self, event: BedsideEvent, actor: &str) -> Result<(), RecordError> {
        self.enqueue_audited(event, actor, &[])
    }

    fn enqueue_audited(
        &mut self,
        event: BedsideEvent,
        actor: &str,
        also: &[(AuditAction, String)],
    ) -> Result<(), RecordError> {
        let bundle_urn = self.new_urn();
        self.store
            .enqueue_audited(&event, &bundle_urn, &self.clock.now(), actor, also)?;
        Ok(())
    }

    /// A check stopped for a wrong-blood reason, queued for the blood bank with its audit row
    /// (`check-stopped`) in one transaction.
    pub fn near_miss(&mut self, near_miss: &NearMiss, by: &StaffRef) -> Result<(), RecordError> {
        self.enqueue(BedsideEvent::NearMiss(near_miss.clone()), &by.staff_id)
    }

    /// The check passed and the transfusion starts: returns the transfusion it belongs to.
    pub fn start(
        &mut self,
        dispense_id: &str,
        ward: WardRef,
        first_checker: &StaffRef,
        check: CheckFacts,
        baseline: Option<ObservationRound>,
    ) -> Result<TransfusionRef, RecordError> {
        let procedure_uuid = self.new_urn();
        let transfusion = self
            .store
            .cached()?
            .transfusion_ref(dispense_id, &procedure_uuid, ward)
            .ok_or_else(|| RecordError::NotCached(dispense_id.to_string()))?;
        // A keyed unit number is an override of the scan: audited with the start, in its
        // transaction, so the start is never recorded without it (nor twice for want of it).
        let keyed = (!check.keyed_reasons.is_empty()).then(|| {
            (
                AuditAction::UnitNumberKeyed,
                format!("{}: {}", transfusion.din, check.keyed_reasons.join("; ")),
            )
        });
        let event = BedsideEvent::Started(Started {
            transfusion: transfusion.clone(),
            provenance_uuid: self.ids.new_uuid().to_string(),
            first_checker: first_checker.clone(),
            second_checker: check.second_checker,
            checked_at: check.checked_at,
            started_at: self.clock.now(),
            acknowledgements: check.acknowledgements,
            baseline,
            issued_at: check.issued_at,
            patient_mrn: check.patient_mrn,
            scans: check.scans,
            keyed_reasons: check.keyed_reasons,
            emergency: check.emergency,
        });
        self.enqueue_audited(event, &first_checker.staff_id, keyed.as_slice())?;
        Ok(transfusion)
    }

    pub fn observe(
        &mut self,
        transfusion: &TransfusionRef,
        round: ObservationRound,
    ) -> Result<(), RecordError> {
        let actor = round.taken_by.staff_id.clone();
        self.enqueue(
            BedsideEvent::ObservationsTaken(ObservationsTaken {
                transfusion: transfusion.clone(),
                round,
            }),
            &actor,
        )
    }

    pub fn end(
        &mut self,
        transfusion: &TransfusionRef,
        volume_ml: Option<u32>,
        bag_keep_until: Option<bedside_clock::Instant>,
        round: Option<ObservationRound>,
        note: Option<String>,
        by: &StaffRef,
    ) -> Result<(), RecordError> {
        self.enqueue(
            BedsideEvent::Ended(Ended {
                transfusion: transfusion.clone(),
                ended_at: self.clock.now(),
                volume_ml,
                bag_keep_until,
                note,
                round,
                recorded_by: by.clone(),
            }),
            &by.staff_id,
        )
    }

    /// `stopped_at` is when the transfusion stopped (the round that raised the trigger), not
    /// when the report was finished.
    #[allow(clippy::too_many_arguments)]
    pub fn reaction(
        &mut self,
        transfusion: &TransfusionRef,
        stopped_at: bedside_clock::Instant,
        suspected: &str,
        trigger: &str,
        actions_taken: &str,
        serious: bool,
        round: ObservationRound,
        by: &StaffRef,
    ) -> Result<(), RecordError> {
        let adverse_event_uuid = self.new_urn();
        self.enqueue(
            BedsideEvent::ReactionReported(ReactionReported {
                transfusion: transfusion.clone(),
                adverse_event_uuid,
                stopped_at,
                suspected: suspected.to_string(),
                trigger: trigger.to_string(),
                actions_taken: actions_taken.to_string(),
                serious,
                round,
                recorded_by: by.clone(),
            }),
            &by.staff_id,
        )
    }
}

/// What the start records of an emergency release: the doctor who authorised it (the check has
/// stopped a release without one) and the crossmatch as it stood.
pub fn emergency_start(record: &bedside_core::check::IssueRecord) -> Option<EmergencyStart> {
    let release = record.emergency.as_ref()?;
    Some(EmergencyStart {
        authorised_by: release.doctor()?.to_string(),
        requested_at: release.requested_at,
        crossmatch_at_start: record
            .crossmatch
            .as_ref()
            .map_or("missing", |c| c.result.code())
            .to_string(),
    })
}
