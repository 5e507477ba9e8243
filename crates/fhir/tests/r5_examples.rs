//! The standard's own examples (`hl7.fhir.r5.examples` 5.0.0, CC0; tests/data/fhir/r5-examples)
//! read through bedside's FHIR reader and set beside what bedside writes. Tolerant where R5
//! allows (an ISBT 128 URI in another case, a product code without a system, a property typed by
//! its code alone), strict where a wrong unit could pass: a unit the mapping cannot place is held
//! with a reason a blood-bank IT person can act on, never guessed.

use std::path::PathBuf;

use serde_json::{json, Value};

use bedside_core::blood::Component;
use bedside_core::event::{ObservationRound, StaffRef, TransfusionRef, WardRef};
use bedside_core::observations::Vitals;
use bedside_fhir::bundle::vital_sign_entries;
use bedside_fhir::issue::ResourceSet;
use bedside_fhir::mapping::Mapping;
use bedside_fhir::{str_at, ResourceKey, LOINC, UCUM};

fn example(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data/fhir/r5-examples")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Each product of the set as `DIN product-code component`, or the problem in English.
fn units_of(mapping: Mapping, product: Value) -> Vec<(String, Result<String, String>)> {
    let mut set = ResourceSet::with_mapping(mapping);
    set.insert(product);
    set.units()
        .into_iter()
        .map(|(id, unit)| {
            let unit = unit
                .map(|u| format!("{} {} {}", u.din, u.product_code, u.component.as_str()))
                .map_err(|problem| problem.en().to_string());
            (id, unit)
        })
        .collect()
}

fn only_unit(mapping: Mapping, product: Value) -> Result<String, String> {
    let mut units = units_of(mapping, product);
    assert_eq!(units.len(), 1);
    units.remove(0).1
}

fn red_cells_for(code: &str) -> Mapping {
    let mut mapping = Mapping::default();
    mapping.components.insert(code.into(), "red_cells".into());
    mapping
}

#[test]
fn the_official_product_is_read_as_far_as_it_is_safe_and_held_with_the_reason() {
    let product = example("BiologicallyDerivedProduct-example.json");
    assert_eq!(
        units_of(Mapping::default(), product.clone())[0].0,
        "example"
    );
    // Its DIN system is spelled `DonationIdentificationNumber` and its product code E0398 has no
    // system: both are read. It names no component class, which decides compatibility.
    let problem = only_unit(Mapping::default(), product.clone()).unwrap_err();
    assert!(
        problem.contains("E0398") && problem.contains("[mapping] components"),
        "{problem}"
    );
    // Mapped by the site, the unit is still held: its division is the 6-character MPHO one
    // (`A00000`), which no blood-bag label's product code carries.
    let problem = only_unit(red_cells_for("E0398"), product.clone()).unwrap_err();
    assert!(problem.contains("division `A00000`"), "{problem}");
    // With a label's two-character division, it maps.
    let mut labelled = product;
    labelled["division"] = json!("00");
    assert_eq!(
        only_unit(red_cells_for("E0398"), labelled).unwrap(),
        "A999921123456 E0398V00 red_cells"
    );
}

#[test]
fn a_donation_number_or_product_code_in_another_system_is_held_not_guessed() {
    let mut product = example("BiologicallyDerivedProduct-example.json");
    product["division"] = json!("00");
    let mut local_din = product.clone();
    local_din["biologicalSourceEvent"]["system"] = json!("http://blood-centre.example/donation");
    let problem = only_unit(red_cells_for("E0398"), local_din.clone()).unwrap_err();
    assert!(problem.contains("din_systems"), "{problem}");
    // The site that names its blood centre's system reads it.
    let mut mapping = red_cells_for("E0398");
    mapping
        .din_systems
        .push("http://blood-centre.example/donation".into());
    assert!(only_unit(mapping, local_din).is_ok());

    let mut local_code = product.clone();
    local_code["productCode"] =
        json!({"coding": [{"system": "http://lis.example/products", "code": "RBC-1"}]});
    let problem = only_unit(red_cells_for("E0398"), local_code).unwrap_err();
    assert!(
        problem.contains("http://lis.example/products|RBC-1"),
        "{problem}"
    );

    // A code without a system is taken only in the ISBT 128 form.
    let mut bare = product;
    bare["productCode"] = json!({"coding": [{"code": "RBC-1"}]});
    let problem = only_unit(red_cells_for("RBC-1"), bare).unwrap_err();
    assert!(problem.contains("product_code_systems"), "{problem}");
}

#[test]
fn the_official_dispense_names_a_product_that_is_not_there_and_is_held() {
    let mut set = ResourceSet::default();
    set.insert(example("BiologicallyDerivedProductDispense-example.json"));
    set.insert(example("Patient-pat1.json"));
    let (issued, problems) = set.issue_records();
    assert!(issued.is_empty());
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].dispense_id, "example");
    assert_eq!(
        problems[0].problem.en(),
        "its blood product is not in the cache"
    );
}

#[test]
fn the_official_patients_are_read_by_the_sites_record_number_system_only() {
    let mut set = ResourceSet::default();
    set.insert(example("Patient-example.json"));
    let problem = set.patient("example").unwrap_err();
    assert!(problem.en().contains("mrn_system"), "{}", problem.en());

    let mapping = Mapping {
        mrn_system: "urn:oid:1.2.36.146.595.217.0.1".into(),
        ..Mapping::default()
    };
    let mut set = ResourceSet::with_mapping(mapping);
    set.insert(example("Patient-example.json"));
    let patient = set.patient("example").unwrap();
    assert_eq!(patient.mrn, "12345");
    // No name text: family name first, as a Chinese ward writes names.
    assert_eq!(patient.name, "Chalmers Peter James");
    assert_eq!(patient.birth_date.unwrap().to_string(), "1974-12-25");
}

#[test]
fn every_example_keeps_the_key_the_cache_stores_it_by() {
    for name in [
        "BiologicallyDerivedProduct-example.json",
        "BiologicallyDerivedProductDispense-example.json",
        "Patient-example.json",
        "Patient-pat1.json",
        "Procedure-example.json",
        "Observation-vitals-panel.json",
        "Observation-blood-pressure.json",
        "Observation-heart-rate.json",
        "Observation-body-temperature.json",
        "Observation-respiratory-rate.json",
        "Observation-satO2.json",
    ] {
        let resource = example(name);
        let key = ResourceKey::of(&resource).unwrap_or_else(|| panic!("{name}: no key"));
        assert_eq!(
            format!("{}-{}.json", key.resource_type, key.id),
            name,
            "{name}"
        );
    }
    // Bundles: a searchset, a transaction and its response; every entry's resource keyed.
    for (name, kind) in [
        ("Bundle-bundle-example.json", "searchset"),
        ("Bundle-bundle-transaction.json", "transaction"),
        ("Bundle-bundle-response.json", "transaction-response"),
    ] {
        let bundle = example(name);
        assert_eq!(str_at(&bundle, &["type"]), Some(kind));
        for entry in bundle["entry"].as_array().unwrap() {
            if let Some(resource) = entry.get("resource") {
                let has_id = resource.get("id").is_some();
                assert_eq!(ResourceKey::of(resource).is_some(), has_id, "{name}");
            }
        }
    }
}

/// The standard's coding of each vital sign (category, LOINC code, UCUM unit) against what
/// bedside writes for a round.
#[test]
fn bedside_writes_vital_signs_coded_as_the_standard_examples_are() {
    let round = ObservationRound {
        at: chrono::DateTime::parse_from_rfc3339("2026-12-04T09:15:00+08:00").unwrap(),
        slot: "15min".into(),
        vitals: Vitals {
            temp_tenths: Some(368),
            hr: Some(80),
            sbp: Some(120),
            dbp: Some(70),
            rr: Some(16),
            spo2: Some(98),
        },
        symptoms: vec![],
        taken_by: StaffRef {
            staff_id: "N0451".into(),
            name: "王芳".into(),
            practitioner_id: None,
        },
        sign_uuids: ["a", "b", "c", "d", "e"].map(|s| format!("urn:uuid:{s}")),
    };
    let transfusion = TransfusionRef {
        procedure_uuid: "urn:uuid:p".into(),
        dispense_id: "d".into(),
        product_id: "p".into(),
        din: "A999926400101".into(),
        patient_id: "pat".into(),
        patient_name: "张伟".into(),
        service_request_id: None,
        component: Component::RedCells,
        ward: WardRef {
            location_id: "ward-h5".into(),
            name: "血液科五病区".into(),
        },
    };
    let ours: Vec<Value> = vital_sign_entries(&round, &transfusion, "urn:uuid:p")
        .into_iter()
        .map(|entry| entry["resource"].clone())
        .collect();
    let coding = |o: &Value| -> (String, Vec<String>) {
        let codes = o["code"]["coding"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["system"] == LOINC)
            .map(|c| c["code"].as_str().unwrap().to_string())
            .collect();
        let category = o["category"][0]["coding"][0]["code"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        (category, codes)
    };
    let units = |o: &Value| -> Vec<String> {
        let quantities: Vec<&Value> = match o.get("component").and_then(Value::as_array) {
            Some(components) => components.iter().map(|c| &c["valueQuantity"]).collect(),
            None => vec![&o["valueQuantity"]],
        };
        quantities
            .into_iter()
            .map(|q| {
                assert_eq!(q["system"], UCUM);
                q["code"].as_str().unwrap().to_string()
            })
            .collect()
    };
    for name in [
        "Observation-body-temperature.json",
        "Observation-heart-rate.json",
        "Observation-blood-pressure.json",
        "Observation-respiratory-rate.json",
        "Observation-satO2.json",
    ] {
        let standard = example(name);
        let (category, codes) = coding(&standard);
        let ours = ours
            .iter()
            .find(|o| coding(o).1.iter().any(|c| codes.contains(c)))
            .unwrap_or_else(|| {
                panic!("bedside writes no Observation coded like {name}: {codes:?}")
            });
        assert_eq!(coding(ours).0, category, "{name}: category");
        assert_eq!(units(ours), units(&standard), "{name}: UCUM units");
    }
}

/// A near miss names the patient by the MRN in the site's record-number system, the one the
/// device read it in, so the blood bank finds its own patient.
#[test]
fn a_near_miss_names_the_patient_in_the_sites_record_number_system() {
    let near_miss = bedside_core::event::NearMiss {
        adverse_event_uuid: "urn:uuid:0e1f".into(),
        detected_at: chrono::DateTime::parse_from_rfc3339("2026-12-04T09:15:00+08:00").unwrap(),
        reasons: vec!["UNIT_FOR_OTHER_PATIENT".into()],
        patient_scanned: Some("12345".into()),
        patient_mrn: Some("12345".into()),
        patient_name: Some("Chalmers Peter James".into()),
        din: Some("A999921123456".into()),
        product_code: Some("E0398V00".into()),
        product_id: None,
        dispense_id: None,
        first_checker: StaffRef {
            staff_id: "N0451".into(),
            name: "陈静".into(),
            practitioner_id: None,
        },
        second_checker: None,
        ward: WardRef {
            location_id: "ward-h5".into(),
            name: "血液科五病区".into(),
        },
        scans: vec![],
        keyed_reasons: vec![],
    };
    let now = near_miss.detected_at;
    let bundle = bedside_fhir::bundle::near_miss_bundle(
        &near_miss,
        "urn:uuid:b",
        &now,
        "urn:oid:1.2.36.146.595.217.0.1",
    );
    let subject = &bundle["entry"][0]["resource"]["subject"]["identifier"];
    assert_eq!(subject["system"], "urn:oid:1.2.36.146.595.217.0.1");
    assert_eq!(subject["value"], "12345");
}
