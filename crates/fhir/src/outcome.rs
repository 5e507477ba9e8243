//! OperationOutcome: the blood bank's reasons, written by the service and read by the handheld
//! (which keeps the reason code and text with a quarantined record for the charge nurse).

use serde_json::{json, Value};

use bedside_core::messages::{tr_noop, Text};

use super::{code_in, str_at, OUTCOME_REASON};

/// Why the blood bank refused a record, as the charge nurse reads it: our words for a reason code
/// we know, else the blood bank's own.
pub fn refused_words(reason_code: Option<&str>, reason_text: Option<&str>) -> Text {
    let said = reason_text.filter(|t| !t.trim().is_empty());
    match (refusal_words(reason_code, None), said) {
        (Some(words), _) => words,
        (None, Some(said)) => Text::tr("The blood bank refused it: {said}", &[("said", said)]),
        (None, None) => Text::tr("The blood bank refused it", &[]),
    }
}

/// Why the blood bank refused a record, in the reader's language: the contract's
/// `outcome-reason` code when the answer gave one (its display and zh-CN designation, as in
/// data/fhir/CodeSystem-outcome-reason.json), else the FHIR issue type; `None` for a code
/// this version does not know.
pub fn refusal_words(reason: Option<&str>, issue_code: Option<&str>) -> Option<Text> {
    let msgid = match reason.or(issue_code).unwrap_or("") {
        "unknown-product" => tr_noop("Unknown blood product"),
        "unknown-patient" => tr_noop("Unknown patient"),
        "unknown-reference" => tr_noop("Unknown reference"),
        "version-conflict" | "conflict" => tr_noop("Version conflict"),
        "ambiguous-identifier" | "multiple-matches" => {
            tr_noop("Identifier matches several records")
        }
        "invalid-content" | "invalid" | "structure" | "required" | "value" => {
            tr_noop("Invalid content")
        }
        "unit-not-issued" => tr_noop("Unit not issued"),
        "unit-already-started" => tr_noop("Unit already started"),
        "not-found" => tr_noop("The blood bank does not have the record this one refers to"),
        "security" | "forbidden" | "login" => tr_noop("This device is not allowed to send it"),
        "business-rule" => tr_noop("The blood bank's rules refuse it"),
        "entered-in-error" => {
            tr_noop("The blood bank marked this transfusion record as entered in error")
        }
        _ => return None,
    };
    Some(Text::tr(msgid, &[]))
}

/// The first issue of an OperationOutcome, in the terms the handheld shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// R5 issue type (`conflict`, `not-found`, `multiple-matches`, …).
    pub issue_code: String,
    /// The contract's `outcome-reason` code (`unknown-product`, `version-conflict`, …).
    pub reason: Option<String>,
    /// The server's words for a person (often both languages).
    pub text: String,
}

impl Outcome {
    /// Reads an answer body; anything that is not an OperationOutcome gives `None`.
    pub fn parse(body: &[u8]) -> Option<Outcome> {
        let value: Value = serde_json::from_slice(body).ok()?;
        if str_at(&value, &["resourceType"]) != Some("OperationOutcome") {
            return None;
        }
        let issue = value.get("issue")?.as_array()?.first()?;
        let details = issue.get("details");
        Some(Outcome {
            issue_code: str_at(issue, &["code"]).unwrap_or("unknown").to_string(),
            reason: details
                .and_then(|d| code_in(d, OUTCOME_REASON))
                .map(str::to_string),
            text: details
                .and_then(|d| str_at(d, &["text"]))
                .or_else(|| str_at(issue, &["diagnostics"]))
                .unwrap_or_default()
                .to_string(),
        })
    }
}

/// Display names of the contract's outcome reasons (`CodeSystem-outcome-reason.json`).
pub fn reason_display(reason: &str) -> &'static str {
    match reason {
        "unknown-product" => "Unknown blood product",
        "unknown-patient" => "Unknown patient",
        "unknown-reference" => "Unknown reference",
        "version-conflict" => "Version conflict",
        "ambiguous-identifier" => "Identifier matches several records",
        "invalid-content" => "Invalid content",
        "unit-not-issued" => "Unit not issued",
        "unit-already-started" => "Unit already started",
        _ => "",
    }
}

/// One-issue OperationOutcome as the service sends it.
pub fn operation_outcome(
    severity: &str,
    issue_code: &str,
    reason: Option<&str>,
    text: &str,
    diagnostics: &str,
    expression: Option<&str>,
) -> Value {
    let mut issue = json!({"severity": severity, "code": issue_code});
    let mut details = json!({"text": text});
    if let Some(reason) = reason {
        let mut coding = json!({"system": OUTCOME_REASON, "code": reason});
        // FHIR strings are never empty: a code without a display name goes without one.
        let display = reason_display(reason);
        if !display.is_empty() {
            coding["display"] = json!(display);
        }
        details["coding"] = json!([coding]);
    }
    issue["details"] = details;
    if !diagnostics.is_empty() {
        issue["diagnostics"] = json!(diagnostics);
    }
    if let Some(expression) = expression {
        issue["expression"] = json!([expression]);
    }
    json!({"resourceType": "OperationOutcome", "issue": [issue]})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_reason_and_words_of_an_outcome() {
        let body = operation_outcome(
            "error",
            "not-found",
            Some("unknown-product"),
            "血液制品不存在 / unknown unit",
            "entry[0]",
            Some("Bundle.entry[0]"),
        );
        let outcome = Outcome::parse(body.to_string().as_bytes()).unwrap();
        assert_eq!(outcome.issue_code, "not-found");
        assert_eq!(outcome.reason.as_deref(), Some("unknown-product"));
        assert_eq!(outcome.text, "血液制品不存在 / unknown unit");
        assert_eq!(Outcome::parse(b"<html>502</html>"), None);
    }

    #[test]
    fn every_reason_the_service_sends_has_its_display_name_and_an_unknown_one_none() {
        let code_system: Value = serde_json::from_str(include_str!(
            "../../../data/fhir/CodeSystem-outcome-reason.json"
        ))
        .unwrap();
        for concept in code_system["concept"].as_array().unwrap() {
            let code = concept["code"].as_str().unwrap();
            assert_eq!(reason_display(code), concept["display"], "{code}");
        }
        let coding = |reason| {
            operation_outcome("warning", "business-rule", Some(reason), "words", "", None)["issue"]
                [0]["details"]["coding"][0]
                .clone()
        };
        assert_eq!(
            coding("unit-already-started")["display"],
            "Unit already started"
        );
        // FHIR strings are never empty: no display at all rather than "".
        assert_eq!(coding("no-such-reason").get("display"), None);
    }
}
