//! The scenario files of `docs/cli.md` (`bedside check`), read into domain inputs. Field names
//! are the contract; unknown fields are allowed (more may be added), wrong values are refused
//! with the field that holds them.

use chrono::NaiveDate;
use serde::Deserialize;

use bedside_core::blood::{Abo, Component, Group, Rhd};
use bedside_core::check::{
    CheckInput, Crossmatch, CrossmatchResult, DispenseStatus, EmergencyRelease, IssueRecord,
    PatientRecord, Sex, UnitRecord,
};
use bedside_core::observations::{Observation, Transfusion, Vitals};

use bedside_core::Instant;
type JsonMap = serde_json::Map<String, serde_json::Value>;

/// A scenario file's text: one scenario object or an array of them.
pub fn parse_file(text: &str) -> Result<Vec<serde_json::Value>, String> {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Array(items)) => Ok(items),
        Ok(object @ serde_json::Value::Object(_)) => Ok(vec![object]),
        Ok(_) => Err("expected a JSON object or an array of objects".into()),
        Err(e) => Err(format!("invalid JSON: {e}")),
    }
}

/// One scenario of a file; a refusal names the scenario's id when it has one.
pub fn read(value: serde_json::Value) -> Result<Scenario, String> {
    let id = value
        .get("id")
        .and_then(serde_json::Value::as_str)
        .map(String::from);
    serde_json::from_value(value).map_err(|e| match &id {
        Some(id) => format!("({id}) {e}"),
        None => e.to_string(),
    })
}

#[derive(Debug, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Scenario {
    BedsideCheck(CheckScenario),
    Observations(ObservationScenario),
}

impl Scenario {
    pub fn id(&self) -> &str {
        match self {
            Scenario::BedsideCheck(s) => &s.id,
            Scenario::Observations(s) => &s.id,
        }
    }

    pub fn policy_overrides(&self) -> &JsonMap {
        match self {
            Scenario::BedsideCheck(s) => &s.policy,
            Scenario::Observations(s) => &s.policy,
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct CheckScenario {
    pub id: String,
    pub now: Instant,
    pub cache_synced_at: Option<Instant>,
    #[serde(default)]
    pub policy: JsonMap,
    pub staff: Staff,
    pub scans: Scans,
    #[serde(default)]
    pub issued: Vec<IssueJson>,
}

#[derive(Debug, Deserialize)]
pub struct Staff {
    pub first: Option<String>,
    pub second: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Scans {
    pub wristband: Option<String>,
    #[serde(default)]
    pub bag: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub struct IssueJson {
    pub dispense_id: String,
    pub status: String,
    pub issued_at: Instant,
    pub patient: PatientJson,
    pub unit: UnitJson,
    pub crossmatch: Option<CrossmatchJson>,
    pub emergency: Option<EmergencyJson>,
}

/// A unit released before the crossmatch was complete (`clinical-rules.md` §6).
#[derive(Debug, Deserialize)]
pub struct EmergencyJson {
    pub authorised_by: Option<String>,
    pub requested_at: Option<Instant>,
}

#[derive(Debug, Deserialize)]
pub struct PatientJson {
    pub mrn: String,
    pub wristband_id: Option<String>,
    #[serde(default)]
    pub name: String,
    pub birth_date: Option<NaiveDate>,
    pub abo: Option<String>,
    pub rhd: Option<String>,
    #[serde(default)]
    pub requirements: Vec<String>,
    /// `female`, `male`, or absent/other when not known.
    pub sex: Option<String>,
    /// Temporary IDs the blood bank merged into this patient.
    #[serde(default)]
    pub merged_ids: Vec<String>,
    pub bed: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct UnitJson {
    pub din: String,
    pub product_code: String,
    pub component: String,
    pub abo: Option<String>,
    pub rhd: Option<String>,
    pub expires_at: Instant,
    #[serde(default)]
    pub attributes: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub struct CrossmatchJson {
    pub result: Option<String>,
    pub sample_expires_at: Option<Instant>,
}

#[derive(Debug, Deserialize)]
pub struct ObservationScenario {
    pub id: String,
    #[serde(default)]
    pub policy: JsonMap,
    pub component: String,
    pub issued_at: Instant,
    pub started_at: Option<Instant>,
    pub ended_at: Option<Instant>,
    pub now: Instant,
    pub baseline: Option<ObservationJson>,
    #[serde(default)]
    pub observations: Vec<ObservationJson>,
}

#[derive(Debug, Deserialize)]
pub struct ObservationJson {
    pub at: Instant,
    pub temp_c: Option<f64>,
    pub hr: Option<f64>,
    pub sbp: Option<f64>,
    pub dbp: Option<f64>,
    pub rr: Option<f64>,
    pub spo2: Option<f64>,
    #[serde(default)]
    pub symptoms: Vec<String>,
}

impl CheckScenario {
    /// The check's input: this scenario's scans and staff against `issued` (its records).
    pub fn input<'a>(&'a self, issued: &'a [IssueRecord]) -> CheckInput<'a> {
        CheckInput {
            now: self.now,
            cache_synced_at: self.cache_synced_at,
            first_checker: self.staff.first.as_deref(),
            second_checker: self.staff.second.as_deref(),
            wristband_scan: self.scans.wristband.as_deref().unwrap_or(""),
            bag_scans: &self.scans.bag,
            issued,
            unreadable: &[],
            clock: Default::default(),
        }
    }

    pub fn issue_records(&self) -> Result<Vec<IssueRecord>, String> {
        self.issued
            .iter()
            .enumerate()
            .map(|(i, r)| r.to_domain().map_err(|e| format!("issued[{i}].{e}")))
            .collect()
    }
}

impl IssueJson {
    fn to_domain(&self) -> Result<IssueRecord, String> {
        let patient = &self.patient;
        let unit = &self.unit;
        Ok(IssueRecord {
            dispense_id: self.dispense_id.clone(),
            status: DispenseStatus::parse(&self.status),
            issued_at: self.issued_at,
            patient: PatientRecord {
                mrn: patient.mrn.clone(),
                wristband_id: patient.wristband_id.clone(),
                name: patient.name.clone(),
                birth_date: patient.birth_date,
                group: group(&patient.abo, &patient.rhd).map_err(|e| format!("patient.{e}"))?,
                requirements: patient.requirements.clone(),
                sex: patient.sex.as_deref().and_then(Sex::parse),
                merged_ids: patient.merged_ids.clone(),
                bed: patient.bed.clone(),
            },
            unit: UnitRecord {
                din: unit.din.clone(),
                product_code: unit.product_code.clone(),
                component: component(&unit.component).map_err(|e| format!("unit.{e}"))?,
                group: group(&unit.abo, &unit.rhd).map_err(|e| format!("unit.{e}"))?,
                expires_at: unit.expires_at,
                attributes: unit.attributes.clone(),
            },
            crossmatch: self.crossmatch.as_ref().map(|c| Crossmatch {
                result: CrossmatchResult::parse(c.result.as_deref().unwrap_or_default()),
                sample_expires_at: c.sample_expires_at,
            }),
            started_by: None,
            emergency: self.emergency.as_ref().map(|e| EmergencyRelease {
                authorised_by: e.authorised_by.clone(),
                requested_at: e.requested_at,
            }),
        })
    }
}

impl ObservationScenario {
    pub fn transfusion(&self) -> Result<Transfusion, String> {
        Ok(Transfusion {
            component: component(&self.component)?,
            issued_at: self.issued_at,
            started_at: self.started_at,
            ended_at: self.ended_at,
            baseline: self
                .baseline
                .as_ref()
                .map(|b| b.to_domain())
                .transpose()
                .map_err(|e| format!("baseline.{e}"))?,
            observations: self
                .observations
                .iter()
                .enumerate()
                .map(|(i, o)| o.to_domain().map_err(|e| format!("observations[{i}].{e}")))
                .collect::<Result<_, _>>()?,
            pauses: Vec::new(),
        })
    }
}

impl ObservationJson {
    fn to_domain(&self) -> Result<Observation, String> {
        let whole = |name: &str, v: Option<f64>| -> Result<Option<i32>, String> {
            match v {
                None => Ok(None),
                Some(x) if x.fract() == 0.0 && (0.0..=1000.0).contains(&x) => Ok(Some(x as i32)),
                Some(x) => Err(format!("{name}: {x} is not a whole number from 0 to 1000")),
            }
        };
        let temp_tenths = match self.temp_c {
            None => None,
            Some(t) if (20.0..=45.0).contains(&t) => Some(Vitals::temp_c_to_tenths(t)),
            Some(t) => return Err(format!("temp_c: {t} is not a body temperature in °C")),
        };
        Ok(Observation {
            at: self.at,
            vitals: Vitals {
                temp_tenths,
                hr: whole("hr", self.hr)?,
                sbp: whole("sbp", self.sbp)?,
                dbp: whole("dbp", self.dbp)?,
                rr: whole("rr", self.rr)?,
                spo2: whole("spo2", self.spo2)?,
            },
            symptoms: self.symptoms.clone(),
        })
    }
}

fn group(abo: &Option<String>, rhd: &Option<String>) -> Result<Group, String> {
    let abo = match abo.as_deref() {
        None => None,
        Some(s) => Some(
            Abo::parse(s)
                .ok_or_else(|| format!("abo: \"{s}\" is not one of O, A, B, AB or null"))?,
        ),
    };
    let rhd = match rhd.as_deref() {
        None => None,
        Some(s) => Some(
            Rhd::parse(s).ok_or_else(|| format!("rhd: \"{s}\" is not one of pos, neg or null"))?,
        ),
    };
    Ok(Group::new(abo, rhd))
}

fn component(s: &str) -> Result<Component, String> {
    Component::parse(s).ok_or_else(|| {
        format!("component: \"{s}\" is not one of red_cells, whole_blood, plasma, platelets, cryo")
    })
}
