//! Device authentication (issue 17.3): the blood bank admits a device by its bearer token and the
//! scopes its IT granted, says so in `/metadata`, and refuses the rest (401 without a token, 403
//! without the scope) while the device keeps every record queued; a token replaced in its file is
//! used from the next request on, with nothing lost.

mod common;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use bedside_bloodbank::auth::{token_sha256, Clients};
use bedside_bloodbank::db::BloodBankDb;
use bedside_bloodbank::{demo, server};
use bedside_clock::{RandomIds, SystemClock};
use bedside_store::Store;
use bedside_sync::http::{BloodBankHttp, Transport};
use bedside_sync::{Summary, Sync};
use common::*;

const HANDHELD: &str = "tok-handheld-3f9c2a";
const ROTATED: &str = "tok-handheld-rotated-77e1";
const READ_ONLY: &str = "tok-board-0b1d";

fn clients(tokens: &[(&str, &[&str])]) -> Clients {
    let clients: Vec<serde_json::Value> = tokens
        .iter()
        .map(|(token, scopes)| {
            serde_json::json!({"name": format!("device {token}"), "token_sha256": token_sha256(token), "scopes": scopes})
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("clients.json");
    std::fs::write(&path, serde_json::json!({ "clients": clients }).to_string()).unwrap();
    Clients::load(&path).unwrap()
}

const WRITER: &[&str] = &[
    "system/*.rs",
    "system/Procedure.cu",
    "system/Observation.c",
    "system/Provenance.cu",
    "system/AdverseEvent.c",
];

fn guarded_bank(dir: &Path, tokens: &[(&str, &[&str])]) -> server::RunningBloodBank {
    let path = dir.join("bloodbank.db");
    if !path.exists() {
        let mut db = BloodBankDb::open(&path, Arc::new(SystemClock::china())).unwrap();
        demo::seed(&mut db).unwrap();
    }
    server::spawn_guarded(
        &path,
        "127.0.0.1:0",
        Arc::new(SystemClock::china()),
        Some(clients(tokens)),
    )
    .unwrap()
}

fn cycle_with(store: &mut Store, url: &str, token_file: &Path) -> Summary {
    let mut settings = settings(url);
    settings.token_file = Some(token_file.to_path_buf());
    let http = BloodBankHttp::for_settings(&settings).unwrap();
    Sync {
        store,
        http: &http,
        settings: &settings,
        clock: &SystemClock::china(),
        ids: &RandomIds,
        sleep: &std::thread::sleep,
    }
    .run_cycle()
    .unwrap()
}

#[test]
fn the_blood_bank_refuses_a_request_without_a_token_and_says_how_to_authenticate() {
    let dir = tempfile::tempdir().unwrap();
    let bank = guarded_bank(dir.path(), &[(HANDHELD, WRITER)]);
    let anonymous = BloodBankHttp::new(&bank.base_url, Duration::from_secs(5)).unwrap();
    let refused = anonymous.get("Patient", None).unwrap();
    assert_eq!(refused.status, 401);
    let body: serde_json::Value = serde_json::from_slice(&refused.body).unwrap();
    assert_eq!(body["issue"][0]["code"], "login");
    let refused = anonymous.post_transaction("{}").unwrap();
    assert_eq!(refused.status, 401);

    let metadata = anonymous.get("metadata", None).unwrap();
    assert_eq!(
        metadata.status, 200,
        "the capability statement stays public"
    );
    let metadata: serde_json::Value = serde_json::from_slice(&metadata.body).unwrap();
    assert_eq!(
        metadata["rest"][0]["security"]["service"][0]["coding"][0]["code"],
        "SMART-on-FHIR"
    );

    // A wrong token is no token.
    let token = dir.path().join("wrong.token");
    std::fs::write(&token, "tok-guessed\n").unwrap();
    let guessing = BloodBankHttp::new(&bank.base_url, Duration::from_secs(5))
        .unwrap()
        .with_token_file(&token);
    assert_eq!(guessing.get("Patient", None).unwrap().status, 401);
}

#[test]
fn a_device_with_its_token_syncs_and_one_without_the_scope_keeps_its_records_queued() {
    let dir = tempfile::tempdir().unwrap();
    let bank = guarded_bank(
        dir.path(),
        &[(HANDHELD, WRITER), (READ_ONLY, &["system/*.rs"])],
    );
    let token = dir.path().join("device.token");

    // The read-only device pulls, but its start waits, unquarantined, with the reason.
    std::fs::write(&token, format!("{READ_ONLY}\n")).unwrap();
    let (_store_dir, mut store) = temp_store();
    let pulled = cycle_with(&mut store, &bank.base_url, &token);
    assert!(pulled.pull_complete, "{pulled:?}");
    record_a_start(&mut store, 0);
    let refused = cycle_with(&mut store, &bank.base_url, &token);
    assert_eq!(
        (refused.pushed, refused.quarantined, refused.unsent),
        (0, 0, 1),
        "{refused:?}"
    );
    assert!(
        refused
            .errors
            .iter()
            .any(|e| e.contains("403") && e.contains("scope")),
        "{refused:?}"
    );

    // Granted (the hospital's IT gives this device the handheld's token): sent, once.
    std::fs::write(&token, format!("{HANDHELD}\n")).unwrap();
    let sent = cycle_with(&mut store, &bank.base_url, &token);
    assert_eq!((sent.pushed, sent.unsent), (1, 0), "{sent:?}");
}

#[test]
fn a_rotated_token_is_used_from_the_next_cycle_and_nothing_is_lost() {
    let dir = tempfile::tempdir().unwrap();
    let token = dir.path().join("device.token");
    std::fs::write(&token, format!("{HANDHELD}\n")).unwrap();
    let (_store_dir, mut store) = temp_store();
    {
        let bank = guarded_bank(dir.path(), &[(HANDHELD, WRITER)]);
        assert!(cycle_with(&mut store, &bank.base_url, &token).pull_complete);
    }
    // The blood bank now knows only the new token; the device, offline, recorded a start.
    record_a_start(&mut store, 0);
    let bank = guarded_bank(dir.path(), &[(ROTATED, WRITER)]);
    let refused = cycle_with(&mut store, &bank.base_url, &token);
    assert_eq!((refused.pushed, refused.unsent), (0, 1), "{refused:?}");
    assert!(
        refused.errors.iter().any(|e| e.contains("token_file")),
        "the reason names the setting to fix: {refused:?}"
    );
    std::fs::write(&token, format!("{ROTATED}\n")).unwrap();
    let sent = cycle_with(&mut store, &bank.base_url, &token);
    assert_eq!((sent.pushed, sent.unsent), (1, 0), "{sent:?}");
}

/// The configuration names the token file beside it, as the IT team provisions a device.
#[test]
fn bedside_sync_presents_the_token_its_configuration_names() {
    let dir = tempfile::tempdir().unwrap();
    let bank = guarded_bank(dir.path(), &[(HANDHELD, WRITER)]);
    std::fs::write(dir.path().join("device.token"), format!("{HANDHELD}\n")).unwrap();
    let config = dir.path().join("device.toml");
    std::fs::write(
        &config,
        format!(
            "[bloodbank]\nurl = \"{}\"\nward = \"{}\"\ntoken_file = \"device.token\"\n[device]\nstore = \"device.db\"\n{}",
            bank.base_url,
            demo::WARD_ID,
            key_file(dir.path())
        ),
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_bedside"))
        .args(["sync", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("\"pull_complete\":true"), "{stdout}");
}
