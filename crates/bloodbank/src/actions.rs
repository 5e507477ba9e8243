//! The blood bank's own actions on its records — issue a unit to a ward, take it back, recall
//! it — used by `bedside bloodbank issue|return|recall` and by the demo seed. A unit that must
//! not be used changes its **dispense** (contract §2.2), so the change reaches every handheld's
//! incremental pull.

use serde_json::{json, Value};

use super::db::{BloodBankDb, Writer};
use super::transaction::Refusal;
use bedside_clock::Instant;
use bedside_core::blood::{Component, Group};
use bedside_core::check::component_name;
use bedside_core::label::code_of_group;
use bedside_core::messages::Lang;
use bedside_fhir::*;

/// A unit to issue to a patient on a ward.
#[derive(Debug, Clone)]
pub struct Issue {
    pub patient_id: String,
    pub ward_id: String,
    pub din: String,
    /// Eight characters: product description code, collection type, division (`E0398V00`).
    pub product_code: String,
    pub component: Component,
    pub group: Group,
    pub expires_at: Instant,
    pub attributes: Vec<String>,
    /// `crossmatched`, `least-incompatible`, `selected`, `unmatched`.
    pub match_status: String,
    pub sample_expires_at: Option<Instant>,
    pub issued_at: Instant,
    pub service_request_id: Option<String>,
    /// Released before the crossmatch was complete (`clinical-rules.md` §6).
    pub emergency: Option<EmergencyIssue>,
}

/// The doctor's authorisation of an emergency release, and when the request came.
#[derive(Debug, Clone)]
pub struct EmergencyIssue {
    /// The doctor as the ward reads them (`李医生 (D2001)`).
    pub doctor: String,
    pub requested_at: Instant,
}

/// The dispense extension that marks an emergency release.
fn emergency_extension(e: &EmergencyIssue) -> Value {
    json!({
        "url": EMERGENCY_RELEASE,
        "extension": [
            {"url": "authorisedBy", "valueReference": {"display": e.doctor}},
            {"url": "requestedAt", "valueDateTime": date_time(&e.requested_at)}
        ]
    })
}

fn refuse(status: u16, text: String) -> Refusal {
    Refusal::new(status, "invalid", Some("invalid-content"), &text, "", None)
}

fn product(issue: &Issue, id: &str) -> Result<Value, Refusal> {
    let pc = &issue.product_code;
    if pc.len() != 8 || !pc.is_ascii() {
        return Err(refuse(
            400,
            format!("product code '{pc}' must be 8 characters, e.g. E0398V00"),
        ));
    }
    let (pdc, collection, division) = (&pc[..5], &pc[5..6], &pc[6..8]);
    let aborhd = code_of_group(issue.group).ok_or_else(|| {
        refuse(
            400,
            format!("no ISBT 128 code for group {}", issue.group.display()),
        )
    })?;
    let (en, zh) = (
        component_name(issue.component, Lang::En),
        component_name(issue.component, Lang::ZhCn),
    );
    let mut properties = vec![
        json!({"type": {"coding": [{"system": PROPERTY_TYPE, "code": "aborhd", "display": "ABORhD"}]},
               "valueCodeableConcept": {"coding": [{"system": ISBT_ABORHD, "code": aborhd, "display": issue.group.display()}]}}),
        json!({"type": {"coding": [{"system": PROPERTY_TYPE, "code": "collectiontype", "display": "Collection Type"}]},
               "valueCodeableConcept": {"coding": [{"system": ISBT_COLLECTION, "code": collection}]}}),
        json!({"type": {"coding": [{"system": UNIT_PROPERTY, "code": "component_class"}]},
               "valueCodeableConcept": {"coding": [{"system": COMPONENT_CLASS, "code": issue.component.as_str()}]}}),
    ];
    for attribute in &issue.attributes {
        if !UNIT_ATTRIBUTES.contains(&attribute.as_str()) {
            return Err(refuse(400, format!("unknown unit attribute '{attribute}'")));
        }
        properties.push(json!({"type": {"coding": [{"system": UNIT_PROPERTY, "code": attribute}]}, "valueBoolean": true}));
    }
    let category = match issue.component {
        Component::RedCells | Component::WholeBlood | Component::Platelets => "cells",
        Component::Plasma | Component::Cryo => "fluid",
    };
    Ok(json!({
        "resourceType": "BiologicallyDerivedProduct",
        "id": id,
        "productCategory": {"system": "http://hl7.org/fhir/product-category", "code": category},
        "productCode": {"coding": [{"system": ISBT_PDC, "code": pdc}], "text": format!("{zh} / {en}")},
        "biologicalSourceEvent": {"system": ISBT_DIN, "value": issue.din},
        "division": division,
        "productStatus": {"system": PRODUCT_STATUS, "code": "available", "display": "Available"},
        "expirationDate": date_time(&issue.expires_at),
        "property": properties
    }))
}

/// Issues a unit: its product (made once per DIN) and a new dispense to the ward.
pub fn issue(db: &mut BloodBankDb, issue: &Issue) -> Result<(String, String), Refusal> {
    if issue.din.len() != 13 {
        return Err(refuse(
            400,
            format!(
                "DIN '{}' must be the 13 characters without flags",
                issue.din
            ),
        ));
    }
    db.write(|w| issue_in(w, issue))
}

pub fn issue_in(w: &mut Writer, issue: &Issue) -> Result<(String, String), Refusal> {
    let Some(patient) = w.read("Patient", &issue.patient_id)? else {
        return Err(refuse(404, format!("no patient {}", issue.patient_id)));
    };
    let patient_name = patient_name(&patient.json).to_string();
    let product_id = format!("bdp-{}", issue.din.to_ascii_lowercase());
    w.put(
        "BiologicallyDerivedProduct",
        &product_id,
        product(issue, &product_id)?,
    )?;
    let dispense_id = w.next_id("bdpd")?;
    let mut dispense = json!({
        "resourceType": "BiologicallyDerivedProductDispense",
        "identifier": [{"system": "http://hospital.example/blood-bank/issue-id", "value": dispense_id.to_uppercase()}],
        "status": "issued",
        "originRelationshipType": {"coding": [{
            "system": "http://hl7.org/fhir/CodeSystem/biologicallyderivedproductdispense-origin-relationship",
            "code": "allogeneic", "display": "Allogeneic"}]},
        "product": {"reference": format!("BiologicallyDerivedProduct/{product_id}"), "display": issue.din},
        "patient": {"reference": format!("Patient/{}", issue.patient_id), "display": patient_name},
        "matchStatus": {"coding": [{"system": MATCH_STATUS, "code": issue.match_status}]},
        "whenHandedOver": date_time(&issue.issued_at),
        "destination": {"reference": format!("Location/{}", issue.ward_id)}
    });
    let mut extensions = Vec::new();
    if let Some(sample) = &issue.sample_expires_at {
        extensions.push(json!({"url": SAMPLE_EXPIRES, "valueDateTime": date_time(sample)}));
    }
    if let Some(emergency) = &issue.emergency {
        extensions.push(emergency_extension(emergency));
    }
    if !extensions.is_empty() {
        dispense["extension"] = Value::Array(extensions);
    }
    if let Some(sr) = &issue.service_request_id {
        dispense["basedOn"] = json!([{"reference": format!("ServiceRequest/{sr}")}]);
    }
    w.put("BiologicallyDerivedProductDispense", &dispense_id, dispense)?;
    Ok((product_id, dispense_id))
}

/// What happens to an issued unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Withdrawal {
    /// The unit must not be used anywhere (a donor's later test, a quality fault).
    Recall,
    /// Sent back to the blood bank unused; the unit itself stays usable.
    Return,
    /// The issue record was made in error.
    Void,
}

/// Changes the dispense (and for a recall the product) so that handhelds stop the unit.
pub fn withdraw(
    db: &mut BloodBankDb,
    dispense_id: &str,
    kind: Withdrawal,
    reason: &str,
) -> Result<(), Refusal> {
    db.write(|w| {
        let Some(current) = w.read("BiologicallyDerivedProductDispense", dispense_id)? else {
            return Err(refuse(404, format!("no dispense {dispense_id}")));
        };
        let now = w.last_updated().to_string();
        let mut dispense = current.json.clone();
        dispense["status"] = json!(match kind {
            Withdrawal::Recall | Withdrawal::Return => "returned",
            Withdrawal::Void => "entered-in-error",
        });
        let label = match kind {
            Withdrawal::Recall => "召回 / recalled",
            Withdrawal::Return => "退回 / returned",
            Withdrawal::Void => "作废 / voided",
        };
        let note = json!({"time": now, "text": format!("{label}: {reason}")});
        match dispense.get_mut("note").and_then(Value::as_array_mut) {
            Some(notes) => notes.push(note),
            None => dispense["note"] = json!([note]),
        }
        w.put("BiologicallyDerivedProductDispense", dispense_id, dispense)?;
        if kind == Withdrawal::Recall {
            if let Some((ty, id)) = str_at(&current.json, &["product", "reference"]).and_then(split_reference) {
                if let Some(product) = w.read(ty, id)? {
                    let mut product = product.json;
                    product["productStatus"] = json!({"system": PRODUCT_STATUS, "code": "unavailable", "display": "Unavailable"});
                    w.put(ty, id, product)?;
                }
            }
        }
        Ok(())
    })
}

/// The crossmatch of an issued unit came back after the unit left the blood bank (an emergency
/// release): its dispense says so, and every handheld's next pull learns it.
pub fn record_crossmatch(
    db: &mut BloodBankDb,
    dispense_id: &str,
    compatible: bool,
) -> Result<(), Refusal> {
    db.write(|w| {
        let Some(current) = w.read("BiologicallyDerivedProductDispense", dispense_id)? else {
            return Err(refuse(404, format!("no dispense {dispense_id}")));
        };
        let now = w.last_updated().to_string();
        let mut dispense = current.json;
        let code = if compatible {
            "crossmatched"
        } else {
            "least-incompatible"
        };
        dispense["matchStatus"] = json!({"coding": [{"system": MATCH_STATUS, "code": code}]});
        let text = if compatible {
            "交叉配血结果：相容 / crossmatch compatible"
        } else {
            "交叉配血结果：不相容 / crossmatch INCOMPATIBLE"
        };
        let note = json!({"time": now, "text": text});
        match dispense.get_mut("note").and_then(Value::as_array_mut) {
            Some(notes) => notes.push(note),
            None => dispense["note"] = json!([note]),
        }
        w.put("BiologicallyDerivedProductDispense", dispense_id, dispense)?;
        Ok(())
    })
}

/// The patient under a temporary emergency ID has been identified (`clinical-rules.md` §6.2):
/// the temporary record is merged into the identified one as FHIR R5 `$merge` leaves them — the
/// target keeps the temporary number as an `old` identifier and `link`s `replaces` the source;
/// the source becomes inactive, `replaced-by` the target; every dispense of the source now
/// names the target, so each handheld's next pull brings the merge.
pub fn merge_patients(db: &mut BloodBankDb, from: &str, into: &str) -> Result<(), Refusal> {
    if from == into {
        return Err(refuse(
            400,
            format!("cannot merge patient {from} into itself"),
        ));
    }
    db.write(|w| {
        let Some(source) = w.read("Patient", from)? else {
            return Err(refuse(404, format!("no patient {from}")));
        };
        let Some(target) = w.read("Patient", into)? else {
            return Err(refuse(404, format!("no patient {into}")));
        };
        let mut target = target.json;
        let old_numbers: Vec<Value> = source
            .json
            .get("identifier")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|i| str_at(i, &["system"]) == Some(MRN_SYSTEM))
            .map(|i| {
                let mut old = i.clone();
                old["use"] = json!("old");
                old
            })
            .collect();
        let identifiers = target["identifier"].as_array_mut();
        match identifiers {
            Some(list) => list.extend(old_numbers),
            None => target["identifier"] = Value::Array(old_numbers),
        }
        push(
            &mut target,
            "link",
            json!({"other": {"reference": format!("Patient/{from}")}, "type": "replaces"}),
        );
        let target_name = patient_name(&target).to_string();
        w.put("Patient", into, target)?;
        let mut source = source.json;
        source["active"] = json!(false);
        push(
            &mut source,
            "link",
            json!({"other": {"reference": format!("Patient/{into}")}, "type": "replaced-by"}),
        );
        w.put("Patient", from, source)?;
        for id in w.ids_of_patient(
            "BiologicallyDerivedProductDispense",
            &format!("Patient/{from}"),
        )? {
            if let Some(dispense) = w.read("BiologicallyDerivedProductDispense", &id)? {
                let mut dispense = dispense.json;
                dispense["patient"] =
                    json!({"reference": format!("Patient/{into}"), "display": target_name});
                w.put("BiologicallyDerivedProductDispense", &id, dispense)?;
            }
        }
        Ok(())
    })
}

/// Appends to a resource's list element, making the list when it has none.
fn push(resource: &mut Value, key: &str, item: Value) {
    match resource.get_mut(key).and_then(Value::as_array_mut) {
        Some(list) => list.push(item),
        None => resource[key] = json!([item]),
    }
}
