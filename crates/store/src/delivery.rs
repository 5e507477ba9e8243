//! The sync's bookkeeping of each outbox record: marked sending with its exact bytes, confirmed
//! with the blood bank's ids, or quarantined with its reason (and requeued by a charge nurse).

use bedside_core::audit::AuditAction;
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use bedside_clock::Instant;

use crate::audit::append_audit;
use crate::{stamp, Store, StoreError};

/// What the blood bank calls one of this device's records.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerRef {
    pub client_urn: String,
    pub resource_type: String,
    pub id: String,
    pub version_id: String,
    pub last_modified: Option<String>,
}

/// The transfusion an outbox record belongs to.
fn procedure_of(conn: &Connection, seq: i64) -> rusqlite::Result<Option<String>> {
    conn.query_row(
        "SELECT procedure_urn FROM outbox WHERE seq = ?1",
        [seq],
        |r| r.get(0),
    )
    .optional()
}

impl Store {
    /// Runs `work` with commits that skip the fsync (WAL, `synchronous = NORMAL`). Only for the
    /// sync's own bookkeeping, which a power cut may roll back safely: a record that falls back
    /// to queued or sending is sent again, and the blood bank's conditional create makes that
    /// harmless. Nurses' events always commit with a full fsync.
    fn relaxed<T>(
        &mut self,
        work: impl FnOnce(&mut Self) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.conn.pragma_update(None, "synchronous", "NORMAL")?;
        let result = work(self);
        self.conn.pragma_update(None, "synchronous", "FULL")?;
        result
    }

    /// Stores the exact bytes about to be sent, before they are sent: a resend after a crash or a
    /// lost answer sends these same bytes.
    pub fn mark_sending(&mut self, seq: i64, bundle: &str) -> Result<(), StoreError> {
        self.mark_sending_many(&[(seq, bundle)])
    }

    /// `mark_sending` for several records in one commit (a batch of observation rounds).
    pub fn mark_sending_many(&mut self, records: &[(i64, &str)]) -> Result<(), StoreError> {
        self.relaxed(|s| {
            let tx = s
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)?;
            {
                let mut update = tx.prepare_cached(
                    "UPDATE outbox SET state = 'sending', bundle = ?2 WHERE seq = ?1 AND state IN ('queued', 'sending')",
                )?;
                for (seq, bundle) in records {
                    update.execute(params![seq, bundle])?;
                }
            }
            tx.commit()?;
            Ok(())
        })
    }

    pub fn note_attempt_failed(&mut self, seq: i64, error: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ?2 WHERE seq = ?1",
            params![seq, error],
        )?;
        Ok(())
    }

    /// The blood bank confirmed the record: remember its ids and versions, in one transaction.
    pub fn mark_sent(
        &mut self,
        seq: i64,
        refs: &[ServerRef],
        at: &Instant,
    ) -> Result<(), StoreError> {
        self.mark_sent_many(&[seq], refs, at)
    }

    /// The blood bank confirmed several records in one transaction bundle: all are marked in one
    /// commit, so a crash leaves either all or none of them to resend. Relaxed like
    /// `mark_sending`: a confirmation lost to a power cut only means one more harmless resend.
    pub fn mark_sent_many(
        &mut self,
        seqs: &[i64],
        refs: &[ServerRef],
        at: &Instant,
    ) -> Result<(), StoreError> {
        self.relaxed(|s| {
            let tx = s
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)?;
            {
                let mut remember = tx.prepare_cached(
                    "INSERT INTO server_ref (client_urn, type, id, version_id, last_modified)
                     VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT (client_urn) DO UPDATE SET type = excluded.type, id = excluded.id,
                       version_id = excluded.version_id, last_modified = excluded.last_modified",
                )?;
                for r in refs {
                    remember.execute(params![
                        r.client_urn,
                        r.resource_type,
                        r.id,
                        r.version_id,
                        r.last_modified
                    ])?;
                }
                let mut sent = tx.prepare_cached(
                    "UPDATE outbox SET state = 'sent', sent_at = ?2, attempts = attempts + 1, last_error = NULL
                     WHERE seq = ?1",
                )?;
                let at = stamp(at);
                for seq in seqs {
                    sent.execute(params![seq, at])?;
                }
            }
            tx.commit()?;
            Ok(())
        })
    }

    /// Kept, marked, with the blood bank's reason: shown to the charge nurse, never dropped.
    pub fn quarantine(
        &mut self,
        seq: i64,
        code: &str,
        text: &str,
        at: &Instant,
    ) -> Result<(), StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "UPDATE outbox SET state = 'quarantined', reason_code = ?2, reason_text = ?3,
               attempts = attempts + 1 WHERE seq = ?1",
            params![seq, code, text],
        )?;
        let subject = procedure_of(&tx, seq)?;
        append_audit(
            &tx,
            at,
            "sync",
            AuditAction::Quarantined,
            &format!("outbox {seq}: {code}: {text}"),
            subject.as_deref(),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Puts a quarantined record back in the queue (a charge nurse resolved its cause).
    pub fn requeue(&mut self, seq: i64, actor: &str, at: &Instant) -> Result<bool, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let n = tx.execute(
            "UPDATE outbox SET state = 'queued', bundle = NULL WHERE seq = ?1 AND state = 'quarantined'",
            [seq],
        )?;
        if n > 0 {
            let subject = procedure_of(&tx, seq)?;
            append_audit(
                &tx,
                at,
                actor,
                AuditAction::Requeued,
                &format!("outbox {seq}"),
                subject.as_deref(),
            )?;
        }
        tx.commit()?;
        Ok(n > 0)
    }

    pub fn server_ref(&self, client_urn: &str) -> Result<Option<ServerRef>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT client_urn, type, id, version_id, last_modified FROM server_ref WHERE client_urn = ?1",
                [client_urn],
                |r| {
                    Ok(ServerRef {
                        client_urn: r.get(0)?,
                        resource_type: r.get(1)?,
                        id: r.get(2)?,
                        version_id: r.get(3)?,
                        last_modified: r.get(4)?,
                    })
                },
            )
            .optional()?)
    }

    /// The outbox state of a transfusion's start (`queued`, `sending`, `sent`, `quarantined`).
    pub fn start_state(&self, procedure_urn: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT state FROM outbox WHERE seq =
                   (SELECT min(seq) FROM outbox INDEXED BY outbox_by_procedure
                    WHERE procedure_urn = ?1 AND kind = 'started')",
                [procedure_urn],
                |r| r.get(0),
            )
            .optional()?)
    }
}
