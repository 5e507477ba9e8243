//! The golden scenarios of spec/scenarios, run through the real binary and compared the way
//! `compare_scenarios.py` compares them: a bedside check by its verdict and its set of
//! (code, severity); observations by the set of (code, severity, at as an instant, label).

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::process::{Command, Stdio};

use chrono::DateTime;
use serde_json::Value;

fn data(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(path)
}

fn bedside(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_bedside"))
        .args(args)
        .output()
        .expect("the bedside binary runs")
}

type Key = (
    Option<String>,
    BTreeSet<(String, String, Option<i64>, Option<String>)>,
);

fn key(result: &Value) -> Key {
    let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(String::from);
    let instant = |v: &Value| {
        text(v, "at").map(|s| {
            DateTime::parse_from_rfc3339(&s)
                .expect("`at` is RFC 3339")
                .timestamp()
        })
    };
    if let Some(alerts) = result.get("alerts").and_then(Value::as_array) {
        let set = alerts
            .iter()
            .map(|a| {
                (
                    text(a, "code").unwrap(),
                    text(a, "severity").unwrap(),
                    instant(a),
                    text(a, "label"),
                )
            })
            .collect();
        return (None, set);
    }
    let reasons = result["reasons"].as_array().expect("reasons is an array");
    let set = reasons
        .iter()
        .map(|r| {
            (
                text(r, "code").unwrap(),
                text(r, "severity").unwrap(),
                None,
                None,
            )
        })
        .collect();
    (text(result, "verdict"), set)
}

fn compare(scenarios: &str, expected: &str) {
    let output = bedside(&["check", data(scenarios).to_str().unwrap()]);
    assert!(
        output.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let got: HashMap<String, Value> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("each output line is JSON"))
        .map(|v| (v["id"].as_str().unwrap().to_string(), v))
        .collect();
    let expected: Vec<Value> = std::fs::read_to_string(data(expected))
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(!expected.is_empty());
    let mut failures = Vec::new();
    for e in &expected {
        let id = e["id"].as_str().unwrap();
        match got.get(id) {
            Some(g) if key(g) == key(e) => {}
            Some(g) => failures.push(format!(
                "{id}: expected {:?}\n{:width$}  got      {:?}",
                key(e),
                "",
                key(g),
                width = id.len()
            )),
            None => failures.push(format!("{id}: no output")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} scenarios differ:\n{}",
        failures.len(),
        expected.len(),
        failures.join("\n")
    );
}

#[test]
fn bedside_check_scenarios_match() {
    compare(
        "scenarios/bedside_check.json",
        "scenarios/bedside_check.expected.jsonl",
    );
}

#[test]
fn observation_scenarios_match() {
    compare(
        "scenarios/observations.json",
        "scenarios/observations.expected.jsonl",
    );
}

#[test]
fn extra_rule_scenarios_match() {
    compare(
        "scenarios/extra_checks.json",
        "scenarios/extra_checks.expected.jsonl",
    );
}

/// The emergency rules of docs/clinical-rules.md §6.
#[test]
fn emergency_rule_scenarios_match() {
    compare(
        "scenarios/emergency_checks.json",
        "scenarios/emergency_checks.expected.jsonl",
    );
}

/// The spec's own comparison tool agrees, so the contract is met as the validation team runs it.
#[test]
fn compare_scenarios_tool_agrees() {
    for name in [
        "bedside_check",
        "observations",
        "extra_checks",
        "emergency_checks",
    ] {
        let output = bedside(&[
            "check",
            data(&format!("scenarios/{name}.json")).to_str().unwrap(),
        ]);
        let mut tool = Command::new("python3")
            .arg(data("tools/compare_scenarios.py"))
            .arg(data(&format!("scenarios/{name}.expected.jsonl")))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 runs (installed by .ci/run)");
        use std::io::Write;
        tool.stdin
            .take()
            .unwrap()
            .write_all(&output.stdout)
            .unwrap();
        let result = tool.wait_with_output().unwrap();
        let report = String::from_utf8_lossy(&result.stdout);
        assert!(result.status.success(), "{name}: {report}");
        assert!(report.contains(" passed, 0 failed"), "{name}: {report}");
    }
}
