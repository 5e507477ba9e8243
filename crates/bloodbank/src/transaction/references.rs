//! The references of a transaction's resources made literal: a `urn:uuid:` to the entry it
//! names, a conditional reference to the one record it matches, and every `Type/id` checked
//! against the blood bank's records, so that nothing is stored pointing at nothing.

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use super::{identifier_query, multiple_matches, planned_id, Entry, Refusal};
use crate::db::Writer;
use bedside_fhir::{split_reference, str_at};

/// Rewrites `urn:uuid:` and conditional references to literal `Type/id`, and refuses references
/// to records the blood bank does not have.
pub(super) fn resolve_references(
    w: &Writer,
    planned: &mut [(Option<String>, Entry)],
) -> Result<(), Refusal> {
    let mut references = References::of_bundle(w, planned);
    for (i, (_, entry)) in planned.iter_mut().enumerate() {
        let at = format!("Bundle.entry[{i}].resource");
        let mut problem = None;
        rewrite(&mut entry.resource, &at, &mut |reference, path| {
            if problem.is_some() {
                return None;
            }
            match references.resolve(reference, path) {
                Ok(literal) => Some(literal),
                Err(refusal) => {
                    problem = Some(refusal);
                    None
                }
            }
        });
        if let Some(problem) = problem {
            return Err(problem);
        }
    }
    Ok(())
}

/// What the references of one transaction can resolve to: the bundle's own entries, and the
/// blood bank's records as looked up so far.
struct References<'a, 'c> {
    w: &'a Writer<'c>,
    /// `fullUrl` → `Type/id`.
    by_full_url: HashMap<String, String>,
    /// (type, identifier system, value) → id, of the bundle's own entries.
    in_bundle: HashMap<(String, String, String), String>,
    /// `Type/id` known to exist.
    known: HashSet<String>,
    /// Conditional references already resolved, with their answer.
    conditional: HashMap<String, Result<String, Refusal>>,
}

impl<'a, 'c> References<'a, 'c> {
    fn of_bundle(w: &'a Writer<'c>, planned: &[(Option<String>, Entry)]) -> Self {
        let mut by_full_url: HashMap<String, String> = HashMap::new();
        let mut in_bundle: HashMap<(String, String, String), String> = HashMap::new();
        for (full_url, entry) in planned {
            let literal = format!("{}/{}", entry.resource_type, planned_id(entry));
            if let Some(full_url) = full_url {
                by_full_url.insert(full_url.clone(), literal.clone());
            }
            for identifier in entry
                .resource
                .get("identifier")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let (Some(s), Some(v)) = (
                    str_at(identifier, &["system"]),
                    str_at(identifier, &["value"]),
                ) {
                    in_bundle.insert(
                        (entry.resource_type.clone(), s.to_string(), v.to_string()),
                        planned_id(entry).to_string(),
                    );
                }
            }
        }
        // A backlog batch refers to the same patient, staff and transfusion hundreds of times:
        // each reference is looked up once per transaction.
        let known = by_full_url.values().cloned().collect();
        References {
            w,
            by_full_url,
            in_bundle,
            known,
            conditional: HashMap::new(),
        }
    }

    /// The literal reference `reference` (at `path`) stands for, which the blood bank has.
    fn resolve(&mut self, reference: &str, path: &str) -> Result<String, Refusal> {
        let resolved = self.literal(reference, path)?;
        if let Some((ty, id)) = split_reference(&resolved) {
            self.check_exists(ty, id, &resolved, path)?;
        }
        Ok(resolved)
    }

    fn literal(&mut self, reference: &str, path: &str) -> Result<String, Refusal> {
        if reference.starts_with("urn:uuid:") {
            return self
                .by_full_url
                .get(reference)
                .cloned()
                .ok_or_else(|| unknown_reference(reference, path, "unknown-reference"));
        }
        if reference.contains('?') {
            let (w, in_bundle) = (self.w, &self.in_bundle);
            return self
                .conditional
                .entry(reference.to_string())
                .or_insert_with(|| resolve_conditional(w, reference, path, in_bundle))
                .clone();
        }
        Ok(reference.to_string())
    }

    /// A literal reference must point at something the blood bank has.
    fn check_exists(
        &mut self,
        ty: &str,
        id: &str,
        resolved: &str,
        path: &str,
    ) -> Result<(), Refusal> {
        if self.known.contains(resolved) {
            return Ok(());
        }
        if !self.w.exists(ty, id)? {
            let reason = match ty {
                "BiologicallyDerivedProduct" => "unknown-product",
                "Patient" => "unknown-patient",
                _ => "unknown-reference",
            };
            return Err(unknown_reference(resolved, path, reason));
        }
        self.known.insert(resolved.to_string());
        Ok(())
    }
}

/// `Type?identifier=system|value` to the one `Type/id` it matches, among the blood bank's
/// records and the bundle's own.
fn resolve_conditional(
    w: &Writer,
    reference: &str,
    path: &str,
    in_bundle: &HashMap<(String, String, String), String>,
) -> Result<String, Refusal> {
    let (ty, query) = reference.split_once('?').unwrap_or((reference, ""));
    let Some((system, value)) = identifier_query(query) else {
        return Err(Refusal::invalid(
            &format!("conditional reference '{reference}' must be Type?identifier=system|value"),
            path,
        ));
    };
    let mut ids = w.ids_with_identifier(ty, &system, &value)?;
    if let Some(id) = in_bundle.get(&(ty.to_string(), system, value)) {
        if !ids.contains(id) {
            ids.push(id.clone());
        }
    }
    match ids.as_slice() {
        [id] => Ok(format!("{ty}/{id}")),
        [] => Err(unknown_reference(reference, path, "unknown-reference")),
        _ => Err(multiple_matches(reference, path)),
    }
}

fn unknown_reference(reference: &str, path: &str, reason: &str) -> Refusal {
    let what = match reason {
        "unknown-product" => "血液制品 / blood unit",
        "unknown-patient" => "患者 / patient",
        _ => "记录 / record",
    };
    Refusal::new(
        422,
        "not-found",
        Some(reason),
        &format!("提交引用的{what}（{reference}）在血库中不存在，本次提交未保存任何内容。/ The submission refers to a {} ({reference}) the blood bank does not know; nothing was saved.", what.split(" / ").nth(1).unwrap_or("record")),
        &format!("{path}: '{reference}' does not resolve; transaction rolled back"),
        Some(path),
    )
}

/// Calls `f` on every `reference` string (not inside nested resources) and replaces it with
/// what `f` returns.
fn rewrite(value: &mut Value, path: &str, f: &mut impl FnMut(&str, &str) -> Option<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                let child_path = format!("{path}.{key}");
                if let (true, Value::String(s)) = (key == "reference", &mut *child) {
                    if let Some(new) = f(s, &child_path) {
                        *s = new;
                    }
                } else {
                    // Also a CodeableReference's `reference` object.
                    rewrite(child, &child_path, f);
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                rewrite(item, &format!("{path}[{i}]"), f);
            }
        }
        _ => {}
    }
}
