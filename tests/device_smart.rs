//! SMART Backend Services (issue 17.3): the device asks the blood bank's token endpoint for an
//! access token with an assertion signed by its own key (ES384), registered with the blood bank
//! as a public JWK; the service checks signature, audience, lifetime and replay, and refuses the
//! rest. A device key is rotated without losing a record: what waits in the outbox is sent once
//! the blood bank knows the new key.

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use bedside_bloodbank::auth::Clients;
use bedside_bloodbank::db::BloodBankDb;
use bedside_bloodbank::{demo, server};
use bedside_clock::{Clock, RandomIds, SystemClock};
use bedside_core::messages::Lang;
use bedside_store::Store;
use bedside_sync::http::{BloodBankHttp, Transport};
use bedside_sync::problem::problem_words;
use bedside_sync::smart::SmartSettings;
use bedside_sync::{Summary, Sync};
use common::*;

const CLIENT: &str = "ward-h5-handheld-3";

const WRITER: &[&str] = &[
    "system/*.rs",
    "system/Procedure.cu",
    "system/Observation.c",
    "system/Provenance.cu",
    "system/AdverseEvent.c",
];

fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().fold(0u32, |n, b| (n << 8) | u32::from(*b)) << (8 * (3 - chunk.len()));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

/// A device key: its private key written to `dir/<kid>.pem` (as IT would put it on the device)
/// and its public JWK (as IT registers it with the blood bank).
fn device_key(dir: &Path, kid: &str) -> (PathBuf, serde_json::Value) {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P384_SHA384).unwrap();
    let path = dir.join(format!("{kid}.pem"));
    std::fs::write(&path, key.serialize_pem()).unwrap();
    let point = key.public_key_raw();
    assert_eq!(point.len(), 97, "an uncompressed P-384 point");
    let jwk = serde_json::json!({
        "kty": "EC", "crv": "P-384", "kid": kid,
        "x": base64url(&point[1..49]), "y": base64url(&point[49..]),
    });
    (path, jwk)
}

/// The reference blood bank admitting `CLIENT` by the keys `jwks` (the demo ward in `dir`).
fn bank(dir: &Path, jwks: &[&serde_json::Value]) -> server::RunningBloodBank {
    let db = dir.join("bloodbank.db");
    if !db.exists() {
        let mut seeded = BloodBankDb::open(&db, Arc::new(SystemClock::china())).unwrap();
        demo::seed(&mut seeded).unwrap();
    }
    let clients = dir.join("clients.json");
    let file = serde_json::json!({"clients": [
        {"name": "handheld 3", "client_id": CLIENT, "jwks": jwks, "scopes": WRITER}
    ]});
    std::fs::write(&clients, file.to_string()).unwrap();
    let clients = Clients::load(&clients).unwrap();
    server::spawn_guarded(
        &db,
        "127.0.0.1:0",
        Arc::new(SystemClock::china()),
        Some(clients),
    )
    .unwrap()
}

fn smart(key_file: &Path, kid: &str) -> SmartSettings {
    SmartSettings {
        client_id: CLIENT.into(),
        private_key_file: key_file.to_path_buf(),
        key_id: kid.into(),
        signing_alg: "ES384".into(),
        scope: SmartSettings::DEFAULT_SCOPE.into(),
        token_url: None,
    }
}

fn cycle_with(store: &mut Store, http: &BloodBankHttp, url: &str) -> Summary {
    let mut settings = settings(url);
    settings.attempts = 1;
    Sync {
        store,
        http,
        settings: &settings,
        clock: &SystemClock::china(),
        ids: &RandomIds,
        sleep: &std::thread::sleep,
    }
    .run_cycle()
    .unwrap()
}

fn link(url: &str, smart_settings: SmartSettings) -> BloodBankHttp {
    let mut s = settings(url);
    s.smart = Some(smart_settings);
    BloodBankHttp::for_settings(&s).unwrap()
}

#[test]
fn a_device_gets_a_token_with_its_signed_assertion_and_syncs() {
    let dir = tempfile::tempdir().unwrap();
    let (key, jwk) = device_key(dir.path(), "hh3-2026");
    let bank = bank(dir.path(), &[&jwk]);

    // How to authenticate is public: the capability statement and the SMART configuration.
    let anonymous = BloodBankHttp::new(&bank.base_url, Duration::from_secs(5)).unwrap();
    let config = anonymous
        .get(".well-known/smart-configuration", None)
        .unwrap();
    assert_eq!(config.status, 200);
    let config: serde_json::Value = serde_json::from_slice(&config.body).unwrap();
    assert!(config["token_endpoint"]
        .as_str()
        .unwrap()
        .ends_with("/auth/token"));
    assert_eq!(
        config["token_endpoint_auth_methods_supported"][0],
        "private_key_jwt"
    );
    assert_eq!(anonymous.get("Patient", None).unwrap().status, 401);

    let (_d, mut store) = temp_store();
    let http = link(&bank.base_url, smart(&key, "hh3-2026"));
    let first = cycle_with(&mut store, &http, &bank.base_url);
    assert!(first.pull_complete, "{:?}", first.errors);
    record_a_start(&mut store, 0);
    let second = cycle_with(&mut store, &http, &bank.base_url);
    assert!(second.errors.is_empty(), "{:?}", second.errors);
    assert_eq!(
        (second.pushed, second.unsent),
        (1, 0),
        "the start reached the blood bank"
    );
}

#[test]
fn a_key_the_blood_bank_does_not_know_gets_no_token_and_the_records_wait() {
    let dir = tempfile::tempdir().unwrap();
    let (key, registered) = device_key(dir.path(), "hh3-2026");
    let (stranger, _) = device_key(dir.path(), "not-registered");
    let bank = bank(dir.path(), &[&registered]);
    let (_d, mut store) = temp_store();
    // The device synced with its own key, then recorded a start.
    let own = link(&bank.base_url, smart(&key, "hh3-2026"));
    assert!(cycle_with(&mut store, &own, &bank.base_url).pull_complete);
    record_a_start(&mut store, 0);

    // Signed by a key the blood bank never registered, under the registered key's id.
    let forged = link(&bank.base_url, smart(&stranger, "hh3-2026"));
    let summary = cycle_with(&mut store, &forged, &bank.base_url);
    assert!(!summary.pull_complete);
    assert_eq!(
        (summary.pushed, summary.unsent),
        (0, 1),
        "the start waits on the device"
    );
    let said = problem_words(&summary.errors[0]);
    assert!(
        said.get(Lang::ZhCn).contains("授权"),
        "{}: {}",
        summary.errors[0],
        said.get(Lang::ZhCn)
    );
}

#[test]
fn the_device_key_is_rotated_without_losing_a_record() {
    let dir = tempfile::tempdir().unwrap();
    let (old_key, old_jwk) = device_key(dir.path(), "hh3-2026");
    let (new_key, new_jwk) = device_key(dir.path(), "hh3-2027");
    let (_d, mut store) = temp_store();

    let first_bank = bank(dir.path(), &[&old_jwk]);
    let http = link(&first_bank.base_url, smart(&old_key, "hh3-2026"));
    assert!(cycle_with(&mut store, &http, &first_bank.base_url).pull_complete);
    record_a_start(&mut store, 0);
    drop(first_bank);

    // IT puts the new key on the device before the blood bank knows it (and the blood bank
    // restarted, so no token it issued before holds): refused, the records wait.
    let still_old = bank(dir.path(), &[&old_jwk]);
    let http = link(&still_old.base_url, smart(&new_key, "hh3-2027"));
    let refused = cycle_with(&mut store, &http, &still_old.base_url);
    assert!(!refused.errors.is_empty());
    assert_eq!((refused.pushed, refused.unsent), (0, 1), "{refused:?}");
    record_a_start(&mut store, 1);
    drop(still_old);

    // The blood bank registers the new key (the old one retired): everything waiting goes, once.
    let rotated = bank(dir.path(), &[&new_jwk]);
    let http = link(&rotated.base_url, smart(&new_key, "hh3-2027"));
    let sent = cycle_with(&mut store, &http, &rotated.base_url);
    assert!(sent.errors.is_empty(), "{:?}", sent.errors);
    assert_eq!(
        (sent.pushed, sent.unsent),
        (2, 0),
        "both starts, each once: {sent:?}"
    );
}

/// An assertion as a device (or an attacker) would sign it with `key`.
fn assertion(key: &Path, kid: &str, aud: &str, exp_in: i64, jti: &str) -> String {
    let now = SystemClock::china().now().timestamp();
    let claims = serde_json::json!({
        "iss": CLIENT, "sub": CLIENT, "aud": aud, "iat": now, "exp": now + exp_in, "jti": jti,
    });
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES384);
    header.kid = Some(kid.into());
    let key = jsonwebtoken::EncodingKey::from_ec_pem(&std::fs::read(key).unwrap()).unwrap();
    jsonwebtoken::encode(&header, &claims, &key).unwrap()
}

/// The token endpoint's answer (status, OAuth `error`) to one assertion and scope.
fn ask_token(token_url: &str, assertion: &str, scope: &str) -> (u16, String) {
    let body = format!(
        "grant_type=client_credentials&client_assertion_type={}&client_assertion={assertion}&scope={}",
        "urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer",
        scope.replace(' ', "%20")
    );
    let response = reqwest::blocking::Client::new()
        .post(token_url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .unwrap();
    let status = response.status().as_u16();
    let answer: serde_json::Value = serde_json::from_slice(&response.bytes().unwrap()).unwrap();
    (
        status,
        answer["error"].as_str().unwrap_or_default().to_string(),
    )
}

#[test]
fn the_token_endpoint_refuses_a_replayed_expired_misaddressed_or_overreaching_assertion() {
    let dir = tempfile::tempdir().unwrap();
    let (key, jwk) = device_key(dir.path(), "hh3-2026");
    let bank = bank(dir.path(), &[&jwk]);
    let token_url = bank.base_url.replace("/fhir", "/auth/token");
    let good = assertion(&key, "hh3-2026", &token_url, 300, "jti-1");
    assert_eq!(ask_token(&token_url, &good, "system/*.rs").0, 200);
    assert_eq!(
        ask_token(&token_url, &good, "system/*.rs"),
        (400, "invalid_grant".to_string()),
        "an assertion is good once"
    );
    let expired = assertion(&key, "hh3-2026", &token_url, -120, "jti-2");
    assert_eq!(ask_token(&token_url, &expired, "system/*.rs").0, 401);
    let too_long = assertion(&key, "hh3-2026", &token_url, 3600, "jti-3");
    assert_eq!(ask_token(&token_url, &too_long, "system/*.rs").0, 401);
    let elsewhere = assertion(
        &key,
        "hh3-2026",
        "https://other.example/token",
        300,
        "jti-4",
    );
    assert_eq!(ask_token(&token_url, &elsewhere, "system/*.rs").0, 401);
    let greedy = assertion(&key, "hh3-2026", &token_url, 300, "jti-5");
    assert_eq!(
        ask_token(&token_url, &greedy, "system/*.rs system/Patient.d"),
        (400, "invalid_scope".to_string())
    );
}

/// As a hospital's IT provisions a device: `bedside device-key` makes the key and prints the JWK
/// registered with the blood bank; the configuration names the key; `bedside sync` is admitted.
#[test]
fn a_key_made_by_bedside_device_key_is_admitted_through_the_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let bedside = env!("CARGO_BIN_EXE_bedside");
    let key = dir.path().join("handheld-3.pem");
    let made = std::process::Command::new(bedside)
        .args(["device-key", "--kid", "hh3-2026", "--out"])
        .arg(&key)
        .output()
        .unwrap();
    assert_eq!(
        made.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let jwk: serde_json::Value = serde_json::from_slice(&made.stdout).unwrap();
    assert_eq!(
        (jwk["crv"].as_str(), jwk["kid"].as_str()),
        (Some("P-384"), Some("hh3-2026"))
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "the private key is its owner's only");
    }
    let again = std::process::Command::new(bedside)
        .args(["device-key", "--kid", "hh3-2026", "--out"])
        .arg(&key)
        .output()
        .unwrap();
    assert_eq!(
        again.status.code(),
        Some(1),
        "an existing key is never overwritten"
    );

    let bank = bank(dir.path(), &[&jwk]);
    let config = dir.path().join("device.toml");
    std::fs::write(
        &config,
        format!(
            "[bloodbank]\nurl = \"{}\"\nward = \"{}\"\nclient_id = \"{CLIENT}\"\nprivate_key_file = \"handheld-3.pem\"\nkey_id = \"hh3-2026\"\n[device]\nstore = \"device.db\"\n{}",
            bank.base_url,
            demo::WARD_ID,
            key_file(dir.path())
        ),
    )
    .unwrap();
    let out = std::process::Command::new(bedside)
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

/// An RSA device key (RS384), made with openssl as a site's IT might, is admitted like an EC one.
#[test]
fn an_rs384_device_key_is_admitted_too() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("rsa.pem");
    let openssl = |args: &[&str]| {
        let out = std::process::Command::new("openssl")
            .args(args)
            .output()
            .expect("`openssl` is missing: install the Debian package openssl");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    openssl(&[
        "genpkey",
        "-algorithm",
        "RSA",
        "-pkeyopt",
        "rsa_keygen_bits:2048",
        "-out",
        key.to_str().unwrap(),
    ]);
    let modulus = openssl(&["rsa", "-in", key.to_str().unwrap(), "-noout", "-modulus"]);
    let hex = modulus.trim().trim_start_matches("Modulus=");
    let n: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect();
    let jwk = serde_json::json!({"kty": "RSA", "kid": "hh3-rsa", "n": base64url(&n), "e": "AQAB"});
    let bank = bank(dir.path(), &[&jwk]);
    let mut rsa = smart(&key, "hh3-rsa");
    rsa.signing_alg = "RS384".into();
    let (_d, mut store) = temp_store();
    let http = link(&bank.base_url, rsa);
    let summary = cycle_with(&mut store, &http, &bank.base_url);
    assert!(summary.pull_complete, "{:?}", summary.errors);
}
