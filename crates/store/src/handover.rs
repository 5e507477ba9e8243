//! Handovers of a running transfusion to the next shift's nurse (migration 010), each with its
//! audit row in the same transaction.

use bedside_core::audit::AuditAction;
use bedside_core::review::{Handover, Person};
use rusqlite::{params, TransactionBehavior};

use bedside_clock::Instant;

use crate::audit::append_audit;
use crate::{stamp, Store, StoreError};

impl Store {
    /// Records that `from` (signed in) handed the transfusion over to `to` at `at`, and audits
    /// it about the transfusion, in one transaction.
    pub fn hand_over(
        &mut self,
        procedure_urn: &str,
        at: &Instant,
        from: &Person,
        to: &Person,
    ) -> Result<(), StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO handover (procedure_urn, at, from_badge, from_name, to_badge, to_name)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                procedure_urn,
                stamp(at),
                from.badge,
                from.name,
                to.badge,
                to.name
            ],
        )?;
        append_audit(
            &tx,
            at,
            &from.badge,
            AuditAction::TransfusionHandedOver,
            &format!("{procedure_urn}: from {} to {}", from.badge, to.badge),
            Some(procedure_urn),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Every handover of a transfusion, in the order they happened.
    pub fn handovers(&self, procedure_urn: &str) -> Result<Vec<Handover>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT seq, at, from_badge, from_name, to_badge, to_name FROM handover
             WHERE procedure_urn = ?1 ORDER BY seq",
        )?;
        let rows = stmt
            .query_map([procedure_urn], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    Person {
                        badge: r.get(2)?,
                        name: r.get(3)?,
                    },
                    Person {
                        badge: r.get(4)?,
                        name: r.get(5)?,
                    },
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(seq, at, from, to)| {
                let at = chrono::DateTime::parse_from_rfc3339(&at)
                    .map_err(|e| StoreError::Corrupt(format!("handover {seq}: {e}")))?;
                Ok(Handover { at, from, to })
            })
            .collect()
    }
}
