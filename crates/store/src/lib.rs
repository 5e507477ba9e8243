//! The handheld's store (SQLite, WAL): the cache of what the blood bank issued, the outbox of
//! bedside events, the append-only audit trail. The only owner of its schema; migrations are
//! numbered files applied in order and never edited once released.
//!
//! A damaged or newer database is never deleted or rebuilt: opening it fails with what is wrong.

use rusqlite::Connection;

use bedside_clock::Instant;

pub mod key;
pub use key::{KeyError, StoreKey};
mod archive;
mod audit;
mod audit_chain;
mod cache;
mod delivery;
mod error;
mod handover;
mod interruption;
mod merge;
mod open;
mod outbox;
mod staff;
mod ward;
pub use archive::Archived;
pub use audit::{append_chained_audit_row, AuditEntry};
pub use audit_chain::{AuditBreak, AuditHead, AuditVerdict, HASHED_COLUMNS};
pub use delivery::ServerRef;
pub use error::StoreError;
pub use interruption::OpenInterruption;
pub use open::{migrations, MIGRATIONS};
pub use outbox::{OutboxCounts, OutboxRecord, OutboxState};
pub use staff::StaffMember;
pub use ward::quality_record;

/// The device's store. Its methods are grouped by concern, one `impl Store` per module: opening
/// and checks (`open`), the cache of issued units (`cache`), the outbox (`outbox`) and the sync's
/// bookkeeping of it (`delivery`), interruptions, staff, the audit trail, the ward's records.
pub struct Store {
    conn: Connection,
    encrypted: bool,
    /// How the cached blood-bank resources are read (`[mapping]`): one reading for the check,
    /// the link's after-pull work and the exports.
    mapping: bedside_fhir::mapping::Mapping,
}

fn stamp(t: &Instant) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, false)
}
