//! `bedside check SCENARIO.json...`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use chrono::SecondsFormat;
use serde_json::{json, Value};

use super::scenario::{CheckScenario, ObservationScenario, Scenario};
use bedside_app::config::Config;
use bedside_core::check;
use bedside_core::messages::Lang;
use bedside_core::observations;

pub fn run(files: &[PathBuf], config: &Config, lang: Lang, out: &mut impl Write) -> ExitCode {
    let mut status = ExitCode::SUCCESS;
    for file in files {
        let scenarios = match read_scenarios(file) {
            Ok(scenarios) => scenarios,
            Err(problem) => {
                eprintln!("bedside check: {}: {problem}", file.display());
                status = ExitCode::from(1);
                continue;
            }
        };
        for (index, value) in scenarios.into_iter().enumerate() {
            match evaluate(value, config, lang) {
                Ok(result) => {
                    if super::emit(out, &result).is_err() {
                        return status;
                    }
                }
                Err(problem) => {
                    eprintln!(
                        "bedside check: {} scenario #{}: {problem}",
                        file.display(),
                        index + 1
                    );
                    status = ExitCode::from(1);
                }
            }
        }
    }
    status
}

/// A file holds one scenario object or an array of them.
fn read_scenarios(path: &Path) -> Result<Vec<Value>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read the file: {e}"))?;
    super::scenario::parse_file(&text)
}

fn evaluate(value: Value, config: &Config, lang: Lang) -> Result<Value, String> {
    let scenario = super::scenario::read(value)?;
    let policy = config
        .policy_with(scenario.policy_overrides())
        .map_err(|e| format!("({}) {e}", scenario.id()))?;
    match &scenario {
        Scenario::BedsideCheck(s) => bedside_check(s, &policy, lang),
        Scenario::Observations(s) => observation_alerts(s, &policy, lang),
    }
    .map_err(|e| format!("({}) {e}", scenario.id()))
}

fn bedside_check(
    s: &CheckScenario,
    policy: &bedside_core::policy::Policy,
    lang: Lang,
) -> Result<Value, String> {
    let issued = s.issue_records()?;
    let input = s.input(&issued);
    let outcome = check::check(&input, policy);
    let reasons: Vec<Value> = outcome
        .reasons
        .iter()
        .map(|r| {
            json!({
                "code": r.code.as_str(),
                "severity": r.severity.as_str(),
                "message": r.message.get(lang),
                "message_key": r.code.message_key(),
            })
        })
        .collect();
    let notices: Vec<Value> = outcome
        .notices
        .iter()
        .map(|r| {
            json!({
                "code": r.code.as_str(),
                "message": r.message.get(lang),
            })
        })
        .collect();
    Ok(json!({
        "id": s.id,
        "verdict": outcome.verdict.as_str(),
        "reasons": reasons,
        "notices": notices,
        "patient_id": outcome.patient_id,
        "din": outcome.label.din(),
        "dispense_id": outcome.record.map(|i| issued[i].dispense_id.clone()),
    }))
}

fn observation_alerts(
    s: &ObservationScenario,
    policy: &bedside_core::policy::Policy,
    lang: Lang,
) -> Result<Value, String> {
    let transfusion = s.transfusion()?;
    let alerts: Vec<Value> = observations::evaluate(&transfusion, s.now, policy)
        .iter()
        .map(|a| {
            let mut alert = json!({
                "code": a.code.as_str(),
                "severity": a.severity.as_str(),
                "message": a.message.get(lang),
            });
            if let Some(at) = a.at {
                alert["at"] = json!(at.to_rfc3339_opts(SecondsFormat::Secs, false));
            }
            if let Some(label) = &a.label {
                alert["label"] = json!(label);
            }
            alert
        })
        .collect();
    Ok(json!({"id": s.id, "alerts": alerts}))
}
