//! `bedside mapping check FILE...`: which of a blood bank's resources the device can read, and
//! why not, before the device meets them on a ward (docs/cli.md § mapping check).

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use serde_json::{json, Value};

use bedside_app::config::Config;
use bedside_core::check::IssueRecord;
use bedside_core::messages::Lang;
use bedside_fhir::issue::ResourceSet;
use bedside_fhir::str_at;

pub fn run(
    files: &[std::path::PathBuf],
    config: &Config,
    lang: Lang,
    out: &mut impl Write,
) -> ExitCode {
    let mut status = ExitCode::SUCCESS;
    for file in files {
        let line = match report(file, config, lang) {
            Ok((line, all_map)) => {
                if !all_map {
                    status = ExitCode::from(1);
                }
                line
            }
            Err(problem) => {
                eprintln!("bedside mapping check: {}: {problem}", file.display());
                status = ExitCode::from(1);
                json!({"file": file.display().to_string(), "ok": false, "error": problem})
            }
        };
        if super::emit(out, &line).is_err() {
            break;
        }
    }
    status
}

/// One file's report, and whether everything in it maps.
fn report(file: &Path, config: &Config, lang: Lang) -> Result<(Value, bool), String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("cannot read it: {e}"))?;
    let json: Value = serde_json::from_str(&text).map_err(|e| format!("not valid JSON: {e}"))?;
    let mut set = ResourceSet::with_mapping(config.mapping.clone());
    let resources = resources_of(json)?;
    let count = resources.len();
    let patient_ids: Vec<String> = resources
        .iter()
        .filter(|r| str_at(r, &["resourceType"]) == Some("Patient"))
        .filter_map(|r| str_at(r, &["id"]).map(str::to_string))
        .collect();
    for resource in resources {
        set.insert(resource);
    }
    let (issued, problems) = set.issue_records();
    let mut dispenses: Vec<Value> = issued.iter().map(issue_json).collect();
    dispenses.extend(problems.iter().map(|p| {
        json!({"id": p.dispense_id, "maps": false, "din": p.din, "problem": p.problem.get(lang)})
    }));
    let units: Vec<Value> = set
        .units()
        .into_iter()
        .map(|(id, unit)| match unit {
            Ok(u) => json!({"id": id, "maps": true, "din": u.din, "product_code": u.product_code,
                             "component": u.component.as_str()}),
            Err(problem) => json!({"id": id, "maps": false, "problem": problem.get(lang)}),
        })
        .collect();
    let patients: Vec<Value> = patient_ids
        .iter()
        .map(|id| match set.patient(id) {
            Ok(p) => json!({"id": id, "maps": true, "mrn": p.mrn, "name": p.name}),
            Err(problem) => json!({"id": id, "maps": false, "problem": problem.get(lang)}),
        })
        .collect();
    let all_map = [&dispenses, &units, &patients]
        .iter()
        .all(|list| list.iter().all(|v| v["maps"] == json!(true)));
    Ok((
        json!({
            "file": file.display().to_string(),
            "ok": true,
            "resources": count,
            "all_map": all_map,
            "dispenses": dispenses,
            "units": units,
            "patients": patients,
        }),
        all_map,
    ))
}

/// The resources of a Bundle (any type), or the one resource the file is.
fn resources_of(json: Value) -> Result<Vec<Value>, String> {
    if str_at(&json, &["resourceType"]).is_none() {
        return Err("not a FHIR resource (no resourceType)".into());
    }
    if str_at(&json, &["resourceType"]) != Some("Bundle") {
        return Ok(vec![json]);
    }
    Ok(json
        .get("entry")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|entry| entry.get("resource").cloned())
        .collect())
}

fn issue_json(record: &IssueRecord) -> Value {
    json!({
        "id": record.dispense_id,
        "maps": true,
        "din": record.unit.din,
        "product_code": record.unit.product_code,
        "component": record.unit.component.as_str(),
        "patient_mrn": record.patient.mrn,
    })
}
