//! Searches of the contract (§2.2, §2.3) as searchset Bundles.

use std::collections::{BTreeMap, HashSet};

use serde_json::{json, Value};

use super::db::{BloodBankDb, Stored};
use super::transaction::Refusal;
use bedside_fhir::{date_time, has_coding, split_reference, str_at};

/// The query of a search, as (name, value) pairs in the order given.
pub type Query = Vec<(String, String)>;

fn values<'a>(query: &'a Query, name: &'a str) -> impl Iterator<Item = &'a str> {
    query
        .iter()
        .filter(move |(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

fn one<'a>(query: &'a Query, name: &'a str) -> Option<&'a str> {
    values(query, name).next()
}

fn unsupported(text: &str) -> Refusal {
    Refusal::new(
        400,
        "not-supported",
        None,
        &format!("不支持的查询。/ Unsupported search: {text}"),
        text,
        None,
    )
}

fn entry(base_url: &str, stored: &Stored, mode: &str) -> Value {
    json!({
        "fullUrl": format!("{base_url}/{}/{}", stored.resource_type, stored.id),
        "resource": stored.json,
        "search": {"mode": mode}
    })
}

fn searchset(
    base_url: &str,
    self_url: &str,
    total: usize,
    entries: Vec<Value>,
    next: Option<String>,
    now: &str,
) -> Value {
    let mut links = vec![json!({"relation": "self", "url": format!("{base_url}/{self_url}")})];
    if let Some(next) = next {
        links.push(json!({"relation": "next", "url": format!("{base_url}/{next}")}));
    }
    json!({
        "resourceType": "Bundle",
        "type": "searchset",
        "timestamp": now,
        "total": total,
        "link": links,
        "entry": entries
    })
}

fn encode_query(resource_type: &str, query: &Query) -> String {
    let parts: Vec<String> = query
        .iter()
        .map(|(n, v)| format!("{n}={}", urlencoding::encode(v)))
        .collect();
    format!("{resource_type}?{}", parts.join("&"))
}

/// `_lastUpdated=geX` as milliseconds since the epoch.
fn since_ms(query: &Query) -> Result<i64, Refusal> {
    match one(query, "_lastUpdated") {
        None => Ok(i64::MIN),
        Some(v) => {
            let t = v
                .strip_prefix("ge")
                .ok_or_else(|| unsupported("_lastUpdated supports only the ge prefix"))?;
            chrono::DateTime::parse_from_rfc3339(t)
                .map(|t| t.timestamp_millis())
                .map_err(|_| {
                    unsupported(&format!(
                        "_lastUpdated '{t}' is not a date-time with a zone"
                    ))
                })
        }
    }
}

/// Every parameter of `query` is one this service understands: anything else is refused, never
/// silently ignored (a filter ignored would answer more than was asked).
fn known_parameters(query: &Query) -> Result<(), Refusal> {
    for (name, _) in query {
        let known = matches!(
            name.as_str(),
            "destination"
                | "patient"
                | "subject"
                | "code"
                | "status"
                | "identifier"
                | "_lastUpdated"
                | "_sort"
                | "_count"
                | "_include"
                | "_cursor"
                | "biological-source-event"
                | "actuality"
        );
        if !known {
            return Err(unsupported(&format!("parameter '{name}'")));
        }
    }
    Ok(())
}

pub fn search(
    db: &BloodBankDb,
    resource_type: &str,
    query: &Query,
    base_url: &str,
) -> Result<Value, Refusal> {
    let now = date_time(&db.now());
    known_parameters(query)?;
    if resource_type == "BiologicallyDerivedProductDispense" {
        if let Some(destination) = one(query, "destination") {
            return ward_pull(db, destination, query, base_url, &now);
        }
    }
    // Only the ward pull pages and sorts: refused elsewhere rather than claimed and ignored.
    if let Some((name, _)) = query
        .iter()
        .find(|(n, _)| matches!(n.as_str(), "_sort" | "_count" | "_cursor"))
    {
        return Err(unsupported(&format!(
            "{name} is offered only on the ward pull (BiologicallyDerivedProductDispense?destination=…)"
        )));
    }
    let patients: Option<Vec<String>> = values(query, "patient")
        .chain(values(query, "subject"))
        .next()
        .map(|list| list.split(',').map(|p| p.trim().to_string()).collect());
    let mut found = db.of_type(resource_type, patients.as_deref())?;
    if let Some(code) = one(query, "code") {
        let (system, code) = code.split_once('|').unwrap_or(("", code));
        found.retain(|r| {
            r.json.get("code").is_some_and(|c| {
                has_coding(c, system, code)
                    || c.get("concept")
                        .is_some_and(|c| has_coding(c, system, code))
            })
        });
    }
    if let Some(status) = one(query, "status") {
        let wanted: HashSet<&str> = status.split(',').collect();
        found.retain(|r| str_at(&r.json, &["status"]).is_some_and(|s| wanted.contains(s)));
    }
    if let Some(actuality) = one(query, "actuality") {
        let wanted: HashSet<&str> = actuality.split(',').collect();
        found.retain(|r| str_at(&r.json, &["actuality"]).is_some_and(|a| wanted.contains(a)));
    }
    if let Some(identifier) = one(query, "identifier").or(one(query, "biological-source-event")) {
        let (system, value) = identifier.split_once('|').unwrap_or(("", identifier));
        found.retain(|r| {
            let ids = r
                .json
                .get("identifier")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .chain(r.json.get("biologicalSourceEvent").cloned());
            ids.into_iter().any(|i| {
                str_at(&i, &["value"]) == Some(value)
                    && (system.is_empty() || str_at(&i, &["system"]) == Some(system))
            })
        });
    }
    let since = since_ms(query)?;
    found.retain(|r| last_updated_ms(r) >= since);
    let mut entries: Vec<Value> = found.iter().map(|r| entry(base_url, r, "match")).collect();
    let total = entries.len();
    entries.extend(included(db, resource_type, &found, query, base_url)?);
    Ok(searchset(
        base_url,
        &encode_query(resource_type, query),
        total,
        entries,
        None,
        &now,
    ))
}

fn last_updated_ms(stored: &Stored) -> i64 {
    chrono::DateTime::parse_from_rfc3339(&stored.last_updated)
        .map(|t| t.timestamp_millis())
        .unwrap_or(i64::MIN)
}

/// The `_include`s a search may name: the dispense's product and patient (contract §2.2).
const INCLUDES: [(&str, &str, &str); 2] = [
    (
        "BiologicallyDerivedProductDispense",
        "BiologicallyDerivedProductDispense:product",
        "product",
    ),
    (
        "BiologicallyDerivedProductDispense",
        "BiologicallyDerivedProductDispense:patient",
        "patient",
    ),
];

/// The resources the matches' `_include`s name, each once, as `include` entries. An `_include`
/// this service does not offer for the type is refused: the self link must not claim what the
/// answer does not hold.
fn included(
    db: &BloodBankDb,
    resource_type: &str,
    matches: &[Stored],
    query: &Query,
    base_url: &str,
) -> Result<Vec<Value>, Refusal> {
    let mut keys = Vec::new();
    for include in values(query, "_include") {
        match INCLUDES
            .iter()
            .find(|(ty, name, _)| *ty == resource_type && *name == include)
        {
            Some((_, _, key)) => keys.push(*key),
            None => {
                return Err(unsupported(&format!(
                    "_include={include} on {resource_type} (offered: BiologicallyDerivedProductDispense:product, BiologicallyDerivedProductDispense:patient)"
                )))
            }
        }
    }
    let mut found: BTreeMap<(String, String), Stored> = BTreeMap::new();
    for resource in matches {
        for key in &keys {
            if let Some((ty, id)) =
                str_at(&resource.json, &[key, "reference"]).and_then(split_reference)
            {
                if let Some(stored) = db.read(ty, id)? {
                    found.insert((ty.to_string(), id.to_string()), stored);
                }
            }
        }
    }
    Ok(found
        .values()
        .map(|r| entry(base_url, r, "include"))
        .collect())
}

/// The ward pull: dispenses to a ward changed since the watermark, with their products and
/// patients, in pages linked by an opaque cursor.
fn ward_pull(
    db: &BloodBankDb,
    destination: &str,
    query: &Query,
    base_url: &str,
    now: &str,
) -> Result<Value, Refusal> {
    if let Some(sort) = one(query, "_sort") {
        if sort != "_lastUpdated" {
            return Err(unsupported("_sort supports only _lastUpdated"));
        }
    }
    let count = one(query, "_count")
        .map(|c| {
            c.parse::<usize>()
                .map_err(|_| unsupported("_count must be a number"))
        })
        .transpose()?
        .unwrap_or(50)
        .clamp(1, 1000);
    let since = since_ms(query)?;
    let cursor = one(query, "_cursor")
        .map(|c| {
            c.split_once('.')
                .and_then(|(ms, id)| Some((ms.parse::<i64>().ok()?, id.to_string())))
                .ok_or_else(|| unsupported("the paging cursor is not one this service made"))
        })
        .transpose()?;
    let (page, remaining) = db.dispenses_for(
        destination,
        since,
        cursor.as_ref().map(|(ms, id)| (*ms, id.as_str())),
        count,
    )?;
    let next = (remaining > page.len()).then(|| {
        let last = page.last().expect("a full page has a last entry");
        let ms = chrono::DateTime::parse_from_rfc3339(&last.last_updated)
            .map(|t| t.timestamp_millis())
            .unwrap_or(i64::MIN);
        let mut next: Query = query
            .iter()
            .filter(|(n, _)| n != "_cursor")
            .cloned()
            .collect();
        next.push(("_cursor".into(), format!("{ms}.{}", last.id)));
        encode_query("BiologicallyDerivedProductDispense", &next)
    });
    let mut entries: Vec<Value> = page.iter().map(|d| entry(base_url, d, "match")).collect();
    entries.extend(included(
        db,
        "BiologicallyDerivedProductDispense",
        &page,
        query,
        base_url,
    )?);
    Ok(searchset(
        base_url,
        &encode_query("BiologicallyDerivedProductDispense", query),
        remaining,
        entries,
        next,
        now,
    ))
}
