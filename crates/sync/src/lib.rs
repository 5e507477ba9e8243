//! Sync with the blood bank: an incremental pull of what was issued to the ward, then a push of
//! the outbox. Every record is marked before it is sent, sent again (same bytes) until the blood
//! bank confirms it, and quarantined with the blood bank's reason when refused — never dropped.

pub mod decide;
pub mod http;

use std::time::Duration;

use serde::Serialize;
use serde_json::Value;

use bedside_clock::{Clock, IdSource, Instant};
use bedside_core::event::BedsideEvent;
use bedside_fhir::bundle::{observations_bundle, start_bundle, transaction_text, update_bundle};
use bedside_fhir::{
    date_time, identifier_value, split_reference, str_at, version_from_etag, UUID_SYSTEM,
};
use bedside_store::{OutboxRecord, ServerRef, Store, StoreError};
use decide::{backoff, decide, Decision};
use http::{Answer, BloodBankHttp, NetError};

#[derive(Debug, Clone)]
pub struct SyncSettings {
    pub base_url: String,
    /// The ward's Location id (`ward-h5`).
    pub ward_id: String,
    pub timeout: Duration,
    pub page_size: usize,
    /// Tries per request within one cycle, and the back-off between them.
    pub attempts: u32,
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    /// `[bloodbank] ca_file`: the hospital's own certificate authority (PEM), trusted besides
    /// the system's.
    pub ca_file: Option<std::path::PathBuf>,
}

impl SyncSettings {
    pub fn new(base_url: &str, ward_id: &str) -> SyncSettings {
        SyncSettings {
            base_url: base_url.to_string(),
            ward_id: ward_id.to_string(),
            timeout: Duration::from_secs(10),
            page_size: 100,
            attempts: 3,
            backoff_base: Duration::from_millis(500),
            backoff_max: Duration::from_secs(8),
            ca_file: None,
        }
    }
}

/// One cycle's account, printed by `bedside sync`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Summary {
    /// Resources new or changed in the cache.
    pub pulled: usize,
    /// Whether every page of the pull arrived (only then does the cache count as fresh).
    pub pull_complete: bool,
    /// Outbox records the blood bank confirmed in this cycle.
    pub pushed: usize,
    /// Sends that failed (network, timeout, 5xx, 429) and were or will be sent again.
    pub retried: usize,
    /// Records refused in this cycle, kept with the blood bank's reason.
    pub quarantined: usize,
    /// Records waiting for a record they depend on (a start not yet confirmed or quarantined).
    pub held: usize,
    /// Records still not confirmed after this cycle (including held ones).
    pub unsent: usize,
    /// Warnings the blood bank attached to stored records (e.g. a recalled unit transfused).
    pub warnings: Vec<String>,
    /// Why the cycle could not finish, in words.
    pub errors: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Net(#[from] NetError),
}

pub struct Sync<'a> {
    pub store: &'a mut Store,
    pub http: &'a BloodBankHttp,
    pub settings: &'a SyncSettings,
    pub clock: &'a dyn Clock,
    /// Identifiers for batch bundles.
    pub ids: &'a dyn IdSource,
    /// How to wait between retries (a real sleep; tests may pass a no-op).
    pub sleep: &'a dyn Fn(Duration),
}

/// A search answer's Bundle; `None` for anything else (not JSON, another resource, an HTML error
/// page with status 200 from a proxy).
fn search_bundle(body: &[u8]) -> Option<Value> {
    let value: Value = serde_json::from_slice(body).ok()?;
    (str_at(&value, &["resourceType"]) == Some("Bundle")).then_some(value)
}

/// A searchset's `link[relation=next]`, the URL of its next page.
fn next_link(bundle: &Value) -> Option<String> {
    bundle
        .get("link")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|l| str_at(l, &["relation"]) == Some("next"))
        .and_then(|l| str_at(l, &["url"]))
        .map(str::to_string)
}

enum Fetched {
    Answer(Answer),
    GaveUp(String),
}

impl Sync<'_> {
    /// One cycle: check the server, pull, push. Store errors end the cycle with an error; the
    /// network's problems are counted in the summary.
    pub fn run_cycle(&mut self) -> Result<Summary, StoreError> {
        let mut summary = Summary::default();
        match self.check_server(&mut summary) {
            // The blood bank's clock at this pull, beside the device's: the check trusts the
            // device clock only while the two agree (`CLOCK_UNTRUSTED`).
            Ok(Some(server)) => self.store.note_server_clock(&server, &self.clock.now())?,
            Ok(None) => {}
            Err(problem) => {
                summary.errors.push(problem);
                summary.unsent = self.store.unsent()?.len();
                return Ok(summary);
            }
        }
        self.pull(&mut summary)?;
        self.push(&mut summary)?;
        summary.unsent = self.store.unsent()?.len();
        Ok(summary)
    }

    /// Only the push: what the app does right after a nurse records something, without waiting
    /// for the next pull.
    pub fn push_cycle(&mut self) -> Result<Summary, StoreError> {
        let mut summary = Summary::default();
        self.push(&mut summary)?;
        summary.unsent = self.store.unsent()?.len();
        Ok(summary)
    }

    /// A GET with the cycle's retries.
    fn get(&self, path: &str, summary: &mut Summary) -> Fetched {
        let mut last = String::new();
        for attempt in 0..self.settings.attempts.max(1) {
            let answer = self.http.get(path, None);
            match (&answer, decide(&answer)) {
                (Ok(a), Decision::Confirmed) => return Fetched::Answer(a.clone()),
                (Ok(a), Decision::Retry { after }) => {
                    last = format!("HTTP {}", a.status);
                    summary.retried += 1;
                    (self.sleep)(after.unwrap_or_else(|| self.backoff(attempt)));
                }
                (Err(e), _) => {
                    last = e.0.clone();
                    summary.retried += 1;
                    (self.sleep)(self.backoff(attempt));
                }
                (Ok(a), _) => return Fetched::Answer(a.clone()),
            }
        }
        Fetched::GaveUp(last)
    }

    fn backoff(&self, attempt: u32) -> Duration {
        backoff(
            attempt,
            self.settings.backoff_base,
            self.settings.backoff_max,
        )
    }

    /// The CapabilityStatement must say FHIR 5.0.x; anything else is the wrong server. Returns
    /// the server's clock when it sent its `Date`.
    fn check_server(&self, summary: &mut Summary) -> Result<Option<Instant>, String> {
        let answer = match self.get("metadata", summary) {
            Fetched::Answer(a) => a,
            // Reached, but not trusted: the words say so themselves.
            Fetched::GaveUp(why) if why.starts_with("certificate not trusted") => return Err(why),
            Fetched::GaveUp(why) => return Err(format!("blood bank unreachable: {why}")),
        };
        if answer.status != 200 {
            return Err(format!(
                "the blood bank's metadata answers HTTP {}: check the URL in the configuration",
                answer.status
            ));
        }
        let cs: Value = serde_json::from_slice(&answer.body)
            .map_err(|_| "the blood bank's metadata is not JSON: check the URL".to_string())?;
        match str_at(&cs, &["fhirVersion"]) {
            Some(v) if v.starts_with("5.0.") => Ok(answer.date),
            other => Err(format!(
                "the blood bank speaks FHIR {} but this device needs 5.0.x: sync refused",
                other.unwrap_or("(unknown)")
            )),
        }
    }

    fn pull(&mut self, summary: &mut Summary) -> Result<(), StoreError> {
        let now = self.clock.now();
        let since = match self.store.watermark()? {
            Some(w) => w,
            None => date_time(&(now - chrono::Duration::hours(48))),
        };
        let mut url = format!(
            "BiologicallyDerivedProductDispense?destination={}&_include=BiologicallyDerivedProductDispense:product&_include=BiologicallyDerivedProductDispense:patient&_lastUpdated=ge{}&_sort=_lastUpdated&_count={}",
            urlencoding::encode(&format!("Location/{}", self.settings.ward_id)),
            urlencoding::encode(&since),
            self.settings.page_size
        );
        let mut patients = std::collections::BTreeSet::new();
        loop {
            let answer = match self.get(&url, summary) {
                Fetched::Answer(a) if a.status == 200 => a,
                Fetched::Answer(a) => {
                    summary
                        .errors
                        .push(format!("pull refused: HTTP {}", a.status));
                    return Ok(());
                }
                Fetched::GaveUp(why) => {
                    summary.errors.push(format!("pull not finished: {why}"));
                    return Ok(());
                }
            };
            let Some(bundle) = search_bundle(&answer.body) else {
                summary
                    .errors
                    .push("pull: the blood bank's answer is not a FHIR Bundle".into());
                return Ok(());
            };
            let entries = bundle
                .get("entry")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let mut resources = Vec::new();
            let mut matches_lu = Vec::new();
            for entry in &entries {
                let Some(resource) = entry.get("resource") else {
                    continue;
                };
                if str_at(entry, &["search", "mode"]) == Some("match") {
                    if let Some(lu) = str_at(resource, &["meta", "lastUpdated"]) {
                        matches_lu.push(lu.to_string());
                    }
                    if let Some(p) =
                        str_at(resource, &["patient", "reference"]).and_then(split_reference)
                    {
                        patients.insert(format!("{}/{}", p.0, p.1));
                    }
                }
                resources.push(resource.clone());
            }
            summary.pulled += self.store.store_pulled(&resources, &matches_lu)?;
            match next_link(&bundle) {
                Some(next) => url = next,
                None => break,
            }
        }
        // Blood group results and orders (contract §2.3) of the pull's patients and of every
        // patient with a unit still issued on the device: a requirement added to an order, or a
        // group result corrected, after the unit was issued changes no dispense, and must still
        // arrive before the unit is hung. In chunks so that a URL stays short.
        patients.extend(self.store.issued_patient_refs()?);
        let patients: Vec<String> = patients.into_iter().collect();
        for chunk in patients.chunks(40) {
            let list = urlencoding::encode(&chunk.join(",")).into_owned();
            for path in [
                format!(
                    "Observation?patient={list}&code={}",
                    urlencoding::encode("http://loinc.org|882-1")
                ),
                // Every status: a completed or revoked order still says what the patient
                // needs, and a dispense whose order is missing is held (fhir::issue).
                format!("ServiceRequest?patient={list}"),
            ] {
                if !self.pull_all_pages(path, summary)? {
                    return Ok(());
                }
            }
        }
        self.store.pull_completed(&self.clock.now())?;
        summary.pull_complete = true;
        Ok(())
    }

    /// Every page of one follow-up search (§2.3), stored as it comes; `false` (with the error
    /// in the summary) when a page could not be had or is not a FHIR Bundle. A server that pages
    /// these searches puts the rest behind `link[relation=next]`: a result or an order left on
    /// page 2 would leave a corrected blood group or a requirement unseen in a cache that calls
    /// itself fresh.
    fn pull_all_pages(&mut self, first: String, summary: &mut Summary) -> Result<bool, StoreError> {
        let mut url = first;
        loop {
            let answer = match self.get(&url, summary) {
                Fetched::Answer(a) if a.status == 200 => a,
                Fetched::Answer(a) => {
                    summary
                        .errors
                        .push(format!("pull of patient data refused: HTTP {}", a.status));
                    return Ok(false);
                }
                Fetched::GaveUp(why) => {
                    summary
                        .errors
                        .push(format!("pull of patient data not finished: {why}"));
                    return Ok(false);
                }
            };
            let Some(bundle) = search_bundle(&answer.body) else {
                // Not a page of results: the cache is not complete, so not fresh.
                summary.errors.push(
                    "pull of patient data: the blood bank's answer is not a FHIR Bundle".into(),
                );
                return Ok(false);
            };
            let resources: Vec<Value> = bundle
                .get("entry")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|e| e.get("resource").cloned())
                .collect();
            summary.pulled += self.store.store_pulled(&resources, &[])?;
            match next_link(&bundle) {
                Some(next) if next == url => {
                    summary.errors.push(
                        "pull of patient data: the blood bank's next page is the same page".into(),
                    );
                    return Ok(false);
                }
                Some(next) => url = next,
                None => return Ok(true),
            }
        }
    }

    /// Sends the outbox in order. Consecutive observation rounds go together in one transaction
    /// (up to `BATCH_ROUNDS`), and while the blood bank stores one batch the device prepares
    /// the next: a ward back online after a night without Wi-Fi has thousands of rounds, and one
    /// round trip each would take minutes. Every entry is still a conditional create on its own
    /// identifier, so a batch is as safe to resend, or to split, as a single round.
    fn push(&mut self, summary: &mut Summary) -> Result<(), StoreError> {
        let http = self.http;
        std::thread::scope(|scope| {
            let mut in_flight: Option<InFlight> = None;
            let mut rounds: Vec<OutboxRecord> = Vec::new();
            // A confirmed start stays confirmed: asked once per transfusion, not per round.
            let mut started = std::collections::HashSet::new();
            for record in self.store.unsent()? {
                if !matches!(record.event, BedsideEvent::Started(_))
                    && !started.contains(&record.procedure_urn)
                {
                    match self.store.start_state(&record.procedure_urn)?.as_deref() {
                        Some("sent") => {
                            started.insert(record.procedure_urn.clone());
                        }
                        Some(_) => {
                            summary.held += 1;
                            continue;
                        }
                        None => {}
                    }
                }
                let flow = if let BedsideEvent::ObservationsTaken(_) = record.event {
                    rounds.push(record);
                    if rounds.len() < BATCH_ROUNDS {
                        continue;
                    }
                    let batch = std::mem::take(&mut rounds);
                    self.post_in_background(scope, http, batch, &mut in_flight, summary)?
                } else {
                    // Ends and reactions update the Procedure: everything before them lands first.
                    let batch = std::mem::take(&mut rounds);
                    match self.post_in_background(scope, http, batch, &mut in_flight, summary)? {
                        Flow::Continue => match self.land(in_flight.take(), summary)? {
                            Flow::Continue => self.send(&[record], summary)?,
                            Flow::Stop => Flow::Stop,
                        },
                        Flow::Stop => Flow::Stop,
                    }
                };
                if let Flow::Stop = flow {
                    self.land(in_flight.take(), summary)?;
                    return Ok(());
                }
            }
            if let Flow::Continue =
                self.post_in_background(scope, http, rounds, &mut in_flight, summary)?
            {
                self.land(in_flight.take(), summary)?;
            }
            Ok(())
        })
    }

    /// Prepares `records` and posts them on a helper thread; then lands the batch that was in
    /// flight before, so the device's bookkeeping overlaps the blood bank's work.
    fn post_in_background<'scope>(
        &mut self,
        scope: &'scope std::thread::Scope<'scope, '_>,
        http: &'scope BloodBankHttp,
        records: Vec<OutboxRecord>,
        in_flight: &mut Option<InFlight<'scope>>,
        summary: &mut Summary,
    ) -> Result<Flow, StoreError> {
        if records.is_empty() {
            return Ok(Flow::Continue);
        }
        let Some(prepared) = self.prepare(records, summary)? else {
            return Ok(Flow::Stop);
        };
        let bytes = prepared.bytes.clone();
        let answer = scope.spawn(move || http.post_transaction(&bytes));
        self.land(in_flight.replace(InFlight { prepared, answer }), summary)
    }

    /// Takes in the answer to a batch in flight.
    fn land(
        &mut self,
        in_flight: Option<InFlight>,
        summary: &mut Summary,
    ) -> Result<Flow, StoreError> {
        let Some(InFlight { prepared, answer }) = in_flight else {
            return Ok(Flow::Continue);
        };
        let answer = answer
            .join()
            .unwrap_or_else(|_| Err(NetError("the sending thread failed".into())));
        self.settle(prepared, Some(answer), summary)
    }

    /// Builds the bundle of each record (unless stored already), stores them all before any is
    /// sent, and joins several into one transaction.
    fn prepare(
        &mut self,
        mut records: Vec<OutboxRecord>,
        summary: &mut Summary,
    ) -> Result<Option<Prepared>, StoreError> {
        let now = self.clock.now();
        let mut entries = Vec::new();
        let mut client_urns = Vec::new();
        for record in &mut records {
            let bundle = match &record.bundle {
                Some(bytes) => serde_json::from_str(bytes).unwrap_or(Value::Null),
                None => match self.build(record, summary)? {
                    Some(bundle) => bundle,
                    None => return Ok(None),
                },
            };
            let own: Vec<String> = match bundle.get("entry") {
                Some(Value::Array(own)) => {
                    client_urns.extend(own.iter().map(client_urn));
                    own.iter().map(Value::to_string).collect()
                }
                _ => Vec::new(),
            };
            if record.bundle.is_none() {
                record.bundle = Some(transaction_text(&record.bundle_urn, &now, &own));
            }
            entries.extend(own);
        }
        let own: Vec<(i64, &str)> = records
            .iter()
            .map(|r| (r.seq, r.bundle.as_deref().unwrap_or_default()))
            .collect();
        self.store.mark_sending_many(&own)?;
        let bytes = match records.as_slice() {
            [one] => one.bundle.clone().unwrap_or_default(),
            _ => {
                let urn = format!("urn:uuid:{}", self.ids.new_uuid());
                transaction_text(&urn, &now, &entries)
            }
        };
        Ok(Some(Prepared {
            records,
            bytes,
            client_urns,
        }))
    }

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

    /// Sends one record, or a batch of observation rounds as one transaction, retrying within
    /// the cycle. A batch the blood bank refuses is split, so that each record gets its own
    /// verdict and only the faulty one is quarantined.
    fn send(
        &mut self,
        records: &[OutboxRecord],
        summary: &mut Summary,
    ) -> Result<Flow, StoreError> {
        match self.prepare(records.to_vec(), summary)? {
            Some(prepared) => self.settle(prepared, None, summary),
            None => Ok(Flow::Stop),
        }
    }

    /// Acts on the blood bank's answer to prepared records (posting them first when there is no
    /// answer yet): confirm, retry, split a refused batch, re-apply an update after a conflict,
    /// or quarantine.
    fn settle(
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
                    let why = match &answer {
                        Ok(a) => format!("HTTP {}", a.status),
                        Err(e) => e.0.clone(),
                    };
                    for record in &prepared.records {
                        self.store.note_attempt_failed(record.seq, &why)?;
                    }
                    summary.retried += 1;
                    attempt += 1;
                    if attempt >= self.settings.attempts.max(1) {
                        summary
                            .errors
                            .push(format!("push stopped: {why}; will resend"));
                        return Ok(Flow::Stop);
                    }
                    (self.sleep)(after.unwrap_or_else(|| self.backoff(attempt - 1)));
                }
                Decision::StopOutbox { reason } => {
                    for record in &prepared.records {
                        self.store.note_attempt_failed(record.seq, &reason)?;
                    }
                    summary.errors.push(reason);
                    return Ok(Flow::Stop);
                }
                _ if prepared.records.len() > 1 => {
                    for record in &prepared.records {
                        if let Flow::Stop = self.send(std::slice::from_ref(record), summary)? {
                            return Ok(Flow::Stop);
                        }
                    }
                    return Ok(Flow::Continue);
                }
                Decision::Conflict if first.event.updates_procedure() && !conflict_retried => {
                    conflict_retried = true;
                    match self.build(&first, summary)? {
                        Some(rebuilt) => {
                            prepared.bytes = rebuilt.to_string();
                            self.store.mark_sending(first.seq, &prepared.bytes)?;
                        }
                        None => return Ok(Flow::Stop),
                    }
                }
                Decision::Conflict => {
                    let text = answer
                        .ok()
                        .and_then(|a| bedside_fhir::outcome::Outcome::parse(&a.body))
                        .map(|o| o.text)
                        .unwrap_or_else(|| "the record was changed on the blood bank twice while this device updated it".into());
                    self.store
                        .quarantine(first.seq, "version-conflict", &text, &now)?;
                    summary.quarantined += 1;
                    return Ok(Flow::Continue);
                }
                Decision::Quarantine { code, text } => {
                    self.store.quarantine(first.seq, &code, &text, &now)?;
                    summary.quarantined += 1;
                    return Ok(Flow::Continue);
                }
            }
        }
    }

    /// The bundle for a record. Ends and stops are applied to the Procedure as the blood bank has
    /// it now, read just before, so the `If-Match` is its current version.
    fn build(
        &mut self,
        record: &OutboxRecord,
        summary: &mut Summary,
    ) -> Result<Option<Value>, StoreError> {
        let now = self.clock.now();
        let base = self.http.base_url().to_string();
        let bundle = match &record.event {
            BedsideEvent::Started(e) => start_bundle(e, &record.bundle_urn, &base, &now),
            BedsideEvent::ObservationsTaken(e) => observations_bundle(e, &record.bundle_urn, &now),
            event @ (BedsideEvent::Ended(_) | BedsideEvent::ReactionReported(_)) => {
                let Some((current, id, version)) = self.current_procedure(record, summary)? else {
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

    /// The transfusion's Procedure as the blood bank has it: (content, id, version).
    fn current_procedure(
        &mut self,
        record: &OutboxRecord,
        summary: &mut Summary,
    ) -> Result<Option<(Value, String, String)>, StoreError> {
        let path = match self.store.server_ref(&record.procedure_urn)? {
            Some(r) => format!("Procedure/{}", r.id),
            None => format!(
                "Procedure?identifier={}",
                urlencoding::encode(&format!("{UUID_SYSTEM}|{}", record.procedure_urn))
            ),
        };
        let answer = match self.get(&path, summary) {
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
                "血库已将该输血记录标为录入错误。/ The blood bank marked this transfusion record as entered in error.",
                &self.clock.now(),
            )?;
            summary.quarantined += 1;
            return Ok(None);
        }
        Ok(Some((value, id, version)))
    }
}

/// Observation rounds per transaction when a backlog is sent: 250 vital signs, about 300 kB.
pub const BATCH_ROUNDS: usize = 50;

/// Records with their bundles stored, the bytes that go out for them, and the client identifier
/// of each entry in those bytes (to file the server's ids under).
struct Prepared {
    records: Vec<OutboxRecord>,
    bytes: String,
    client_urns: Vec<Option<String>>,
}

struct InFlight<'scope> {
    prepared: Prepared,
    answer: std::thread::ScopedJoinHandle<'scope, Result<Answer, NetError>>,
}

/// The client's own identifier of a bundle entry's resource (Provenance has none: its id).
fn client_urn(entry: &Value) -> Option<String> {
    let resource = entry.get("resource")?;
    identifier_value(resource, UUID_SYSTEM)
        .map(str::to_string)
        .or_else(|| str_at(resource, &["id"]).map(|id| format!("urn:uuid:{id}")))
}

enum Flow {
    Continue,
    Stop,
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
