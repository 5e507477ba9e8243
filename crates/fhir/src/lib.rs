//! The blood-bank contract (FHIR R5 subset, `docs/fhir-contract.md`) as JSON values: building the
//! records the handheld sends, reading what the blood bank answers. No I/O: the sync adapter and
//! the reference service both speak through this module, so there is one reading of the contract.

pub mod bundle;
pub mod issue;
pub mod mapping;
pub mod outcome;

use serde_json::Value;

pub const FHIR_JSON: &str = "application/fhir+json";
pub const UUID_SYSTEM: &str = "urn:ietf:rfc:3986";
pub const LOINC: &str = "http://loinc.org";
pub const UCUM: &str = "http://unitsofmeasure.org";
pub const SNOMED: &str = "http://snomed.info/sct";
pub const ISBT_DIN: &str = "https://www.isbt128.org/uri/donationidentificationnumber";
pub const ISBT_PDC: &str = "https://www.isbt128.org/uri/productdescriptioncode";
pub const ISBT_ABORHD: &str = "https://www.isbt128.org/uri/ABORhD";
pub const ISBT_COLLECTION: &str = "https://www.isbt128.org/uri/CollectionType";
pub const PROPERTY_TYPE: &str =
    "http://hl7.org/fhir/biologicallyderived-product-property-type-codes";
pub const UNIT_PROPERTY: &str = "http://bedside.example/fhir/CodeSystem/unit-property";
pub const COMPONENT_CLASS: &str = "http://bedside.example/fhir/CodeSystem/component-class";
pub const OUTCOME_REASON: &str = "http://bedside.example/fhir/CodeSystem/outcome-reason";
pub const SAMPLE_EXPIRES: &str =
    "http://bedside.example/fhir/StructureDefinition/crossmatch-sample-expires";
/// On a dispense: the transfusion that started its unit (`valueReference` to the Procedure, with
/// the Procedure's client identifier). The blood bank sets it at the first start, so every other
/// handheld's incremental pull learns that the unit is hanging.
pub const TRANSFUSION_STARTED: &str =
    "http://bedside.example/fhir/StructureDefinition/transfusion-started";
/// On a dispense: released in an emergency before the crossmatch was complete
/// (`clinical-rules.md` §6). Sub-extensions `authorisedBy` (`valueReference` to the doctor, with
/// `display`) and `requestedAt` (`valueDateTime`, when the request reached the blood bank).
pub const EMERGENCY_RELEASE: &str =
    "http://bedside.example/fhir/StructureDefinition/emergency-release";
/// `Encounter.location.form` of a bed (R5 `location-physical-type`).
pub const LOCATION_PHYSICAL_TYPE: &str =
    "http://terminology.hl7.org/CodeSystem/location-physical-type";
pub const MATCH_STATUS: &str =
    "http://hl7.org/fhir/CodeSystem/biologicallyderivedproductdispense-match-status";
pub const PRODUCT_STATUS: &str = "http://hl7.org/fhir/biologicallyderived-product-status";
pub const DISPENSE_STATUS: &str = "http://hl7.org/fhir/biologicallyderivedproductdispense-status";
pub const MRN_SYSTEM: &str = "http://hospital.example/mrn";
pub const WRISTBAND_SYSTEM: &str = "http://hospital.example/wristband-id";
pub const STAFF_SYSTEM: &str = "http://hospital.example/staff-id";
/// The bedside check's reason codes (`clinical-rules.md` §1), as a near miss carries them.
pub const CHECK_REASON: &str = "http://bedside.example/fhir/CodeSystem/check-reason";
pub const UNIT_ATTRIBUTES: [&str; 5] = [
    "irradiated",
    "cmv_negative",
    "leukoreduced",
    "washed",
    "hla_matched",
];

/// Resource types the contract knows; any other path is answered 404.
pub const RESOURCE_TYPES: [&str; 13] = [
    "Patient",
    "Encounter",
    "Practitioner",
    "Location",
    "BiologicallyDerivedProduct",
    "BiologicallyDerivedProductDispense",
    "ServiceRequest",
    "Procedure",
    "Observation",
    "Provenance",
    "AdverseEvent",
    "CodeSystem",
    "SearchParameter",
];

/// A FHIR dateTime to the second, with the zone it was taken in (FHIR forbids a time without one).
pub fn date_time(t: &chrono::DateTime<chrono::FixedOffset>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

/// The name a person reads for a Patient: its first name's text.
pub fn patient_name(patient: &Value) -> &str {
    patient
        .get("name")
        .and_then(|n| n.get(0))
        .and_then(|n| str_at(n, &["text"]))
        .unwrap_or_default()
}

/// A patient's name as the ward reads it: the blood bank's own text, else family name first
/// and the given names after it (no space between Chinese names: 张伟).
pub fn display_name(patient: &Value) -> String {
    let text = patient_name(patient);
    if !text.trim().is_empty() {
        return text.to_string();
    }
    let Some(name) = patient.get("name").and_then(|n| n.get(0)) else {
        return String::new();
    };
    let family = str_at(name, &["family"]).unwrap_or_default();
    let given: Vec<&str> = name
        .get("given")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let parts: Vec<&str> = std::iter::once(family)
        .chain(given)
        .filter(|p| !p.is_empty())
        .collect();
    let han = |p: &&str| p.chars().all(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
    let joiner = if parts.iter().all(han) { "" } else { " " };
    parts.join(joiner)
}

/// The `W/"3"` form of a version, as ETag and `If-Match` carry it.
pub fn weak_etag(version: &str) -> String {
    format!("W/\"{version}\"")
}

/// The version inside `W/"3"` (or a strong `"3"`, or a bare `3`).
pub fn version_from_etag(etag: &str) -> Option<String> {
    let t = etag.trim();
    let t = t.strip_prefix("W/").unwrap_or(t);
    let t = t.trim_matches('"');
    (!t.is_empty()
        && t.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.'))
    .then(|| t.to_string())
}

/// `Type/id` of a literal reference, with any base URL and `_history` part removed.
pub fn split_reference(reference: &str) -> Option<(&str, &str)> {
    if reference.contains('?') || reference.starts_with("urn:") {
        return None;
    }
    let segments: Vec<&str> = reference.split('/').collect();
    let n = segments.len();
    let (ty, id) = if n >= 4 && segments[n - 2] == "_history" {
        (segments[n - 4], segments[n - 3])
    } else if n >= 2 {
        (segments[n - 2], segments[n - 1])
    } else {
        return None;
    };
    (ty.starts_with(|c: char| c.is_ascii_uppercase()) && !id.is_empty()).then_some((ty, id))
}

/// `Type/id` of a literal reference as one string, so that a relative and an absolute reference
/// to the same resource compare equal.
pub fn plain_reference(reference: &str) -> Option<String> {
    split_reference(reference).map(|(ty, id)| format!("{ty}/{id}"))
}

/// A resource's extension with this `url`.
pub fn extension<'a>(resource: &'a Value, url: &str) -> Option<&'a Value> {
    resource
        .get("extension")?
        .as_array()?
        .iter()
        .find(|e| str_at(e, &["url"]) == Some(url))
}

/// The string at a path of object keys.
pub fn str_at<'a>(value: &'a Value, path: &[&str]) -> Option<&'a str> {
    let mut v = value;
    for key in path {
        v = v.get(key)?;
    }
    v.as_str()
}

/// Does this CodeableConcept carry `system|code`?
pub fn has_coding(concept: &Value, system: &str, code: &str) -> bool {
    concept
        .get("coding")
        .and_then(Value::as_array)
        .is_some_and(|codings| {
            codings.iter().any(|c| {
                c.get("system").and_then(Value::as_str) == Some(system)
                    && c.get("code").and_then(Value::as_str) == Some(code)
            })
        })
}

/// The first code of `system` in a CodeableConcept.
pub fn code_in<'a>(concept: &'a Value, system: &str) -> Option<&'a str> {
    concept
        .get("coding")?
        .as_array()?
        .iter()
        .find(|c| c.get("system").and_then(Value::as_str) == Some(system))?
        .get("code")?
        .as_str()
}

/// The value of the identifier of `system` in a resource's `identifier` list.
pub fn identifier_value<'a>(resource: &'a Value, system: &str) -> Option<&'a str> {
    resource
        .get("identifier")?
        .as_array()?
        .iter()
        .find(|i| i.get("system").and_then(Value::as_str) == Some(system))?
        .get("value")?
        .as_str()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_split_whatever_their_base_or_history() {
        assert_eq!(split_reference("Patient/pat-1"), Some(("Patient", "pat-1")));
        assert_eq!(
            split_reference("https://bb.example/fhir/Procedure/p-1/_history/3"),
            Some(("Procedure", "p-1"))
        );
        assert_eq!(split_reference("urn:uuid:1234"), None);
        assert_eq!(split_reference("Procedure?identifier=x"), None);
    }

    #[test]
    fn etags_give_their_version() {
        assert_eq!(version_from_etag("W/\"12\"").as_deref(), Some("12"));
        assert_eq!(version_from_etag("\"3\"").as_deref(), Some("3"));
        assert_eq!(version_from_etag("W/\"\"").as_deref(), None);
        assert_eq!(version_from_etag("W/\"a b\"").as_deref(), None);
    }
}

/// What names a stored resource and its version: the cache keeps resources by these, without
/// reading anything else of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResourceKey<'a> {
    pub resource_type: &'a str,
    pub id: &'a str,
    /// `meta.versionId`, empty when the server sent none.
    pub version: &'a str,
    /// `meta.lastUpdated`, empty when the server sent none.
    pub last_updated: &'a str,
}

impl<'a> ResourceKey<'a> {
    /// `None` for a resource without a type or an id: nothing could find it again.
    pub fn of(resource: &'a Value) -> Option<ResourceKey<'a>> {
        let get = |path: &[&str]| str_at(resource, path).unwrap_or_default();
        let key = ResourceKey {
            resource_type: get(&["resourceType"]),
            id: get(&["id"]),
            version: get(&["meta", "versionId"]),
            last_updated: get(&["meta", "lastUpdated"]),
        };
        (!key.resource_type.is_empty() && !key.id.is_empty()).then_some(key)
    }
}
