//! What the blood bank's answer to a transaction means for its records: confirmed, retried,
//! split, re-applied after a version conflict, or quarantined.

use std::time::Duration;

use serde_json::Value;

use bedside_clock::Instant;
use bedside_core::event::BedsideEvent;
use bedside_fhir::bundle::{near_miss_bundle, observations_bundle, start_bundle, update_bundle};
use bedside_fhir::{split_reference, str_at, version_from_etag, UUID_SYSTEM};
use bedside_store::{OutboxRecord, ServerRef, StoreError};

use crate::decide::{decide, Decision};
use crate::http::{Answer, NetError};
use crate::push::{Flow, Prepared};
use crate::{Fetched, Summary, Sync};

impl Sync<'_> {
    fn confirmed(
        &mut self,
        prepared: &Prepared,
        body: &[u8],
        summary: &mut Summary,
    ) -> Result<(), StoreError> {
        let refs = server_refs(&prepared.client_urns, body, summary);
        let seqs: Vec<i64> = prepared.records.iter().map(|r| r.seq).collect();
        self.store.mark_sent_many(&seqs, &refs, &self.clock.now())?;
        summary.pushed += seqs.len();
        Ok(())
    }

    /// Acts on the blood bank's answer to prepared records (posting them first when there is no
    /// answer yet): confirm, retry, split a refused batch, re-apply an update after a conflict,
    /// or quarantine.
    pub(crate) fn settle(
        &mut self,
        mut prepared: Prepared,
        mut answer_so_far: Option<Result<Answer, NetError>>,
        summary: &mut Summary,
    ) -> Result<Flow, StoreError> {
        let Some(first) = prepared.records.first().cloned() else {
            return Ok(Flow::Continue);
        };
        let now = self.clock.now();
        let mut conflict_retried = false;
        let mut attempt = 0;
        loop {
            let answer = answer_so_far
                .take()
                .unwrap_or_else(|| self.http.post_transaction(&prepared.bytes));
            match decide(&answer) {
                Decision::Confirmed => {
                    let body = answer.map(|a| a.body).unwrap_or_default();
                    self.confirmed(&prepared, &body, summary)?;
                    return Ok(Flow::Continue);
                }
                Decision::Retry { after } => {
                    attempt += 1;
                    if let Flow::Stop =
                        self.wait_to_resend(&prepared, &answer, after, attempt, summary)?
                    {
                        return Ok(Flow::Stop);
                    }
                }
                Decision::StopOutbox { reason } => {
                    for record in &prepared.records {
                        self.store.note_attempt_failed(record.seq, &reason)?;
                    }
                    summary.errors.push(reason);
                    return Ok(Flow::Stop);
                }
                _ if prepared.records.len() > 1 => {
                    return self.send_one_by_one(&prepared.records, summary)
                }
                Decision::Conflict if first.event.updates_procedure() && !conflict_retried => {
                    conflict_retried = true;
                    if !self.reapply(&first, &mut prepared, summary)? {
                        return Ok(Flow::Stop);
                    }
                }
                Decision::Conflict => {
                    self.quarantine_conflict(&first, answer, &now, summary)?;
                    return Ok(Flow::Continue);
                }
                // A server may refuse a whole transaction with 400 when one entry's `If-Match`
                // is stale (R5 allows any 4xx for a failed transaction; helios-hfs answers 400
                // "Entry failed with status 412"): the Procedure's version says whether it was.
                Decision::Quarantine { .. }
                    if first.event.updates_procedure()
                        && !conflict_retried
                        && self.if_match_stale(&first, &prepared.bytes, summary)? =>
                {
                    conflict_retried = true;
                    if !self.reapply(&first, &mut prepared, summary)? {
                        return Ok(Flow::Stop);
                    }
                }
                Decision::Quarantine { code, text } => {
                    self.store.quarantine(first.seq, &code, &text, &now)?;
                    summary.quarantined += 1;
                    return Ok(Flow::Continue);
                }
            }
        }
    }

    /// Notes a failed attempt and waits before the `attempt`-th resend; `Stop` (the bytes kept
    /// for the next cycle) once the cycle's tries are used up.
    fn wait_to_resend(
        &mut self,
        prepared: &Prepared,
        answer: &Result<Answer, NetError>,
        after: Option<Duration>,
        attempt: u32,
        summary: &mut Summary,
    ) -> Result<Flow, StoreError> {
        let why = match answer {
            Ok(a) => format!("HTTP {}", a.status),
            Err(e) => e.0.clone(),
        };
        for record in &prepared.records {
            self.store.note_attempt_failed(record.seq, &why)?;
        }
        summary.retried += 1;
        if attempt >= self.settings.attempts.max(1) {
            summary
                .errors
                .push(format!("push stopped: {why}; will resend"));
            return Ok(Flow::Stop);
        }
        (self.sleep)(after.unwrap_or_else(|| self.backoff(attempt - 1)));
        Ok(Flow::Continue)
    }

    /// A refused batch, split: each record gets its own verdict, so only a faulty one is
    /// quarantined.
    fn send_one_by_one(
        &mut self,
        records: &[OutboxRecord],
        summary: &mut Summary,
    ) -> Result<Flow, StoreError> {
        for record in records {
            if let Flow::Stop = self.send(std::slice::from_ref(record), summary)? {
                return Ok(Flow::Stop);
            }
        }
        Ok(Flow::Continue)
    }

    /// The update rebuilt on the Procedure's current version and stored as the bytes to send;
    /// `false` when the current version could not be had.
    fn reapply(
        &mut self,
        record: &OutboxRecord,
        prepared: &mut Prepared,
        summary: &mut Summary,
    ) -> Result<bool, StoreError> {
        let Some(rebuilt) = self.build(record, summary)? else {
            return Ok(false);
        };
        prepared.bytes = rebuilt.to_string();
        self.store.mark_sending(record.seq, &prepared.bytes)?;
        Ok(true)
    }

    /// Whether the Procedure `bytes` update has moved on at the blood bank since the `If-Match`
    /// they carry: the version read now is not the one they were built on.
    fn if_match_stale(
        &mut self,
        record: &OutboxRecord,
        bytes: &str,
        summary: &mut Summary,
    ) -> Result<bool, StoreError> {
        let sent: Value = serde_json::from_str(bytes).unwrap_or(Value::Null);
        let Some(sent_version) = sent["entry"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|e| str_at(e, &["request", "method"]) == Some("PUT"))
            .filter(|e| str_at(e, &["resource", "resourceType"]) == Some("Procedure"))
            .find_map(|e| str_at(e, &["request", "ifMatch"]).and_then(version_from_etag))
        else {
            return Ok(false);
        };
        let path = self.procedure_path(record)?;
        let Fetched::Answer(answer) = self.get(&path, summary) else {
            return Ok(false);
        };
        if answer.status != 200 {
            return Ok(false);
        }
        let mut current: Value = serde_json::from_slice(&answer.body).unwrap_or(Value::Null);
        if str_at(&current, &["resourceType"]) == Some("Bundle") {
            current = current["entry"][0]["resource"].clone();
        }
        let current_version = str_at(&current, &["meta", "versionId"])
            .map(str::to_string)
            .or_else(|| answer.etag.as_deref().and_then(version_from_etag));
        Ok(current_version.is_some_and(|v| v != sent_version))
    }

    /// A second version conflict on the same update: kept, with the blood bank's words.
    fn quarantine_conflict(
        &mut self,
        record: &OutboxRecord,
        answer: Result<Answer, NetError>,
        now: &Instant,
        summary: &mut Summary,
    ) -> Result<(), StoreError> {
        let text = answer
            .ok()
            .and_then(|a| bedside_fhir::outcome::Outcome::parse(&a.body))
            .map(|o| o.text)
            .unwrap_or_else(|| {
                "the record was changed on the blood bank twice while this device updated it".into()
            });
        self.store
            .quarantine(record.seq, "version-conflict", &text, now)?;
        summary.quarantined += 1;
        Ok(())
    }

    /// The bundle for a record. Ends and stops are applied to the Procedure as the blood bank has
    /// it now, read just before, so the `If-Match` is its current version.
    pub(crate) fn build(
        &mut self,
        record: &OutboxRecord,
        summary: &mut Summary,
    ) -> Result<Option<Value>, StoreError> {
        self.build_with(record, None, summary)
    }

    /// `build`, with the Procedure already read (`prefetch`) when the record updates it.
    pub(crate) fn build_with(
        &mut self,
        record: &OutboxRecord,
        procedure: Option<Answer>,
        summary: &mut Summary,
    ) -> Result<Option<Value>, StoreError> {
        let now = self.clock.now();
        let base = self.http.base_url().to_string();
        let bundle = match &record.event {
            BedsideEvent::Started(e) => start_bundle(e, &record.bundle_urn, &base, &now),
            BedsideEvent::ObservationsTaken(e) => observations_bundle(e, &record.bundle_urn, &now),
            BedsideEvent::NearMiss(e) => near_miss_bundle(
                e,
                &record.bundle_urn,
                &now,
                &self.settings.mapping.mrn_system,
            ),
            event @ (BedsideEvent::Ended(_) | BedsideEvent::ReactionReported(_)) => {
                let Some((current, id, version)) =
                    self.current_procedure(record, procedure, summary)?
                else {
                    return Ok(None);
                };
                update_bundle(
                    event,
                    &current,
                    &id,
                    &version,
                    &record.bundle_urn,
                    &base,
                    &now,
                )
            }
        };
        Ok(Some(bundle))
    }

    /// Where the transfusion's Procedure is read: by the blood bank's id once known.
    pub(crate) fn procedure_path(&self, record: &OutboxRecord) -> Result<String, StoreError> {
        Ok(match self.store.server_ref(&record.procedure_urn)? {
            Some(r) => format!("Procedure/{}", r.id),
            None => format!(
                "Procedure?identifier={}",
                urlencoding::encode(&format!("{UUID_SYSTEM}|{}", record.procedure_urn))
            ),
        })
    }

    /// The Procedures that `records` update, read all at once (one round trip instead of one
    /// each); `None` where a record updates none, or where the read did not answer 200 (it is
    /// then read again, with the cycle's retries, when its bundle is built).
    pub(crate) fn prefetch_procedures(
        &self,
        records: &[OutboxRecord],
    ) -> Result<Vec<Option<Answer>>, StoreError> {
        let paths = records
            .iter()
            .map(|r| {
                (r.bundle.is_none() && r.event.updates_procedure())
                    .then(|| self.procedure_path(r))
                    .transpose()
            })
            .collect::<Result<Vec<Option<String>>, StoreError>>()?;
        if paths.iter().flatten().count() < 2 {
            return Ok(vec![None; records.len()]);
        }
        let http = self.http;
        Ok(std::thread::scope(|scope| {
            let reads: Vec<_> = paths
                .iter()
                .map(|path| {
                    path.as_ref()
                        .map(|path| scope.spawn(move || http.get(path, None)))
                })
                .collect();
            reads
                .into_iter()
                .map(|read| {
                    read.and_then(|handle| handle.join().ok())
                        .and_then(Result::ok)
                        .filter(|answer| answer.status == 200)
                })
                .collect()
        }))
    }

    /// The transfusion's Procedure as the blood bank has it: (content, id, version).
    fn current_procedure(
        &mut self,
        record: &OutboxRecord,
        prefetched: Option<Answer>,
        summary: &mut Summary,
    ) -> Result<Option<(Value, String, String)>, StoreError> {
        let fetched = match prefetched {
            Some(answer) => Fetched::Answer(answer),
            None => {
                let path = self.procedure_path(record)?;
                self.get(&path, summary)
            }
        };
        let answer = match fetched {
            Fetched::Answer(a) if a.status == 200 => a,
            Fetched::Answer(a) => {
                summary.errors.push(format!(
                    "cannot read the transfusion record to update: HTTP {}",
                    a.status
                ));
                return Ok(None);
            }
            Fetched::GaveUp(why) => {
                summary.errors.push(format!(
                    "cannot read the transfusion record to update: {why}"
                ));
                return Ok(None);
            }
        };
        let mut value: Value = serde_json::from_slice(&answer.body).unwrap_or(Value::Null);
        if str_at(&value, &["resourceType"]) == Some("Bundle") {
            value = value["entry"][0]["resource"].clone();
        }
        let (Some(id), Some(version)) = (
            str_at(&value, &["id"]).map(str::to_string),
            str_at(&value, &["meta", "versionId"])
                .map(str::to_string)
                .or_else(|| answer.etag.as_deref().and_then(version_from_etag)),
        ) else {
            summary
                .errors
                .push("the blood bank has no record of this transfusion's start".into());
            return Ok(None);
        };
        if str_at(&value, &["status"]) == Some("entered-in-error") {
            self.store.quarantine(
                record.seq,
                "entered-in-error",
                "The blood bank marked this transfusion record as entered in error.",
                &self.clock.now(),
            )?;
            summary.quarantined += 1;
            return Ok(None);
        }
        Ok(Some((value, id, version)))
    }
}

/// Server ids and versions of a confirmed bundle's records, keyed by their client identifiers;
/// warnings attached by the blood bank go to the summary.
fn server_refs(
    client_urns: &[Option<String>],
    response: &[u8],
    summary: &mut Summary,
) -> Vec<ServerRef> {
    let Ok(response) = serde_json::from_slice::<Value>(response) else {
        return Vec::new();
    };
    let empty = Vec::new();
    let responses = response
        .get("entry")
        .and_then(Value::as_array)
        .unwrap_or(&empty);
    let mut refs = Vec::new();
    for (client_urn, res) in client_urns.iter().zip(responses) {
        let location = str_at(res, &["response", "location"]).unwrap_or_default();
        if let (Some(client_urn), Some((ty, id))) = (client_urn, split_reference(location)) {
            let version = str_at(res, &["response", "etag"])
                .and_then(version_from_etag)
                .or_else(|| {
                    location
                        .split_once("/_history/")
                        .map(|(_, v)| v.to_string())
                })
                .unwrap_or_else(|| "1".to_string());
            refs.push(ServerRef {
                client_urn: client_urn.clone(),
                resource_type: ty.to_string(),
                id: id.to_string(),
                version_id: version,
                last_modified: str_at(res, &["response", "lastModified"]).map(str::to_string),
            });
        }
        // Every issue of the outcome is said: a start may be both of a unit no longer issued
        // and of one already started elsewhere.
        if let Some(outcome) = res.get("response").and_then(|r| r.get("outcome")) {
            for issue in outcome["issue"].as_array().into_iter().flatten() {
                let text = issue["details"]["text"].as_str().unwrap_or_default();
                summary.warnings.push(text.to_string());
            }
        }
    }
    refs
}
