use serde_json::json;

use super::*;

const DISPENSE: &str = "BiologicallyDerivedProductDispense";

fn product() -> Value {
    json!({
        "resourceType": "BiologicallyDerivedProduct", "id": "bdp-1",
        "biologicalSourceEvent": {"system": ISBT_DIN, "value": "A999926400101"},
        "productCode": {"coding": [{"system": ISBT_PDC, "code": "E0001"}]},
        "expirationDate": "2099-01-01T00:00:00+08:00",
        "property": [{
            "type": {"coding": [{"system": UNIT_PROPERTY, "code": "component_class"}]},
            "valueCodeableConcept": {"coding": [{"system": COMPONENT_CLASS, "code": "red_cells"}]}
        }]
    })
}

fn patient() -> Value {
    json!({
        "resourceType": "Patient", "id": "pat-1",
        "identifier": [{"system": MRN_SYSTEM, "value": "ZY26001001"}],
        "name": [{"text": "张伟"}]
    })
}

fn order(status: &str) -> Value {
    json!({
        "resourceType": "ServiceRequest", "id": "sr-1", "status": status,
        "orderDetail": [{"parameter": [{
            "code": {"coding": [{"system": UNIT_PROPERTY, "code": "irradiated"}]},
            "valueBoolean": true
        }]}]
    })
}

fn dispense() -> Value {
    json!({
        "resourceType": DISPENSE, "id": "bdpd-1", "status": "issued",
        "product": {"reference": "BiologicallyDerivedProduct/bdp-1"},
        "patient": {"reference": "Patient/pat-1"},
        "basedOn": [{"reference": "ServiceRequest/sr-1"}],
        "whenHandedOver": "2098-12-31T08:00:00+08:00"
    })
}

/// An ABO/RhD result of pat-1 (`issued` as given, or none).
fn group_result(id: &str, issued: Option<&str>, abo: &str, rhd: &str) -> Value {
    let mut obs = json!({
        "resourceType": "Observation", "id": id, "status": "final",
        "code": {"coding": [{"system": LOINC, "code": "882-1"}]},
        "subject": {"reference": "Patient/pat-1"},
        "component": [
            {"code": {"coding": [{"system": LOINC, "code": "883-9"}]},
             "valueCodeableConcept": {"coding": [{"system": SNOMED, "code": abo}]}},
            {"code": {"coding": [{"system": LOINC, "code": "10331-7"}]},
             "valueCodeableConcept": {"coding": [{"system": SNOMED, "code": rhd}]}}
        ]
    });
    if let Some(at) = issued {
        obs["issued"] = json!(at);
    }
    obs
}

const O: &str = "58460004";
const A: &str = "112144000";
const B: &str = "112149005";
const POS: &str = "165747007";
const NEG: &str = "165746003";

fn set(resources: impl IntoIterator<Item = Value>) -> ResourceSet {
    let mut set = ResourceSet::default();
    for r in resources {
        set.insert(r);
    }
    set
}

fn read(resources: impl IntoIterator<Item = Value>) -> (Vec<IssueRecord>, Vec<MappingProblem>) {
    set([product(), patient(), dispense()]
        .into_iter()
        .chain(resources))
    .issue_records()
}

#[test]
fn an_order_of_any_status_but_entered_in_error_says_what_the_patient_needs() {
    for status in ["active", "completed", "revoked", "on-hold", "unknown"] {
        let (records, problems) = read([order(status)]);
        assert!(problems.is_empty(), "{status}: {problems:?}");
        assert_eq!(records[0].patient.requirements, ["irradiated"], "{status}");
    }
}

#[test]
fn a_missing_or_voided_order_is_a_problem_with_the_units_din() {
    let (records, problems) = read([]);
    assert!(records.is_empty());
    assert_eq!(problems[0].dispense_id, "bdpd-1");
    assert_eq!(problems[0].din.as_deref(), Some("A999926400101"));
    assert!(problems[0].problem.en().contains("ServiceRequest/sr-1"));
    assert!(problems[0].problem.zh().contains("ServiceRequest/sr-1"));

    let (records, problems) = read([order("entered-in-error")]);
    assert!(records.is_empty());
    assert!(problems[0].problem.en().contains("entered in error"));
    assert_eq!(problems[0].din.as_deref(), Some("A999926400101"));
}

#[test]
fn a_dispense_without_an_order_has_no_requirements_to_find() {
    let mut d = dispense();
    d.as_object_mut().unwrap().remove("basedOn");
    let (records, problems) = set([product(), patient(), d]).issue_records();
    assert!(problems.is_empty(), "{problems:?}");
    assert!(records[0].patient.requirements.is_empty());
}

#[test]
fn a_product_that_cannot_be_found_leaves_the_din_unknown() {
    let (records, problems) = set([patient(), dispense(), order("active")]).issue_records();
    assert!(records.is_empty());
    assert_eq!(problems[0].din, None);
    assert!(problems[0].problem.en().contains("blood product"));
}

fn group_of(results: &[Value]) -> Result<Group, MappingProblem> {
    let (records, problems) = read(results.iter().cloned().chain([order("active")]));
    match (records.first(), problems.first()) {
        (Some(r), None) => Ok(r.patient.group),
        (None, Some(p)) => Err(p.clone()),
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_newest_result_is_the_newest_instant_not_the_greatest_text() {
    // 10:00 in Beijing is 02:00 UTC, an hour before 03:00 UTC, though its text sorts after.
    let older = group_result("g1", Some("2099-01-01T10:00:00+08:00"), A, NEG);
    let newer = group_result("g2", Some("2099-01-01T03:00:00Z"), O, POS);
    let group = group_of(&[older, newer]).unwrap();
    assert_eq!(group.display(), "O RhD+");
}

#[test]
fn two_results_that_disagree_at_the_newest_instant_hold_the_unit_in_sorted_words() {
    let old = group_result("g0", Some("2098-01-01T00:00:00Z"), O, POS);
    let b = group_result("g1", Some("2099-01-01T11:00:00+08:00"), B, POS);
    let a = group_result("g2", Some("2099-01-01T03:00:00Z"), A, POS);
    for results in [
        [old.clone(), b.clone(), a.clone()],
        [a.clone(), old.clone(), b.clone()],
    ] {
        let problem = group_of(&results).unwrap_err();
        assert_eq!(problem.din.as_deref(), Some("A999926400101"));
        assert!(
            problem
                .problem
                .en()
                .contains("disagree (A RhD+ / B RhD+, at 2099-01-01 11:00)"),
            "{}",
            problem.problem.en()
        );
        assert!(problem.problem.zh().contains("A RhD+ / B RhD+"));
    }
}

#[test]
fn an_undated_result_counts_only_when_it_agrees() {
    let dated = group_result("g1", Some("2099-01-01T03:00:00Z"), O, POS);
    let agrees = group_result("g2", None, O, POS);
    assert_eq!(
        group_of(&[dated.clone(), agrees]).unwrap().display(),
        "O RhD+"
    );
    let disagrees = group_result("g3", None, O, NEG);
    let problem = group_of(&[dated, disagrees]).unwrap_err();
    assert!(
        problem.problem.en().contains("O RhD+ / O RhD−"),
        "{:?}",
        problem
    );
}

#[test]
fn effective_time_dates_a_result_without_issued() {
    let mut newer = group_result("g2", None, A, POS);
    newer["effectiveDateTime"] = json!("2099-01-02T00:00:00Z");
    let older = group_result("g1", Some("2099-01-01T00:00:00Z"), O, POS);
    assert_eq!(group_of(&[older, newer]).unwrap().display(), "A RhD+");
}

#[test]
fn no_result_is_an_unknown_group_not_a_problem() {
    let group = group_of(&[]).unwrap();
    assert_eq!(group, Group::default());
}

#[test]
fn the_start_mark_names_the_starting_procedures_client_identifier() {
    let mut d = dispense();
    d["extension"] = json!([{
        "url": TRANSFUSION_STARTED,
        "valueReference": {
            "reference": "Procedure/proc-7",
            "identifier": {"system": UUID_SYSTEM, "value": "urn:uuid:0f0e"}
        }
    }]);
    let (records, _) = set([product(), patient(), d.clone(), order("active")]).issue_records();
    assert_eq!(records[0].started_by.as_deref(), Some("urn:uuid:0f0e"));

    // Marked by a client without identifiers: still started, named by its reference.
    d["extension"][0]["valueReference"]
        .as_object_mut()
        .unwrap()
        .remove("identifier");
    let (records, _) = set([product(), patient(), d, order("active")]).issue_records();
    assert_eq!(records[0].started_by.as_deref(), Some("Procedure/proc-7"));

    let (records, _) = read([order("active")]);
    assert_eq!(records[0].started_by, None);
}

#[test]
fn an_emergency_release_brings_its_doctor_and_request_time_and_a_bare_mark_has_no_doctor() {
    let mut d = dispense();
    d["extension"] = json!([{
        "url": EMERGENCY_RELEASE,
        "extension": [
            {"url": "authorisedBy", "valueReference": {"reference": "Practitioner/dr-2001", "display": "王医生"}},
            {"url": "requestedAt", "valueDateTime": "2098-12-31T07:50:00+08:00"}
        ]
    }]);
    let (records, problems) =
        set([product(), patient(), d.clone(), order("active")]).issue_records();
    assert!(problems.is_empty(), "{problems:?}");
    let release = records[0].emergency.as_ref().expect("marked emergency");
    assert_eq!(release.doctor(), Some("王医生"));
    assert_eq!(
        release.requested_at,
        Some(chrono::DateTime::parse_from_rfc3339("2098-12-31T07:50:00+08:00").unwrap())
    );

    d["extension"] = json!([{"url": EMERGENCY_RELEASE}]);
    let (records, _) = set([product(), patient(), d, order("active")]).issue_records();
    let bare = records[0]
        .emergency
        .as_ref()
        .expect("still marked emergency");
    assert_eq!(bare.doctor(), None);
    let (plain, _) = read([order("active")]);
    assert_eq!(plain[0].emergency, None);
}

#[test]
fn a_merged_patient_keeps_the_temporary_number_as_merged_and_reads_its_sex() {
    let mut p = patient();
    p["identifier"] = json!([
        {"system": MRN_SYSTEM, "value": "EM000123", "use": "old"},
        {"system": MRN_SYSTEM, "value": "ZY26001001", "use": "official"}
    ]);
    p["gender"] = json!("male");
    let (records, problems) = set([product(), p, dispense(), order("active")]).issue_records();
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(records[0].patient.mrn, "ZY26001001");
    assert_eq!(records[0].patient.merged_ids, ["EM000123"]);
    assert_eq!(records[0].patient.sex, Some(Sex::Male));
}

#[test]
fn the_bed_is_the_active_bed_of_the_patients_in_progress_encounter() {
    let encounter = |id: &str, status: &str, locations: Value| {
        json!({
            "resourceType": "Encounter", "id": id, "status": status,
            "subject": {"reference": "Patient/pat-1"},
            "location": locations
        })
    };
    let bed = |display: &str, status: &str| {
        json!({
            "location": {"reference": "Location/x", "display": display},
            "status": status,
            "form": {"coding": [{"system": LOCATION_PHYSICAL_TYPE, "code": "bd"}]}
        })
    };
    let ward_only = json!({
        "location": {"reference": "Location/ward-h5", "display": "血液科五病区"},
        "form": {"coding": [{"system": LOCATION_PHYSICAL_TYPE, "code": "wa"}]}
    });
    let (records, _) = read([
        order("active"),
        encounter("enc-old", "completed", json!([bed("3床", "active")])),
        encounter(
            "enc-1",
            "in-progress",
            json!([ward_only, bed("12床", "completed"), bed("5床", "active")]),
        ),
    ]);
    assert_eq!(records[0].patient.bed.as_deref(), Some("5床"));
    let (none, _) = read([order("active")]);
    assert_eq!(
        none[0].patient.bed, None,
        "no encounter: no bed, not a guess"
    );
}
