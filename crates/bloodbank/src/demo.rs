//! The demo ward (`bedside bloodbank --demo`, and the app's demo mode): 血液科五病区 with eight
//! patients and the units a real shift sees — red cells, plasma, platelets, one recalled unit,
//! one about to expire, one issued too long ago, patients with special requirements. Times are
//! relative to `now`, so the demo works whenever it is started.

use chrono::Duration;
use serde_json::{json, Value};

use super::actions::{issue_in, Issue};
use super::db::{BloodBankDb, Writer};
use super::transaction::Refusal;
use bedside_clock::Instant;
use bedside_core::blood::{Abo, Component, Group, Rhd};
use bedside_fhir::issue::{snomed_abo, snomed_rhd};
use bedside_fhir::*;

pub const WARD_ID: &str = "ward-h5";
pub const WARD_NAME: &str = "血液科五病区";

/// Staff of the demo ward: badge, name, role.
pub const STAFF: [(&str, &str, &str); 6] = [
    ("N0451", "陈静", "nurse"),
    ("N0388", "刘洋", "nurse"),
    ("N0502", "王芳", "nurse"),
    ("N0617", "赵丽", "nurse"),
    ("C0101", "孙红", "charge_nurse"),
    ("B0019", "周敏", "blood_bank"),
];

struct DemoPatient {
    id: &'static str,
    mrn: &'static str,
    name: &'static str,
    family: &'static str,
    given: &'static str,
    gender: &'static str,
    birth: &'static str,
    abo: Abo,
    rhd: Rhd,
    requirements: &'static [&'static str],
}

const PATIENTS: [DemoPatient; 8] = [
    DemoPatient {
        id: "pat-1001",
        mrn: "ZY26001001",
        name: "张伟",
        family: "张",
        given: "伟",
        gender: "male",
        birth: "1968-03-14",
        abo: Abo::O,
        rhd: Rhd::Pos,
        requirements: &["irradiated", "leukoreduced"],
    },
    DemoPatient {
        id: "pat-1002",
        mrn: "ZY26001002",
        name: "李秀英",
        family: "李",
        given: "秀英",
        gender: "female",
        birth: "1955-07-02",
        abo: Abo::A,
        rhd: Rhd::Pos,
        requirements: &[],
    },
    DemoPatient {
        id: "pat-1003",
        mrn: "ZY26001003",
        name: "王磊",
        family: "王",
        given: "磊",
        gender: "male",
        birth: "1979-11-23",
        abo: Abo::B,
        rhd: Rhd::Pos,
        requirements: &[],
    },
    DemoPatient {
        id: "pat-1004",
        mrn: "ZY26001004",
        name: "刘芳",
        family: "刘",
        given: "芳",
        gender: "female",
        birth: "1990-01-30",
        abo: Abo::A,
        rhd: Rhd::Neg,
        requirements: &[],
    },
    DemoPatient {
        id: "pat-1005",
        mrn: "ZY26001005",
        name: "陈明",
        family: "陈",
        given: "明",
        gender: "male",
        birth: "1947-05-09",
        abo: Abo::AB,
        rhd: Rhd::Pos,
        requirements: &[],
    },
    DemoPatient {
        id: "pat-1006",
        mrn: "ZY26001006",
        name: "杨静",
        family: "杨",
        given: "静",
        gender: "female",
        birth: "1983-09-17",
        abo: Abo::O,
        rhd: Rhd::Neg,
        requirements: &["irradiated", "cmv_negative"],
    },
    DemoPatient {
        id: "pat-1007",
        mrn: "ZY26001007",
        name: "赵强",
        family: "赵",
        given: "强",
        gender: "male",
        birth: "1961-12-05",
        abo: Abo::B,
        rhd: Rhd::Pos,
        requirements: &[],
    },
    DemoPatient {
        id: "pat-1008",
        mrn: "ZY26001008",
        name: "黄丽",
        family: "黄",
        given: "丽",
        gender: "female",
        birth: "1972-04-21",
        abo: Abo::A,
        rhd: Rhd::Pos,
        requirements: &[],
    },
];

fn seed_reference_data(w: &mut Writer, now: &Instant) -> Result<(), Refusal> {
    for text in [
        include_str!("../../../data/fhir/Location-ward-h5.json"),
        include_str!("../../../data/fhir/CodeSystem-component-class.json"),
        include_str!("../../../data/fhir/CodeSystem-outcome-reason.json"),
        include_str!("../../../data/fhir/CodeSystem-unit-property.json"),
        include_str!(
            "../../../data/fhir/SearchParameter-BiologicallyDerivedProductDispense-destination.json"
        ),
    ] {
        let resource: Value = serde_json::from_str(text).map_err(|e| {
            Refusal::new(
                500,
                "exception",
                None,
                "bundled reference data is broken",
                &e.to_string(),
                None,
            )
        })?;
        let ty = str_at(&resource, &["resourceType"])
            .unwrap_or_default()
            .to_string();
        let id = str_at(&resource, &["id"]).unwrap_or_default().to_string();
        w.put(&ty, &id, resource)?;
    }
    for (badge, name, _) in STAFF {
        let mut chars = name.chars();
        let family: String = chars.next().into_iter().collect();
        let given: String = chars.collect();
        w.put(
            "Practitioner",
            &format!("prac-{}", badge.to_ascii_lowercase()),
            json!({
                "resourceType": "Practitioner",
                "identifier": [{"system": STAFF_SYSTEM, "value": badge}],
                "active": true,
                "name": [{"use": "official", "text": name, "family": family, "given": [given]}]
            }),
        )?;
    }
    for p in &PATIENTS {
        w.put("Patient", p.id, json!({
            "resourceType": "Patient",
            "identifier": [{
                "use": "usual",
                "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR", "display": "Medical record number"}], "text": "住院号"},
                "system": MRN_SYSTEM, "value": p.mrn
            }],
            "active": true,
            "name": [{"use": "official", "text": p.name, "family": p.family, "given": [p.given]}],
            "gender": p.gender,
            "birthDate": p.birth
        }))?;
        let (abo_code, abo_display) = snomed_abo(p.abo);
        let (rhd_code, rhd_display) = snomed_rhd(p.rhd);
        let result_time = date_time(&(*now - Duration::hours(20)));
        w.put("Observation", &format!("obs-abo-{}", &p.id[4..]), json!({
            "resourceType": "Observation",
            "identifier": [{"system": "http://hospital.example/blood-bank/result-id", "value": format!("XX-{}", p.mrn)}],
            "status": "final",
            "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "laboratory", "display": "Laboratory"}]}],
            "code": {"coding": [{"system": LOINC, "code": "882-1", "display": "ABO and Rh group [Type] in Blood"}], "text": "ABO/RhD 血型"},
            "subject": {"reference": format!("Patient/{}", p.id), "display": p.name},
            "effectiveDateTime": result_time,
            "issued": result_time,
            "performer": [{"reference": "Practitioner/prac-b0019", "display": "周敏"}],
            "component": [
                {"code": {"coding": [{"system": LOINC, "code": "883-9", "display": "ABO group [Type] in Blood"}]},
                 "valueCodeableConcept": {"coding": [{"system": SNOMED, "code": abo_code, "display": abo_display}]}},
                {"code": {"coding": [{"system": LOINC, "code": "10331-7", "display": "Rh [Type] in Blood"}]},
                 "valueCodeableConcept": {"coding": [{"system": SNOMED, "code": rhd_code, "display": rhd_display}]}}
            ]
        }))?;
        let parameters: Vec<Value> = p
            .requirements
            .iter()
            .map(|r| json!({"code": {"coding": [{"system": UNIT_PROPERTY, "code": r}]}, "valueBoolean": true}))
            .collect();
        let mut order = json!({
            "resourceType": "ServiceRequest",
            "identifier": [{"system": "http://hospital.example/order-id", "value": format!("YZ-{}", p.mrn)}],
            "status": "active",
            "intent": "order",
            "priority": "routine",
            "code": {"concept": {"coding": [{"system": SNOMED, "code": "116859006", "display": "Transfusion of blood product"}]}},
            "subject": {"reference": format!("Patient/{}", p.id), "display": p.name},
            "authoredOn": date_time(&(*now - Duration::hours(3)))
        });
        if !parameters.is_empty() {
            order["orderDetail"] = json!([{"parameter": parameters}]);
        }
        w.put("ServiceRequest", &format!("sr-{}", &p.id[4..]), order)?;
    }
    Ok(())
}

/// Seeds the demo ward into an empty blood bank; a blood bank that already has patients is left
/// alone (restarting the demo keeps what was recorded).
pub fn seed(db: &mut BloodBankDb) -> Result<bool, Refusal> {
    if db.count("Patient")? > 0 {
        return Ok(false);
    }
    let now = db.now();
    let unit = |patient: usize,
                din: &str,
                product_code: &str,
                component: Component,
                group: Group,
                expires: Duration,
                attributes: &[&str],
                match_status: &str,
                issued_ago: i64| Issue {
        patient_id: PATIENTS[patient].id.to_string(),
        ward_id: WARD_ID.to_string(),
        din: din.to_string(),
        product_code: product_code.to_string(),
        component,
        group,
        expires_at: now + expires,
        attributes: attributes.iter().map(|a| a.to_string()).collect(),
        match_status: match_status.to_string(),
        sample_expires_at: Some(now + Duration::hours(60)),
        issued_at: now - Duration::minutes(issued_ago),
        service_request_id: Some(format!("sr-{}", &PATIENTS[patient].id[4..])),
    };
    let g = |abo, rhd| Group::new(Some(abo), Some(rhd));
    let units = [
        // ready to hang: O+ irradiated, leukoreduced red cells for 张伟
        unit(
            0,
            "A999926400101",
            "E0001V00",
            Component::RedCells,
            g(Abo::O, Rhd::Pos),
            Duration::days(14),
            &["irradiated", "leukoreduced"],
            "crossmatched",
            8,
        ),
        unit(
            1,
            "A999926400102",
            "E3002A00",
            Component::Platelets,
            g(Abo::A, Rhd::Pos),
            Duration::days(3),
            &["leukoreduced"],
            "selected",
            5,
        ),
        unit(
            2,
            "A999926400103",
            "E2101V00",
            Component::Plasma,
            g(Abo::AB, Rhd::Pos),
            Duration::days(300),
            &[],
            "selected",
            12,
        ),
        // expires in 90 minutes
        unit(
            3,
            "A999926400104",
            "E0001V00",
            Component::RedCells,
            g(Abo::A, Rhd::Neg),
            Duration::minutes(90),
            &[],
            "crossmatched",
            4,
        ),
        // will be recalled below
        unit(
            4,
            "A999926400105",
            "E3002A00",
            Component::Platelets,
            g(Abo::AB, Rhd::Pos),
            Duration::days(2),
            &[],
            "selected",
            15,
        ),
        unit(
            5,
            "A999926400106",
            "E0001V00",
            Component::RedCells,
            g(Abo::O, Rhd::Neg),
            Duration::days(20),
            &["irradiated", "cmv_negative", "leukoreduced"],
            "crossmatched",
            3,
        ),
        // issued 45 minutes ago: past the 30-minute window
        unit(
            6,
            "A999926400107",
            "E0001V00",
            Component::RedCells,
            g(Abo::B, Rhd::Pos),
            Duration::days(10),
            &[],
            "crossmatched",
            45,
        ),
        unit(
            7,
            "A999926400108",
            "E5165A00",
            Component::Cryo,
            g(Abo::A, Rhd::Pos),
            Duration::days(200),
            &[],
            "selected",
            6,
        ),
    ];
    db.write(|w| {
        seed_reference_data(w, &now)?;
        for u in &units {
            issue_in(w, u)?;
        }
        Ok::<_, Refusal>(())
    })?;
    let recalled = db
        .ids_with_identifier(
            "BiologicallyDerivedProductDispense",
            "http://hospital.example/blood-bank/issue-id",
            "BDPD-000005",
        )?
        .pop();
    if let Some(id) = recalled {
        super::actions::withdraw(
            db,
            &id,
            super::actions::Withdrawal::Recall,
            "献血者复检阳性，召回该血小板。/ Donor re-test positive; platelet unit recalled.",
        )?;
    }
    Ok(true)
}
