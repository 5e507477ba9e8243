//! A hospital's IT team provisions a device: the staff list imported from a CSV (all or
//! nothing), and `bedside --config` refusing to open a device nobody could sign in to.

use std::process::Command;

fn bedside() -> Command {
    Command::new(env!("CARGO_BIN_EXE_bedside"))
}

const CONFIG: &str = "language = \"en\"\n[bloodbank]\nurl = \"http://127.0.0.1:9/fhir\"\nward = \"ward-h5\"\n[device]\nstore = \"device.db\"\n";

/// The store's key file as the IT team provisions it: 64 hex digits, readable only by the app.
fn write_key(dir: &std::path::Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join("store.key");
    std::fs::write(&path, "5a".repeat(32)).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn device(dir: &std::path::Path) -> std::path::PathBuf {
    let config = dir.join("device.toml");
    std::fs::write(&config, format!("{CONFIG}store_key_file = \"store.key\"\n")).unwrap();
    write_key(dir, 0o600);
    config
}

fn import(staff: &std::path::Path, config: &std::path::Path) -> std::process::Output {
    bedside()
        .args(["staff", "import"])
        .arg(staff)
        .arg("--config")
        .arg(config)
        .output()
        .unwrap()
}

#[test]
fn a_configured_device_without_staff_says_how_to_import_them_and_a_bad_list_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let config = device(dir.path());

    let out = bedside().arg("--config").arg(&config).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bedside staff import"), "{err}");

    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "badge,name,role,pin\nN0451,陈静,nurse,0451\nN0388,刘洋,surgeon,0388\n",
    )
    .unwrap();
    let out = import(&bad, &config);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("line 3"), "{err}");

    let good = dir.path().join("staff.csv");
    std::fs::write(
        &good,
        "badge,name,role,pin\nN0451,陈静,nurse,0451\nC0101,孙红,charge_nurse,7788\n",
    )
    .unwrap();
    let out = import(&good, &config);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        r#"{"imported":2}"#
    );
    let db = std::fs::read(dir.path().join("device.db")).unwrap();
    assert!(
        !db.windows(4).any(|w| w == b"7788"),
        "a PIN in clear in the store"
    );
    // Encrypted: not even the names or the schema can be read from the file.
    assert!(!db.starts_with(b"SQLite format 3"), "a plaintext store");
    assert!(!db.windows("孙红".len()).any(|w| w == "孙红".as_bytes()));
    let key = bedside_store::StoreKey::from_file(&dir.path().join("store.key")).unwrap();
    let store = bedside_store::Store::open_encrypted(&dir.path().join("device.db"), &key).unwrap();
    assert_eq!(store.staff_count().unwrap(), 2);
}

#[test]
fn a_configured_device_without_a_safe_key_is_refused_by_the_setting_s_name() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("device.toml");
    std::fs::write(&config, CONFIG).unwrap();
    let staff = dir.path().join("staff.csv");
    std::fs::write(&staff, "N0451,陈静,nurse,0451\n").unwrap();

    for run in [
        bedside().arg("--config").arg(&config).output().unwrap(),
        import(&staff, &config),
        bedside()
            .args(["sync", "--config"])
            .arg(&config)
            .output()
            .unwrap(),
    ] {
        assert!(!run.status.success());
        let err = String::from_utf8_lossy(&run.stderr);
        assert!(err.contains("store_key_file is not set"), "{err}");
    }
    assert!(
        !dir.path().join("device.db").exists(),
        "no plaintext store made"
    );

    std::fs::write(&config, format!("{CONFIG}store_key_file = \"store.key\"\n")).unwrap();
    write_key(dir.path(), 0o644);
    let out = import(&staff, &config);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("can be read by other users") && err.contains("chmod 600"),
        "{err}"
    );
    assert!(!dir.path().join("device.db").exists());
}

#[test]
fn a_store_made_before_encryption_is_encrypted_in_place_and_the_plaintext_kept() {
    let dir = tempfile::tempdir().unwrap();
    let config = device(dir.path());
    let db = dir.path().join("device.db");
    {
        let mut store = bedside_store::Store::open(&db).unwrap();
        let clock = bedside_clock::SystemClock::china();
        bedside_app::session::import_staff(
            &mut store,
            &bedside_clock::RandomIds,
            &clock,
            "N0451,陈静,nurse,0451\n",
            "admin-import",
        )
        .unwrap();
    }
    let plain = std::fs::read(&db).unwrap();
    let encrypt = || {
        bedside()
            .args(["store", "encrypt", "--config"])
            .arg(&config)
            .output()
            .unwrap()
    };
    let out = encrypt();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(said["encrypted"], true);
    let kept = dir.path().join("device.db.plaintext");
    assert_eq!(
        std::fs::read(&kept).unwrap(),
        plain,
        "the plaintext is kept as it was"
    );
    let bytes = std::fs::read(&db).unwrap();
    assert!(!bytes.windows("陈静".len()).any(|w| w == "陈静".as_bytes()));
    let key = bedside_store::StoreKey::from_file(&dir.path().join("store.key")).unwrap();
    let store = bedside_store::Store::open_encrypted(&db, &key).unwrap();
    assert_eq!(store.staff_count().unwrap(), 1);
    assert!(!store.audit_trail().unwrap().is_empty());
    assert_eq!(store.integrity_check().unwrap(), "ok");
    drop(store);
    // The copy keeps the schema's guards: the audit trail is still append-only.
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch(&format!("PRAGMA key = \"x'{}'\";", "5a".repeat(32)))
        .unwrap();
    let delete = conn.execute("DELETE FROM audit", []);
    assert!(delete.unwrap_err().to_string().contains("append-only"));
    drop(conn);
    let out = encrypt();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("\"already\":true"));
}

#[test]
fn a_device_configured_without_its_blood_bank_is_refused_before_any_window_opens() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("device.toml");
    std::fs::write(
        &config,
        "language = \"en\"\n[device]\nstore = \"device.db\"\nstore_key_file = \"store.key\"\n",
    )
    .unwrap();
    write_key(dir.path(), 0o600);
    let out = bedside().arg("--config").arg(&config).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("[bloodbank] section"), "{err}");
    assert!(
        !dir.path().join("device.db").exists(),
        "no store made for a device that cannot run"
    );
}
