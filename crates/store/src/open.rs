//! Opening the store: the key, the pragmas, the migrations, and the checks an IT person runs on
//! a device's database (integrity, an encrypted copy of a plaintext store).

use std::path::Path;

use rusqlite::Connection;
use rusqlite_migration::{Migrations, M};

use crate::{audit_chain, ward, Store, StoreError, StoreKey};

/// Migration 007: the audit hash chain; its hook chains the rows written before it.
const AUDIT_CHAIN_SQL: &str = include_str!("migrations/007_audit_chain.sql");

/// The schema, one file per version. Append only.
pub const MIGRATIONS: [&str; 12] = [
    include_str!("migrations/001_cache.sql"),
    include_str!("migrations/002_outbox.sql"),
    include_str!("migrations/003_audit.sql"),
    include_str!("migrations/004_staff.sql"),
    include_str!("migrations/005_interruption.sql"),
    include_str!("migrations/006_ward_records.sql"),
    AUDIT_CHAIN_SQL,
    include_str!("migrations/008_one_start_per_unit.sql"),
    include_str!("migrations/009_emergency.sql"),
    include_str!("migrations/010_handover.sql"),
    include_str!("migrations/011_near_miss.sql"),
    include_str!("migrations/012_outbox_archive.sql"),
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
            mapping: Default::default(),
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

    /// The schema version this database is at (`PRAGMA user_version`).
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }

    /// Direct access for tests that need to try what the app never does (editing the audit).
    #[doc(hidden)]
    pub fn connection(&self) -> &Connection {
        &self.conn
    }
}
