//! The device's database across versions: a database made by every earlier schema opens with
//! its data intact; the audit trail cannot be edited; a damaged or newer database is refused
//! and left as it is.

use bedside_core::audit::AuditAction;
use bedside_store::{migrations, Store, MIGRATIONS};
use rusqlite::Connection;

/// A database at schema version `version` (the first `version` migrations), with a row in every
/// table that version has.
fn database_at(version: usize, path: &std::path::Path) {
    let mut conn = Connection::open(path).unwrap();
    migrations().to_version(&mut conn, version).unwrap();
    if version >= 1 {
        conn.execute(
            "INSERT INTO cache_resource VALUES ('Patient', 'pat-1', '3', '2026-11-22T08:00:00+08:00',
             '{\"resourceType\":\"Patient\",\"id\":\"pat-1\",\"meta\":{\"versionId\":\"3\"}}')",
            [],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO sync_state VALUES ('watermark', '2026-11-22T08:00:00.000+08:00')",
            [],
        )
        .unwrap();
    }
    if version >= 2 {
        // A start as recorded before the ward's records kept issue time, MRN and scans.
        let started = serde_json::json!({"kind": "started", "transfusion": {
            "procedure_uuid": "urn:uuid:p", "dispense_id": "d", "product_id": "bdp", "din": "A999926400101",
            "patient_id": "pat-1", "patient_name": "张伟", "service_request_id": null, "component": "red_cells",
            "ward": {"location_id": "ward-h5", "name": "五病区"}},
            "provenance_uuid": "prov", "checked_at": "2026-11-22T08:40:00+08:00",
            "started_at": "2026-11-22T08:45:00+08:00", "acknowledgements": [], "baseline": null,
            "first_checker": {"staff_id": "N0451", "name": "陈静", "practitioner_id": null},
            "second_checker": {"staff_id": "N0388", "name": "刘洋", "practitioner_id": null}});
        conn.execute(
            "INSERT INTO outbox (bundle_urn, kind, procedure_urn, event, recorded_at, state)
             VALUES ('urn:uuid:a', 'started', 'urn:uuid:p', ?1, '2026-11-22T08:45:00+08:00', 'sent')",
            [started.to_string()],
        )
        .unwrap();
        let event = serde_json::json!({"kind": "observations_taken", "transfusion": {
            "procedure_uuid": "urn:uuid:p", "dispense_id": "d", "product_id": "bdp", "din": "A999926400101",
            "patient_id": "pat-1", "patient_name": "张伟", "service_request_id": null, "component": "red_cells",
            "ward": {"location_id": "ward-h5", "name": "五病区"}},
            "round": {"at": "2026-11-22T09:00:00+08:00", "slot": "15min", "vitals": {"temp_tenths": 368, "hr": 80,
            "sbp": null, "dbp": null, "rr": null, "spo2": null}, "symptoms": [],
            "taken_by": {"staff_id": "N0451", "name": "陈静", "practitioner_id": null},
            "sign_uuids": ["urn:uuid:1", "urn:uuid:2", "urn:uuid:3", "urn:uuid:4", "urn:uuid:5"]}});
        conn.execute(
            "INSERT INTO outbox (bundle_urn, kind, procedure_urn, event, recorded_at, state)
             VALUES ('urn:uuid:b', 'observations_taken', 'urn:uuid:p', ?1, '2026-11-22T09:00:00+08:00', 'queued')",
            [event.to_string()],
        )
        .unwrap();
    }
    if version >= 7 {
        // From the hash chain (migration 007) on, every row the app writes is chained.
        bedside_store::append_chained_audit_row(
            &conn,
            "2026-11-22T09:00:00+08:00",
            "N0451",
            "observations_taken",
            "urn:uuid:b urn:uuid:p",
        )
        .unwrap();
    } else if version >= 3 {
        conn.execute(
            "INSERT INTO audit (at, actor, action, detail)
             VALUES ('2026-11-22T09:00:00+08:00', 'N0451', 'observations_taken', 'urn:uuid:b urn:uuid:p')",
            [],
        )
        .unwrap();
    }
}

#[test]
fn a_database_of_every_earlier_schema_opens_with_its_data() {
    for version in 0..MIGRATIONS.len() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("device.db");
        database_at(version, &path);
        let store = Store::open(&path).unwrap_or_else(|e| panic!("schema {version}: {e}"));
        assert_eq!(store.schema_version().unwrap(), MIGRATIONS.len() as i64);
        assert!(
            matches!(
                store.verify_audit().unwrap(),
                bedside_store::AuditVerdict::Intact { .. }
            ),
            "schema {version}: the audit chain is whole after the upgrade"
        );
        if version >= 3 {
            assert_eq!(store.audit_trail().unwrap()[0].action, "observations_taken");
        }
        if version >= 1 {
            assert_eq!(
                store.cached_version("Patient", "pat-1").unwrap().as_deref(),
                Some("3")
            );
            assert!(store.watermark().unwrap().is_some());
        }
        if version >= 2 {
            let unsent = store.unsent().unwrap();
            assert_eq!(
                unsent.len(),
                1,
                "schema {version}: queued record survives the upgrade"
            );
            assert_eq!(unsent[0].event.patient_name(), "张伟");
            // The ward's records are made from the events recorded before they existed.
            let review = store
                .review("urn:uuid:p")
                .unwrap()
                .unwrap_or_else(|| panic!("schema {version}: the transfusion is in the records"));
            assert_eq!(review.patient_id, "pat-1", "no MRN was recorded then");
            assert_eq!(review.check.second.name, "刘洋");
            assert_eq!(review.rounds.len(), 1);
            assert_eq!(review.rounds[0].vitals.temp_tenths, Some(368));
            assert_eq!((review.sync.sent, review.sync.unsent), (1, 1));
            if version >= 3 {
                assert_eq!(
                    review.audit.len(),
                    1,
                    "schema {version}: an older audit row is found by its text"
                );
            }
        }
    }
}

#[test]
fn the_audit_trail_cannot_be_changed_or_shortened() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("device.db")).unwrap();
    let now = chrono::DateTime::parse_from_rfc3339("2026-11-22T09:00:00+08:00").unwrap();
    store
        .audit(&now, "N0451", AuditAction::Login, "badge N0451")
        .unwrap();
    let conn = store.connection();
    let edit = conn.execute("UPDATE audit SET actor = 'N9999'", []);
    assert!(edit.unwrap_err().to_string().contains("append-only"));
    let delete = conn.execute("DELETE FROM audit", []);
    assert!(delete.unwrap_err().to_string().contains("append-only"));
    assert_eq!(store.audit_trail().unwrap()[0].actor, "N0451");
}

#[test]
fn a_newer_schema_is_refused_and_left_as_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("device.db");
    drop(Store::open(&path).unwrap());
    let conn = Connection::open(&path).unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    let err = Store::open(&path)
        .err()
        .expect("a newer database must not be opened");
    assert!(
        err.to_string().contains("left as it was") || err.to_string().contains("schema"),
        "{err}"
    );
    let conn = Connection::open(&path).unwrap();
    let v: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(v, 99);
}

#[test]
fn a_damaged_file_is_refused_and_not_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("device.db");
    std::fs::write(&path, b"this is not a database, it is a shopping list").unwrap();
    let err = Store::open(&path).err().expect("garbage must not open");
    assert!(err.to_string().contains("device's database"), "{err}");
    assert_eq!(
        std::fs::read(&path).unwrap(),
        b"this is not a database, it is a shopping list"
    );
}
