//! Sync with the blood bank: an incremental pull of what was issued to the ward, then a push of
//! the outbox. Every record is marked before it is sent, sent again (same bytes) until the blood
//! bank confirms it, and quarantined with the blood bank's reason when refused — never dropped.

pub mod decide;
pub mod http;
pub mod problem;
mod pull;
mod push;
mod settle;
pub mod smart;

use std::time::Duration;

use serde::Serialize;
use serde_json::Value;

use bedside_clock::{Clock, IdSource, Instant};
use bedside_fhir::str_at;
use bedside_store::{Store, StoreError};
use decide::{decide, jittered, Decision};
use http::{Answer, NetError, Transport};

pub use push::BATCH_ROUNDS;

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
    /// `[bloodbank] token_file`: the device's bearer token, sent with every request.
    pub token_file: Option<std::path::PathBuf>,
    /// `[bloodbank] client_id` and its key: SMART Backend Services (preferred over a token file).
    pub smart: Option<smart::SmartSettings>,
    /// The policy's `outbox_retention_days`: confirmed records older than this move to the
    /// outbox's archive after each cycle (`Store::archive_confirmed`).
    pub outbox_retention_days: i64,
    /// `[mapping]`: how the cached resources are read on the link's own connection.
    pub mapping: bedside_fhir::mapping::Mapping,
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
            token_file: None,
            smart: None,
            outbox_retention_days: bedside_core::policy::Policy::default().outbox_retention_days,
            mapping: Default::default(),
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
    /// Confirmed records moved to the outbox's archive after this cycle (retention passed).
    pub archived: usize,
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
    pub http: &'a dyn Transport,
    pub settings: &'a SyncSettings,
    pub clock: &'a dyn Clock,
    /// Identifiers for batch bundles, and the back-off's jitter.
    pub ids: &'a dyn IdSource,
    /// How to wait between retries (a real sleep; tests may pass a no-op).
    pub sleep: &'a dyn Fn(Duration),
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
        summary.archived = self
            .store
            .archive_confirmed(&self.clock.now(), self.settings.outbox_retention_days)?
            .records;
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

    /// The wait before the next try: the exponential back-off with jitter drawn from the
    /// cycle's injected `ids` (never a random generator called here).
    fn backoff(&self, attempt: u32) -> Duration {
        jittered(
            attempt,
            self.settings.backoff_base,
            self.settings.backoff_max,
            self.ids.fraction(),
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
}

/// The cycle's own rules against a scripted blood bank: no server, no socket.
#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::sync::Mutex;

    use bedside_clock::ManualClock;

    use super::*;

    /// Answers in order, then the last one again; records every request.
    struct Scripted {
        answers: Vec<Result<Answer, NetError>>,
        asked: Mutex<Vec<String>>,
    }

    impl Scripted {
        fn new(answers: Vec<Result<Answer, NetError>>) -> Scripted {
            Scripted {
                answers,
                asked: Mutex::new(Vec::new()),
            }
        }
        fn next(&self, what: String) -> Result<Answer, NetError> {
            let mut asked = self.asked.lock().unwrap();
            asked.push(what);
            let i = (asked.len() - 1).min(self.answers.len() - 1);
            self.answers[i].clone()
        }
        fn asked(&self) -> Vec<String> {
            self.asked.lock().unwrap().clone()
        }
    }

    impl Transport for Scripted {
        fn base_url(&self) -> &str {
            "http://blood-bank.test/fhir"
        }
        fn get(&self, path_or_url: &str, _: Option<&str>) -> Result<Answer, NetError> {
            self.next(format!("GET {path_or_url}"))
        }
        fn post_transaction(&self, _: &str) -> Result<Answer, NetError> {
            self.next("POST".into())
        }
    }

    fn answer(status: u16, body: &str) -> Answer {
        Answer {
            status,
            etag: None,
            retry_after: None,
            date: None,
            body: body.as_bytes().to_vec(),
        }
    }

    /// One cycle against `transport`; the waits it asked for instead of sleeping.
    fn cycle(transport: &Scripted) -> (Summary, Vec<Duration>, Store) {
        cycle_with(transport, &bedside_clock::RandomIds)
    }

    /// The jitter's draws, in order (then 0.0): a test's reproducible randomness.
    struct Draws(Mutex<Vec<f64>>);

    impl IdSource for Draws {
        fn new_uuid(&self) -> bedside_clock::Uuid {
            bedside_clock::Uuid::nil()
        }
        fn fraction(&self) -> f64 {
            let mut draws = self.0.lock().unwrap();
            if draws.is_empty() {
                0.0
            } else {
                draws.remove(0)
            }
        }
    }

    fn cycle_with(transport: &Scripted, ids: &dyn IdSource) -> (Summary, Vec<Duration>, Store) {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("device.db")).unwrap();
        let settings = SyncSettings::new(transport.base_url(), "ward-h5");
        let clock =
            ManualClock::at(Instant::parse_from_rfc3339("2026-12-04T08:00:00+08:00").unwrap());
        let waits = RefCell::new(Vec::new());
        let summary = Sync {
            store: &mut store,
            http: transport,
            settings: &settings,
            clock: &clock,
            ids,
            sleep: &|d| waits.borrow_mut().push(d),
        }
        .run_cycle()
        .unwrap();
        (summary, waits.into_inner(), store)
    }

    #[test]
    fn an_unreachable_blood_bank_is_tried_with_growing_waits_then_said_and_nothing_is_fresh() {
        let transport = Scripted::new(vec![Err(NetError("connection refused".into()))]);
        let (summary, waits, store) = cycle(&transport);
        assert_eq!(transport.asked(), vec!["GET metadata"; 3], "three tries");
        assert!(waits.windows(2).all(|w| w[0] < w[1]), "{waits:?}");
        assert!(
            summary.errors[0].contains("unreachable") && summary.errors[0].contains("refused"),
            "{summary:?}"
        );
        assert!(!summary.pull_complete);
        assert_eq!(store.cache_synced_at().unwrap(), None);
    }

    #[test]
    fn the_waits_are_jittered_by_the_injected_source_within_half_and_all_of_the_back_off() {
        let refused = || Scripted::new(vec![Err(NetError("connection refused".into()))]);
        let draws = Draws(Mutex::new(vec![0.0, 0.5, 0.999]));
        let (_, waits, _) = cycle_with(&refused(), &draws);
        // Back-off 500 ms, 1 s, 2 s (the settings' base and cap of 8 s).
        assert_eq!(
            waits,
            [
                Duration::from_millis(250),
                Duration::from_millis(750),
                Duration::from_millis(1000) + Duration::from_millis(1000).mul_f64(0.999),
            ]
        );
        // The system's randomness: every wait within its bounds, and two cycles differ.
        let (_, first, _) = cycle(&refused());
        let (_, second, _) = cycle(&refused());
        for waits in [&first, &second] {
            for (attempt, wait) in waits.iter().enumerate() {
                let full = Duration::from_millis(500) * 2u32.pow(attempt as u32);
                assert!(*wait >= full / 2 && *wait < full, "{attempt}: {wait:?}");
            }
        }
        assert_ne!(first, second, "jitter varies");
    }

    #[test]
    fn a_throttling_blood_bank_is_waited_for_as_long_as_it_asks() {
        let mut busy = answer(429, "");
        busy.retry_after = Some(Duration::from_secs(7));
        let old = answer(
            200,
            r#"{"resourceType":"CapabilityStatement","fhirVersion":"4.0.1"}"#,
        );
        let transport = Scripted::new(vec![Ok(busy), Ok(old)]);
        let (summary, waits, _) = cycle(&transport);
        assert_eq!(waits, vec![Duration::from_secs(7)]);
        // A server of another FHIR version is refused before anything is pulled or sent.
        assert_eq!(transport.asked().len(), 2);
        assert!(summary.errors[0].contains("needs 5.0.x"), "{summary:?}");
        assert_eq!(summary.pulled, 0);
    }
}
