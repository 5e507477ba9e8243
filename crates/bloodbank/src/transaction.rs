//! `POST [base]` with a transaction Bundle (contract §2.5): all entries or none, conditional
//! creates that make a resend harmless, version-aware updates, and facts stored with a warning
//! when the blood bank's own state disagrees (a recalled unit that was transfused anyway).

use serde_json::{json, Value};

mod references;

use super::db::{BloodBankDb, DbError, Stored, Writer};
use bedside_fhir::outcome::operation_outcome;
use bedside_fhir::{
    date_time, extension, identifier_value, split_reference, str_at, version_from_etag, weak_etag,
    TRANSFUSION_STARTED, UUID_SYSTEM,
};
use references::resolve_references;

/// A refused request: the HTTP status and the OperationOutcome that says why.
#[derive(Debug, Clone)]
pub struct Refusal {
    pub status: u16,
    pub outcome: Value,
}

impl Refusal {
    pub fn new(
        status: u16,
        issue_code: &str,
        reason: Option<&str>,
        text: &str,
        diagnostics: &str,
        expression: Option<&str>,
    ) -> Refusal {
        Refusal {
            status,
            outcome: operation_outcome("error", issue_code, reason, text, diagnostics, expression),
        }
    }

    fn invalid(text: &str, expression: &str) -> Refusal {
        Refusal::new(
            400,
            "invalid",
            Some("invalid-content"),
            &format!("提交内容不符合接口约定，未保存。/ The submission breaks the contract and was not stored: {text}"),
            text,
            Some(expression),
        )
    }
}

impl From<DbError> for Refusal {
    fn from(e: DbError) -> Refusal {
        Refusal::new(
            500,
            "exception",
            None,
            "血库服务内部错误，请稍后重试。/ The blood bank had an internal error; try again later.",
            &e.to_string(),
            None,
        )
    }
}

fn id_prefix(resource_type: &str) -> &'static str {
    match resource_type {
        "Procedure" => "proc",
        "Observation" => "obs",
        "AdverseEvent" => "ae",
        "Patient" => "pat",
        "BiologicallyDerivedProduct" => "bdp",
        "BiologicallyDerivedProductDispense" => "bdpd",
        "ServiceRequest" => "sr",
        "Practitioner" => "prac",
        "Location" => "loc",
        _ => "res",
    }
}

/// Types a transaction may write. Everything else in the contract is the blood bank's own.
const WRITABLE: [&str; 8] = [
    "Procedure",
    "Observation",
    "Provenance",
    "AdverseEvent",
    "BiologicallyDerivedProduct",
    "BiologicallyDerivedProductDispense",
    "Patient",
    "ServiceRequest",
];

enum Plan {
    Create {
        id: String,
    },
    Existing {
        stored: Stored,
    },
    Put {
        id: String,
        if_match: Option<String>,
    },
}

struct Entry {
    resource_type: String,
    resource: Value,
    plan: Plan,
}

/// Processes a transaction Bundle; the answer is a `transaction-response` Bundle.
pub fn process(db: &mut BloodBankDb, bundle: &Value, base_url: &str) -> Result<Value, Refusal> {
    if str_at(bundle, &["resourceType"]) != Some("Bundle")
        || str_at(bundle, &["type"]) != Some("transaction")
    {
        return Err(Refusal::invalid(
            "POST [base] takes a Bundle of type transaction",
            "Bundle.type",
        ));
    }
    let entries = bundle
        .get("entry")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let now = db.now();
    db.write(|w| {
        let mut planned = plan(w, entries)?;
        resolve_references(w, &mut planned)?;
        let mut response = Vec::new();
        for (i, (_, entry)) in planned.into_iter().enumerate() {
            response.push(apply(w, i, entry, base_url)?);
        }
        Ok(json!({
            "resourceType": "Bundle",
            "type": "transaction-response",
            "timestamp": date_time(&now),
            "entry": response
        }))
    })
}

fn plan(w: &Writer, entries: &[Value]) -> Result<Vec<(Option<String>, Entry)>, Refusal> {
    entries
        .iter()
        .enumerate()
        .map(|(i, entry)| plan_entry(w, entry, &format!("Bundle.entry[{i}]")))
        .collect()
}

/// What one entry will do (`at` is its place in the bundle), with its `fullUrl`.
fn plan_entry(w: &Writer, entry: &Value, at: &str) -> Result<(Option<String>, Entry), Refusal> {
    let resource = entry
        .get("resource")
        .cloned()
        .ok_or_else(|| Refusal::invalid("an entry without a resource", at))?;
    let resource_type = writable_type(&resource, at)?;
    let method = str_at(entry, &["request", "method"]).unwrap_or_default();
    let url = str_at(entry, &["request", "url"]).unwrap_or_default();
    let full_url = str_at(entry, &["fullUrl"]).map(str::to_string);
    let plan = match method {
        "POST" => plan_create(w, entry, &resource_type, url, at)?,
        "PUT" => plan_put(entry, &resource, &resource_type, url, at)?,
        other => {
            return Err(Refusal::new(
                405,
                "not-supported",
                None,
                &format!("不支持 {other} 操作：记录从不删除。/ {other} is not supported: records are never deleted."),
                "",
                Some(&format!("{at}.request.method")),
            ))
        }
    };
    Ok((
        full_url,
        Entry {
            resource_type,
            resource,
            plan,
        },
    ))
}

/// The resource's type, when a ward device may write it.
fn writable_type(resource: &Value, at: &str) -> Result<String, Refusal> {
    let resource_type = str_at(resource, &["resourceType"])
        .ok_or_else(|| Refusal::invalid("a resource without resourceType", at))?
        .to_string();
    if !WRITABLE.contains(&resource_type.as_str()) {
        return Err(Refusal::new(
            403,
            "forbidden",
            None,
            &format!("{resource_type} 不能由病区提交。/ {resource_type} cannot be written by a ward device."),
            "",
            Some(at),
        ));
    }
    Ok(resource_type)
}

/// A conditional create: a new id, or the record its identifier already names (a resend).
fn plan_create(
    w: &Writer,
    entry: &Value,
    resource_type: &str,
    url: &str,
    at: &str,
) -> Result<Plan, Refusal> {
    if url != resource_type && !url.starts_with(&format!("{resource_type}?")) {
        return Err(Refusal::invalid(
            &format!("request.url '{url}' is not the resource type {resource_type}"),
            &format!("{at}.request.url"),
        ));
    }
    let condition = str_at(entry, &["request", "ifNoneExist"]).ok_or_else(|| {
        Refusal::invalid(
            "a create without ifNoneExist could be stored twice when resent",
            &format!("{at}.request.ifNoneExist"),
        )
    })?;
    let query = condition
        .strip_prefix(&format!("{resource_type}?"))
        .unwrap_or(condition);
    let (system, value) = identifier_query(query).ok_or_else(|| {
        Refusal::invalid(
            &format!("ifNoneExist must be identifier=system|value, got '{condition}'"),
            &format!("{at}.request.ifNoneExist"),
        )
    })?;
    let ids = w.ids_with_identifier(resource_type, &system, &value)?;
    match ids.as_slice() {
        [] => Ok(Plan::Create {
            id: w.next_id(id_prefix(resource_type))?,
        }),
        [id] => Ok(Plan::Existing {
            stored: w
                .read(resource_type, id)?
                .ok_or_else(|| DbError::Inconsistent(format!("{resource_type}/{id}")))?,
        }),
        _ => Err(multiple_matches(&format!("{resource_type}?{query}"), at)),
    }
}

/// An update of `Type/id`, whose resource must carry that id.
fn plan_put(
    entry: &Value,
    resource: &Value,
    resource_type: &str,
    url: &str,
    at: &str,
) -> Result<Plan, Refusal> {
    let Some((_, id)) = split_reference(url).filter(|(ty, _)| *ty == resource_type) else {
        return Err(Refusal::invalid(
            &format!("PUT url '{url}' must be {resource_type}/[id]"),
            &format!("{at}.request.url"),
        ));
    };
    if str_at(resource, &["id"]) != Some(id) {
        return Err(Refusal::invalid(
            "the resource id differs from the PUT url",
            &format!("{at}.resource.id"),
        ));
    }
    Ok(Plan::Put {
        id: id.to_string(),
        if_match: str_at(entry, &["request", "ifMatch"]).map(str::to_string),
    })
}

fn identifier_query(query: &str) -> Option<(String, String)> {
    let rest = query.strip_prefix("identifier=")?;
    let rest = urlencoding::decode(rest).ok()?;
    let (system, value) = rest.split_once('|')?;
    (!value.is_empty() && !value.contains('&')).then(|| (system.to_string(), value.to_string()))
}

fn multiple_matches(query: &str, at: &str) -> Refusal {
    Refusal::new(
        412,
        "multiple-matches",
        Some("ambiguous-identifier"),
        "标识符对应多条记录，无法确定，未保存。/ The identifier matches several records; nothing was stored.",
        &format!("{query} matches more than one resource"),
        Some(at),
    )
}

fn planned_id(entry: &Entry) -> &str {
    match &entry.plan {
        Plan::Create { id } | Plan::Put { id, .. } => id,
        Plan::Existing { stored } => &stored.id,
    }
}

fn apply(w: &mut Writer, i: usize, entry: Entry, base_url: &str) -> Result<Value, Refusal> {
    let at = format!("Bundle.entry[{i}]");
    let ty = entry.resource_type.clone();
    let (stored, status, _changed) = match entry.plan {
        Plan::Existing { stored } => (stored, "200 OK", false),
        Plan::Create { id } => (w.put(&ty, &id, entry.resource)?.0, "201 Created", true),
        Plan::Put { id, if_match } => {
            let current = w.read(&ty, &id)?;
            match (&current, &if_match) {
                (Some(current), Some(tag))
                    if version_from_etag(tag) != Some(current.version.to_string()) =>
                {
                    return Err(Refusal::new(
                        412,
                        "conflict",
                        Some("version-conflict"),
                        &format!("该记录已被他人修改（当前版本 {v}），请刷新后重试。/ This record was changed by someone else (now version {v}); refresh and try again.", v = current.version),
                        &format!("{at} PUT {ty}/{id}: If-Match {tag} but the current version is {}; transaction rolled back", weak_etag(&current.version.to_string())),
                        Some(&format!("{at}.request.ifMatch")),
                    ));
                }
                (Some(_), None) if ty != "Provenance" => {
                    return Err(Refusal::new(
                        412,
                        "conflict",
                        Some("version-conflict"),
                        "更新必须注明所基于的版本（If-Match）。/ An update must say which version it changes (If-Match).",
                        &format!("{at} PUT {ty}/{id} without If-Match"),
                        Some(&format!("{at}.request.ifMatch")),
                    ))
                }
                (None, _) if ty != "Provenance" => {
                    return Err(Refusal::new(
                        404,
                        "not-found",
                        Some("unknown-reference"),
                        &format!("要更新的记录 {ty}/{id} 不存在。/ The record to update, {ty}/{id}, does not exist."),
                        "",
                        Some(&format!("{at}.request.url")),
                    ))
                }
                _ => {}
            }
            let (stored, changed) = w.put(&ty, &id, entry.resource)?;
            let status = if current.is_none() {
                "201 Created"
            } else {
                "200 OK"
            };
            (stored, status, changed)
        }
    };
    let mut response = json!({
        "status": status,
        "location": format!("{ty}/{}/_history/{}", stored.id, stored.version),
        "etag": weak_etag(&stored.version.to_string()),
        "lastModified": stored.last_updated
    });
    if status == "201 Created" {
        // Both rules apply to every new start: a recalled unit that was hung is still marked
        // started (the blood bank's record says where it went), and each warning is said.
        let not_issued = unit_not_issued_warning(w, &stored)?;
        let second_start = mark_started(w, &stored)?;
        alert_near_miss(w, &stored)?;
        if let Some(outcome) = one_outcome(not_issued.into_iter().chain(second_start)) {
            response["outcome"] = outcome;
        }
    }
    Ok(json!({
        "fullUrl": format!("{}/{ty}/{}", base_url.trim_end_matches('/'), stored.id),
        "response": response
    }))
}

/// A near miss reported by a ward (an AdverseEvent with `actuality` potential) is an alert for
/// the transfusion department, like a second start.
fn alert_near_miss(w: &Writer, stored: &Stored) -> Result<(), Refusal> {
    if stored.resource_type == "AdverseEvent"
        && str_at(&stored.json, &["actuality"]) == Some("potential")
    {
        let what = str_at(&stored.json, &["code", "text"]).unwrap_or_default();
        w.alert("near-miss", &format!("AdverseEvent/{}: {what}", stored.id))?;
    }
    Ok(())
}

/// Several OperationOutcomes as one (an entry's response has one `outcome`): the issues of all.
fn one_outcome(outcomes: impl Iterator<Item = Value>) -> Option<Value> {
    outcomes.reduce(|mut first, other| {
        let issues = other["issue"].as_array().cloned().unwrap_or_default();
        if let Some(list) = first["issue"].as_array_mut() {
            list.extend(issues);
        }
        first
    })
}

/// The dispenses a Procedure's `supportingInfo` names.
fn dispenses_of(procedure: &Value) -> Vec<String> {
    procedure
        .get("supportingInfo")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(
            |info| match str_at(info, &["reference"]).and_then(split_reference) {
                Some(("BiologicallyDerivedProductDispense", id)) => Some(id.to_string()),
                _ => None,
            },
        )
        .collect()
}

/// The first start of a unit marks its dispense (`TRANSFUSION_STARTED`), which moves its
/// `lastUpdated`: every handheld's next pull learns the unit hangs, and a second start there
/// stops. A second start that reaches the blood bank anyway (a handheld offline) is stored (it
/// happened), answered with a warning and raised as an alert.
fn mark_started(w: &mut Writer, stored: &Stored) -> Result<Option<Value>, Refusal> {
    if stored.resource_type != "Procedure" {
        return Ok(None);
    }
    let identifier = identifier_value(&stored.json, UUID_SYSTEM);
    for id in dispenses_of(&stored.json) {
        let Some(dispense) = w.read("BiologicallyDerivedProductDispense", &id)? else {
            continue;
        };
        let earlier = extension(&dispense.json, TRANSFUSION_STARTED)
            .and_then(|e| str_at(e, &["valueReference", "reference"]))
            .map(str::to_string);
        match earlier {
            None => {
                let mut json = dispense.json.clone();
                let mut by = json!({"reference": format!("Procedure/{}", stored.id)});
                // A Procedure without a client identifier (another client than a handheld) is
                // named by its reference only: a FHIR value is never null.
                if let Some(value) = identifier {
                    by["identifier"] = json!({"system": UUID_SYSTEM, "value": value});
                }
                let mark = json!({"url": TRANSFUSION_STARTED, "valueReference": by});
                match json.get_mut("extension").and_then(Value::as_array_mut) {
                    Some(list) => list.push(mark),
                    None => json["extension"] = json!([mark]),
                }
                w.put("BiologicallyDerivedProductDispense", &id, json)?;
            }
            Some(first) => {
                let detail = format!(
                    "Procedure/{} records a second start of the unit of dispense {id}, already started by {first}",
                    stored.id
                );
                w.alert("unit-already-started", &detail)?;
                return Ok(Some(operation_outcome(
                    "warning",
                    "business-rule",
                    Some("unit-already-started"),
                    "已保存；但该血袋此前已开始输注（另一台设备），输血科已收到警示。/ Stored; but this unit was already started (on another handheld); the transfusion department has been alerted.",
                    &detail,
                    None,
                )));
            }
        }
    }
    Ok(None)
}

/// A transfusion recorded against a unit the blood bank no longer counts as issued is stored
/// (it happened), answered with a warning and raised as an alert for the blood bank.
fn unit_not_issued_warning(w: &Writer, stored: &Stored) -> Result<Option<Value>, Refusal> {
    if stored.resource_type != "Procedure" {
        return Ok(None);
    }
    for id in dispenses_of(&stored.json) {
        let Some(dispense) = w.read("BiologicallyDerivedProductDispense", &id)? else {
            continue;
        };
        let product_unavailable = str_at(&dispense.json, &["product", "reference"])
            .and_then(split_reference)
            .map(|(t, i)| w.read(t, i))
            .transpose()?
            .flatten()
            .is_some_and(|p| str_at(&p.json, &["productStatus", "code"]) == Some("unavailable"));
        let status = str_at(&dispense.json, &["status"]).unwrap_or_default();
        if status != "issued" || product_unavailable {
            let detail = format!(
                "Procedure/{} records a transfusion of the unit of dispense {id}, whose status is '{status}'{}",
                stored.id,
                if product_unavailable { " and whose product is unavailable" } else { "" }
            );
            w.alert("unit-not-issued", &detail)?;
            return Ok(Some(operation_outcome(
                "warning",
                "business-rule",
                Some("unit-not-issued"),
                "已保存；但该血袋在血库中已不是发出状态（可能已召回或退回），输血科已收到警示。/ Stored; but the blood bank no longer counts this unit as issued (recalled or returned); the transfusion department has been alerted.",
                &detail,
                None,
            )));
        }
    }
    Ok(None)
}
