//! From the blood bank's records to the engine's issue records (contract §4): one dispense with
//! its product, patient, blood group result and order becomes one `IssueRecord`.
//!
//! A dispense that cannot be read completely is not guessed at: it is reported as a problem (with
//! its unit's DIN when the product could be read that far) and left out, so a scan of its unit
//! stops with the problem (`ISSUE_RECORD_UNREADABLE`) instead of passing on half the facts. An
//! order that cannot be found, and two blood group results that disagree, are such problems.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde_json::Value;

use super::*;
use bedside_core::blood::{Abo, Component, Group, Rhd};
use bedside_core::check::{
    Crossmatch, CrossmatchResult, DispenseStatus, EmergencyRelease, Instant, IssueRecord,
    PatientRecord, Sex, UnitRecord, UnreadableIssue,
};
use bedside_core::messages::Text;

use crate::mapping::Mapping;

/// The cached resources, by type and id, read through the site's mapping.
#[derive(Debug, Default)]
pub struct ResourceSet {
    by_key: HashMap<(String, String), Value>,
    mapping: Mapping,
}

/// A dispense the handheld could not turn into an issue record, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct MappingProblem {
    pub dispense_id: String,
    /// The unit's DIN, when its product could be read that far.
    pub din: Option<String>,
    /// What is wrong, in words a blood-bank IT person can act on.
    pub problem: Text,
}

impl MappingProblem {
    /// As the check reads it: a scan of this unit stops with the problem.
    pub fn unreadable(&self) -> UnreadableIssue {
        UnreadableIssue {
            dispense_id: self.dispense_id.clone(),
            din: self.din.clone(),
            problem: self.problem.clone(),
        }
    }
}

/// A patient's blood group as the results say it, or why they cannot say it.
type GroupResult = Result<Group, Text>;

impl ResourceSet {
    /// An empty set whose resources are read through `mapping`.
    pub fn with_mapping(mapping: Mapping) -> ResourceSet {
        ResourceSet {
            by_key: HashMap::new(),
            mapping,
        }
    }

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
                    din: self.din_of(dispense),
                    problem,
                }),
            }
        }
        records.sort_by(|a, b| a.dispense_id.cmp(&b.dispense_id));
        problems.sort_by(|a, b| a.dispense_id.cmp(&b.dispense_id));
        (records, problems)
    }

    /// Every product as the check would read its unit, or why it cannot (by product id): what
    /// `bedside mapping check` reports for products no dispense names yet.
    pub fn units(&self) -> Vec<(String, Result<UnitRecord, Text>)> {
        let mut units: Vec<_> = self
            .of_type("BiologicallyDerivedProduct")
            .map(|product| {
                let id = str_at(product, &["id"]).unwrap_or_default().to_string();
                (id, unit_record(product, &self.mapping))
            })
            .collect();
        units.sort_by(|a, b| a.0.cmp(&b.0));
        units
    }

    /// A patient as the check would read them (no blood group result or order considered), or
    /// why not.
    pub fn patient(&self, id: &str) -> Result<PatientRecord, Text> {
        let patient = self
            .get("Patient", id)
            .ok_or_else(|| Text::tr("the patient is not in the cache", &[]))?;
        patient_record(patient, &HashMap::new(), Vec::new(), &self.mapping)
    }

    /// The DIN of a dispense's product, when the product can be found and names one.
    fn din_of(&self, dispense: &Value) -> Option<String> {
        let product = self.resolve(
            str_at(dispense, &["product", "reference"]),
            "BiologicallyDerivedProduct",
        )?;
        str_at(product, &["biologicalSourceEvent", "value"]).map(str::to_string)
    }

    /// The newest final ABO/RhD result (LOINC 882-1) of each patient, newest by instant. Two
    /// results that disagree at the newest instant, or an undated one that disagrees with it,
    /// leave the group unknowable: the patient's units are held, never matched on a guess.
    fn patient_groups(&self) -> HashMap<String, GroupResult> {
        let mut results: HashMap<String, Vec<(Option<Instant>, Group)>> = HashMap::new();
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
            let when = instant(str_at(obs, &["issued"]))
                .or_else(|| instant(str_at(obs, &["effectiveDateTime"])));
            results
                .entry(patient.to_string())
                .or_default()
                .push((when, blood_group_of(obs)));
        }
        results
            .into_iter()
            .map(|(patient, found)| (patient, newest_group(&found)))
            .collect()
    }

    fn issue_record(
        &self,
        dispense: &Value,
        groups: &HashMap<String, GroupResult>,
    ) -> Result<IssueRecord, Text> {
        let dispense_id =
            str_at(dispense, &["id"]).ok_or_else(|| Text::tr("dispense without id", &[]))?;
        let (product, patient_json) = self.product_and_patient(dispense)?;
        let patient = patient_json;
        let issued_at = instant(str_at(dispense, &["whenHandedOver"]))
            .ok_or_else(|| Text::tr("no valid handover time (whenHandedOver)", &[]))?;
        let unit = unit_record(product, &self.mapping)?;
        let status = issue_status(dispense, product);
        let requirements = self.order_requirements(dispense)?;
        let mut patient = patient_record(patient, groups, requirements, &self.mapping)?;
        patient.bed = str_at(patient_json, &["id"]).and_then(|id| self.bed_of(id));
        Ok(IssueRecord {
            dispense_id: dispense_id.to_string(),
            status,
            issued_at,
            patient,
            crossmatch: crossmatch(dispense, unit.component),
            unit,
            started_by: started_by(dispense),
            emergency: emergency_release(dispense),
        })
    }

    /// The dispense's product and patient, both of which must be in the cache.
    fn product_and_patient(&self, dispense: &Value) -> Result<(&Value, &Value), Text> {
        let product = self
            .resolve(
                str_at(dispense, &["product", "reference"]),
                "BiologicallyDerivedProduct",
            )
            .ok_or_else(|| Text::tr("its blood product is not in the cache", &[]))?;
        let patient_ref = str_at(dispense, &["patient", "reference"]);
        let patient = self
            .resolve(patient_ref, "Patient")
            .ok_or_else(|| Text::tr("its patient is not in the cache", &[]))?;
        Ok((product, patient))
    }
}

/// The issue's status as the check reads it: a unit the blood bank made unavailable after
/// issuing it is recalled, whatever the dispense still says.
fn issue_status(dispense: &Value, product: &Value) -> DispenseStatus {
    let dispense_status = str_at(dispense, &["status"]).unwrap_or_default();
    let product_unavailable = product
        .get("productStatus")
        .is_some_and(|s| str_at(s, &["code"]) == Some("unavailable"));
    match (dispense_status, product_unavailable) {
        ("issued", false) => DispenseStatus::Issued,
        ("issued", true) => DispenseStatus::Recalled,
        ("returned", _) => DispenseStatus::Returned,
        _ => DispenseStatus::Cancelled,
    }
}

/// The patient as the check needs them, with the group their results give and the needs of
/// their orders.
fn patient_record(
    patient: &Value,
    groups: &HashMap<String, GroupResult>,
    requirements: Vec<String>,
    mapping: &Mapping,
) -> Result<PatientRecord, Text> {
    let patient_id = str_at(patient, &["id"]).unwrap_or_default();
    // No result yet: an unknown group, which the compatibility rules treat as the most
    // restrictive. Results that disagree: held.
    let group = match groups.get(patient_id) {
        Some(Err(conflict)) => return Err(conflict.clone()),
        Some(Ok(group)) => *group,
        None => Group::default(),
    };
    let (mrn, merged_ids) = medical_record_numbers(patient, &mapping.mrn_system);
    Ok(PatientRecord {
        mrn: mrn
            .ok_or_else(|| {
                Text::tr("the patient has no medical record number of system {system} ([mapping] mrn_system)",
                    &[("system", &mapping.mrn_system)],
                )
            })?
            .to_string(),
        wristband_id: identifier_value(patient, &mapping.wristband_system).map(str::to_string),
        name: display_name(patient),
        birth_date: str_at(patient, &["birthDate"])
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()),
        group,
        requirements: dedup(requirements),
        sex: str_at(patient, &["gender"]).and_then(Sex::parse),
        merged_ids,
        bed: None,
    })
}

/// The patient's medical record number, and the numbers merged into it. When the blood bank
/// merges a temporary emergency record into the identified patient (FHIR R5 `$merge`), the
/// temporary number stays on the patient as an `old` identifier.
fn medical_record_numbers<'a>(patient: &'a Value, system: &str) -> (Option<&'a str>, Vec<String>) {
    let mut current = None;
    let mut merged = Vec::new();
    for identifier in patient
        .get("identifier")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|i| str_at(i, &["system"]) == Some(system))
    {
        let Some(value) = str_at(identifier, &["value"]) else {
            continue;
        };
        if str_at(identifier, &["use"]) == Some("old") {
            merged.push(value.to_string());
        } else if current.is_none() {
            current = Some(value);
        }
    }
    (current, merged)
}

/// The emergency release the blood bank marked on the dispense, if any. A mark without a doctor
/// is kept as such: the check stops it.
fn emergency_release(dispense: &Value) -> Option<EmergencyRelease> {
    let mark = extension(dispense, EMERGENCY_RELEASE)?;
    let doctor = extension(mark, "authorisedBy").and_then(|a| {
        str_at(a, &["valueReference", "display"])
            .or_else(|| str_at(a, &["valueReference", "reference"]))
    });
    let requested_at =
        extension(mark, "requestedAt").and_then(|r| instant(str_at(r, &["valueDateTime"])));
    Some(EmergencyRelease {
        authorised_by: doctor.map(str::to_string),
        requested_at,
    })
}

/// The transfusion the blood bank marked this unit as started by, if any.
fn started_by(dispense: &Value) -> Option<String> {
    extension(dispense, TRANSFUSION_STARTED).map(|e| {
        str_at(e, &["valueReference", "identifier", "value"])
            .or_else(|| str_at(e, &["valueReference", "reference"]))
            .unwrap_or("(unknown transfusion)")
            .to_string()
    })
}

impl ResourceSet {
    /// The special requirements of every order the dispense is based on. An order that is not
    /// in the cache, or was entered in error, leaves the requirements unknown: the unit is held,
    /// never matched as if the patient needed nothing. An order's other statuses (completed,
    /// revoked …) still say what the patient needs.
    fn order_requirements(&self, dispense: &Value) -> Result<Vec<String>, Text> {
        let mut requirements = Vec::new();
        for based_on in dispense
            .get("basedOn")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let reference = str_at(based_on, &["reference"]).unwrap_or_default();
            let Some(order) = self.resolve(Some(reference), "ServiceRequest") else {
                return Err(Text::tr("its order {reference} is not on this device, so the patient's special requirements (irradiated, CMV-negative …) cannot be checked",
                    &[("reference", reference)],
                ));
            };
            if str_at(order, &["status"]) == Some("entered-in-error") {
                return Err(Text::tr(
                    "its order {reference} was entered in error",
                    &[("reference", reference)],
                ));
            }
            requirements.extend(order_requirements(order));
        }
        Ok(requirements)
    }
}

/// The group of the newest dated result; two results at that instant (or an undated one) that
/// disagree with it are a conflict.
fn newest_group(found: &[(Option<Instant>, Group)]) -> GroupResult {
    // Of equal instants written in different zones, the one with the largest offset (the
    // hospital's, east of UTC) words the time: the same words whatever the results' order.
    let newest = found
        .iter()
        .filter_map(|(at, _)| *at)
        .max_by_key(|t| (*t, t.offset().local_minus_utc()));
    let chosen: Vec<&Group> = found
        .iter()
        .filter(|(at, _)| newest.is_none() || *at == newest || at.is_none())
        .map(|(_, g)| g)
        .collect();
    let Some(first) = chosen.first() else {
        return Ok(Group::default());
    };
    if chosen.iter().all(|g| g == first) {
        return Ok(**first);
    }
    // Sorted: the words do not depend on the order the cache happens to hold the results in.
    let mut groups: Vec<String> = chosen.iter().map(|g| g.display()).collect();
    groups.sort();
    groups.dedup();
    let at = newest.map_or_else(
        || "—".to_string(),
        |t| t.format("%Y-%m-%d %H:%M").to_string(),
    );
    Err(Text::tr("two blood group results of the patient disagree ({groups}, at {at}): the blood bank must resolve them",
        &[("groups", &groups.join(" / ")), ("at", &at)],
    ))
}

fn instant(text: Option<&str>) -> Option<Instant> {
    chrono::DateTime::parse_from_rfc3339(text?).ok()
}

fn dedup(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v.dedup();
    v
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
    let sample_expires_at =
        extension(dispense, SAMPLE_EXPIRES).and_then(|e| instant(str_at(e, &["valueDateTime"])));
    let code = dispense
        .get("matchStatus")
        .and_then(|m| code_in(m, MATCH_STATUS));
    let result = match code {
        Some("crossmatched") => CrossmatchResult::Compatible,
        Some("least-incompatible") => CrossmatchResult::Incompatible,
        Some("selected" | "unmatched") if !component.needs_crossmatch() => {
            CrossmatchResult::NotRequired
        }
        _ => CrossmatchResult::Missing("missing".to_string()),
    };
    Some(Crossmatch {
        result,
        sample_expires_at,
    })
}

impl ResourceSet {
    /// The bed of the patient's in-progress Encounter: its active location whose form is a bed
    /// (`bd`), as the location's display says it (`5床`). None when the blood bank says none.
    fn bed_of(&self, patient_id: &str) -> Option<String> {
        let subject = format!("Patient/{patient_id}");
        self.of_type("Encounter")
            .filter(|e| str_at(e, &["status"]) == Some("in-progress"))
            .filter(|e| {
                str_at(e, &["subject", "reference"]).and_then(plain_reference)
                    == Some(subject.clone())
            })
            .flat_map(|e| {
                e.get("location")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
            })
            .filter(|l| !matches!(str_at(l, &["status"]), Some("completed" | "planned")))
            .filter(|l| {
                l.get("form")
                    .is_some_and(|f| has_coding(f, LOCATION_PHYSICAL_TYPE, "bd"))
            })
            .find_map(|l| str_at(l, &["location", "display"]).map(str::to_string))
    }

    /// What a transfusion of this dispense's unit refers to at the blood bank.
    pub fn transfusion_ref(
        &self,
        dispense_id: &str,
        procedure_uuid: &str,
        ward: bedside_core::event::WardRef,
    ) -> Option<bedside_core::event::TransfusionRef> {
        let dispense = self.get("BiologicallyDerivedProductDispense", dispense_id)?;
        let product_ref = str_at(dispense, &["product", "reference"])?;
        let (_, product_id) = split_reference(product_ref)?;
        let product = self.get("BiologicallyDerivedProduct", product_id)?;
        let (_, patient_id) = split_reference(str_at(dispense, &["patient", "reference"])?)?;
        let patient = self.get("Patient", patient_id);
        let component = unit_record(product, &self.mapping).ok()?.component;
        Some(bedside_core::event::TransfusionRef {
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

mod unit;
use unit::unit_record;

#[cfg(test)]
mod tests;
