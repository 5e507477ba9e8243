//! The demo ward (`bedside bloodbank --demo`, and the app's demo mode): 血液科五病区 with eight
//! patients and the units a real shift sees — red cells, plasma, platelets, one recalled unit,
//! one about to expire, one issued too long ago, patients with special requirements — and a
//! green-channel emergency: an unidentified man under a temporary ID with an O RhD-negative unit
//! released before the crossmatch. Times are relative to `now`, so the demo works whenever it is
//! started.

use chrono::Duration;
use serde_json::{json, Value};

use super::actions::{issue_in, EmergencyIssue, Issue};
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

/// A unit issued to the demo ward, its times relative to the demo's start.
struct DemoUnit {
    /// Index into `PATIENTS`.
    patient: usize,
    din: &'static str,
    product_code: &'static str,
    component: Component,
    abo: Abo,
    rhd: Rhd,
    expires_in: Duration,
    attributes: &'static [&'static str],
    match_status: &'static str,
    issued_minutes_ago: i64,
}

const UNITS: [DemoUnit; 8] = [
    // ready to hang: O+ irradiated, leukoreduced red cells for 张伟
    DemoUnit {
        patient: 0,
        din: "A999926400101",
        product_code: "E0001V00",
        component: Component::RedCells,
        abo: Abo::O,
        rhd: Rhd::Pos,
        expires_in: Duration::days(14),
        attributes: &["irradiated", "leukoreduced"],
        match_status: "crossmatched",
        issued_minutes_ago: 8,
    },
    DemoUnit {
        patient: 1,
        din: "A999926400102",
        product_code: "E3002A00",
        component: Component::Platelets,
        abo: Abo::A,
        rhd: Rhd::Pos,
        expires_in: Duration::days(3),
        attributes: &["leukoreduced"],
        match_status: "selected",
        issued_minutes_ago: 5,
    },
    DemoUnit {
        patient: 2,
        din: "A999926400103",
        product_code: "E2101V00",
        component: Component::Plasma,
        abo: Abo::AB,
        rhd: Rhd::Pos,
        expires_in: Duration::days(300),
        attributes: &[],
        match_status: "selected",
        issued_minutes_ago: 12,
    },
    // expires in 90 minutes
    DemoUnit {
        patient: 3,
        din: "A999926400104",
        product_code: "E0001V00",
        component: Component::RedCells,
        abo: Abo::A,
        rhd: Rhd::Neg,
        expires_in: Duration::minutes(90),
        attributes: &[],
        match_status: "crossmatched",
        issued_minutes_ago: 4,
    },
    // will be recalled by `seed`
    DemoUnit {
        patient: 4,
        din: "A999926400105",
        product_code: "E3002A00",
        component: Component::Platelets,
        abo: Abo::AB,
        rhd: Rhd::Pos,
        expires_in: Duration::days(2),
        attributes: &[],
        match_status: "selected",
        issued_minutes_ago: 15,
    },
    DemoUnit {
        patient: 5,
        din: "A999926400106",
        product_code: "E0001V00",
        component: Component::RedCells,
        abo: Abo::O,
        rhd: Rhd::Neg,
        expires_in: Duration::days(20),
        attributes: &["irradiated", "cmv_negative", "leukoreduced"],
        match_status: "crossmatched",
        issued_minutes_ago: 3,
    },
    // issued 45 minutes ago: past the 30-minute window
    DemoUnit {
        patient: 6,
        din: "A999926400107",
        product_code: "E0001V00",
        component: Component::RedCells,
        abo: Abo::B,
        rhd: Rhd::Pos,
        expires_in: Duration::days(10),
        attributes: &[],
        match_status: "crossmatched",
        issued_minutes_ago: 45,
    },
    DemoUnit {
        patient: 7,
        din: "A999926400108",
        product_code: "E5165A00",
        component: Component::Cryo,
        abo: Abo::A,
        rhd: Rhd::Pos,
        expires_in: Duration::days(200),
        attributes: &[],
        match_status: "selected",
        issued_minutes_ago: 6,
    },
];

impl DemoUnit {
    /// The issue of this unit as the blood bank records it, at `now`.
    fn issue(&self, now: Instant) -> Issue {
        let patient = &PATIENTS[self.patient];
        Issue {
            patient_id: patient.id.to_string(),
            ward_id: WARD_ID.to_string(),
            din: self.din.to_string(),
            product_code: self.product_code.to_string(),
            component: self.component,
            group: Group::new(Some(self.abo), Some(self.rhd)),
            expires_at: now + self.expires_in,
            attributes: self.attributes.iter().map(|a| a.to_string()).collect(),
            match_status: self.match_status.to_string(),
            sample_expires_at: Some(now + Duration::hours(60)),
            issued_at: now - Duration::minutes(self.issued_minutes_ago),
            service_request_id: Some(format!("sr-{}", &patient.id[4..])),
            emergency: None,
        }
    }
}

/// The ward's Location and the contract's CodeSystems and SearchParameter, as bundled.
fn seed_bundled_resources(w: &mut Writer) -> Result<(), Refusal> {
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
    Ok(())
}

/// A Practitioner for each of the demo ward's staff.
fn seed_staff(w: &mut Writer) -> Result<(), Refusal> {
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
    Ok(())
}

fn seed_reference_data(w: &mut Writer, now: &Instant) -> Result<(), Refusal> {
    seed_bundled_resources(w)?;
    seed_staff(w)?;
    for (i, p) in PATIENTS.iter().enumerate() {
        w.put(
            "Encounter",
            &format!("enc-{}", &p.id[4..]),
            inpatient_stay(p.id, p.name, &format!("{}床", i + 3), now),
        )?;
        w.put("Patient", p.id, patient_resource(p))?;
        w.put(
            "Observation",
            &format!("obs-abo-{}", &p.id[4..]),
            blood_group_result(p, now),
        )?;
        w.put(
            "ServiceRequest",
            &format!("sr-{}", &p.id[4..]),
            transfusion_order(p, now),
        )?;
    }
    Ok(())
}

/// The patient's stay on the demo ward, in progress, with the ward and the bed as locations.
fn inpatient_stay(patient_id: &str, name: &str, bed: &str, now: &Instant) -> Value {
    let form = |code: &str, display: &str| json!({"coding": [{"system": LOCATION_PHYSICAL_TYPE, "code": code, "display": display}]});
    json!({
        "resourceType": "Encounter",
        "status": "in-progress",
        "class": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "IMP", "display": "inpatient encounter"}]}],
        "subject": {"reference": format!("Patient/{patient_id}"), "display": name},
        "actualPeriod": {"start": date_time(&(*now - Duration::days(2)))},
        "location": [
            {"location": {"reference": format!("Location/{WARD_ID}"), "display": WARD_NAME}, "status": "active", "form": form("wa", "Ward")},
            {"location": {"display": bed}, "status": "active", "form": form("bd", "Bed")}
        ]
    })
}

fn patient_resource(p: &DemoPatient) -> Value {
    json!({
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
    })
}

/// The patient's ABO/RhD result, reported 20 hours before `now`.
fn blood_group_result(p: &DemoPatient, now: &Instant) -> Value {
    let (abo_code, abo_display) = snomed_abo(p.abo);
    let (rhd_code, rhd_display) = snomed_rhd(p.rhd);
    let result_time = date_time(&(*now - Duration::hours(20)));
    json!({
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
    })
}

/// The patient's transfusion order, written 3 hours before `now`, with their special
/// requirements.
fn transfusion_order(p: &DemoPatient, now: &Instant) -> Value {
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
    order
}

/// The green channel (绿色通道): an unconscious, unidentified man registered under a temporary
/// emergency ID, group not yet typed, and an O RhD-negative red cell unit released on the
/// doctor's authorisation before any crossmatch (`clinical-rules.md` §6).
pub const EMERGENCY_PATIENT_ID: &str = "pat-em01";
pub const EMERGENCY_MRN: &str = "EM260001";
pub const EMERGENCY_DIN: &str = "A999926400109";

/// Who the unidentified man turns out to be: registered at an earlier admission, typed O RhD
/// negative then; not on the ward, so nothing is issued to him (`bloodbank merge` joins them).
pub const IDENTIFIED_PATIENT_ID: &str = "pat-1009";
const IDENTIFIED: DemoPatient = DemoPatient {
    id: IDENTIFIED_PATIENT_ID,
    mrn: "ZY26001009",
    name: "周建国",
    family: "周",
    given: "建国",
    gender: "male",
    birth: "1971-06-02",
    abo: Abo::O,
    rhd: Rhd::Neg,
    requirements: &[],
};

fn seed_green_channel(w: &mut Writer, now: &Instant) -> Result<Issue, Refusal> {
    w.put("Patient", IDENTIFIED.id, patient_resource(&IDENTIFIED))?;
    w.put(
        "Observation",
        "obs-abo-1009",
        blood_group_result(&IDENTIFIED, now),
    )?;
    w.put(
        "Patient",
        EMERGENCY_PATIENT_ID,
        json!({
            "resourceType": "Patient",
            "identifier": [{
                "use": "temp",
                "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR", "display": "Medical record number"}], "text": "临时急诊号"},
                "system": MRN_SYSTEM, "value": EMERGENCY_MRN
            }],
            "active": true,
            "name": [{"use": "temp", "text": "无名氏（男）"}],
            "gender": "male"
        }),
    )?;
    w.put(
        "Encounter",
        "enc-em01",
        inpatient_stay(EMERGENCY_PATIENT_ID, "无名氏（男）", "抢救1床", now),
    )?;
    w.put(
        "ServiceRequest",
        "sr-em01",
        json!({
            "resourceType": "ServiceRequest",
            "identifier": [{"system": "http://hospital.example/order-id", "value": "YZ-EM260001"}],
            "status": "active",
            "intent": "order",
            "priority": "stat",
            "code": {"concept": {"coding": [{"system": SNOMED, "code": "116863004", "display": "Transfusion of red blood cells"}]}},
            "subject": {"reference": format!("Patient/{EMERGENCY_PATIENT_ID}"), "display": "无名氏（男）"},
            "authoredOn": date_time(&(*now - Duration::minutes(14)))
        }),
    )?;
    Ok(Issue {
        patient_id: EMERGENCY_PATIENT_ID.to_string(),
        ward_id: WARD_ID.to_string(),
        din: EMERGENCY_DIN.to_string(),
        product_code: "E0001V00".to_string(),
        component: Component::RedCells,
        group: Group::new(Some(Abo::O), Some(Rhd::Neg)),
        expires_at: *now + Duration::days(21),
        attributes: vec!["leukoreduced".to_string()],
        match_status: "unmatched".to_string(),
        sample_expires_at: Some(*now + Duration::hours(72)),
        issued_at: *now - Duration::minutes(3),
        service_request_id: Some("sr-em01".to_string()),
        emergency: Some(EmergencyIssue {
            doctor: "李医生 (D2001)".to_string(),
            requested_at: *now - Duration::minutes(12),
        }),
    })
}

/// Seeds the demo ward into an empty blood bank; a blood bank that already has patients is left
/// alone (restarting the demo keeps what was recorded).
pub fn seed(db: &mut BloodBankDb) -> Result<bool, Refusal> {
    if db.count("Patient")? > 0 {
        return Ok(false);
    }
    let now = db.now();
    let units: Vec<Issue> = UNITS.iter().map(|u| u.issue(now)).collect();
    db.write(|w| {
        seed_reference_data(w, &now)?;
        for u in &units {
            issue_in(w, u)?;
        }
        let green_channel = seed_green_channel(w, &now)?;
        issue_in(w, &green_channel)?;
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
