//! The append-only audit trail: every row is chained to the one before it (`audit_chain`).

use bedside_core::audit::AuditAction;
use rusqlite::{Connection, OptionalExtension};

use bedside_clock::Instant;

use crate::{audit_chain, stamp, AuditVerdict, Store, StoreError};

/// An audit row as read back: the same shape a record's review shows.
pub use bedside_core::review::AuditLine as AuditEntry;

/// An audit row read as `seq, at, actor, action, detail`.
pub(crate) fn audit_entry(r: &rusqlite::Row) -> rusqlite::Result<AuditEntry> {
    Ok(AuditEntry {
        seq: r.get(0)?,
        at: r.get(1)?,
        actor: r.get(2)?,
        action: r.get(3)?,
        detail: r.get(4)?,
    })
}

/// The one place a row joins the audit trail, inside the caller's transaction when it has one;
/// each row is chained to the one before it (`audit_chain`). `subject` is the transfusion
/// (procedure urn) the row is about, if any.
pub(crate) fn append_audit(
    conn: &Connection,
    at: &Instant,
    actor: &str,
    action: AuditAction,
    detail: &str,
    subject: Option<&str>,
) -> rusqlite::Result<usize> {
    audit_chain::append(conn, &stamp(at), actor, action.code(), detail, subject)
}

/// Appends one chained audit row on a bare connection at the schema's current version: what the
/// app would have written, for tests that build a database of an earlier schema by hand.
pub fn append_chained_audit_row(
    conn: &Connection,
    at: &str,
    actor: &str,
    action: &str,
    detail: &str,
) -> rusqlite::Result<usize> {
    audit_chain::append(conn, at, actor, action, detail, None)
}

impl Store {
    pub fn audit(
        &mut self,
        at: &Instant,
        actor: &str,
        action: AuditAction,
        detail: &str,
    ) -> Result<(), StoreError> {
        append_audit(&self.conn, at, actor, action, detail, None)?;
        Ok(())
    }

    /// An audit row about one transfusion (it joins that record's trail).
    pub fn audit_about(
        &mut self,
        at: &Instant,
        actor: &str,
        action: AuditAction,
        detail: &str,
        procedure_urn: &str,
    ) -> Result<(), StoreError> {
        append_audit(&self.conn, at, actor, action, detail, Some(procedure_urn))?;
        Ok(())
    }

    pub fn audit_trail(&self) -> Result<Vec<AuditEntry>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT seq, at, actor, action, detail FROM audit ORDER BY seq")?;
        let rows = stmt
            .query_map([], audit_entry)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// The subjects (transfusions, by procedure URN) with an audit row of `action` on this
    /// device, whether or not the transfusion itself was recorded here.
    pub fn subjects_audited(&self, action: AuditAction) -> Result<Vec<String>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT DISTINCT subject FROM audit WHERE action = ?1 AND subject IS NOT NULL",
        )?;
        let subjects = stmt
            .query_map([action.code()], |r| r.get(0))?
            .collect::<Result<Vec<String>, _>>()?;
        Ok(subjects)
    }

    /// The latest audit row whose action is one of `actions`.
    pub fn last_audit_of(&self, actions: &[AuditAction]) -> Result<Option<AuditEntry>, StoreError> {
        let actions: Vec<&str> = actions.iter().map(|a| a.code()).collect();
        let placeholders = vec!["?"; actions.len()].join(", ");
        let sql = format!(
            "SELECT seq, at, actor, action, detail FROM audit WHERE action IN ({placeholders})
             ORDER BY seq DESC LIMIT 1"
        );
        Ok(self
            .conn
            .query_row(&sql, rusqlite::params_from_iter(actions), audit_entry)
            .optional()?)
    }

    /// Walks the audit hash chain from its first row: intact (with the head to keep elsewhere),
    /// or the first row where it breaks and how.
    pub fn verify_audit(&self) -> Result<AuditVerdict, StoreError> {
        Ok(audit_chain::verify(&self.conn)?)
    }

    /// `verify_audit`, and `anchor` (a head hash written down earlier) must still be in the
    /// chain: this is what shows rows removed from the end.
    pub fn verify_audit_against(&self, anchor: &str) -> Result<AuditVerdict, StoreError> {
        Ok(audit_chain::verify_against(&self.conn, anchor)?)
    }

    /// The time of the newest audit row: an instant this device has already lived.
    pub fn latest_audit_at(&self) -> Result<Option<Instant>, StoreError> {
        let at: Option<String> = self
            .conn
            .query_row("SELECT at FROM audit ORDER BY seq DESC LIMIT 1", [], |r| {
                r.get(0)
            })
            .optional()?;
        at.map(|t| {
            chrono::DateTime::parse_from_rfc3339(&t)
                .map_err(|e| StoreError::Corrupt(format!("audit time {t}: {e}")))
        })
        .transpose()
    }
}
