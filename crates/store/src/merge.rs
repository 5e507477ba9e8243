//! A patient merge reaching the device (`clinical-rules.md` §6.2): the blood bank merged a
//! temporary emergency ID into the identified patient, and the ward's records made under the
//! temporary ID follow, each with an audit row naming both.

use rusqlite::{params, TransactionBehavior};

use bedside_clock::Instant;
use bedside_core::audit::AuditAction;

use crate::audit::append_audit;
use crate::{Store, StoreError};

impl Store {
    /// Moves every ward record of `old_id` to `mrn` (`name`), in one transaction with one
    /// `patient-merged` audit row per record. Returns the records moved (none when already done).
    pub fn follow_patient_merge(
        &mut self,
        old_id: &str,
        mrn: &str,
        name: &str,
        at: &Instant,
        actor: &str,
    ) -> Result<Vec<String>, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let moved: Vec<String> = {
            let mut stmt =
                tx.prepare("SELECT procedure_urn FROM ward_transfusion WHERE patient_id = ?1")?;
            let rows = stmt.query_map([old_id], |r| r.get::<_, String>(0))?;
            rows.collect::<Result<_, _>>()?
        };
        for urn in &moved {
            tx.execute(
                "UPDATE ward_transfusion SET patient_id = ?2, patient_name = ?3
                 WHERE procedure_urn = ?1",
                params![urn, mrn, name],
            )?;
            append_audit(
                &tx,
                at,
                actor,
                AuditAction::PatientMerged,
                &format!("{old_id} → {mrn} {name}"),
                Some(urn),
            )?;
        }
        tx.commit()?;
        Ok(moved)
    }
}
