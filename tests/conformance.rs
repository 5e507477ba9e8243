//! Conformance of our own service and of the pull (issue 17.5): a search's answer holds what its
//! self link claims, and an order that stops being active reaches the device at the next pull.

mod common;

use std::time::Duration;

use bedside_sync::http::{BloodBankHttp, Transport};
use common::*;
use serde_json::Value;

fn get(bank: &Bank, path: &str) -> (u16, Value) {
    let http = BloodBankHttp::new(&bank.running.base_url, Duration::from_secs(5)).unwrap();
    let answer = http.get(path, None).unwrap();
    (answer.status, serde_json::from_slice(&answer.body).unwrap())
}

fn mode<'a>(bundle: &'a Value, mode: &str) -> Vec<&'a Value> {
    bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["search"]["mode"] == mode)
        .map(|e| &e["resource"])
        .collect()
}

#[test]
fn a_dispense_search_without_destination_holds_the_includes_its_self_link_claims() {
    let bank = demo_bank();
    let path = "BiologicallyDerivedProductDispense?patient=Patient/pat-1001&_include=BiologicallyDerivedProductDispense:product&_include=BiologicallyDerivedProductDispense:patient";
    let (status, bundle) = get(&bank, path);
    assert_eq!(status, 200, "{bundle}");
    let self_link = bundle["link"][0]["url"].as_str().unwrap();
    assert!(self_link.contains("_include="), "{self_link}");
    let matches = mode(&bundle, "match");
    let included = mode(&bundle, "include");
    assert!(!matches.is_empty());
    assert_eq!(
        bundle["total"],
        matches.len(),
        "total counts the matches only"
    );
    for dispense in &matches {
        for key in ["product", "patient"] {
            let reference = dispense[key]["reference"].as_str().unwrap();
            assert!(
                included.iter().any(|r| format!(
                    "{}/{}",
                    r["resourceType"].as_str().unwrap(),
                    r["id"].as_str().unwrap()
                ) == reference),
                "{reference} is claimed by the self link and must be included"
            );
        }
    }
    // The same resource is included once, however many matches name it.
    let patients = included
        .iter()
        .filter(|r| r["resourceType"] == "Patient")
        .count();
    assert_eq!(patients, 1);

    let out = tempfile::tempdir().unwrap();
    std::fs::write(out.path().join("dispenses.json"), bundle.to_string()).unwrap();
    match check_fhir(out.path()) {
        Ok(report) => assert!(report.contains("1 passed, 0 failed"), "{report}"),
        Err(report) => panic!("contract validator failed:\n{report}"),
    }
}

#[test]
fn what_the_service_does_not_offer_is_refused_not_claimed() {
    let bank = demo_bank();
    for path in [
        // No _include is offered on orders.
        "ServiceRequest?patient=Patient/pat-1001&_include=ServiceRequest:patient",
        // Nor another include on the dispense.
        "BiologicallyDerivedProductDispense?patient=Patient/pat-1001&_include=BiologicallyDerivedProductDispense:performer",
        // Paging and sorting only on the ward pull.
        "Observation?patient=Patient/pat-1001&_count=1",
        "Observation?patient=Patient/pat-1001&_sort=_lastUpdated",
    ] {
        let (status, outcome) = get(&bank, path);
        assert_eq!(status, 400, "{path}: {outcome}");
        assert_eq!(outcome["resourceType"], "OperationOutcome", "{path}");
        assert_eq!(outcome["issue"][0]["code"], "not-supported", "{path}");
    }
    // _lastUpdated is honoured outside the ward pull too: nothing changed after the far future.
    let (status, bundle) = get(
        &bank,
        "Observation?patient=Patient/pat-1001&_lastUpdated=ge2999-01-01T00:00:00%2B08:00",
    );
    assert_eq!(status, 200);
    assert_eq!(bundle["total"], 0, "{bundle}");
}

/// The blood bank changes 张伟's order (sr-1001) after the device pulled it.
fn change_order(bank: &Bank, status: &str) {
    bank.db()
        .write(|w| {
            let order = w.read("ServiceRequest", "sr-1001")?.unwrap();
            let mut json = order.json.clone();
            json["status"] = serde_json::json!(status);
            w.put("ServiceRequest", "sr-1001", json)?;
            Ok::<_, bedside_bloodbank::db::DbError>(())
        })
        .unwrap();
}

#[test]
fn an_order_that_stops_being_active_is_pulled_again() {
    let bank = demo_bank();
    let settings = settings(&bank.running.base_url);
    let (_dir, mut store) = temp_store();
    assert!(cycle(&mut store, &settings).pull_complete);
    let cached_status = |store: &bedside_store::Store| {
        store
            .cached()
            .unwrap()
            .get("ServiceRequest", "sr-1001")
            .unwrap()["status"]
            .clone()
    };
    assert_eq!(cached_status(&store), "active");

    // Revoked: still what the patient needs, now as the blood bank says it.
    change_order(&bank, "revoked");
    assert!(cycle(&mut store, &settings).pull_complete);
    assert_eq!(cached_status(&store), "revoked");
    let (records, problems) = store.cached().unwrap().issue_records();
    assert!(problems.is_empty(), "{problems:?}");
    let zhang = records.iter().find(|r| r.dispense_id == ZHANG_WEI).unwrap();
    assert_eq!(zhang.patient.requirements, ["irradiated", "leukoreduced"]);

    // Entered in error: the unit can no longer be matched on half the facts, and its check
    // stops (ISSUE_RECORD_UNREADABLE) at the next pull.
    change_order(&bank, "entered-in-error");
    assert!(cycle(&mut store, &settings).pull_complete);
    assert_eq!(cached_status(&store), "entered-in-error");
    let (records, problems) = store.cached().unwrap().issue_records();
    assert!(records.iter().all(|r| r.dispense_id != ZHANG_WEI));
    assert!(
        problems.iter().any(|p| p.dispense_id == ZHANG_WEI),
        "{problems:?}"
    );
}

/// The R5 specification's own transaction example (tests/data/fhir/r5-examples, CC0) mixes what
/// the contract takes with what it refuses (DELETE, a conditional update of a Patient by a ward
/// device, an operation): the service answers with an OperationOutcome and stores none of it,
/// as a transaction must.
#[test]
fn the_standards_transaction_example_is_refused_whole_with_the_reason() {
    let bank = demo_bank();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/fhir/r5-examples/Bundle-bundle-transaction.json");
    let bundle = std::fs::read_to_string(path).unwrap();
    let http = BloodBankHttp::new(&bank.running.base_url, Duration::from_secs(5)).unwrap();
    let answer = http.post_transaction(&bundle).unwrap();
    assert!((400..500).contains(&answer.status), "{}", answer.status);
    let outcome: Value = serde_json::from_slice(&answer.body).unwrap();
    assert_eq!(outcome["resourceType"], "OperationOutcome", "{outcome}");
    assert!(
        outcome["issue"][0]["details"]["text"]
            .as_str()
            .is_some_and(|t| !t.is_empty()),
        "the reason is said: {outcome}"
    );
    // Atomic: the entries the contract would take were not stored either.
    for id in ["123", "123a"] {
        let (status, _) = get(&bank, &format!("Patient/{id}"));
        assert_eq!(
            status, 404,
            "Patient/{id} was stored by a refused transaction"
        );
    }
}

/// The ward pull as a device on ward Wi-Fi gets it: gzipped when it asks (as bedside does), the
/// same Bundle either way.
#[test]
fn the_ward_pull_comes_gzipped_to_a_device_that_asks() {
    let bank = demo_bank();
    let url = format!(
        "{}/BiologicallyDerivedProductDispense?destination=Location/ward-h5&_include=BiologicallyDerivedProductDispense:product&_include=BiologicallyDerivedProductDispense:patient",
        bank.running.base_url
    );
    // A client that decompresses nothing by itself, to see the bytes on the wire.
    let raw = reqwest::blocking::Client::builder()
        .no_gzip()
        .build()
        .unwrap();
    let fetch = |encoding: &str| {
        let answer = raw
            .get(&url)
            .header("Accept-Encoding", encoding)
            .send()
            .unwrap();
        let gzipped = answer
            .headers()
            .get("content-encoding")
            .is_some_and(|v| v == "gzip");
        (gzipped, answer.bytes().unwrap().to_vec())
    };
    let (plain_gzipped, plain) = fetch("identity");
    let (gzipped, wire) = fetch("gzip");
    assert!(!plain_gzipped && gzipped);
    assert!(
        wire.len() * 4 < plain.len(),
        "{} bytes gzipped, {} plain",
        wire.len(),
        plain.len()
    );
    let mut unzipped = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&wire[..]), &mut unzipped)
        .unwrap();
    let bundle = |bytes: &[u8]| -> Value {
        let mut b: Value = serde_json::from_slice(bytes).unwrap();
        b.as_object_mut().unwrap().remove("timestamp");
        b.as_object_mut().unwrap().remove("id");
        b
    };
    assert_eq!(bundle(&unzipped), bundle(&plain));
}
