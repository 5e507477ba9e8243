//! A hospital's IT team provisions a device: the staff list imported from a CSV (all or
//! nothing), and `bedside --config` refusing to open a device nobody could sign in to.

use std::process::Command;

fn bedside() -> Command {
    Command::new(env!("CARGO_BIN_EXE_bedside"))
}

fn device(dir: &std::path::Path) -> std::path::PathBuf {
    let config = dir.join("device.toml");
    std::fs::write(
        &config,
        "language = \"en\"\n[bloodbank]\nurl = \"http://127.0.0.1:9/fhir\"\nward = \"ward-h5\"\n[device]\nstore = \"device.db\"\n",
    )
    .unwrap();
    config
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
    let out = bedside()
        .args(["staff", "import"])
        .arg(&bad)
        .arg("--config")
        .arg(&config)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("line 3"), "{err}");

    let good = dir.path().join("staff.csv");
    std::fs::write(
        &good,
        "badge,name,role,pin\nN0451,陈静,nurse,0451\nC0101,孙红,charge_nurse,7788\n",
    )
    .unwrap();
    let out = bedside()
        .args(["staff", "import"])
        .arg(&good)
        .arg("--config")
        .arg(&config)
        .output()
        .unwrap();
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
}
