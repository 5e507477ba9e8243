//! The audit trail's hash chain: a device with real activity verifies intact; an attacker who
//! drops the triggers and edits, removes or slips in a row is found at exactly that row, by
//! `Store::verify_audit` and by `bedside audit verify`; rows written before the chain existed
//! are chained on the upgrade; the configuration in use is audited once per change.

use std::path::{Path, PathBuf};
use std::process::Command;

use bedside_app::config_audit::audit_configuration;
use bedside_clock::{Instant, ManualClock, RandomIds};
use bedside_core::audit::AuditAction;
use bedside_core::event::BedsideEvent;
use bedside_store::{migrations, AuditBreak, AuditVerdict, Store};
use rusqlite::Connection;

mod common;

fn at(s: &str) -> Instant {
    chrono::DateTime::parse_from_rfc3339(s).unwrap()
}

fn observation_event() -> BedsideEvent {
    serde_json::from_value(serde_json::json!({"kind": "observations_taken", "transfusion": {
        "procedure_uuid": "urn:uuid:p", "dispense_id": "d", "product_id": "bdp", "din": "A999926400101",
        "patient_id": "pat-1", "patient_name": "张伟", "service_request_id": null, "component": "red_cells",
        "ward": {"location_id": "ward-h5", "name": "五病区"}},
        "round": {"at": "2026-11-22T09:00:00+08:00", "slot": "15min", "vitals": {"temp_tenths": 368, "hr": 80,
        "sbp": null, "dbp": null, "rr": null, "spo2": null}, "symptoms": [],
        "taken_by": {"staff_id": "N0451", "name": "陈静", "practitioner_id": null},
        "sign_uuids": ["urn:uuid:1", "urn:uuid:2", "urn:uuid:3", "urn:uuid:4", "urn:uuid:5"]}}))
    .unwrap()
}

/// A device store with a day's worth of different audited actions; returns its path.
fn busy_store(dir: &Path) -> PathBuf {
    let path = dir.join("device.db");
    let mut store = Store::open(&path).unwrap();
    let clock = ManualClock::at(at("2026-11-22T08:00:00+08:00"));
    bedside_app::session::import_staff(
        &mut store,
        &RandomIds,
        &clock,
        "badge,name,role,pin\nN0451,陈静,nurse,0451\n",
        "admin-import",
    )
    .unwrap();
    store
        .login_failed("N0451", None, &at("2026-11-22T08:01:00+08:00"))
        .unwrap();
    store
        .login_succeeded(
            "N0451",
            AuditAction::Login,
            &at("2026-11-22T08:02:00+08:00"),
        )
        .unwrap();
    store
        .enqueue(
            &observation_event(),
            "urn:uuid:b1",
            &at("2026-11-22T09:00:00+08:00"),
            "N0451",
        )
        .unwrap();
    store
        .interrupt(
            "urn:uuid:p",
            &at("2026-11-22T09:10:00+08:00"),
            "N0451",
            "line lost",
        )
        .unwrap();
    for (i, action) in [
        AuditAction::UnitNumberKeyed,
        AuditAction::WarningAcknowledged,
        AuditAction::Logout,
    ]
    .into_iter()
    .enumerate()
    {
        store
            .audit(
                &at(&format!("2026-11-22T09:2{i}:00+08:00")),
                "N0451",
                action,
                "detail with | bars, \"quotes\" and 汉字",
            )
            .unwrap();
    }
    assert!(store.audit_trail().unwrap().len() >= 7);
    path
}

/// What an attacker with the file does: drop the triggers, then change the table.
fn tamper(path: &Path, sql: &str) {
    let conn = Connection::open(path).unwrap();
    conn.execute_batch(
        "DROP TRIGGER IF EXISTS audit_no_update; DROP TRIGGER IF EXISTS audit_no_delete;",
    )
    .unwrap();
    conn.execute_batch(sql).unwrap();
}

fn verdict(path: &Path) -> AuditVerdict {
    Store::open(path).unwrap().verify_audit().unwrap()
}

fn bedside() -> Command {
    Command::new(env!("CARGO_BIN_EXE_bedside"))
}

fn cli_verify(args: &[&str]) -> (Option<i32>, serde_json::Value, String) {
    let out = bedside()
        .args(["audit", "verify"])
        .args(args)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let json = serde_json::from_str(stdout.trim()).unwrap_or(serde_json::Value::Null);
    (
        out.status.code(),
        json,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_busy_device_verifies_intact_and_the_cli_prints_the_head() {
    let dir = tempfile::tempdir().unwrap();
    let path = busy_store(dir.path());
    let trail = Store::open(&path).unwrap().audit_trail().unwrap();
    let AuditVerdict::Intact { rows, head } = verdict(&path) else {
        panic!("a fresh trail must be intact");
    };
    assert_eq!(rows, trail.len());
    let head = head.unwrap();
    assert_eq!(head.seq, trail.last().unwrap().seq);
    assert_eq!(head.hash.len(), 64);

    let (code, json, _) = cli_verify(&["--store", path.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{json}");
    assert_eq!(json["intact"], true);
    assert_eq!(json["rows"], rows);
    assert_eq!(json["head"], head.hash.as_str());
    assert_eq!(json["head_seq"], head.seq);

    // The same through the configuration (the device's store is encrypted: an encrypted copy
    // keeps the chain), and with the head as the expected anchor.
    let key_line = common::key_file(dir.path());
    Store::encrypt_copy(
        &path,
        &dir.path().join("encrypted.db"),
        &common::read_key(dir.path()),
    )
    .unwrap();
    let config = dir.path().join("device.toml");
    std::fs::write(
        &config,
        format!("[device]\nstore = \"encrypted.db\"\n{key_line}"),
    )
    .unwrap();
    let (code, json, _) = cli_verify(&[
        "--config",
        config.to_str().unwrap(),
        "--expect-head",
        &head.hash,
    ]);
    assert_eq!(code, Some(0), "{json}");
    assert_eq!(json["head"], head.hash.as_str());
}

#[test]
fn an_edited_row_is_found_at_its_seq() {
    let dir = tempfile::tempdir().unwrap();
    let path = busy_store(dir.path());
    tamper(
        &path,
        "UPDATE audit SET detail = 'nothing happened' WHERE seq = 4",
    );
    assert_eq!(
        verdict(&path),
        AuditVerdict::Broken {
            seq: 4,
            problem: AuditBreak::HashMismatch
        }
    );
    let (code, json, err) = cli_verify(&["--store", path.to_str().unwrap()]);
    assert_eq!(code, Some(1));
    assert_eq!(json["intact"], false);
    assert_eq!(json["seq"], 4);
    assert_eq!(json["code"], "HASH_MISMATCH");
    assert!(err.contains("row 4"), "{err}");
}

#[test]
fn a_changed_hash_is_found_at_its_row() {
    let dir = tempfile::tempdir().unwrap();
    let path = busy_store(dir.path());
    // Editing only the hash column.
    tamper(
        &path,
        "UPDATE audit SET hash = replace(hash, substr(hash, 1, 1), 'x') WHERE seq = 3",
    );
    assert_eq!(
        verdict(&path),
        AuditVerdict::Broken {
            seq: 3,
            problem: AuditBreak::HashMismatch
        }
    );
}

#[test]
fn a_removed_middle_row_is_found_at_its_seq() {
    let dir = tempfile::tempdir().unwrap();
    let path = busy_store(dir.path());
    tamper(&path, "DELETE FROM audit WHERE seq = 5");
    assert_eq!(
        verdict(&path),
        AuditVerdict::Broken {
            seq: 5,
            problem: AuditBreak::Missing { next: 6 }
        }
    );
    let (code, json, err) = cli_verify(&["--store", path.to_str().unwrap()]);
    assert_eq!(code, Some(1));
    assert_eq!(json["seq"], 5);
    assert_eq!(json["code"], "MISSING_ROWS");
    assert!(err.contains("row 5 is missing"), "{err}");
}

#[test]
fn a_removed_first_row_is_found() {
    let dir = tempfile::tempdir().unwrap();
    let path = busy_store(dir.path());
    tamper(&path, "DELETE FROM audit WHERE seq = 1");
    assert_eq!(
        verdict(&path),
        AuditVerdict::Broken {
            seq: 1,
            problem: AuditBreak::Missing { next: 2 }
        }
    );
}

#[test]
fn a_slipped_in_row_is_found_at_its_seq() {
    let dir = tempfile::tempdir().unwrap();
    let path = busy_store(dir.path());
    let last = Store::open(&path).unwrap().audit_trail().unwrap().len() as i64;
    // Without a hash, as a plain INSERT of the four visible columns makes it...
    tamper(
        &path,
        "INSERT INTO audit (at, actor, action, detail) VALUES
         ('2026-11-22T10:00:00.000+08:00', 'N0451', 'second-check', 'C0101 checked too')",
    );
    assert_eq!(
        verdict(&path),
        AuditVerdict::Broken {
            seq: last + 1,
            problem: AuditBreak::Unhashed
        }
    );
    // ...or with a made-up one, in a seq freed by removing a row.
    let dir = tempfile::tempdir().unwrap();
    let path = busy_store(dir.path());
    tamper(
        &path,
        "DELETE FROM audit WHERE seq = 3;
         INSERT INTO audit (seq, at, actor, action, detail, hash) VALUES
         (3, '2026-11-22T08:03:00.000+08:00', 'C0101', 'login', '', printf('%064d', 0))",
    );
    assert_eq!(
        verdict(&path),
        AuditVerdict::Broken {
            seq: 3,
            problem: AuditBreak::HashMismatch
        }
    );
    let (code, json, _) = cli_verify(&["--store", path.to_str().unwrap()]);
    assert_eq!(code, Some(1));
    assert_eq!(json["seq"], 3);
}

#[test]
fn removed_last_rows_show_only_against_a_kept_head_or_at_the_next_append() {
    let dir = tempfile::tempdir().unwrap();
    let path = busy_store(dir.path());
    let AuditVerdict::Intact {
        rows,
        head: Some(head),
    } = verdict(&path)
    else {
        panic!("intact");
    };
    tamper(
        &path,
        &format!("DELETE FROM audit WHERE seq >= {}", rows - 1),
    );
    // The shorter chain is whole: the honest limit of a chain without an anchor.
    assert!(matches!(verdict(&path), AuditVerdict::Intact { .. }));
    let store = Store::open(&path).unwrap();
    let AuditVerdict::Broken { seq, problem } = store.verify_audit_against(&head.hash).unwrap()
    else {
        panic!("the kept head is gone");
    };
    assert_eq!(seq, rows as i64 - 1);
    assert!(matches!(problem, AuditBreak::AnchorNotFound { .. }));
    drop(store);
    let (code, json, err) = cli_verify(&[
        "--store",
        path.to_str().unwrap(),
        "--expect-head",
        &head.hash,
    ]);
    assert_eq!(code, Some(1));
    assert_eq!(json["code"], "ANCHOR_NOT_FOUND");
    assert!(err.contains(&head.hash), "{err}");
    // A mistyped head is bad usage, not a verdict on the trail.
    let (code, _, err) = cli_verify(&[
        "--store",
        path.to_str().unwrap(),
        "--expect-head",
        &head.hash[..63],
    ]);
    assert_eq!(code, Some(2));
    assert!(err.contains("64 hex digits"), "{err}");

    // The app's next row continues SQLite's counter, so the removal leaves a gap.
    let mut store = Store::open(&path).unwrap();
    store
        .audit(
            &at("2026-11-22T11:00:00+08:00"),
            "N0451",
            AuditAction::Login,
            "",
        )
        .unwrap();
    assert_eq!(
        store.verify_audit().unwrap(),
        AuditVerdict::Broken {
            seq: rows as i64 - 1,
            problem: AuditBreak::Missing {
                next: rows as i64 + 1
            }
        }
    );
}

#[test]
fn an_unreadable_store_is_exit_1_with_words() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("device.db");
    let (code, _, err) = cli_verify(&["--store", path.to_str().unwrap()]);
    assert_eq!(code, Some(1));
    assert!(err.contains("no such database file"), "{err}");
    assert!(!path.exists(), "verify must not create a store");
    std::fs::write(&path, b"not a database").unwrap();
    let (code, _, err) = cli_verify(&["--store", path.to_str().unwrap()]);
    assert_eq!(code, Some(1));
    assert!(err.contains("device's database"), "{err}");
}

#[test]
fn rows_written_before_the_chain_are_chained_on_the_upgrade() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("device.db");
    {
        let mut conn = Connection::open(&path).unwrap();
        migrations().to_version(&mut conn, 5).unwrap();
        for (i, action) in ["login", "check", "logout"].iter().enumerate() {
            conn.execute(
                "INSERT INTO audit (at, actor, action, detail) VALUES (?1, 'N0451', ?2, 'legacy')",
                [
                    format!("2026-11-2{i}T08:00:00.000+08:00"),
                    action.to_string(),
                ],
            )
            .unwrap();
        }
    }
    let mut store = Store::open(&path).unwrap();
    let AuditVerdict::Intact { rows, head } = store.verify_audit().unwrap() else {
        panic!("legacy rows chained");
    };
    assert_eq!(rows, 3);
    assert_eq!(head.unwrap().seq, 3);
    let null_hashes: i64 = store
        .connection()
        .query_row("SELECT COUNT(*) FROM audit WHERE hash IS NULL", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(null_hashes, 0);
    // The trail is append-only again after the upgrade, and new rows join the same chain.
    let edit = store
        .connection()
        .execute("UPDATE audit SET detail = 'x'", []);
    assert!(edit.unwrap_err().to_string().contains("append-only"));
    store
        .audit(
            &at("2026-11-23T08:00:00+08:00"),
            "N0451",
            AuditAction::Login,
            "",
        )
        .unwrap();
    assert!(matches!(
        store.verify_audit().unwrap(),
        AuditVerdict::Intact { rows: 4, .. }
    ));
}

#[test]
fn the_configuration_is_audited_once_per_change() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("device.toml");
    std::fs::write(&config, "language = \"en\"\n").unwrap();
    let mut store = Store::open(&dir.path().join("device.db")).unwrap();
    let now = at("2026-11-22T08:00:00+08:00");
    assert_eq!(
        audit_configuration(&mut store, &config, &now).unwrap(),
        Some(AuditAction::ConfigLoaded)
    );
    assert_eq!(
        audit_configuration(&mut store, &config, &now).unwrap(),
        None
    );
    std::fs::write(&config, "language = \"en\"\n[policy]\n").unwrap();
    assert_eq!(
        audit_configuration(&mut store, &config, &now).unwrap(),
        Some(AuditAction::ConfigChanged)
    );
    let trail = store.audit_trail().unwrap();
    assert_eq!(trail.len(), 2);
    assert!(
        trail[0].detail.starts_with("sha256="),
        "{}",
        trail[0].detail
    );
    let first = &trail[0].detail[7..71];
    assert!(trail[1].detail.contains(&format!("was={first}")));
    assert!(matches!(
        store.verify_audit().unwrap(),
        AuditVerdict::Intact { rows: 2, .. }
    ));
}

#[test]
fn staff_import_audits_the_configuration_it_was_given() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("device.toml");
    let key_line = common::key_file(dir.path());
    std::fs::write(
        &config,
        format!("[device]\nstore = \"device.db\"\n{key_line}"),
    )
    .unwrap();
    let csv = dir.path().join("staff.csv");
    std::fs::write(&csv, "badge,name,role,pin\nN0451,陈静,nurse,0451\n").unwrap();
    let out = bedside()
        .args(["staff", "import"])
        .arg(&csv)
        .arg("--config")
        .arg(&config)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let store = Store::open_encrypted(&dir.path().join("device.db"), &common::read_key(dir.path()))
        .unwrap();
    let loaded = store
        .last_audit_of(&[AuditAction::ConfigLoaded])
        .unwrap()
        .unwrap();
    assert!(loaded.detail.contains("device.toml"), "{}", loaded.detail);
}

#[test]
fn two_connections_appending_at_once_keep_one_chain() {
    // The app and its link worker each have their own connection to the store.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("device.db");
    drop(Store::open(&path).unwrap());
    let writers: Vec<_> = ["N0451", "sync"]
        .into_iter()
        .map(|actor| {
            let path = path.clone();
            std::thread::spawn(move || {
                let mut store = Store::open(&path).unwrap();
                for i in 0..40 {
                    store
                        .audit(
                            &at("2026-11-22T09:00:00+08:00"),
                            actor,
                            AuditAction::CheckStopped,
                            &i.to_string(),
                        )
                        .unwrap();
                }
            })
        })
        .collect();
    for w in writers {
        w.join().unwrap();
    }
    assert!(matches!(
        verdict(&path),
        AuditVerdict::Intact { rows: 80, .. }
    ));
}

#[test]
fn moving_a_row_to_another_transfusion_is_found() {
    // `subject` says which transfusion a row is about; it is hashed like the rest.
    let dir = tempfile::tempdir().unwrap();
    let path = busy_store(dir.path());
    let seq: i64 = Connection::open(&path)
        .unwrap()
        .query_row(
            "SELECT MIN(seq) FROM audit WHERE subject IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    tamper(
        &path,
        &format!("UPDATE audit SET subject = 'urn:uuid:other' WHERE seq = {seq}"),
    );
    assert_eq!(
        verdict(&path),
        AuditVerdict::Broken {
            seq,
            problem: AuditBreak::HashMismatch
        }
    );
}
