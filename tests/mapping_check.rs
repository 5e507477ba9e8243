//! `bedside mapping check`: a blood-bank IT person learns, before a ward meets them, which of the
//! blood bank's resources the device can read and why not; the configuration's `[mapping]`
//! changes the answer exactly as it changes the device's own reading (docs/cli.md).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use bedside_app::verify::ScanSource;
use bedside_fhir::mapping::Mapping;
use common::*;
use serde_json::Value;

fn bedside(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bedside"))
        .args(args)
        .output()
        .unwrap()
}

fn official(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/fhir/r5-examples")
        .join(name)
}

fn report(output: &Output) -> Value {
    let text = String::from_utf8_lossy(&output.stdout);
    let line = text.lines().next().unwrap_or_else(|| {
        panic!(
            "no output; stderr: {}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    serde_json::from_str(line).unwrap()
}

#[test]
fn the_official_product_is_held_until_the_site_maps_its_code_and_its_label_division() {
    let product = official("BiologicallyDerivedProduct-example.json");
    let out = bedside(&[
        "mapping",
        "check",
        "--lang",
        "en",
        product.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "something does not map");
    let r = report(&out);
    assert_eq!(r["all_map"], false);
    assert_eq!(r["units"][0]["id"], "example");
    assert_eq!(r["units"][0]["maps"], false);
    let problem = r["units"][0]["problem"].as_str().unwrap();
    assert!(problem.contains("[mapping] components"), "{problem}");
    // The same problem in the ward's language by default.
    let zh = report(&bedside(&["mapping", "check", product.to_str().unwrap()]));
    assert!(zh["units"][0]["problem"]
        .as_str()
        .unwrap()
        .contains("成分类别"));

    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("bedside.toml");
    std::fs::write(
        &config,
        "[mapping]\ncomponents = { E0398 = \"red_cells\" }\n",
    )
    .unwrap();
    let mut json: Value =
        serde_json::from_str(&std::fs::read_to_string(&product).unwrap()).unwrap();
    json["division"] = "00".into();
    let labelled = dir.path().join("product.json");
    std::fs::write(&labelled, json.to_string()).unwrap();
    let out = bedside(&[
        "mapping",
        "check",
        "--config",
        config.to_str().unwrap(),
        labelled.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    let r = report(&out);
    assert_eq!(r["all_map"], true);
    assert_eq!(r["units"][0]["din"], "A999921123456");
    assert_eq!(r["units"][0]["product_code"], "E0398V00");
    assert_eq!(r["units"][0]["component"], "red_cells");
}

#[test]
fn a_bundle_reports_its_dispenses_and_patients_and_a_bad_file_or_mapping_is_said() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = serde_json::json!({
        "resourceType": "Bundle", "type": "collection",
        "entry": [
            {"resource": serde_json::from_str::<Value>(&std::fs::read_to_string(official("BiologicallyDerivedProductDispense-example.json")).unwrap()).unwrap()},
            {"resource": serde_json::from_str::<Value>(&std::fs::read_to_string(official("Patient-pat1.json")).unwrap()).unwrap()},
        ]
    });
    let file = dir.path().join("bundle.json");
    std::fs::write(&file, bundle.to_string()).unwrap();
    let out = bedside(&["mapping", "check", "--lang", "en", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let r = report(&out);
    assert_eq!(r["resources"], 2);
    assert_eq!(
        r["dispenses"][0]["problem"],
        "its blood product is not in the cache"
    );
    assert_eq!(r["patients"][0]["id"], "pat1");
    assert!(r["patients"][0]["problem"]
        .as_str()
        .unwrap()
        .contains("mrn_system"));

    // The site's record-number system reads the patient.
    let config = dir.path().join("bedside.toml");
    std::fs::write(
        &config,
        "[mapping]\nmrn_system = \"urn:oid:0.1.2.3.4.5.6.7\"\n",
    )
    .unwrap();
    let r = report(&bedside(&[
        "mapping",
        "check",
        "--config",
        config.to_str().unwrap(),
        file.to_str().unwrap(),
    ]));
    assert_eq!(r["patients"][0]["mrn"], "654321");
    assert_eq!(r["patients"][0]["name"], "Duck Donald");

    // Not JSON: said on stderr, the line says so, exit 1.
    let junk = dir.path().join("junk.json");
    std::fs::write(&junk, "{not json").unwrap();
    let out = bedside(&["mapping", "check", junk.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(report(&out)["ok"], false);
    assert!(String::from_utf8_lossy(&out.stderr).contains("not valid JSON"));

    // A component class that does not exist is a configuration error (exit 2), named.
    std::fs::write(&config, "[mapping]\ncomponents = { E0398 = \"blood\" }\n").unwrap();
    let out = bedside(&[
        "mapping",
        "check",
        "--config",
        config.to_str().unwrap(),
        file.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("E0398 = \"blood\""));
}

/// The device reads its cache through the same mapping: a site whose record numbers are in
/// another system than the blood bank's holds every unit, and the check says why (it never
/// matches a wristband against a number it was not told to trust).
#[test]
fn the_device_reads_its_cache_through_the_sites_mapping() {
    let ward = Ward::new();
    let mut h = ward.open();
    // 张伟's bag as printed, read while the cache still maps.
    let bag = bag_scans(&h.store, ZHANG_WEI);
    let codes = |h: &mut bedside_app::handheld::Handheld| {
        let mut flow = h.begin_check().unwrap();
        h.scan_wristband(&mut flow, "ZY26001001").unwrap();
        for s in &bag {
            h.scan_bag(&mut flow, s, ScanSource::Scanner).unwrap();
        }
        let outcome = flow.outcome(h.now());
        let codes: Vec<&str> = outcome.reasons.iter().map(|r| r.code.as_str()).collect();
        let words: Vec<String> = outcome
            .reasons
            .iter()
            .map(|r| r.message.en().to_string())
            .collect();
        (codes.join(" "), words.join(" | "))
    };
    let (before, _) = codes(&mut h);
    assert!(!before.contains("ISSUE_RECORD_UNREADABLE"), "{before}");
    h.store.set_mapping(Mapping {
        mrn_system: "urn:oid:1.2.156.112604.1.2".into(),
        ..Mapping::default()
    });
    let (after, words) = codes(&mut h);
    assert!(after.contains("ISSUE_RECORD_UNREADABLE"), "{after}");
    assert!(words.contains("mrn_system"), "{words}");
}
