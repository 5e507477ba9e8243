//! The safety case's blood-bank data path (issue 16, items 5–8, the server half of 8), end to end:
//! the reference blood bank in-process, a device store pulled from it (directly or through a
//! proxy that pages as other FHIR servers do), `Handheld::snapshot` and the bedside check, and
//! the contract's validator on what the service answers. Each test names its item.

mod common;

use std::sync::Arc;

use bedside_app::record::{CheckFacts, Recorder};
use bedside_bloodbank::actions::{withdraw, Withdrawal};
use bedside_bloodbank::db::{BloodBankDb, DbError};
use bedside_bloodbank::{demo, server};
use bedside_clock::{Clock, ManualClock, RandomIds, SystemClock};
use bedside_core::check::{check, CacheSnapshot, CheckInput, CheckOutcome};
use bedside_core::event::BedsideEvent;
use bedside_core::policy::Policy;
use bedside_core::severity::Severity;
use bedside_fhir::{extension, str_at, TRANSFUSION_STARTED};
use bedside_sync::http::{BloodBankHttp, Transport};
use common::*;
use serde_json::{json, Value};

const ZHANG_WEI_MRN: &str = "ZY26001001";

/// A proxy in front of `upstream`, on loopback: `answer(upstream, own base URL, path)` makes each
/// answer; every connection is closed after one. Returns its base URL.
fn proxy(upstream: String, answer: fn(&BloodBankHttp, &str, &str) -> (u16, Vec<u8>)) -> String {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let own = url.clone();
    std::thread::spawn(move || {
        let http = BloodBankHttp::new(&upstream, std::time::Duration::from_secs(5)).unwrap();
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            if reader.read_line(&mut request_line).is_err() {
                continue;
            }
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                line.clear();
            }
            let path = request_line.split(' ').nth(1).unwrap_or("/").to_string();
            let (status, body) = answer(&http, &own, &path);
            let head = format!(
                "HTTP/1.1 {status} OK\r\nContent-Type: application/fhir+json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let sent = stream.write_all(head.as_bytes());
            assert!(sent.is_ok() && stream.write_all(&body).is_ok());
        }
    });
    url
}

/// A proxy in front of `upstream` that serves the follow-up searches (§2.3: `Observation?…`,
/// `ServiceRequest?…`) one entry per page, linked by `link[relation=next]`, as a FHIR server with
/// a small page size does; every other request passes through.
fn paging_proxy(upstream: String) -> String {
    proxy(upstream, paged)
}

/// The answer to `path` (`/Type?query[&_page=n]`): page n (from 1) of a follow-up search holds
/// its n-th entry only.
fn paged(http: &BloodBankHttp, own: &str, path: &str) -> (u16, Vec<u8>) {
    let follow_up = path.starts_with("/Observation?") || path.starts_with("/ServiceRequest?");
    let (query, page) = match path.rsplit_once("&_page=") {
        Some((query, n)) => (query.to_string(), n.parse::<usize>().unwrap()),
        None => (path.to_string(), 1),
    };
    let answer = http.get(&query, None).unwrap();
    if !follow_up || answer.status != 200 {
        return (answer.status, answer.body);
    }
    let mut bundle: Value = serde_json::from_slice(&answer.body).unwrap();
    let entries = bundle["entry"].as_array().cloned().unwrap_or_default();
    bundle["entry"] = json!(entries.get(page - 1).into_iter().collect::<Vec<_>>());
    if page < entries.len() {
        bundle["link"] = json!([
            {"relation": "self", "url": format!("{own}{path}")},
            {"relation": "next", "url": format!("{own}{query}&_page={}", page + 1)},
        ]);
    }
    (200, bundle.to_string().into_bytes())
}

/// 张伟's two-person check of his red-cell bag against `snapshot`, at `now`.
fn check_zhang_wei(
    store: &bedside_store::Store,
    snapshot: &CacheSnapshot,
    now: bedside_clock::Instant,
) -> CheckOutcome {
    let scans = bag_scans(store, ZHANG_WEI);
    check(
        &CheckInput {
            now,
            cache_synced_at: snapshot.synced_at,
            first_checker: Some("N0451"),
            second_checker: Some("N0388"),
            wristband_scan: ZHANG_WEI_MRN,
            bag_scans: &scans,
            issued: &snapshot.issued,
            unreadable: &snapshot.unreadable,
            clock: snapshot.clock,
        },
        &Policy::default(),
    )
}

fn stops(outcome: &CheckOutcome) -> Vec<&'static str> {
    outcome
        .reasons
        .iter()
        .filter(|r| r.severity == Severity::Stop)
        .map(|r| r.code.as_str())
        .collect()
}

/// A handheld on `store`, as the app opens it.
fn handheld(store: bedside_store::Store) -> bedside_app::handheld::Handheld {
    bedside_app::handheld::Handheld::new(
        store,
        Box::new(SystemClock::china()),
        Box::new(RandomIds),
        Policy::default(),
        common::ward(),
        bedside_app::session::SessionSettings::default(),
    )
}

/// Items 5 (c) and 7: a blood bank that pages its follow-up searches puts a corrected blood group
/// result on page 2. The handheld reads every page before it calls its cache fresh, and the
/// newest result (O RhD−, after the old O RhD+) stops an RhD-positive red-cell unit.
#[test]
fn item_7_a_corrected_blood_group_on_a_later_page_reaches_the_check() {
    let bank = demo_bank();
    bank.db()
        .write(|w| {
            let old = w.read("Observation", "obs-abo-1001")?.unwrap();
            let mut corrected = old.json.clone();
            corrected["id"] = json!("obs-abo-1001-corrected");
            corrected["identifier"][0]["value"] = json!("XX-ZY26001001-2");
            let an_hour_ago = bedside_fhir::date_time(
                &(SystemClock::china().now() - chrono::Duration::hours(1)),
            );
            corrected["issued"] = json!(an_hour_ago);
            corrected["effectiveDateTime"] = json!(an_hour_ago);
            corrected["component"][1]["valueCodeableConcept"]["coding"][0] =
                json!({"system": "http://snomed.info/sct", "code": "165746003", "display": "RhD negative"});
            w.put("Observation", "obs-abo-1001-corrected", corrected)?;
            Ok::<_, DbError>(())
        })
        .unwrap();
    let proxy = paging_proxy(bank.running.base_url.clone());
    let (_dir, store) = temp_store();
    let mut h = handheld(store);
    let summary = cycle(&mut h.store, &settings(&proxy));
    assert!(
        summary.pull_complete && summary.errors.is_empty(),
        "{summary:?}"
    );

    let snapshot = h.snapshot().unwrap();
    assert!(
        snapshot.unreadable.is_empty(),
        "every order was on some page: {:?}",
        snapshot.unreadable
    );
    let zhang = snapshot
        .issued
        .iter()
        .find(|r| r.dispense_id == ZHANG_WEI)
        .unwrap();
    assert_eq!(zhang.patient.group.display(), "O RhD−");
    let outcome = check_zhang_wei(&h.store, &snapshot, SystemClock::china().now());
    assert!(
        stops(&outcome).contains(&"RHD_INCOMPATIBLE"),
        "{:?}",
        outcome.reasons
    );
}

/// Item 5 (c): a later page of a follow-up search that is not a FHIR Bundle leaves the cache
/// not fresh, like a bad first page.
#[test]
fn item_5_a_bad_later_page_of_a_follow_up_search_is_an_error_not_a_fresh_cache() {
    let bank = demo_bank();
    // Page 2 of the orders is a proxy's login page.
    let proxy = proxy(bank.running.base_url.clone(), |http, own, path| {
        if path.starts_with("/ServiceRequest?") && path.contains("&_page=2") {
            (200, b"<html><body>Wi-Fi login</body></html>".to_vec())
        } else {
            paged(http, own, path)
        }
    });
    let (_dir, mut store) = temp_store();
    let summary = cycle(&mut store, &settings(&proxy));
    assert!(!summary.pull_complete, "{summary:?}");
    assert!(
        summary
            .errors
            .iter()
            .any(|e| e.contains("not a FHIR Bundle")),
        "{summary:?}"
    );
    assert_eq!(store.cache_synced_at().unwrap(), None, "not a fresh cache");
}

/// 张伟's start recorded on a device that pulled from `bank`; returns the device and the start's
/// procedure urn.
fn device_with_a_start(bank: &Bank) -> (tempfile::TempDir, bedside_store::Store, String) {
    let (dir, mut store) = temp_store();
    assert!(cycle(&mut store, &settings(&bank.running.base_url)).pull_complete);
    let clock = SystemClock::china();
    let mut rec = Recorder {
        store: &mut store,
        clock: &clock,
        ids: &RandomIds,
    };
    let (chen, liu) = (nurse("N0451", "陈静"), nurse("N0388", "刘洋"));
    let baseline = rec.round("baseline", vitals(366), vec![], &chen);
    let t = rec
        .start(
            ZHANG_WEI,
            ward(),
            &chen,
            CheckFacts::new(&liu, clock.now(), vec![]),
            Some(baseline),
        )
        .unwrap();
    (dir, store, t.procedure_uuid)
}

/// Item 8 (server): the blood bank's answer to a second start of a started unit is valid FHIR
/// (the contract validator accepts it), says `unit-already-started` with its display name from
/// the contract's CodeSystem, and its words reach the handheld.
#[test]
fn item_8_the_answer_to_a_second_start_is_valid_fhir_and_names_its_reason() {
    let bank = demo_bank();
    let (_a_dir, mut a, first) = device_with_a_start(&bank);
    let (_c_dir, c, _) = device_with_a_start(&bank);
    assert!(cycle(&mut a, &settings(&bank.running.base_url))
        .errors
        .is_empty());
    let marked = bank
        .db()
        .read("BiologicallyDerivedProductDispense", ZHANG_WEI)
        .unwrap()
        .unwrap();
    let mark = extension(&marked.json, TRANSFUSION_STARTED).expect("the first start marks");
    assert_eq!(
        str_at(mark, &["valueReference", "identifier", "value"]),
        Some(first.as_str())
    );

    // The offline device's start, as it sends it.
    let started = c
        .all_outbox()
        .unwrap()
        .into_iter()
        .find_map(|r| match r.event {
            BedsideEvent::Started(e) => Some((r.bundle_urn, e)),
            _ => None,
        })
        .unwrap();
    let http =
        BloodBankHttp::new(&bank.running.base_url, std::time::Duration::from_secs(5)).unwrap();
    let bundle = bedside_fhir::bundle::start_bundle(
        &started.1,
        &started.0,
        &bank.running.base_url,
        &SystemClock::china().now(),
    );
    let answer = http.post_transaction(&bundle.to_string()).unwrap();
    assert_eq!(answer.status, 200, "stored: it happened");
    let response: Value = serde_json::from_slice(&answer.body).unwrap();
    let coding = &response["entry"][0]["response"]["outcome"]["issue"][0]["details"]["coding"][0];
    assert_eq!(coding["code"], "unit-already-started", "{response}");
    assert_eq!(coding["display"], "Unit already started", "{response}");
    let code_system: Value =
        serde_json::from_str(include_str!("../data/fhir/CodeSystem-outcome-reason.json")).unwrap();
    assert!(
        code_system["concept"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["code"] == "unit-already-started" && c["display"] == coding["display"]),
        "the contract's CodeSystem defines the code the service sends"
    );

    let out = tempfile::tempdir().unwrap();
    std::fs::write(out.path().join("second-start-response.json"), &answer.body).unwrap();
    match check_fhir(out.path()) {
        Ok(report) => assert!(report.contains(" 0 failed"), "{report}"),
        Err(report) => panic!("the service's answer breaks the contract:\n{report}"),
    }
}

/// Item 8 (server): a recalled unit that was hung anyway is marked started too, and a second
/// start of it is told both things: the unit is no longer issued, and it already hangs.
#[test]
fn item_8_a_recalled_unit_that_was_started_is_marked_and_a_second_start_hears_both() {
    let bank = demo_bank();
    let (_a_dir, mut a, first) = device_with_a_start(&bank);
    let (_c_dir, mut c, _) = device_with_a_start(&bank);
    withdraw(
        &mut bank.db(),
        ZHANG_WEI,
        Withdrawal::Recall,
        "donor's later test positive",
    )
    .unwrap();

    let told_a = cycle(&mut a, &settings(&bank.running.base_url));
    assert!(
        told_a
            .warnings
            .iter()
            .any(|w| w.contains("no longer counts this unit as issued")),
        "{told_a:?}"
    );
    let dispense = bank
        .db()
        .read("BiologicallyDerivedProductDispense", ZHANG_WEI)
        .unwrap()
        .unwrap();
    let mark = extension(&dispense.json, TRANSFUSION_STARTED)
        .expect("the blood bank records that the recalled unit hangs");
    assert_eq!(
        str_at(mark, &["valueReference", "identifier", "value"]),
        Some(first.as_str())
    );

    let told_c = cycle(&mut c, &settings(&bank.running.base_url));
    for words in ["no longer counts this unit as issued", "already started"] {
        assert!(
            told_c.warnings.iter().any(|w| w.contains(words)),
            "{words}: {told_c:?}"
        );
    }
    let alerts: Vec<String> = bank
        .db()
        .alerts()
        .unwrap()
        .into_iter()
        .map(|(_, reason, _)| reason)
        .collect();
    assert!(
        alerts.iter().any(|r| r == "unit-already-started"),
        "{alerts:?}"
    );
}

/// Item 6: the blood bank's `Date` is its own (injected) clock's, not the OS clock (hyper keeps
/// the header the service sets); a device whose clock is 20 minutes behind the blood bank's
/// learns it at its pull, and the check stops with words that say what to do.
#[test]
fn item_6_the_blood_banks_date_is_its_own_clock_and_a_device_behind_it_stops() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bloodbank.db");
    let bank_clock = Arc::new(ManualClock::at(
        SystemClock::china().now() + chrono::Duration::minutes(20),
    ));
    {
        let mut db = BloodBankDb::open(&path, bank_clock.clone()).unwrap();
        demo::seed(&mut db).unwrap();
    }
    let running = server::spawn(&path, "127.0.0.1:0", bank_clock.clone()).unwrap();
    let http = BloodBankHttp::new(&running.base_url, std::time::Duration::from_secs(5)).unwrap();
    let date = http
        .get("metadata", None)
        .unwrap()
        .date
        .expect("a Date header");
    assert_eq!(date.timestamp(), bank_clock.now().timestamp());

    let (_dir, store) = temp_store();
    let mut h = handheld(store);
    let summary = cycle(&mut h.store, &settings(&running.base_url));
    assert!(summary.pull_complete, "{summary:?}");
    let snapshot = h.snapshot().unwrap();
    let offset = snapshot.clock.server_offset_seconds.unwrap();
    assert!((-20 * 60 - 5..=-20 * 60 + 5).contains(&offset), "{offset}");

    let outcome = check_zhang_wei(&h.store, &snapshot, SystemClock::china().now());
    assert_eq!(
        stops(&outcome),
        ["CLOCK_UNTRUSTED"],
        "{:?}",
        outcome.reasons
    );
    let words = &outcome.reasons[0].message;
    assert!(
        words.en().contains("behind the blood bank's"),
        "{}",
        words.en()
    );
    assert!(words.en().contains("check again"), "{}", words.en());
    assert!(words.zh().contains("请校准设备时间"), "{}", words.zh());
}
