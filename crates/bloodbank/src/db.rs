//! The reference blood bank's own store: current resources, their history, identifiers.
//!
//! Every write goes through `BloodBankDb::write`, one SQLite `IMMEDIATE` transaction that takes
//! its `lastUpdated` stamp inside the write lock and never earlier than any stamp already stored,
//! so that an incremental pull (`_lastUpdated=ge W`) can never miss a change (contract §2.2).

use std::path::Path;
use std::sync::Arc;

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use rusqlite_migration::{Migrations, M};
use serde_json::{json, Value};

use bedside_clock::{Clock, Instant};
use bedside_fhir::{plain_reference, str_at};

const MIGRATIONS: &[&str] = &[include_str!("migrations/001_resources.sql")];

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("blood-bank database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("blood-bank database cannot be brought to the current schema: {0}")]
    Migration(#[from] rusqlite_migration::Error),
    #[error("stored resource {0} is not valid JSON: {1}")]
    Corrupt(String, serde_json::Error),
    #[error("the identifier index names {0}, which is not stored")]
    Inconsistent(String),
}

/// A resource as stored: its JSON carries `id` and `meta.versionId`/`meta.lastUpdated`.
#[derive(Debug, Clone, PartialEq)]
pub struct Stored {
    pub resource_type: String,
    pub id: String,
    pub version: i64,
    pub last_updated: String,
    pub json: Value,
}

pub struct BloodBankDb {
    conn: Connection,
    clock: Arc<dyn Clock>,
}

impl BloodBankDb {
    pub fn open(path: &Path, clock: Arc<dyn Clock>) -> Result<BloodBankDb, DbError> {
        let mut conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        // 64 MB of page cache: the ward's working set stays in memory.
        conn.pragma_update(None, "cache_size", -65536)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        Migrations::new(MIGRATIONS.iter().map(|sql| M::up(sql)).collect()).to_latest(&mut conn)?;
        Ok(BloodBankDb { conn, clock })
    }

    pub fn now(&self) -> Instant {
        self.clock.now()
    }

    pub fn clock(&self) -> Arc<dyn Clock> {
        self.clock.clone()
    }

    pub fn read(&self, resource_type: &str, id: &str) -> Result<Option<Stored>, DbError> {
        read(&self.conn, resource_type, id)
    }

    /// Runs `work` in one all-or-nothing write transaction, stamped once.
    pub fn write<T, E: From<DbError>>(
        &mut self,
        work: impl FnOnce(&mut Writer) -> Result<T, E>,
    ) -> Result<T, E> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(DbError::from)?;
        let latest: Option<i64> = tx
            .query_row("SELECT max(lu_ms) FROM resource", [], |r| r.get(0))
            .map_err(DbError::from)?;
        let now = self.clock.now();
        let now_ms = now.timestamp_millis().max(latest.unwrap_or(i64::MIN));
        let stamp_instant = chrono::DateTime::from_timestamp_millis(now_ms)
            .unwrap_or_default()
            .with_timezone(now.offset());
        let mut writer = Writer {
            tx,
            lu_ms: now_ms,
            last_updated: stamp_instant.to_rfc3339_opts(chrono::SecondsFormat::Millis, false),
        };
        let result = work(&mut writer)?;
        writer.tx.commit().map_err(DbError::from)?;
        Ok(result)
    }

    /// Dispenses sent to `destination` changed at or after `since_ms`, in `(lu_ms, id)` order
    /// after the cursor, at most `count`; and how many match from the cursor on.
    pub fn dispenses_for(
        &self,
        destination: &str,
        since_ms: i64,
        after: Option<(i64, &str)>,
        count: usize,
    ) -> Result<(Vec<Stored>, usize), DbError> {
        let (after_ms, after_id) = after.unwrap_or((i64::MIN, ""));
        let mut stmt = self.conn.prepare_cached(
            "SELECT type, id, version, last_updated, json FROM resource
             WHERE type = 'BiologicallyDerivedProductDispense' AND destination = ?1
               AND lu_ms >= ?2 AND (lu_ms > ?3 OR (lu_ms = ?3 AND id > ?4))
             ORDER BY lu_ms, id LIMIT ?5",
        )?;
        let rows = stmt
            .query_map(
                params![destination, since_ms, after_ms, after_id, count as i64],
                row_to_raw,
            )?
            .collect::<Result<Vec<_>, _>>()?;
        // Counted from the cursor on: each page is its own search, and its `total` says how
        // many matches remain, this page included.
        let total: i64 = self.conn.query_row(
            "SELECT count(*) FROM resource WHERE type = 'BiologicallyDerivedProductDispense'
             AND destination = ?1 AND lu_ms >= ?2 AND (lu_ms > ?3 OR (lu_ms = ?3 AND id > ?4))",
            params![destination, since_ms, after_ms, after_id],
            |r| r.get(0),
        )?;
        Ok((parse_all(rows)?, total as usize))
    }

    /// Every resource of a type, optionally only those of some patients.
    pub fn of_type(
        &self,
        resource_type: &str,
        patients: Option<&[String]>,
    ) -> Result<Vec<Stored>, DbError> {
        let rows = match patients {
            None => {
                let mut stmt = self.conn.prepare_cached(
                    "SELECT type, id, version, last_updated, json FROM resource WHERE type = ?1 ORDER BY id",
                )?;
                let rows = stmt
                    .query_map([resource_type], row_to_raw)?
                    .collect::<Result<Vec<_>, _>>()?;
                rows
            }
            Some(patients) => {
                let mut stmt = self.conn.prepare_cached(
                    "SELECT type, id, version, last_updated, json FROM resource
                     WHERE type = ?1 AND patient = ?2 ORDER BY id",
                )?;
                let mut rows = Vec::new();
                for p in patients {
                    rows.extend(
                        stmt.query_map(params![resource_type, p], row_to_raw)?
                            .collect::<Result<Vec<_>, _>>()?,
                    );
                }
                rows
            }
        };
        parse_all(rows)
    }

    pub fn ids_with_identifier(
        &self,
        resource_type: &str,
        system: &str,
        value: &str,
    ) -> Result<Vec<String>, DbError> {
        ids_with_identifier(&self.conn, resource_type, system, value)
    }

    pub fn alerts(&self) -> Result<Vec<(String, String, String)>, DbError> {
        let mut stmt = self
            .conn
            .prepare("SELECT at, reason, detail FROM alert ORDER BY seq")?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    pub fn count(&self, resource_type: &str) -> Result<usize, DbError> {
        let n: i64 = self.conn.query_row(
            "SELECT count(*) FROM resource WHERE type = ?1",
            [resource_type],
            |r| r.get(0),
        )?;
        Ok(n as usize)
    }
}

type RawRow = (String, String, i64, String, String);

fn row_to_raw(r: &rusqlite::Row) -> rusqlite::Result<RawRow> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
}

fn parse_all(rows: Vec<RawRow>) -> Result<Vec<Stored>, DbError> {
    rows.into_iter().map(parse_raw).collect()
}

fn parse_raw((resource_type, id, version, last_updated, json): RawRow) -> Result<Stored, DbError> {
    let json = serde_json::from_str(&json)
        .map_err(|e| DbError::Corrupt(format!("{resource_type}/{id}"), e))?;
    Ok(Stored {
        resource_type,
        id,
        version,
        last_updated,
        json,
    })
}

fn read(conn: &Connection, resource_type: &str, id: &str) -> Result<Option<Stored>, DbError> {
    let mut stmt = conn.prepare_cached(
        "SELECT type, id, version, last_updated, json FROM resource WHERE type = ?1 AND id = ?2",
    )?;
    let raw = stmt
        .query_row(params![resource_type, id], row_to_raw)
        .optional()?;
    raw.map(parse_raw).transpose()
}

fn ids_with_identifier(
    conn: &Connection,
    resource_type: &str,
    system: &str,
    value: &str,
) -> Result<Vec<String>, DbError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id FROM identifier INDEXED BY identifier_lookup
         WHERE type = ?1 AND system = ?2 AND value = ?3",
    )?;
    let mut ids = stmt
        .query_map(params![resource_type, system, value], |r| r.get(0))?
        .collect::<Result<Vec<String>, _>>()?;
    ids.sort();
    ids.dedup();
    Ok(ids)
}

/// One write transaction, with its stamp.
pub struct Writer<'c> {
    tx: rusqlite::Transaction<'c>,
    lu_ms: i64,
    last_updated: String,
}

impl Writer<'_> {
    pub fn read(&self, resource_type: &str, id: &str) -> Result<Option<Stored>, DbError> {
        read(&self.tx, resource_type, id)
    }

    pub fn ids_with_identifier(
        &self,
        resource_type: &str,
        system: &str,
        value: &str,
    ) -> Result<Vec<String>, DbError> {
        ids_with_identifier(&self.tx, resource_type, system, value)
    }

    /// The ids of `resource_type` whose patient (or subject) is `patient_id`.
    pub fn ids_of_patient(
        &self,
        resource_type: &str,
        patient_id: &str,
    ) -> Result<Vec<String>, DbError> {
        let mut stmt = self.tx.prepare_cached(
            "SELECT id FROM resource WHERE type = ?1 AND patient = ?2 ORDER BY id",
        )?;
        let ids = stmt
            .query_map(params![resource_type, patient_id], |r| r.get(0))?
            .collect::<Result<Vec<String>, _>>()?;
        Ok(ids)
    }

    /// Whether the blood bank has `resource_type/id`, without reading it.
    pub fn exists(&self, resource_type: &str, id: &str) -> Result<bool, DbError> {
        Ok(self
            .tx
            .prepare_cached("SELECT 1 FROM resource WHERE type = ?1 AND id = ?2")?
            .query_row(params![resource_type, id], |_| Ok(()))
            .optional()?
            .is_some())
    }

    pub fn last_updated(&self) -> &str {
        &self.last_updated
    }

    /// A fresh server id such as `proc-000232`.
    pub fn next_id(&self, prefix: &str) -> Result<String, DbError> {
        let n: i64 = self
            .tx
            .prepare_cached(
                "INSERT INTO id_counter (prefix, next) VALUES (?1, 1)
                 ON CONFLICT (prefix) DO UPDATE SET next = next + 1 RETURNING next",
            )?
            .query_row([prefix], |r| r.get(0))?;
        Ok(format!("{prefix}-{n:06}"))
    }

    pub fn alert(&self, reason: &str, detail: &str) -> Result<(), DbError> {
        self.tx.execute(
            "INSERT INTO alert (at, reason, detail) VALUES (?1, ?2, ?3)",
            params![self.last_updated, reason, detail],
        )?;
        Ok(())
    }

    /// Stores `resource` as the next version of `type/id` (version 1 when new). A resource whose
    /// content equals the current version is not stored again: the answer is that version.
    pub fn put(
        &mut self,
        resource_type: &str,
        id: &str,
        mut resource: Value,
    ) -> Result<(Stored, bool), DbError> {
        let current = self.read(resource_type, id)?;
        if let Some(current) = &current {
            if same_content(&current.json, &resource) {
                return Ok((current.clone(), false));
            }
        }
        let version = current.as_ref().map_or(1, |c| c.version + 1);
        self.stamp_meta(&mut resource, resource_type, id, version, current.as_ref());
        let text = resource.to_string();
        self.write_current(resource_type, id, version, &resource, &text)?;
        self.tx
            .prepare_cached(
                "INSERT INTO history (type, id, version, last_updated, json) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![resource_type, id, version, self.last_updated, text])?;
        self.index_identifiers(resource_type, id, &resource)?;
        let stored = Stored {
            resource_type: resource_type.to_string(),
            id: id.to_string(),
            version,
            last_updated: self.last_updated.clone(),
            json: resource,
        };
        Ok((stored, true))
    }

    /// The resource's type, id and `meta` as the blood bank keeps them: its version and stamp.
    fn stamp_meta(
        &self,
        resource: &mut Value,
        resource_type: &str,
        id: &str,
        version: i64,
        current: Option<&Stored>,
    ) {
        resource["resourceType"] = json!(resource_type);
        resource["id"] = json!(id);
        resource["meta"] =
            json!({"versionId": version.to_string(), "lastUpdated": self.last_updated});
        if let Some(meta) = current.and_then(|c| c.json.get("meta")) {
            // Keep profiles and other meta the client sent earlier, but our version and stamp.
            if let Some(profile) = meta.get("profile") {
                if resource
                    .get("meta")
                    .and_then(|m| m.get("profile"))
                    .is_none()
                {
                    resource["meta"]["profile"] = profile.clone();
                }
            }
        }
    }

    /// The current version's row, with the destination and patient the searches look up.
    fn write_current(
        &self,
        resource_type: &str,
        id: &str,
        version: i64,
        resource: &Value,
        text: &str,
    ) -> Result<(), DbError> {
        let destination = str_at(resource, &["destination", "reference"]).map(str::to_string);
        let patient = str_at(resource, &["patient", "reference"])
            .or_else(|| str_at(resource, &["subject", "reference"]))
            .and_then(plain_reference);
        self.tx
            .prepare_cached(
                "INSERT INTO resource (type, id, version, last_updated, lu_ms, json, destination, patient)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                 ON CONFLICT (type, id) DO UPDATE SET version = excluded.version,
                   last_updated = excluded.last_updated, lu_ms = excluded.lu_ms, json = excluded.json,
                   destination = excluded.destination, patient = excluded.patient",
            )?
            .execute(params![
                resource_type,
                id,
                version,
                self.last_updated,
                self.lu_ms,
                text,
                destination,
                patient
            ])?;
        Ok(())
    }

    /// The identifiers of the current version, for conditional creates and references.
    fn index_identifiers(
        &self,
        resource_type: &str,
        id: &str,
        resource: &Value,
    ) -> Result<(), DbError> {
        self.tx
            .prepare_cached("DELETE FROM identifier WHERE type = ?1 AND id = ?2")?
            .execute(params![resource_type, id])?;
        let mut insert = self.tx.prepare_cached(
            "INSERT INTO identifier (type, system, value, id) VALUES (?1, ?2, ?3, ?4)",
        )?;
        for identifier in resource
            .get("identifier")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let (Some(system), Some(value)) = (
                str_at(identifier, &["system"]),
                str_at(identifier, &["value"]),
            ) {
                insert.execute(params![resource_type, system, value, id])?;
            }
        }
        Ok(())
    }
}

/// Equal apart from `meta` (the server's version and stamp) and `text`.
pub fn same_content(a: &Value, b: &Value) -> bool {
    let strip = |v: &Value| {
        let mut v = v.clone();
        if let Some(o) = v.as_object_mut() {
            o.remove("meta");
            o.remove("text");
        }
        v
    };
    strip(a) == strip(b)
}
