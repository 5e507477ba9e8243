//! The outbox's archive (migration 012): confirmed records past the retention period leave the
//! outbox for `outbox_archive`, a whole transfusion (or near miss) at a time, in one transaction
//! with an audit row. What stays, and why:
//!
//! - records the blood bank has not confirmed (queued, sending) or refused (quarantined): they
//!   are still on their way, or wait for the charge nurse;
//! - every record of a transfusion with any such record: its records travel together (a round
//!   is held until its start is confirmed), and its sync state is read live;
//! - every record of a running transfusion, however old: the app rebuilds a running
//!   transfusion from its events in the outbox (a transfusion whose end was never recorded keeps
//!   showing on the ward list, with its rounds judged, until it is ended);
//! - records confirmed less than `retention_days` ago (by the device's clock at confirmation).
//!
//! Nothing is deleted: the schema refuses to remove an outbox row that is not in the archive,
//! and the archive is append-only. Readers of a record's history (the charge nurse's sync
//! state, the reactions reported, a period's FHIR export) read outbox and archive together.

use std::collections::BTreeMap;

use chrono::DateTime;
use rusqlite::{params, TransactionBehavior};

use bedside_clock::Instant;
use bedside_core::audit::AuditAction;

use crate::audit::append_audit;
use crate::{stamp, Store, StoreError};

/// What one archiving pass moved.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Archived {
    /// Transfusions (and near misses) whose records were moved.
    pub subjects: usize,
    /// Records moved.
    pub records: usize,
}

/// The `sync_state` key holding how many records the archive holds.
pub(crate) const ARCHIVED_KEY: &str = "outbox_archived";

/// The outbox's columns, in the order both tables share.
const COLUMNS: &str = "seq, bundle_urn, kind, procedure_urn, event, recorded_at, state, bundle,
    attempts, last_error, reason_code, reason_text, sent_at";

/// `select` (a query naming its table `{outbox}`) over the outbox and its archive: the history of
/// every record, whether archived or not.
pub(crate) fn over_history(select: &str) -> String {
    format!(
        "{} UNION ALL {}",
        select.replace("{outbox}", "outbox"),
        select.replace("{outbox}", "outbox_archive")
    )
}

impl Store {
    /// Moves to the archive every transfusion's (and near miss's) records that the blood bank
    /// confirmed, all of them, more than `retention_days` before `now`, unless the transfusion
    /// still runs; audited (actor `sync`) when anything moved.
    pub fn archive_confirmed(
        &mut self,
        now: &Instant,
        retention_days: i64,
    ) -> Result<Archived, StoreError> {
        let Some(cutoff) = chrono::Duration::try_days(retention_days.max(0))
            .and_then(|d| now.checked_sub_signed(d))
        else {
            return Ok(Archived::default());
        };
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let due = due_subjects(&tx, &cutoff)?;
        let mut archived = Archived::default();
        for urn in &due {
            let moved = tx.execute(
                &format!(
                    "INSERT INTO outbox_archive ({COLUMNS}, archived_at)
                     SELECT {COLUMNS}, ?2 FROM outbox WHERE procedure_urn = ?1"
                ),
                params![urn, stamp(now)],
            )?;
            let removed = tx.execute("DELETE FROM outbox WHERE procedure_urn = ?1", [urn])?;
            if moved != removed {
                return Err(StoreError::Corrupt(format!(
                    "archiving {urn}: {moved} records copied but {removed} removed"
                )));
            }
            archived.subjects += 1;
            archived.records += moved;
        }
        if archived.records > 0 {
            // The running total, so the status bar's counts never scan the archive.
            tx.execute(
                "INSERT INTO sync_state (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = CAST(value AS INTEGER) + ?2",
                params![ARCHIVED_KEY, archived.records as i64],
            )?;
            append_audit(
                &tx,
                now,
                "sync",
                AuditAction::OutboxArchived,
                &format!(
                    "{} records of {} transfusions or near misses confirmed before {}",
                    archived.records,
                    archived.subjects,
                    stamp(&cutoff)
                ),
                None,
            )?;
        }
        tx.commit()?;
        Ok(archived)
    }

    /// How many records the archive holds.
    pub fn archived_count(&self) -> Result<usize, StoreError> {
        let n: i64 = self
            .conn
            .query_row("SELECT count(*) FROM outbox_archive", [], |r| r.get(0))?;
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }
}

/// The transfusions (and near misses) whose records the blood bank confirmed, all of them, before
/// `cutoff`, and that no longer run.
fn due_subjects(tx: &rusqlite::Transaction, cutoff: &Instant) -> Result<Vec<String>, StoreError> {
    let candidates: Vec<(String, String)> = {
        let mut stmt = tx.prepare(
            "SELECT procedure_urn, sent_at FROM outbox
             WHERE state = 'sent' AND sent_at IS NOT NULL
               AND procedure_urn NOT IN (SELECT procedure_urn FROM outbox
                                         WHERE state != 'sent' OR sent_at IS NULL)
               AND procedure_urn NOT IN (SELECT procedure_urn FROM ward_transfusion
                                         WHERE outcome = 'running')",
        )?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        rows
    };
    // The newest confirmation of each subject decides (offsets may differ: compared as
    // instants, never as text).
    let mut newest: BTreeMap<String, Instant> = BTreeMap::new();
    for (urn, sent_at) in candidates {
        let at = DateTime::parse_from_rfc3339(&sent_at).map_err(|e| {
            StoreError::Corrupt(format!("outbox sent_at of {urn} `{sent_at}`: {e}"))
        })?;
        let entry = newest.entry(urn).or_insert(at);
        *entry = (*entry).max(at);
    }
    Ok(newest
        .into_iter()
        .filter(|(_, at)| at < cutoff)
        .map(|(urn, _)| urn)
        .collect())
}
