//! `bedside bloodbank` and `bedside sync` as processes: the service serves the demo ward, the
//! blood bank's actions change it while it runs, and configuration mistakes are refused clearly.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn bedside() -> Command {
    Command::new(env!("CARGO_BIN_EXE_bedside"))
}

/// `bedside bloodbank ACTION… --db DB`, run to its end.
fn bloodbank_action(args: &[&str], db: &Path) -> Output {
    bedside()
        .arg("bloodbank")
        .args(args)
        .arg("--db")
        .arg(db)
        .output()
        .unwrap()
}

/// `bedside bloodbank --listen 127.0.0.1:0 --demo --db DB EXTRA…`, running, and what it says
/// when ready: the URL it serves at, and the address it listens on.
// The caller kills and waits for the service; only a test already failing leaves it behind.
#[allow(clippy::zombie_processes)]
fn serve_demo(db: &Path, extra: &[&str]) -> (std::process::Child, String, String) {
    let mut server = bedside()
        .args(["bloodbank", "--listen", "127.0.0.1:0", "--demo", "--db"])
        .arg(db)
        .args(extra)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(server.stderr.take().unwrap()).lines();
    loop {
        let line = lines
            .next()
            .expect("the service says where it serves")
            .unwrap();
        if let Some(rest) = line.split("serving FHIR R5 at ").nth(1) {
            let url = rest.split_whitespace().next().unwrap().to_string();
            let local = rest.split("listening on ").nth(1).unwrap();
            let local = local.split(';').next().unwrap().to_string();
            // Whatever it says later is read, so that it never writes into a closed pipe.
            std::thread::spawn(move || lines.for_each(drop));
            return (server, url, local);
        }
    }
}

#[test]
fn the_service_serves_the_demo_ward_and_actions_change_it_while_it_runs() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("bb.db");
    let (mut server, url, _) = serve_demo(&db, &[]);
    let http = reqwest::blocking::Client::new();
    let get = |path: &str| -> serde_json::Value {
        serde_json::from_slice(
            &http
                .get(format!("{url}/{path}"))
                .send()
                .unwrap()
                .bytes()
                .unwrap(),
        )
        .unwrap()
    };
    assert_eq!(get("metadata")["fhirVersion"], "5.0.0");
    assert_eq!(
        get("BiologicallyDerivedProductDispense/bdpd-000001")["status"],
        "issued"
    );

    let recall = bloodbank_action(
        &["recall", "bdpd-000001", "--reason", "献血者复检阳性"],
        &db,
    );
    assert!(
        recall.status.success(),
        "{}",
        String::from_utf8_lossy(&recall.stderr)
    );
    let dispense = get("BiologicallyDerivedProductDispense/bdpd-000001");
    assert_eq!(dispense["status"], "returned");
    assert!(dispense["note"].to_string().contains("献血者复检阳性"));
    assert_eq!(
        get("BiologicallyDerivedProduct/bdp-a999926400101")["productStatus"]["code"],
        "unavailable"
    );

    let issue = bloodbank_action(
        &[
            "issue",
            "--patient",
            "pat-1003",
            "--din",
            "A999926400199",
            "--product-code",
            "E0001V00",
            "--component",
            "red_cells",
            "--group",
            "B pos",
            "--expires",
            "2026-12-20T23:59:00+08:00",
        ],
        &db,
    );
    assert!(
        issue.status.success(),
        "{}",
        String::from_utf8_lossy(&issue.stderr)
    );
    let issued: serde_json::Value = serde_json::from_slice(&issue.stdout).unwrap();
    let id = issued["issued"].as_str().unwrap();
    assert_eq!(
        get(&format!("BiologicallyDerivedProductDispense/{id}"))["patient"]["reference"],
        "Patient/pat-1003"
    );

    let unknown = bloodbank_action(&["recall", "bdpd-999999", "--reason", "x"], &db);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("bdpd-999999"));
    server.kill().unwrap();
    server.wait().unwrap();
}

#[test]
fn sync_without_a_blood_bank_section_is_bad_usage() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("c.toml");
    std::fs::write(&config, "language = \"en\"\n").unwrap();
    let out = bedside()
        .args(["sync", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("[bloodbank]"));
    std::fs::write(
        &config,
        "[bloodbank]\nurl = \"ftp://x\"\nward = \"ward-h5\"\n",
    )
    .unwrap();
    let out = bedside()
        .args(["sync", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("https://"));
}

#[test]
fn sync_to_an_unreachable_blood_bank_says_so_and_keeps_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let config = dir.path().join("c.toml");
    std::fs::write(
        &config,
        format!("[bloodbank]\nurl = \"http://{closed}/fhir\"\nward = \"ward-h5\"\ntimeout_seconds = 1\n[device]\nstore = \"d.db\"\nstore_key_file = \"d.key\"\n"),
    )
    .unwrap();
    std::fs::write(dir.path().join("d.key"), "01".repeat(32)).unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::Permissions::from_mode(0o600);
        std::fs::set_permissions(dir.path().join("d.key"), mode).unwrap();
    }
    let out = bedside()
        .args(["sync", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["pushed"], 0);
    assert!(summary["errors"][0]
        .as_str()
        .unwrap()
        .contains("unreachable"));
    assert!(dir.path().join("d.db").exists());
}

#[test]
fn the_service_names_the_address_devices_use_in_its_next_links() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("bb.db");
    let (mut server, said, local) =
        serve_demo(&db, &["--base-url", "http://ward-server.test:8080/fhir/"]);
    assert_eq!(said, "http://ward-server.test:8080/fhir");
    let body = reqwest::blocking::get(format!(
        "http://{local}/fhir/BiologicallyDerivedProductDispense?destination=Location/ward-h5&_count=1"
    ))
    .unwrap()
    .bytes()
    .unwrap();
    let page: serde_json::Value = serde_json::from_slice(&body).unwrap();
    server.kill().unwrap();
    server.wait().unwrap();
    let next = page["link"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["relation"] == "next")
        .unwrap();
    assert!(
        next["url"]
            .as_str()
            .unwrap()
            .starts_with("http://ward-server.test:8080/fhir/BiologicallyDerivedProductDispense?"),
        "{next}"
    );
}
