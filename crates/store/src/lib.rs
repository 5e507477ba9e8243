//! The handheld's store (SQLite, WAL): the cache of what the blood bank issued, the outbox of
//! bedside events, the append-only audit trail. The only owner of its schema; migrations are
//! numbered files applied in order and never edited once released.
//!
//! A damaged or newer database is never deleted or rebuilt: opening it fails with what is wrong.

use std::path::Path;

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use rusqlite_migration::{Migrations, M};
use serde_json::Value;

use bedside_clock::Instant;
use bedside_core::event::BedsideEvent;
use bedside_fhir::issue::ResourceSet;

pub mod key;
pub use key::{KeyError, StoreKey};
mod audit_chain;
mod ward;
pub use audit_chain::{AuditBreak, AuditHead, AuditVerdict, HASHED_COLUMNS};
pub use ward::quality_record;

/// Migration 007: the audit hash chain; its hook chains the rows written before it.
const AUDIT_CHAIN_SQL: &str = include_str!("migrations/007_audit_chain.sql");

/// The schema, one file per version. Append only.
pub const MIGRATIONS: [&str; 8] = [
    include_str!("migrations/001_cache.sql"),
    include_str!("migrations/002_outbox.sql"),
    include_str!("migrations/003_audit.sql"),
    include_str!("migrations/004_staff.sql"),
    include_str!("migrations/005_interruption.sql"),
    include_str!("migrations/006_ward_records.sql"),
    AUDIT_CHAIN_SQL,
    include_str!("migrations/008_one_start_per_unit.sql"),
];

pub fn migrations() -> Migrations<'static> {
    Migrations::new(
        MIGRATIONS
            .iter()
            .map(|sql| {
                if *sql == AUDIT_CHAIN_SQL {
                    M::up_with_hook(sql, audit_chain::chain_legacy_rows)
                } else {
                    M::up(sql)
                }
            })
            .collect(),
    )
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the device's database {path}: {source}")]
    Open {
        path: String,
        source: rusqlite::Error,
    },
    #[error("the device's database {path} cannot be read with this key (wrong key or not an encrypted store), or its first page is damaged; it was left as it is")]
    WrongKey { path: String },
    #[error("the device's database {path} is damaged or encrypted ({why}): it cannot be opened without the right key ([device] store_key_file) and was left as it is")]
    Unreadable { path: String, why: String },
    #[error("the device's database {path} is damaged ({why}); it was left as it is")]
    Damaged { path: String, why: String },
    #[error("the device's storage is full: nothing of this action was saved and earlier records are kept; free space on the device, then do it again")]
    Full,
    #[error("the device's database cannot be written (its file or storage is read-only): nothing of this action was saved; call the ward's IT support")]
    ReadOnly,
    #[error("the device's database is busy (another program is writing to it): nothing was saved; try again")]
    Busy,
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error("the device's database cannot be brought to this version's schema (it was left as it is): {0}")]
    Schema(#[from] rusqlite_migration::Error),
    #[error("the device's database: {0}")]
    Sqlite(rusqlite::Error),
    #[error("the device's database holds a record it cannot read ({0}); it was left as it is")]
    Corrupt(String),
    #[error("unit of dispense {0} was already started on this device: a bag is hung once")]
    AlreadyStarted(String),
}

impl StoreError {
    /// What a nurse reads, in her language: what happened to her action and what to do. The
    /// technical detail (file, SQLite's words) stays in the English `Display` for the IT log.
    pub fn message(&self) -> bedside_core::messages::Text {
        use bedside_core::messages::Text;
        let (en, zh) = match self {
            StoreError::Full => (
                "The device's storage is full: nothing of this action was saved and earlier records are kept. Free space on the device, then do it again.",
                "设备存储空间已满：本次操作未保存，之前的记录仍在。请清理设备空间后重试。",
            ),
            StoreError::ReadOnly => (
                "The device's database cannot be written: nothing of this action was saved. Call the ward's IT support.",
                "设备数据库无法写入：本次操作未保存。请联系病区信息科。",
            ),
            StoreError::Busy => (
                "The device's database is busy: nothing was saved. Try again.",
                "设备数据库正忙：未保存。请重试。",
            ),
            StoreError::AlreadyStarted(_) => (
                "This unit was already started on this device: a bag is hung once.",
                "此血袋已在本设备上开始输注：一袋血只能输注一次。",
            ),
            StoreError::WrongKey { .. } | StoreError::Key(_) => (
                "The device's database cannot be opened with this device's key. Call the ward's IT support.",
                "无法用本设备密钥打开设备数据库。请联系病区信息科。",
            ),
            StoreError::Open { .. }
            | StoreError::Unreadable { .. }
            | StoreError::Damaged { .. }
            | StoreError::Corrupt(_)
            | StoreError::Schema(_)
            | StoreError::Sqlite(_) => (
                "The device's database cannot read a record; it was left as it is. Call the ward's IT support.",
                "设备数据库中有记录无法读取（数据库保持原样）。请联系病区信息科。",
            ),
        };
        Text::fill(en, zh, &[])
    }
}

/// SQLite's result codes as the nurse and the IT team need them: a full disk, a read-only file
/// and a busy database each get their own words.
impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> StoreError {
        use rusqlite::ErrorCode;
        match e.sqlite_error_code() {
            Some(ErrorCode::DiskFull) => StoreError::Full,
            Some(ErrorCode::ReadOnly) => StoreError::ReadOnly,
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StoreError::Busy,
            Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => {
                StoreError::Corrupt(e.to_string())
            }
            // SQLCipher reports a page that fails its check (damaged or altered on disk) as
            // "out of memory": the words name both causes.
            Some(ErrorCode::OutOfMemory) => StoreError::Corrupt(
                "a page failed its check: damaged or altered on disk, or the device ran out of \
                 memory"
                    .into(),
            ),
            _ => StoreError::Sqlite(e),
        }
    }
}

/// A member of the ward's staff as this device knows them.
#[derive(Debug, Clone, PartialEq)]
pub struct StaffMember {
    pub badge: String,
    pub name: String,
    /// `nurse` or `charge_nurse`.
    pub role: String,
    pub practitioner_id: Option<String>,
    /// Argon2id PHC string; never the PIN.
    pub pin_hash: String,
    pub failed_attempts: i64,
    /// RFC 3339; the badge refuses PINs until then.
    pub locked_until: Option<String>,
    pub active: bool,
}

/// One outbox row.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxRecord {
    pub seq: i64,
    pub bundle_urn: String,
    pub procedure_urn: String,
    pub event: BedsideEvent,
    pub state: String,
    pub bundle: Option<String>,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub reason_code: Option<String>,
    pub reason_text: Option<String>,
}

/// What the blood bank calls one of this device's records.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerRef {
    pub client_urn: String,
    pub resource_type: String,
    pub id: String,
    pub version_id: String,
    pub last_modified: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct OutboxCounts {
    pub queued: usize,
    pub sending: usize,
    pub sent: usize,
    pub quarantined: usize,
}

/// An audit row as read back: the same shape a record's review shows.
pub use bedside_core::review::AuditLine as AuditEntry;

/// The open interruption of a transfusion, if any.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenInterruption {
    pub seq: i64,
    pub at: Instant,
    pub reason: String,
    pub by: String,
}

pub struct Store {
    conn: Connection,
    encrypted: bool,
}

fn stamp(t: &Instant) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, false)
}

/// An audit row read as `seq, at, actor, action, detail`.
fn audit_entry(r: &rusqlite::Row) -> rusqlite::Result<AuditEntry> {
    Ok(AuditEntry {
        seq: r.get(0)?,
        at: r.get(1)?,
        actor: r.get(2)?,
        action: r.get(3)?,
        detail: r.get(4)?,
    })
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

/// The one place a row joins the audit trail, inside the caller's transaction when it has one;
/// each row is chained to the one before it (`audit_chain`). `subject` is the transfusion
/// (procedure urn) the row is about, if any.
fn append_audit(
    conn: &Connection,
    at: &Instant,
    actor: &str,
    action: &str,
    detail: &str,
    subject: Option<&str>,
) -> rusqlite::Result<usize> {
    audit_chain::append(conn, &stamp(at), actor, action, detail, subject)
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
    /// An unencrypted store (tests, tools). A handheld opens its store with `open_encrypted`.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        Store::open_with(path, None)
    }

    /// The handheld's store, encrypted at rest with `key` (SQLCipher). A new file is created
    /// encrypted; an existing one that this key cannot read is refused and left untouched.
    pub fn open_encrypted(path: &Path, key: &StoreKey) -> Result<Store, StoreError> {
        Store::open_with(path, Some(key))
    }

    pub fn open_with(path: &Path, key: Option<&StoreKey>) -> Result<Store, StoreError> {
        let shown = path.display().to_string();
        let open_error = |source: rusqlite::Error| {
            let path = shown.clone();
            match source.sqlite_error_code() {
                Some(rusqlite::ErrorCode::NotADatabase) if key.is_some() => {
                    StoreError::WrongKey { path }
                }
                Some(rusqlite::ErrorCode::NotADatabase) => StoreError::Unreadable {
                    path,
                    why: source.to_string(),
                },
                Some(rusqlite::ErrorCode::DatabaseCorrupt) => StoreError::Damaged {
                    path,
                    why: source.to_string(),
                },
                Some(
                    rusqlite::ErrorCode::DiskFull
                    | rusqlite::ErrorCode::ReadOnly
                    | rusqlite::ErrorCode::DatabaseBusy
                    | rusqlite::ErrorCode::DatabaseLocked,
                ) => StoreError::from(source),
                _ => StoreError::Open { path, source },
            }
        };
        let mut conn = Connection::open(path).map_err(open_error)?;
        // Not a statement: `PRAGMA key` stays the first one the connection runs.
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(open_error)?;
        if let Some(key) = key {
            conn.execute_batch(&format!("PRAGMA key = \"{}\";", key.pragma_literal()))
                .map_err(open_error)?;
        }
        // The first read: a wrong key (or a damaged header) shows here, before anything writes.
        conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
            r.get::<_, i64>(0)
        })
        .map_err(open_error)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(open_error)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(open_error)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(open_error)?;
        migrations().to_latest(&mut conn).map_err(|e| match e {
            rusqlite_migration::Error::RusqliteError { err, .. } => open_error(err),
            other => StoreError::Schema(other),
        })?;
        ward::project_earlier_events(&mut conn)?;
        Ok(Store {
            conn,
            encrypted: key.is_some(),
        })
    }

    /// Copies the plaintext store at `plain` into a new encrypted store at `target` (which must
    /// not exist), for a device that ran before its store was encrypted. `plain` is not
    /// changed; the copy is checked (schema, outbox, audit) before this returns.
    pub fn encrypt_copy(plain: &Path, target: &Path, key: &StoreKey) -> Result<(), StoreError> {
        if target.exists() {
            return Err(StoreError::Corrupt(format!(
                "{} already exists; it was left as it is",
                target.display()
            )));
        }
        let source = Store::open(plain)?;
        let version = source.schema_version()?;
        source.conn.execute(
            &format!(
                "ATTACH DATABASE ?1 AS encrypted KEY \"{}\"",
                key.pragma_literal()
            ),
            [target.display().to_string()],
        )?;
        source
            .conn
            .query_row("SELECT sqlcipher_export('encrypted')", [], |_| Ok(()))?;
        source
            .conn
            .execute_batch(&format!("PRAGMA encrypted.user_version = {version}"))?;
        source.conn.execute_batch("DETACH DATABASE encrypted")?;
        let copy = Store::open_encrypted(target, key)?;
        let count = |s: &Store, table: &str| -> Result<i64, StoreError> {
            Ok(s.conn
                .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))?)
        };
        for table in ["outbox", "audit", "cache_resource", "staff"] {
            if count(&source, table)? != count(&copy, table)? {
                return Err(StoreError::Corrupt(format!(
                    "the encrypted copy {} differs from the store in its {table} table",
                    target.display()
                )));
            }
        }
        Ok(())
    }

    /// `PRAGMA integrity_check` (and, encrypted, SQLCipher's check of every page's HMAC): `ok`,
    /// or what was found wrong.
    pub fn integrity_check(&self) -> Result<String, StoreError> {
        let rows = |sql: &str| -> Result<Vec<String>, StoreError> {
            let mut stmt = self.conn.prepare(sql)?;
            let lines = stmt
                .query_map([], |r| r.get::<_, String>(0))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(lines)
        };
        let mut lines = rows("PRAGMA integrity_check")?;
        if self.encrypted {
            let pages = rows("PRAGMA cipher_integrity_check")?;
            if !pages.is_empty() {
                lines.retain(|l| l != "ok");
                lines.extend(pages);
            }
        }
        Ok(lines.join("; "))
    }

    /// Fault tests only: caps the database at `pages` pages (a full disk, as SQLite sees it), or
    /// lifts the cap with `None`.
    #[cfg(feature = "fault-injection")]
    pub fn fault_max_pages(&self, pages: Option<i64>) -> Result<i64, StoreError> {
        let pages = pages.unwrap_or(4_294_967_294);
        Ok(self
            .conn
            .query_row(&format!("PRAGMA max_page_count = {pages}"), [], |r| {
                r.get(0)
            })?)
    }

    /// Fault tests only: makes this connection refuse every write, as SQLite refuses writes to a
    /// read-only file (`SQLITE_READONLY`).
    #[cfg(feature = "fault-injection")]
    pub fn fault_read_only(&self, on: bool) -> Result<(), StoreError> {
        self.conn.pragma_update(None, "query_only", on)?;
        Ok(())
    }

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

    /// The schema version this database is at (`PRAGMA user_version`).
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }

    // ----------------------------------------------------------------- cache

    fn state(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT value FROM sync_state WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()?)
    }

    /// The pull watermark: the largest `meta.lastUpdated` received (server clock).
    pub fn watermark(&self) -> Result<Option<String>, StoreError> {
        self.state("watermark")
    }

    /// When the last complete pull finished (device clock).
    pub fn cache_synced_at(&self) -> Result<Option<Instant>, StoreError> {
        Ok(self
            .state("cache_synced_at")?
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(&t).ok()))
    }

    pub fn cached_version(&self, ty: &str, id: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT version_id FROM cache_resource WHERE type = ?1 AND id = ?2",
                [ty, id],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Stores resources of one page of a pull in one transaction; a resource whose version is
    /// already held is skipped. Returns how many were new or changed, and moves the watermark up
    /// to the largest `lastUpdated` of the `matches`.
    pub fn store_pulled(
        &mut self,
        resources: &[Value],
        matches_last_updated: &[String],
    ) -> Result<usize, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut changed = 0;
        {
            let mut current = tx.prepare_cached(
                "SELECT version_id FROM cache_resource WHERE type = ?1 AND id = ?2",
            )?;
            let mut upsert = tx.prepare_cached(
                "INSERT INTO cache_resource (type, id, version_id, last_updated, json)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (type, id) DO UPDATE SET version_id = excluded.version_id,
                   last_updated = excluded.last_updated, json = excluded.json",
            )?;
            for r in resources {
                let get = |path: &[&str]| bedside_fhir::str_at(r, path).unwrap_or_default();
                let (ty, id) = (get(&["resourceType"]), get(&["id"]));
                let (version, last_updated) =
                    (get(&["meta", "versionId"]), get(&["meta", "lastUpdated"]));
                if ty.is_empty() || id.is_empty() {
                    continue;
                }
                let held: Option<String> =
                    current.query_row([ty, id], |row| row.get(0)).optional()?;
                if held.as_deref() == Some(version) && !version.is_empty() {
                    continue;
                }
                upsert.execute(params![ty, id, version, last_updated, r.to_string()])?;
                changed += 1;
            }
        }
        let mut newest = tx
            .query_row(
                "SELECT value FROM sync_state WHERE key = 'watermark'",
                [],
                |r| r.get::<_, String>(0),
            )
            .optional()?;
        for lu in matches_last_updated {
            let later = match &newest {
                None => true,
                Some(w) => match (
                    chrono::DateTime::parse_from_rfc3339(lu),
                    chrono::DateTime::parse_from_rfc3339(w),
                ) {
                    (Ok(a), Ok(b)) => a > b,
                    _ => false,
                },
            };
            if later {
                newest = Some(lu.clone());
            }
        }
        if let Some(w) = newest {
            tx.execute(
                "INSERT INTO sync_state (key, value) VALUES ('watermark', ?1)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [w],
            )?;
        }
        tx.commit()?;
        Ok(changed)
    }

    /// Records that a pull completed (every page followed).
    /// The blood bank's clock (its HTTP `Date`) and this device's at the same moment of a pull.
    pub fn note_server_clock(
        &mut self,
        server: &Instant,
        device: &Instant,
    ) -> Result<(), StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        for (key, at) in [
            ("server_clock_server", server),
            ("server_clock_device", device),
        ] {
            tx.execute(
                "INSERT INTO sync_state (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                params![key, stamp(at)],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The last pair `note_server_clock` kept: (the blood bank's time, the device's time).
    pub fn server_clock(&self) -> Result<Option<(Instant, Instant)>, StoreError> {
        let read = |key| -> Result<Option<Instant>, StoreError> {
            self.state(key)?
                .map(|t| {
                    chrono::DateTime::parse_from_rfc3339(&t)
                        .map_err(|e| StoreError::Corrupt(format!("{key}: {e}")))
                })
                .transpose()
        };
        Ok(read("server_clock_server")?.zip(read("server_clock_device")?))
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

    pub fn pull_completed(&mut self, at: &Instant) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO sync_state (key, value) VALUES ('cache_synced_at', ?1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [stamp(at)],
        )?;
        Ok(())
    }

    /// A resource the blood bank says is gone (404/410 on a read) leaves the cache.
    pub fn forget(&mut self, ty: &str, id: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "DELETE FROM cache_resource WHERE type = ?1 AND id = ?2",
            [ty, id],
        )?;
        Ok(())
    }

    pub fn cached(&self) -> Result<ResourceSet, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT type, id, json FROM cache_resource")?;
        let mut set = ResourceSet::default();
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?;
        for row in rows {
            let (ty, id, json) = row?;
            let value = serde_json::from_str(&json)
                .map_err(|e| StoreError::Corrupt(format!("cached {ty}/{id}: {e}")))?;
            set.insert(value);
        }
        Ok(set)
    }

    /// Patients of the cached dispenses, for the follow-up searches of a pull.
    /// `Patient/<id>` of every patient with a unit still issued in the cache (waiting or
    /// hanging): whose orders and blood group results each pull fetches again.
    pub fn issued_patient_refs(&self) -> Result<Vec<String>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT DISTINCT json_extract(json, '$.patient.reference') AS patient
             FROM cache_resource
             WHERE type = 'BiologicallyDerivedProductDispense'
               AND json_extract(json, '$.status') = 'issued' AND patient IS NOT NULL
             ORDER BY patient",
        )?;
        let refs = stmt
            .query_map([], |r| r.get(0))?
            .collect::<Result<Vec<String>, _>>()?;
        Ok(refs)
    }

    pub fn cached_count(&self, ty: &str) -> Result<usize, StoreError> {
        let n: i64 = self.conn.query_row(
            "SELECT count(*) FROM cache_resource WHERE type = ?1",
            [ty],
            |r| r.get(0),
        )?;
        Ok(n as usize)
    }

    // ----------------------------------------------------------------- outbox

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
        also: &[(&str, String)],
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
            params![
                bundle_urn,
                event.kind(),
                event.transfusion().procedure_uuid,
                json,
                stamp(at)
            ],
        )?;
        let seq = tx.last_insert_rowid();
        ward::project(&tx, event)?;
        append_audit(
            &tx,
            at,
            actor,
            event.kind(),
            &format!("{bundle_urn} {json}"),
            Some(&event.transfusion().procedure_uuid),
        )?;
        for (action, detail) in also {
            append_audit(
                &tx,
                at,
                actor,
                action,
                detail,
                Some(&event.transfusion().procedure_uuid),
            )?;
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
            "transfusion-interrupted",
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
                "transfusion-restarted",
                &format!("{procedure_urn}: repeat check by {by} and {second_checker}"),
                Some(procedure_urn),
            )?;
        }
        tx.commit()?;
        Ok(changed > 0)
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

    pub fn outbox_counts(&self) -> Result<OutboxCounts, StoreError> {
        let mut counts = OutboxCounts::default();
        let mut stmt = self
            .conn
            .prepare("SELECT state, count(*) FROM outbox GROUP BY state")?;
        for row in stmt.query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as usize))
        })? {
            let (state, n) = row?;
            match state.as_str() {
                "queued" => counts.queued = n,
                "sending" => counts.sending = n,
                "sent" => counts.sent = n,
                _ => counts.quarantined = n,
            }
        }
        Ok(counts)
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
            "quarantined",
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
                "requeued",
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

    // ----------------------------------------------------------------- audit

    // ----------------------------------------------------------------- staff

    /// Adds or replaces a member of staff (admin import, or the demo seed), with the PIN's hash.
    pub fn put_staff(
        &mut self,
        member: &StaffMember,
        at: &Instant,
        by: &str,
    ) -> Result<(), StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO staff (badge, name, role, practitioner_id, pin_hash, active)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (badge) DO UPDATE SET name = excluded.name, role = excluded.role,
               practitioner_id = excluded.practitioner_id, pin_hash = excluded.pin_hash,
               active = excluded.active, failed_attempts = 0, locked_until = NULL",
            params![
                member.badge,
                member.name,
                member.role,
                member.practitioner_id,
                member.pin_hash,
                member.active
            ],
        )?;
        append_audit(
            &tx,
            at,
            by,
            "staff-imported",
            &format!("{} {} ({})", member.badge, member.name, member.role),
            None,
        )?;
        tx.commit()?;
        Ok(())
    }

    pub fn staff_member(&self, badge: &str) -> Result<Option<StaffMember>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT badge, name, role, practitioner_id, pin_hash, failed_attempts, locked_until, active
                 FROM staff WHERE badge = ?1",
                [badge],
                |r| {
                    Ok(StaffMember {
                        badge: r.get(0)?,
                        name: r.get(1)?,
                        role: r.get(2)?,
                        practitioner_id: r.get(3)?,
                        pin_hash: r.get(4)?,
                        failed_attempts: r.get(5)?,
                        locked_until: r.get(6)?,
                        active: r.get(7)?,
                    })
                },
            )
            .optional()?)
    }

    pub fn staff_count(&self) -> Result<usize, StoreError> {
        let n: i64 = self
            .conn
            .query_row("SELECT count(*) FROM staff", [], |r| r.get(0))?;
        Ok(n as usize)
    }

    /// Counts a wrong PIN (and locks the badge until `locked_until` when given); the attempt is
    /// audited either way.
    pub fn login_failed(
        &mut self,
        badge: &str,
        locked_until: Option<&Instant>,
        at: &Instant,
    ) -> Result<(), StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "UPDATE staff SET failed_attempts = failed_attempts + 1,
               locked_until = coalesce(?2, locked_until) WHERE badge = ?1",
            params![badge, locked_until.map(stamp)],
        )?;
        let detail = match locked_until {
            Some(until) => format!("{badge}: wrong PIN; badge locked until {}", stamp(until)),
            None => format!("{badge}: wrong PIN"),
        };
        append_audit(&tx, at, badge, "login-failed", &detail, None)?;
        tx.commit()?;
        Ok(())
    }

    /// A right PIN: the count of wrong ones starts again; the action is audited.
    pub fn login_succeeded(
        &mut self,
        badge: &str,
        action: &str,
        at: &Instant,
    ) -> Result<(), StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "UPDATE staff SET failed_attempts = 0, locked_until = NULL WHERE badge = ?1",
            [badge],
        )?;
        append_audit(&tx, at, badge, action, "", None)?;
        tx.commit()?;
        Ok(())
    }

    pub fn audit(
        &mut self,
        at: &Instant,
        actor: &str,
        action: &str,
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
        action: &str,
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

    /// The latest audit row whose action is one of `actions`.
    pub fn last_audit_of(&self, actions: &[&str]) -> Result<Option<AuditEntry>, StoreError> {
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

    /// Direct access for tests that need to try what the app never does (editing the audit).
    #[doc(hidden)]
    pub fn connection(&self) -> &Connection {
        &self.conn
    }
}
