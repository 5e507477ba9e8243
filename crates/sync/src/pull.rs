//! The pull: the dispenses issued to the ward since the watermark (with their products and
//! patients), then the blood group results and orders of every patient with a unit issued.

use std::collections::BTreeSet;

use serde_json::Value;

use bedside_fhir::{date_time, plain_reference, str_at, ResourceKey};
use bedside_store::StoreError;

use crate::http::{is_absolute, within_base};
use crate::{Fetched, PullEnd, Summary, Sync};

/// A page of the dispense search as it came.
enum Page {
    Bundle(Value, Option<bedside_clock::Instant>),
    Refused,
    GaveUp(String),
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

impl Sync<'_> {
    /// A searchset's next page, when it is the blood bank's own. A next page at another address
    /// is refused, not followed: its answer would enter the cache as the ward's units, and the
    /// device's token is not sent there.
    fn next_page(&self, bundle: &Value) -> Result<Option<String>, String> {
        let Some(next) = next_link(bundle) else {
            return Ok(None);
        };
        if is_absolute(&next) && !within_base(self.http.base_url(), &next) {
            return Err(format!(
                "the blood bank's next page is at another address ({next}), not under {}: the blood bank's base URL setting must be the address this device uses",
                self.http.base_url()
            ));
        }
        Ok(Some(next))
    }

    pub(crate) fn pull(&mut self, summary: &mut Summary) -> Result<PullEnd, StoreError> {
        let mut patients = match self.pull_dispenses(summary)? {
            Ok(patients) => patients,
            Err(end) => return Ok(end),
        };
        // Blood group results and orders (contract §2.3) of the pull's patients and of every
        // patient with a unit still issued on the device: a requirement added to an order, or a
        // group result corrected, after the unit was issued changes no dispense, and must still
        // arrive before the unit is hung.
        patients.extend(self.store.issued_patient_refs()?);
        if !self.pull_patient_data(patients, summary)? {
            return Ok(PullEnd::Incomplete);
        }
        self.store.pull_completed(&self.clock.now())?;
        summary.pull_complete = true;
        Ok(PullEnd::Complete)
    }

    /// The first page of the ward's dispenses changed since the watermark (the last 48 hours on
    /// a device that never pulled).
    fn dispenses_since_watermark(&self) -> Result<String, StoreError> {
        let now = self.clock.now();
        let since = match self.store.watermark()? {
            Some(w) => w,
            None => date_time(&(now - chrono::Duration::hours(48))),
        };
        Ok(format!(
            "BiologicallyDerivedProductDispense?destination={}&_include=BiologicallyDerivedProductDispense:product&_include=BiologicallyDerivedProductDispense:patient&_lastUpdated=ge{}&_sort=_lastUpdated&_count={}",
            urlencoding::encode(&format!("Location/{}", self.settings.ward_id)),
            urlencoding::encode(&since),
            self.settings.page_size
        ))
    }

    /// Every page of the ward's dispenses, stored as it comes: the patients they are for, or how
    /// the pull ended (with the error in the summary) when a page could not be had. The first
    /// page's `Date` is the blood bank's clock at this pull, kept beside the device's: the check
    /// trusts the device clock only while the two agree (`CLOCK_UNTRUSTED`).
    fn pull_dispenses(
        &mut self,
        summary: &mut Summary,
    ) -> Result<Result<BTreeSet<String>, PullEnd>, StoreError> {
        let mut url = self.dispenses_since_watermark()?;
        let mut patients = BTreeSet::new();
        let mut first = true;
        loop {
            let bundle = match self.dispense_page(&url, summary) {
                Page::Bundle(bundle, date) => {
                    if let (true, Some(server)) = (first, date) {
                        self.store.note_server_clock(&server, &self.clock.now())?;
                    }
                    bundle
                }
                Page::GaveUp(why) if first => {
                    summary.errors.push(crate::unreachable(why));
                    return Ok(Err(PullEnd::Unreachable));
                }
                Page::GaveUp(why) => {
                    summary.errors.push(format!("pull not finished: {why}"));
                    return Ok(Err(PullEnd::Incomplete));
                }
                Page::Refused => return Ok(Err(PullEnd::Incomplete)),
            };
            first = false;
            summary.pulled += self.store_dispense_page(&bundle, &mut patients)?;
            match self.next_page(&bundle) {
                Ok(Some(next)) => url = next,
                Ok(None) => return Ok(Ok(patients)),
                Err(why) => {
                    summary.errors.push(format!("pull not finished: {why}"));
                    return Ok(Err(PullEnd::Incomplete));
                }
            }
        }
    }

    /// One page of the dispense search with the server's `Date`; a refusal's reason goes in the
    /// summary, the network's is returned.
    fn dispense_page(&self, url: &str, summary: &mut Summary) -> Page {
        let answer = match self.get(url, summary) {
            Fetched::Answer(a) if a.status == 200 => a,
            Fetched::Answer(a) => {
                summary
                    .errors
                    .push(format!("pull refused: HTTP {}", a.status));
                return Page::Refused;
            }
            Fetched::GaveUp(why) => return Page::GaveUp(why),
        };
        match search_bundle(&answer.body) {
            Some(bundle) => Page::Bundle(bundle, answer.date),
            None => {
                summary
                    .errors
                    .push("pull: the blood bank's answer is not a FHIR Bundle".into());
                Page::Refused
            }
        }
    }

    /// Stores a page's resources and moves the watermark up to its matches' `lastUpdated`;
    /// the matches' patients join `patients`. Returns how many resources were new or changed.
    fn store_dispense_page(
        &mut self,
        bundle: &Value,
        patients: &mut BTreeSet<String>,
    ) -> Result<usize, StoreError> {
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
                    str_at(resource, &["patient", "reference"]).and_then(plain_reference)
                {
                    patients.insert(p);
                }
            }
            resources.push(resource.clone());
        }
        self.store.store_pulled(&resources, &matches_lu)
    }

    /// The blood group results and orders of `patients`, in chunks so that a URL stays short;
    /// `false` when a page could not be had.
    fn pull_patient_data(
        &mut self,
        patients: BTreeSet<String>,
        summary: &mut Summary,
    ) -> Result<bool, StoreError> {
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
                if self.pull_all_pages(path, summary)?.is_none() {
                    return Ok(false);
                }
            }
            // The beds: read aloud among the eight matches, never a check input. A blood bank
            // that cannot say them (its error is in the summary) leaves the pull complete: the
            // checkers read the bed from the chart, as they always do.
            let encounters = format!("Encounter?patient={list}&status=in-progress");
            if let Some(in_progress) = self.pull_all_pages(encounters, summary)? {
                // A stay no longer in progress is no longer answered: its bed leaves the cache,
                // or a patient readmitted, or moved to a new stay, would show the old bed.
                self.store.forget_encounters_except(chunk, &in_progress)?;
            }
        }
        Ok(true)
    }

    /// Every page of one follow-up search (§2.3), stored as it comes: the `Type/id` of every
    /// resource answered, or `None` (with the error in the summary) when a page could not be had
    /// or is not a FHIR Bundle. A server that pages
    /// these searches puts the rest behind `link[relation=next]`: a result or an order left on
    /// page 2 would leave a corrected blood group or a requirement unseen in a cache that calls
    /// itself fresh.
    fn pull_all_pages(
        &mut self,
        first: String,
        summary: &mut Summary,
    ) -> Result<Option<BTreeSet<String>>, StoreError> {
        let mut url = first;
        let mut answered = BTreeSet::new();
        loop {
            let answer = match self.get(&url, summary) {
                Fetched::Answer(a) if a.status == 200 => a,
                Fetched::Answer(a) => {
                    summary
                        .errors
                        .push(format!("pull of patient data refused: HTTP {}", a.status));
                    return Ok(None);
                }
                Fetched::GaveUp(why) => {
                    summary
                        .errors
                        .push(format!("pull of patient data not finished: {why}"));
                    return Ok(None);
                }
            };
            let Some(bundle) = search_bundle(&answer.body) else {
                // Not a page of results: the cache is not complete, so not fresh.
                summary.errors.push(
                    "pull of patient data: the blood bank's answer is not a FHIR Bundle".into(),
                );
                return Ok(None);
            };
            let resources: Vec<Value> = bundle
                .get("entry")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|e| e.get("resource").cloned())
                .collect();
            answered.extend(
                resources
                    .iter()
                    .filter_map(ResourceKey::of)
                    .map(|k| format!("{}/{}", k.resource_type, k.id)),
            );
            summary.pulled += self.store.store_pulled(&resources, &[])?;
            match self.next_page(&bundle) {
                Ok(Some(next)) if next == url => {
                    summary.errors.push(
                        "pull of patient data: the blood bank's next page is the same page".into(),
                    );
                    return Ok(None);
                }
                Ok(Some(next)) => url = next,
                Ok(None) => return Ok(Some(answered)),
                Err(why) => {
                    summary
                        .errors
                        .push(format!("pull of patient data not finished: {why}"));
                    return Ok(None);
                }
            }
        }
    }
}
