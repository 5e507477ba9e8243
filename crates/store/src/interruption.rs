//! Interruptions of a running transfusion and their restart after a repeat two-person check.

use bedside_core::audit::AuditAction;
use bedside_core::observations::Pause;
use rusqlite::{params, OptionalExtension, TransactionBehavior};

use bedside_clock::Instant;

use crate::audit::append_audit;
use crate::{stamp, Store, StoreError};

/// The open interruption of a transfusion, if any.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenInterruption {
    pub seq: i64,
    pub at: Instant,
    pub reason: String,
    pub by: String,
}

impl Store {
    /// Records an interruption and audits it, in one transaction.
    pub fn interrupt(
        &mut self,
        procedure_urn: &str,
        at: &Instant,
        by: &str,
        reason: &str,
    ) -> Result<(), StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO interruption (procedure_urn, interrupted_at, reason, interrupted_by)
             VALUES (?1, ?2, ?3, ?4)",
            params![procedure_urn, stamp(at), reason, by],
        )?;
        append_audit(
            &tx,
            at,
            by,
            AuditAction::TransfusionInterrupted,
            &format!("{procedure_urn}: {reason}"),
            Some(procedure_urn),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Closes the open interruption after the repeat check by `by` and `second_checker`.
    pub fn restart(
        &mut self,
        procedure_urn: &str,
        at: &Instant,
        by: &str,
        second_checker: &str,
    ) -> Result<bool, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let changed = tx.execute(
            "UPDATE interruption SET restarted_at = ?2, restarted_by = ?3, second_checker = ?4
             WHERE procedure_urn = ?1 AND restarted_at IS NULL",
            params![procedure_urn, stamp(at), by, second_checker],
        )?;
        if changed > 0 {
            append_audit(
                &tx,
                at,
                by,
                AuditAction::TransfusionRestarted,
                &format!("{procedure_urn}: repeat check by {by} and {second_checker}"),
                Some(procedure_urn),
            )?;
        }
        tx.commit()?;
        Ok(changed > 0)
    }

    /// Every interruption of a transfusion as a pause of its observation schedule, in the order
    /// they happened; the open one (if any) has no end yet.
    pub fn pauses(&self, procedure_urn: &str) -> Result<Vec<Pause>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT seq, interrupted_at, restarted_at FROM interruption
             WHERE procedure_urn = ?1 ORDER BY seq",
        )?;
        let rows = stmt
            .query_map([procedure_urn], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<String>>(2)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(seq, from, until)| {
                let parse = |t: &str| {
                    chrono::DateTime::parse_from_rfc3339(t)
                        .map_err(|e| StoreError::Corrupt(format!("interruption {seq}: {e}")))
                };
                Ok(Pause {
                    from: parse(&from)?,
                    until: until.as_deref().map(parse).transpose()?,
                })
            })
            .collect()
    }

    pub fn open_interruption(
        &self,
        procedure_urn: &str,
    ) -> Result<Option<OpenInterruption>, StoreError> {
        let row = self
            .conn
            .query_row(
                "SELECT seq, interrupted_at, reason, interrupted_by FROM interruption
                 WHERE procedure_urn = ?1 AND restarted_at IS NULL ORDER BY seq DESC LIMIT 1",
                [procedure_urn],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                    ))
                },
            )
            .optional()?;
        row.map(|(seq, at, reason, by)| {
            let at = chrono::DateTime::parse_from_rfc3339(&at)
                .map_err(|e| StoreError::Corrupt(format!("interruption {seq}: {e}")))?;
            Ok(OpenInterruption {
                seq,
                at,
                reason,
                by,
            })
        })
        .transpose()
    }
}
