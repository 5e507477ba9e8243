//! Massive transfusion at the bedside (`clinical-rules.md` §6.4): the nurse opens the protocol for
//! the patient of a co-signed check, keeping its second checker; each next unit of that patient is
//! still fully scanned and checked, co-signed by the kept checker until the session ends; the
//! units given are counted per component against the hospital's ratio.

use bedside_core::audit::AuditAction;
use bedside_core::event::BedsideEvent;
use bedside_core::massive::{Protocol, Totals};
use bedside_core::messages::Text;
use bedside_store::StoreError;

use bedside_core::observations::Vitals;

use crate::handheld::{ActionError, Handheld, Observed};
use crate::port::DeviceStore;
use crate::transfuse::RunningTransfusion;
use crate::verify::VerifyFlow;

/// What the protocol's panel shows.
#[derive(Debug, Clone, PartialEq)]
pub struct MassiveSummary {
    pub protocol: Protocol,
    pub totals: Totals,
    /// The units, the ratio and what lags, in both languages.
    pub words: Text,
    pub minutes_left: i64,
}

fn refused(message: Text) -> ActionError {
    ActionError::Refused(message)
}

impl<S: DeviceStore> Handheld<S> {
    /// Opens the protocol for the patient of this check, keeping its co-signed second checker.
    pub fn open_massive_transfusion(&mut self, flow: &VerifyFlow) -> Result<(), ActionError> {
        let nurse = self.nurse()?;
        let now = self.clock.now();
        let outcome = flow.outcome(now);
        let (Some(record), Some(second)) = (flow.record(&outcome), flow.second_checker()) else {
            return Err(refused(Text::tr("Scan the patient's wristband and a unit, and have the second checker sign, before opening the massive transfusion protocol.", &[])));
        };
        let protocol = Protocol {
            patient_mrn: record.patient.mrn.clone(),
            patient_name: record.patient.name.clone(),
            second_checker: second.clone(),
            opened_by: nurse.staff_id.clone(),
            opened_at: now,
        };
        self.store.audit(
            &now,
            &nurse.staff_id,
            AuditAction::MassiveTransfusionOpened,
            &format!(
                "{} {}: second checker {}",
                protocol.patient_mrn, protocol.patient_name, second.staff_id
            ),
        )?;
        self.massive = Some(protocol);
        Ok(())
    }

    /// Ends the open protocol (`why`: the nurse closed it, sign-out, the session ran out).
    pub fn end_massive_transfusion(&mut self, why: &str) -> Result<(), StoreError> {
        let Some(p) = self.massive.take() else {
            return Ok(());
        };
        let now = self.clock.now();
        let result = self.store.audit(
            &now,
            &p.opened_by,
            AuditAction::MassiveTransfusionClosed,
            &format!("{}: {why}", p.patient_mrn),
        );
        if result.is_err() {
            // Not closed until the trail says so: the protocol stays open, the error is shown.
            self.massive = Some(p);
        }
        result
    }

    /// In a check of the protocol's patient, the kept second checker co-signs (audited as a
    /// co-signature under the protocol). `Ok(false)`: no open protocol for this patient, or its
    /// session is over (then it is closed): the second checker signs in as usual.
    pub fn cosign_by_protocol(&mut self, flow: &mut VerifyFlow) -> Result<bool, ActionError> {
        let nurse = self.nurse()?;
        let now = self.clock.now();
        let Some(protocol) = self.massive.clone() else {
            return Ok(false);
        };
        if !protocol.open_at(now, &self.policy) {
            self.end_massive_transfusion("session over")?;
            return Ok(false);
        }
        let Some(id) = flow.outcome(now).patient_id else {
            return Ok(false);
        };
        let Some(second) = protocol.second_checker_for(&id, now, &self.policy) else {
            return Ok(false);
        };
        self.store.audit(
            &now,
            &nurse.staff_id,
            AuditAction::CoSign,
            &format!("{} (massive transfusion protocol)", second.staff_id),
        )?;
        flow.second_checker_signed(second.clone());
        Ok(true)
    }

    /// One round of vital signs. Under an open protocol for this patient it covers every unit
    /// running for the patient (§6.4): recorded and judged on each, so a stop trigger stops
    /// every one of them; otherwise on `running` alone. The judgement returned is `running`'s;
    /// the others' show on the ward list. Returns how many other units took the round.
    pub fn observe_round(
        &mut self,
        running: &mut RunningTransfusion,
        vitals: Vitals,
        symptoms: Vec<String>,
    ) -> Result<(Observed, usize), ActionError> {
        let observed = self.observe(running, vitals.clone(), symptoms.clone())?;
        let under_protocol = self
            .massive
            .as_ref()
            .is_some_and(|p| p.patient_mrn == running.patient_mrn);
        if !under_protocol {
            return Ok((observed, 0));
        }
        let mut also = 0;
        for mut other in self.running()? {
            let same_patient = other.patient_mrn == running.patient_mrn;
            let this_one = other.transfusion.procedure_uuid == running.transfusion.procedure_uuid;
            if same_patient && !this_one && other.stop.is_none() && other.interrupted.is_none() {
                self.observe(&mut other, vitals.clone(), symptoms.clone())?;
                also += 1;
            }
        }
        Ok((observed, also))
    }

    /// The open protocol with the units started under it, or none.
    pub fn massive_summary(&self) -> Result<Option<MassiveSummary>, ActionError> {
        let Some(protocol) = self.massive.clone() else {
            return Ok(None);
        };
        let now = self.clock.now();
        // The store finds events by the unit's issue time: a unit started under the protocol was
        // issued before it opened (within the start window), never after now.
        let issued_from = protocol.opened_at - chrono::Duration::days(1);
        let events = self
            .store
            .events_of_period(issued_from, now + chrono::Duration::minutes(1))?;
        let components = events.iter().filter_map(|e| match e {
            BedsideEvent::Started(s)
                if s.patient_mrn.as_deref() == Some(protocol.patient_mrn.as_str())
                    && s.started_at >= protocol.opened_at =>
            {
                Some(s.transfusion.component)
            }
            _ => None,
        });
        let totals = Totals::of(components);
        Ok(Some(MassiveSummary {
            words: totals.words(&self.policy),
            minutes_left: (protocol.ends_at(&self.policy) - now).num_minutes().max(0),
            totals,
            protocol,
        }))
    }
}
