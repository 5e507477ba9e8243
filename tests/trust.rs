//! Issue 8 ("Trust"): the handheld's store is encrypted at rest (SQLCipher) and the link to the
//! blood bank trusts only certificates it should.

mod common;

use std::path::Path;
use std::sync::Arc;

use bedside_app::record::{CheckFacts, Recorder};
use bedside_clock::{Clock, RandomIds, SystemClock};
use bedside_store::{Store, StoreError, StoreKey};
use bedside_sync::http::BloodBankHttp;
use bedside_sync::{Sync, SyncSettings};
use common::*;

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The store's file and its write-ahead log, as a thief who copied them would read them.
fn raw(path: &Path) -> Vec<u8> {
    let mut bytes = std::fs::read(path).unwrap();
    let wal = path.with_extension("db-wal");
    if let Ok(more) = std::fs::read(wal) {
        bytes.extend(more);
    }
    bytes
}

#[test]
fn an_encrypted_store_holds_no_patient_data_in_clear_and_opens_only_with_its_key() {
    let bank = demo_bank();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("device.db");
    let key = StoreKey::random(&RandomIds);
    let mut store = Store::open_encrypted(&path, &key).unwrap();
    cycle(&mut store, &settings(&bank.running.base_url));
    let (records, _) = store.cached().unwrap().issue_records();
    let first = records[0].clone();
    let clock = SystemClock::china();
    let chen = nurse("N0451", "陈静");
    Recorder {
        store: &mut store,
        clock: &clock,
        ids: &RandomIds,
    }
    .start(
        &first.dispense_id,
        ward(),
        &chen,
        CheckFacts::new(&nurse("N0388", "刘洋"), clock.now(), vec![]),
        None,
    )
    .unwrap();

    // While open (the -wal holds the latest pages) and after closing.
    for moment in ["open", "closed"] {
        let bytes = raw(&path);
        assert!(bytes.len() > 4096, "{moment}: the store holds something");
        assert!(
            !bytes.starts_with(b"SQLite format 3"),
            "{moment}: plaintext header"
        );
        for secret in [
            first.patient.name.as_str(),
            first.unit.din.as_str(),
            first.patient.mrn.as_str(),
            "陈静",
            "cache_resource",
        ] {
            assert!(
                !contains(&bytes, secret.as_bytes()),
                "{moment}: {secret:?} in clear in the store's files"
            );
        }
        if moment == "open" {
            drop(std::mem::replace(
                &mut store,
                Store::open(&dir.path().join("other.db")).unwrap(),
            ));
        }
    }

    // Opens again with its key, with everything in it.
    let again = Store::open_encrypted(&path, &key).unwrap();
    assert_eq!(again.all_outbox().unwrap().len(), 1);
    assert_eq!(again.integrity_check().unwrap(), "ok");
    drop(again);

    // A wrong key, and no key at all, are refused with words; the file is not touched.
    let before = std::fs::read(&path).unwrap();
    let err = Store::open_encrypted(&path, &StoreKey::from_bytes([7; 32]))
        .err()
        .expect("a wrong key must not open the store");
    assert!(matches!(err, StoreError::WrongKey { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains("cannot be read with this key (wrong key or not an encrypted store)"),
        "{err}"
    );
    assert!(
        !format!("{err:?}").contains("0707"),
        "no key bytes in errors"
    );
    let err = Store::open(&path).err().expect("no key must not open it");
    assert!(err.to_string().contains("store_key_file"), "{err}");
    assert_eq!(
        std::fs::read(&path).unwrap(),
        before,
        "a refused open changed the file"
    );

    // A plaintext store is not opened as an encrypted one either (nor turned into one).
    let plain = dir.path().join("plain.db");
    drop(Store::open(&plain).unwrap());
    let before = std::fs::read(&plain).unwrap();
    let err = Store::open_encrypted(&plain, &key).err().unwrap();
    assert!(matches!(err, StoreError::WrongKey { .. }), "{err:?}");
    assert_eq!(std::fs::read(&plain).unwrap(), before);
}

// ------------------------------------------------------------------------------------- TLS

/// A certificate authority made now, and a certificate it signed for `host`.
struct TestPki {
    ca_pem: String,
    cert_der: Vec<u8>,
    key_der: Vec<u8>,
}

fn pki(host: &str) -> TestPki {
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "Test Hospital CA");
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let server_key = KeyPair::generate().unwrap();
    let server = CertificateParams::new(vec![host.to_string()])
        .unwrap()
        .signed_by(&server_key, &ca)
        .unwrap();
    TestPki {
        ca_pem: ca.pem(),
        cert_der: server.der().to_vec(),
        key_der: server_key.serialize_der(),
    }
}

/// A TLS front on loopback for a plain-HTTP server at `backend` (the in-process blood bank):
/// what a hospital's reverse proxy does. Returns its port; runs until the test ends.
fn tls_front(pki: &TestPki, backend: std::net::SocketAddr) -> u16 {
    use tokio_rustls::rustls;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![pki.cert_der.clone().into()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(pki.key_der.clone().into()),
        )
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    return;
                };
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let Ok(mut tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let Ok(mut plain) = tokio::net::TcpStream::connect(backend).await else {
                        return;
                    };
                    let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
                });
            }
        });
    });
    port
}

fn sync_once(settings: &SyncSettings) -> Result<bedside_sync::Summary, String> {
    let http = BloodBankHttp::for_settings(settings).map_err(|e| e.to_string())?;
    let (_dir, mut store) = temp_store();
    let clock = SystemClock::china();
    Sync {
        store: &mut store,
        http: &http,
        settings,
        clock: &clock,
        ids: &RandomIds,
        sleep: &|_| {},
    }
    .run_cycle()
    .map_err(|e| e.to_string())
}

#[test]
fn an_untrusted_certificate_is_named_and_the_hospital_ca_file_is_trusted() {
    let bank = demo_bank();
    let backend: std::net::SocketAddr = bank
        .running
        .base_url
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let pki = pki("localhost");
    let port = tls_front(&pki, backend);
    let dir = tempfile::tempdir().unwrap();
    let ca_file = dir.path().join("hospital-ca.pem");
    std::fs::write(&ca_file, &pki.ca_pem).unwrap();

    let words = |summary: Result<bedside_sync::Summary, String>| match summary {
        Ok(s) => {
            assert!(!s.pull_complete, "{s:?}");
            s.errors.join(" | ")
        }
        Err(e) => e,
    };

    // Without ca_file: the system does not know the hospital's CA.
    let mut s = settings(&format!("https://localhost:{port}/fhir"));
    s.attempts = 1;
    let err = words(sync_once(&s));
    assert!(err.starts_with("certificate not trusted"), "{err}");
    assert!(err.contains("ca_file"), "{err}");
    assert!(
        err.contains("self-signed or signed by an authority"),
        "{err}"
    );
    eprintln!("untrusted: {err}");

    // With the hospital's CA, but the wrong host name in the url.
    s.ca_file = Some(ca_file.clone());
    s.base_url = format!("https://127.0.0.1:{port}/fhir");
    let err = words(sync_once(&s));
    assert!(err.contains("certificate not trusted"), "{err}");
    assert!(err.contains("another host name"), "{err}");

    // With the hospital's CA and the right name: the whole cycle runs over TLS.
    s.base_url = format!("https://localhost:{port}/fhir");
    let summary = sync_once(&s).unwrap();
    assert!(summary.pull_complete, "{summary:?}");
    assert!(summary.errors.is_empty(), "{:?}", summary.errors);
    assert!(summary.pulled > 0);

    // A ca_file that is not PEM is refused by name.
    std::fs::write(&ca_file, "not a certificate").unwrap();
    let err = BloodBankHttp::for_settings(&s).err().unwrap().to_string();
    assert!(
        err.contains("ca_file") && err.contains("no PEM certificate"),
        "{err}"
    );
}
