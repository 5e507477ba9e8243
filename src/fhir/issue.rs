//! From the blood bank's records to the engine's issue records (contract §4): one dispense with
//! its product, patient, blood group result and order becomes one `IssueRecord`.
//!
//! A dispense that cannot be read completely is not guessed at: it is reported as a problem and
//! left out, so a scan of its unit stops with "not issued" instead of passing on half the facts.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde_json::Value;

use super::*;
use crate::domain::blood::{Abo, Component, Group, Rhd};
use crate::domain::check::{Crossmatch, Instant, IssueRecord, PatientRecord, UnitRecord};
use crate::domain::label::group_of_code;

/// The cached resources, by type and id.
#[derive(Debug, Default)]
pub struct ResourceSet {
    by_key: HashMap<(String, String), Value>,
}

/// A dispense the handheld could not turn into an issue record, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct MappingProblem {
    pub dispense_id: String,
    pub problem: String,
}

impl ResourceSet {
    pub fn insert(&mut self, resource: Value) {
        let ty = str_at(&resource, &["resourceType"]).map(str::to_string);
        let id = str_at(&resource, &["id"]).map(str::to_string);
        if let (Some(ty), Some(id)) = (ty, id) {
            self.by_key.insert((ty, id), resource);
        }
    }

    pub fn get(&self, ty: &str, id: &str) -> Option<&Value> {
        self.by_key.get(&(ty.to_string(), id.to_string()))
    }

    fn resolve(&self, reference: Option<&str>, want: &str) -> Option<&Value> {
        let (ty, id) = split_reference(reference?)?;
        (ty == want).then(|| self.get(ty, id))?
    }

    fn of_type<'a>(&'a self, ty: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
        self.by_key
            .iter()
            .filter(move |((t, _), _)| t == ty)
            .map(|(_, v)| v)
    }

    /// Every dispense as an issue record, and the dispenses that could not be read.
    pub fn issue_records(&self) -> (Vec<IssueRecord>, Vec<MappingProblem>) {
        let groups = self.patient_groups();
        let mut records = Vec::new();
        let mut problems = Vec::new();
        for dispense in self.of_type("BiologicallyDerivedProductDispense") {
            let dispense_id = str_at(dispense, &["id"]).unwrap_or_default().to_string();
            match self.issue_record(dispense, &groups) {
                Ok(record) => records.push(record),
                Err(problem) => problems.push(MappingProblem {
                    dispense_id,
                    problem,
                }),
            }
        }
        records.sort_by(|a, b| a.dispense_id.cmp(&b.dispense_id));
        problems.sort_by(|a, b| a.dispense_id.cmp(&b.dispense_id));
        (records, problems)
    }

    /// The newest final ABO/RhD result (LOINC 882-1) of each patient.
    fn patient_groups(&self) -> HashMap<String, Group> {
        let mut newest: HashMap<String, (String, Group)> = HashMap::new();
        for obs in self.of_type("Observation") {
            if !obs
                .get("code")
                .is_some_and(|c| has_coding(c, LOINC, "882-1"))
            {
                continue;
            }
            if !matches!(
                str_at(obs, &["status"]),
                Some("final" | "amended" | "corrected")
            ) {
                continue;
            }
            let Some((_, patient)) =
                str_at(obs, &["subject", "reference"]).and_then(split_reference)
            else {
                continue;
            };
            let when = str_at(obs, &["issued"])
                .or_else(|| str_at(obs, &["effectiveDateTime"]))
                .unwrap_or_default()
                .to_string();
            let group = blood_group_of(obs);
            let slot = newest
                .entry(patient.to_string())
                .or_insert((when.clone(), group));
            if when >= slot.0 {
                *slot = (when, group);
            }
        }
        newest.into_iter().map(|(p, (_, g))| (p, g)).collect()
    }

    fn issue_record(
        &self,
        dispense: &Value,
        groups: &HashMap<String, Group>,
    ) -> Result<IssueRecord, String> {
        let dispense_id = str_at(dispense, &["id"]).ok_or("dispense without id")?;
        let product = self
            .resolve(
                str_at(dispense, &["product", "reference"]),
                "BiologicallyDerivedProduct",
            )
            .ok_or("its blood product is not in the cache")?;
        let patient_ref = str_at(dispense, &["patient", "reference"]);
        let patient = self
            .resolve(patient_ref, "Patient")
            .ok_or("its patient is not in the cache")?;
        let patient_id = str_at(patient, &["id"]).unwrap_or_default();
        let issued_at = instant(str_at(dispense, &["whenHandedOver"]))
            .ok_or("no valid handover time (whenHandedOver)")?;
        let unit = unit_record(product)?;
        let dispense_status = str_at(dispense, &["status"]).unwrap_or_default();
        let product_unavailable = product
            .get("productStatus")
            .is_some_and(|s| str_at(s, &["code"]) == Some("unavailable"));
        let status = match (dispense_status, product_unavailable) {
            ("issued", false) => "issued",
            ("issued", true) => "recalled",
            ("returned", _) => "returned",
            _ => "cancelled",
        };
        let requirements = dispense
            .get("basedOn")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|r| self.resolve(str_at(r, &["reference"]), "ServiceRequest"))
            .flat_map(order_requirements)
            .collect::<Vec<_>>();
        let patient = PatientRecord {
            mrn: identifier_value(patient, MRN_SYSTEM)
                .ok_or("the patient has no medical record number")?
                .to_string(),
            wristband_id: identifier_value(patient, WRISTBAND_SYSTEM).map(str::to_string),
            name: patient_name(patient).to_string(),
            birth_date: str_at(patient, &["birthDate"])
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()),
            group: groups.get(patient_id).copied().unwrap_or_default(),
            requirements: dedup(requirements),
        };
        let crossmatch = crossmatch(dispense, unit.component);
        Ok(IssueRecord {
            dispense_id: dispense_id.to_string(),
            status: status.to_string(),
            issued_at,
            patient,
            unit,
            crossmatch,
        })
    }
}

fn instant(text: Option<&str>) -> Option<Instant> {
    chrono::DateTime::parse_from_rfc3339(text?).ok()
}

fn dedup(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v.dedup();
    v
}

fn properties(product: &Value) -> impl Iterator<Item = &Value> {
    product
        .get("property")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

fn property_of<'a>(product: &'a Value, system: &str, code: &str) -> Option<&'a Value> {
    properties(product).find(|p| p.get("type").is_some_and(|t| has_coding(t, system, code)))
}

fn unit_record(product: &Value) -> Result<UnitRecord, String> {
    let din = str_at(product, &["biologicalSourceEvent", "value"])
        .ok_or("the product has no donation identification number")?;
    let pdc = product
        .get("productCode")
        .and_then(|c| code_in(c, ISBT_PDC))
        .ok_or("the product has no ISBT 128 product code")?;
    let collection = property_of(product, PROPERTY_TYPE, "collectiontype")
        .and_then(|p| p.get("valueCodeableConcept"))
        .and_then(|c| c.get("coding")?.as_array()?.first()?.get("code")?.as_str())
        .unwrap_or("V");
    let division = str_at(product, &["division"]).unwrap_or("00");
    let component = property_of(product, UNIT_PROPERTY, "component_class")
        .and_then(|p| p.get("valueCodeableConcept"))
        .and_then(|c| code_in(c, COMPONENT_CLASS))
        .and_then(Component::parse)
        .ok_or("the product has no known component class")?;
    let group = property_of(product, PROPERTY_TYPE, "aborhd")
        .or_else(|| property_of(product, PROPERTY_TYPE, "ABORhD"))
        .and_then(|p| p.get("valueCodeableConcept"))
        .and_then(|c| {
            code_in(c, ISBT_ABORHD).or_else(|| code_in(c, "https://www.isbt128.org/uri/AboRhD"))
        })
        .map(isbt_group)
        .unwrap_or_default();
    let expires_at = instant(str_at(product, &["expirationDate"]))
        .ok_or("the product has no valid expiry (expirationDate)")?;
    let attributes = UNIT_ATTRIBUTES
        .iter()
        .filter(|a| {
            property_of(product, UNIT_PROPERTY, a)
                .and_then(|p| p.get("valueBoolean"))
                .and_then(Value::as_bool)
                == Some(true)
        })
        .map(|a| a.to_string())
        .collect();
    Ok(UnitRecord {
        din: din.to_string(),
        product_code: format!("{pdc}{collection}{division}"),
        component,
        group,
        expires_at,
        attributes,
    })
}

/// An ISBT 128 ABO/RhD code (`51`) as a group; an unknown code gives an unknown group, which
/// never passes compatibility.
fn isbt_group(code: &str) -> Group {
    group_of_code(code).unwrap_or_default()
}

fn blood_group_of(observation: &Value) -> Group {
    let mut group = Group::default();
    for component in observation
        .get("component")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let code = component.get("code");
        let value = component.get("valueCodeableConcept");
        let (Some(code), Some(value)) = (code, value) else {
            continue;
        };
        let snomed = code_in(value, SNOMED);
        if has_coding(code, LOINC, "883-9") {
            group.abo = match snomed {
                Some("58460004") => Some(Abo::O),
                Some("112144000") => Some(Abo::A),
                Some("112149005") => Some(Abo::B),
                Some("165743006") => Some(Abo::AB),
                _ => None,
            };
        } else if has_coding(code, LOINC, "10331-7") {
            group.rhd = match snomed {
                Some("165747007") => Some(Rhd::Pos),
                Some("165746003") => Some(Rhd::Neg),
                _ => None,
            };
        }
    }
    group
}

/// SNOMED CT codes of the blood groups, for writing results.
pub fn snomed_abo(abo: Abo) -> (&'static str, &'static str) {
    match abo {
        Abo::O => ("58460004", "Blood group O"),
        Abo::A => ("112144000", "Blood group A"),
        Abo::B => ("112149005", "Blood group B"),
        Abo::AB => ("165743006", "Blood group AB"),
    }
}

pub fn snomed_rhd(rhd: Rhd) -> (&'static str, &'static str) {
    match rhd {
        Rhd::Pos => ("165747007", "RhD positive"),
        Rhd::Neg => ("165746003", "RhD negative"),
    }
}

fn order_requirements(request: &Value) -> Vec<String> {
    if str_at(request, &["status"]) != Some("active") {
        return Vec::new();
    }
    request
        .get("orderDetail")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|d| d.get("parameter")?.as_array())
        .flatten()
        .filter(|p| p.get("valueBoolean").and_then(Value::as_bool) == Some(true))
        .filter_map(|p| p.get("code").and_then(|c| code_in(c, UNIT_PROPERTY)))
        .map(str::to_string)
        .collect()
}

fn crossmatch(dispense: &Value, component: Component) -> Option<Crossmatch> {
    let sample_expires_at = dispense
        .get("extension")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|e| str_at(e, &["url"]) == Some(SAMPLE_EXPIRES))
        .and_then(|e| instant(str_at(e, &["valueDateTime"])));
    let code = dispense
        .get("matchStatus")
        .and_then(|m| code_in(m, MATCH_STATUS));
    let result = match code {
        Some("crossmatched") => "compatible",
        Some("least-incompatible") => "incompatible",
        Some("selected" | "unmatched") if !component.needs_crossmatch() => "not_required",
        _ => "missing",
    };
    Some(Crossmatch {
        result: result.to_string(),
        sample_expires_at,
    })
}

impl ResourceSet {
    /// What a transfusion of this dispense's unit refers to at the blood bank.
    pub fn transfusion_ref(
        &self,
        dispense_id: &str,
        procedure_uuid: &str,
        ward: crate::domain::event::WardRef,
    ) -> Option<crate::domain::event::TransfusionRef> {
        let dispense = self.get("BiologicallyDerivedProductDispense", dispense_id)?;
        let product_ref = str_at(dispense, &["product", "reference"])?;
        let (_, product_id) = split_reference(product_ref)?;
        let product = self.get("BiologicallyDerivedProduct", product_id)?;
        let (_, patient_id) = split_reference(str_at(dispense, &["patient", "reference"])?)?;
        let patient = self.get("Patient", patient_id);
        let component = unit_record(product).ok()?.component;
        Some(crate::domain::event::TransfusionRef {
            procedure_uuid: procedure_uuid.to_string(),
            dispense_id: dispense_id.to_string(),
            product_id: product_id.to_string(),
            din: str_at(product, &["biologicalSourceEvent", "value"])?.to_string(),
            patient_id: patient_id.to_string(),
            patient_name: patient.map(patient_name).unwrap_or_default().to_string(),
            service_request_id: dispense
                .get("basedOn")
                .and_then(|b| b.get(0))
                .and_then(|r| str_at(r, &["reference"]))
                .and_then(split_reference)
                .map(|(_, id)| id.to_string()),
            component,
            ward,
        })
    }
}
