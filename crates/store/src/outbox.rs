//! The outbox: every bedside event queued for the blood bank (with its audit rows, in the same
//! transaction), and what the app reads back of it.

use bedside_core::audit::AuditAction;
use rusqlite::{params, OptionalExtension, TransactionBehavior};

use bedside_clock::Instant;
use bedside_core::event::BedsideEvent;

use crate::audit::append_audit;
use crate::{stamp, ward, Store, StoreError};

/// One outbox row.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxRecord {
    pub seq: i64,
    pub bundle_urn: String,
    pub procedure_urn: String,
    pub event: BedsideEvent,
    pub state: OutboxState,
    pub bundle: Option<String>,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub reason_code: Option<String>,
    pub reason_text: Option<String>,
}

/// Where an outbox record is on its way to the blood bank (the `state` column, whose CHECK
/// constraint holds the same four codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutboxState {
    /// Waiting for its first send, or for the next one after a temporary failure.
    Queued,
    /// Its bundle is built and on its way; a resend sends the same bytes.
    Sending,
    /// The blood bank confirmed it.
    Sent,
    /// The blood bank refused it, with a reason; kept, never deleted.
    Quarantined,
}

impl OutboxState {
    pub fn code(self) -> &'static str {
        match self {
            OutboxState::Queued => "queued",
            OutboxState::Sending => "sending",
            OutboxState::Sent => "sent",
            OutboxState::Quarantined => "quarantined",
        }
    }

    fn parse(code: &str) -> Option<OutboxState> {
        [
            OutboxState::Queued,
            OutboxState::Sending,
            OutboxState::Sent,
            OutboxState::Quarantined,
        ]
        .into_iter()
        .find(|s| s.code() == code)
    }
}

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct OutboxCounts {
    pub queued: usize,
    pub sending: usize,
    /// Confirmed and still in the outbox.
    pub sent: usize,
    pub quarantined: usize,
    /// Confirmed and moved to the outbox's archive (`store::archive`).
    pub archived: usize,
}

impl Store {
    /// Queues a bedside event for the blood bank and audits it, in one transaction: once this
    /// returns, the event survives a killed process and will be sent.
    pub fn enqueue(
        &mut self,
        event: &BedsideEvent,
        bundle_urn: &str,
        at: &Instant,
        actor: &str,
    ) -> Result<i64, StoreError> {
        self.enqueue_audited(event, bundle_urn, at, actor, &[])
    }

    /// `enqueue`, with further audit rows (action, detail) about the same transfusion in the same
    /// transaction: all of them are kept, or none.
    pub fn enqueue_audited(
        &mut self,
        event: &BedsideEvent,
        bundle_urn: &str,
        at: &Instant,
        actor: &str,
        also: &[(AuditAction, String)],
    ) -> Result<i64, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let json = serde_json::to_string(event).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        if let BedsideEvent::Started(s) = event {
            let dispense = &s.transfusion.dispense_id;
            let started: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM ward_transfusion WHERE dispense_id = ?1)",
                [dispense],
                |r| r.get(0),
            )?;
            if started {
                return Err(StoreError::AlreadyStarted(dispense.clone()));
            }
        }
        tx.execute(
            "INSERT INTO outbox (bundle_urn, kind, procedure_urn, event, recorded_at, state)
             VALUES (?1, ?2, ?3, ?4, ?5, 'queued')",
            params![bundle_urn, event.kind(), event.subject(), json, stamp(at)],
        )?;
        let seq = tx.last_insert_rowid();
        ward::project(&tx, event)?;
        append_audit(
            &tx,
            at,
            actor,
            AuditAction::of_event(event),
            &format!("{bundle_urn} {json}"),
            Some(event.subject()),
        )?;
        for (action, detail) in also {
            append_audit(&tx, at, actor, *action, detail, Some(event.subject()))?;
        }
        tx.commit()?;
        Ok(seq)
    }

    fn outbox_rows(&self, where_clause: &str) -> Result<Vec<OutboxRecord>, StoreError> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT seq, bundle_urn, procedure_urn, event, state, bundle, attempts, last_error,
                    reason_code, reason_text
             FROM outbox WHERE {where_clause} ORDER BY seq"
        ))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, Option<String>>(5)?,
                    r.get::<_, i64>(6)?,
                    r.get::<_, Option<String>>(7)?,
                    r.get::<_, Option<String>>(8)?,
                    r.get::<_, Option<String>>(9)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(
                |(
                    seq,
                    bundle_urn,
                    procedure_urn,
                    event,
                    state,
                    bundle,
                    attempts,
                    last_error,
                    reason_code,
                    reason_text,
                )| {
                    let event = serde_json::from_str(&event)
                        .map_err(|e| StoreError::Corrupt(format!("outbox record {seq}: {e}")))?;
                    let state = OutboxState::parse(&state).ok_or_else(|| {
                        StoreError::Corrupt(format!("outbox record {seq}: state `{state}`"))
                    })?;
                    Ok(OutboxRecord {
                        seq,
                        bundle_urn,
                        procedure_urn,
                        event,
                        state,
                        bundle,
                        attempts,
                        last_error,
                        reason_code,
                        reason_text,
                    })
                },
            )
            .collect()
    }

    /// Records not yet confirmed by the blood bank, oldest first.
    pub fn unsent(&self) -> Result<Vec<OutboxRecord>, StoreError> {
        self.outbox_rows("state IN ('queued', 'sending')")
    }

    pub fn quarantined(&self) -> Result<Vec<OutboxRecord>, StoreError> {
        self.outbox_rows("state = 'quarantined'")
    }

    pub fn all_outbox(&self) -> Result<Vec<OutboxRecord>, StoreError> {
        self.outbox_rows("1")
    }

    /// Every event of the transfusions started on this device and not yet ended or stopped for
    /// a reaction, in recording order: what the app needs to carry on after a restart.
    pub fn open_transfusion_events(&self) -> Result<Vec<BedsideEvent>, StoreError> {
        Ok(self
            .outbox_rows(
                "procedure_urn IN (SELECT procedure_urn FROM ward_transfusion
                                   WHERE outcome = 'running')",
            )?
            .into_iter()
            .map(|r| r.event)
            .collect())
    }

    /// Dispense ids of every unit started on this device (they are no longer waiting).
    pub fn started_dispenses(&self) -> Result<Vec<String>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT dispense_id FROM ward_transfusion")?;
        let ids = stmt
            .query_map([], |r| r.get::<_, Option<String>>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ids.into_iter().flatten().collect())
    }
    pub fn outbox_counts(&self) -> Result<OutboxCounts, StoreError> {
        let mut counts = OutboxCounts::default();
        let mut stmt = self
            .conn
            .prepare("SELECT state, count(*) FROM outbox GROUP BY state")?;
        for row in stmt.query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as usize))
        })? {
            let (state, n) = row?;
            match OutboxState::parse(&state) {
                Some(OutboxState::Queued) => counts.queued = n,
                Some(OutboxState::Sending) => counts.sending = n,
                Some(OutboxState::Sent) => counts.sent = n,
                Some(OutboxState::Quarantined) => counts.quarantined = n,
                None => return Err(StoreError::Corrupt(format!("outbox state `{state}`"))),
            }
        }
        let archived: Option<String> = self
            .conn
            .query_row(
                "SELECT value FROM sync_state WHERE key = ?1",
                [crate::archive::ARCHIVED_KEY],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(n) = archived {
            counts.archived = n
                .parse()
                .map_err(|_| StoreError::Corrupt(format!("archived record count `{n}`")))?;
        }
        Ok(counts)
    }

    /// Records the blood bank has not accepted, refused ones first, then the oldest unsent: at
    /// most `limit` (a night offline queues thousands of rounds).
    pub fn pending(&self, limit: usize) -> Result<Vec<OutboxRecord>, StoreError> {
        let mut records = self.outbox_rows(&format!(
            "seq IN (SELECT seq FROM outbox WHERE state IN ('quarantined', 'queued', 'sending')
                     ORDER BY state = 'quarantined' DESC, seq LIMIT {limit})"
        ))?;
        records.sort_by_key(|r| (r.state != OutboxState::Quarantined, r.seq));
        Ok(records)
    }
}
