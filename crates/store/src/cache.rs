//! The cache of what the blood bank issued to the ward, the pull's watermark, and the blood
//! bank's clock as last seen.

use rusqlite::{params, OptionalExtension, TransactionBehavior};
use serde_json::Value;

use bedside_clock::Instant;
use bedside_fhir::issue::ResourceSet;
use bedside_fhir::ResourceKey;

use crate::{stamp, Store, StoreError};

impl Store {
    fn state(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT value FROM sync_state WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()?)
    }

    /// The sync state's `key` read as an instant; a value that is not one is a corrupt store.
    fn instant_state(&self, key: &str) -> Result<Option<Instant>, StoreError> {
        self.state(key)?
            .map(|t| {
                chrono::DateTime::parse_from_rfc3339(&t)
                    .map_err(|e| StoreError::Corrupt(format!("{key}: {e}")))
            })
            .transpose()
    }

    /// Sets each `(key, value)` of the sync state, all or none.
    fn set_states(&mut self, pairs: &[(&str, String)]) -> Result<(), StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        for (key, value) in pairs {
            tx.execute(
                "INSERT INTO sync_state (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                params![key, value],
            )?;
        }
        tx.commit()?;
        Ok(())
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
                let Some(key) = ResourceKey::of(r) else {
                    continue;
                };
                let held: Option<String> = current
                    .query_row([key.resource_type, key.id], |row| row.get(0))
                    .optional()?;
                if held.as_deref() == Some(key.version) && !key.version.is_empty() {
                    continue;
                }
                upsert.execute(params![
                    key.resource_type,
                    key.id,
                    key.version,
                    key.last_updated,
                    r.to_string()
                ])?;
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

    /// The blood bank's clock (its HTTP `Date`) and this device's at the same moment of a pull.
    pub fn note_server_clock(
        &mut self,
        server: &Instant,
        device: &Instant,
    ) -> Result<(), StoreError> {
        self.set_states(&[
            ("server_clock_server", stamp(server)),
            ("server_clock_device", stamp(device)),
        ])
    }

    /// The last pair `note_server_clock` kept: (the blood bank's time, the device's time).
    pub fn server_clock(&self) -> Result<Option<(Instant, Instant)>, StoreError> {
        Ok(self
            .instant_state("server_clock_server")?
            .zip(self.instant_state("server_clock_device")?))
    }

    /// The blood bank last found speaking FHIR 5.0.x: its base URL, and when (device time).
    pub fn server_checked(&self) -> Result<Option<(String, Instant)>, StoreError> {
        let Some(url) = self.state("server_checked_url")? else {
            return Ok(None);
        };
        Ok(self.instant_state("server_checked_at")?.map(|at| (url, at)))
    }

    /// Keeps that the blood bank at `base_url` said FHIR 5.0.x at `at`.
    pub fn note_server_checked(&mut self, base_url: &str, at: &Instant) -> Result<(), StoreError> {
        self.set_states(&[
            ("server_checked_url", base_url.to_string()),
            ("server_checked_at", stamp(at)),
        ])
    }

    /// The next cycle reads the blood bank's CapabilityStatement again.
    pub fn forget_server_check(&mut self) -> Result<(), StoreError> {
        self.conn.execute(
            "DELETE FROM sync_state WHERE key IN ('server_checked_url', 'server_checked_at')",
            [],
        )?;
        Ok(())
    }

    /// Records that a pull completed (every page followed).
    pub fn pull_completed(&mut self, at: &Instant) -> Result<(), StoreError> {
        self.set_states(&[("cache_synced_at", stamp(at))])
    }

    /// Forgets the cached Encounters of `patients` (`Patient/id`) that are not in `answered`
    /// (`Encounter/id`, the blood bank's whole answer to the in-progress search for them).
    /// Returns how many were forgotten.
    pub fn forget_encounters_except(
        &mut self,
        patients: &[String],
        answered: &std::collections::BTreeSet<String>,
    ) -> Result<usize, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let cached: Vec<(String, String)> = tx
            .prepare("SELECT id, json FROM cache_resource WHERE type = 'Encounter'")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        let plain = bedside_fhir::plain_reference;
        let patients: Vec<String> = patients.iter().filter_map(|p| plain(p)).collect();
        let mut forgotten = 0;
        for (id, json) in cached {
            let encounter: Value = serde_json::from_str(&json)
                .map_err(|e| StoreError::Corrupt(format!("cached Encounter/{id}: {e}")))?;
            let subject =
                bedside_fhir::str_at(&encounter, &["subject", "reference"]).and_then(plain);
            let of_these = subject.is_some_and(|s| patients.contains(&s));
            if of_these && !answered.contains(&format!("Encounter/{id}")) {
                forgotten += tx.execute(
                    "DELETE FROM cache_resource WHERE type = 'Encounter' AND id = ?1",
                    [&id],
                )?;
            }
        }
        tx.commit()?;
        Ok(forgotten)
    }

    /// A resource the blood bank says is gone (404/410 on a read) leaves the cache.
    pub fn forget(&mut self, ty: &str, id: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "DELETE FROM cache_resource WHERE type = ?1 AND id = ?2",
            [ty, id],
        )?;
        Ok(())
    }

    pub fn mapping(&self) -> &bedside_fhir::mapping::Mapping {
        &self.mapping
    }

    /// Reads the cache through the site's mapping from now on.
    pub fn set_mapping(&mut self, mapping: bedside_fhir::mapping::Mapping) {
        self.mapping = mapping;
    }

    pub fn cached(&self) -> Result<ResourceSet, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT type, id, json FROM cache_resource")?;
        let mut set = ResourceSet::with_mapping(self.mapping.clone());
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
}
