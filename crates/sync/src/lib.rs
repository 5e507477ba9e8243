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
    /// How long the blood bank's CapabilityStatement, once found to say FHIR 5.0.x, is taken as
    /// read. A general-purpose server's runs to megabytes (4.3 MB from helios-hfs): read at
    /// every cycle, it would be most of the ward's traffic.
    pub recheck_server_every: Duration,
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
            recheck_server_every: Duration::from_secs(12 * 3600),
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

/// Why the cycle's first request had no answer.
fn unreachable(why: String) -> String {
    if why.starts_with("certificate not trusted") {
        // Reached, but not trusted: the words say so themselves.
        why
    } else {
        format!("blood bank unreachable: {why}")
    }
}

/// How a cycle's pull ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PullEnd {
    Complete,
    /// A page refused, garbled or cut off after the blood bank answered.
    Incomplete,
    /// The blood bank could not be reached for the first page: the push is not tried either.
    Unreachable,
}

impl Sync<'_> {
    /// One cycle: check the server (when due), pull, push. Store errors end the cycle with an
    /// error; the network's problems are counted in the summary.
    pub fn run_cycle(&mut self) -> Result<Summary, StoreError> {
        let mut summary = Summary::default();
        self.exchange(&mut summary)?;
        summary.unsent = self.store.unsent()?.len();
        Ok(summary)
    }

    /// The cycle's talk with the blood bank, which stops where the blood bank cannot be had.
    fn exchange(&mut self, summary: &mut Summary) -> Result<(), StoreError> {
        if self.server_check_due()? {
            match self.check_server(summary) {
                Ok(date) => {
                    if let Some(server) = date {
                        self.store.note_server_clock(&server, &self.clock.now())?;
                    }
                    self.store
                        .note_server_checked(&self.settings.base_url, &self.clock.now())?;
                }
                Err(problem) => {
                    summary.errors.push(problem);
                    return Ok(());
                }
            }
        }
        let pulled = self.pull(summary)?;
        if pulled != PullEnd::Complete {
            // Whatever went wrong, the next cycle asks the server who it is again: a server
            // replaced or upgraded meanwhile is then named as such, not as a failed search.
            self.store.forget_server_check()?;
        }
        if pulled == PullEnd::Unreachable {
            return Ok(());
        }
        self.push(summary)?;
        summary.archived = self
            .store
            .archive_confirmed(&self.clock.now(), self.settings.outbox_retention_days)?
            .records;
        Ok(())
    }

    /// Whether the CapabilityStatement is to be read this cycle: never read from this base URL,
    /// read longer ago than `recheck_server_every`, or the device clock gone back since.
    fn server_check_due(&self) -> Result<bool, StoreError> {
        let now = self.clock.now();
        Ok(match self.store.server_checked()? {
            Some((url, at)) if url == self.settings.base_url => {
                let since = (now - at).to_std().unwrap_or(Duration::MAX);
                since >= self.settings.recheck_server_every
            }
            _ => true,
        })
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
            Fetched::GaveUp(why) => return Err(unreachable(why)),
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

    /// A blood bank answering by path, each answer with its `Date`: its CapabilityStatement,
    /// empty searchsets (or a refused search while `refusing`); nothing at all while `down`.
    struct Ward {
        asked: Mutex<Vec<String>>,
        date: Mutex<Instant>,
        refusing: std::sync::atomic::AtomicBool,
        down: std::sync::atomic::AtomicBool,
        /// The `next` link of the dispense search's first page.
        next: Option<String>,
    }

    impl Ward {
        fn new(date: Instant) -> Ward {
            Ward {
                asked: Mutex::new(Vec::new()),
                date: Mutex::new(date),
                refusing: false.into(),
                down: false.into(),
                next: None,
            }
        }
        /// The requests since the last call.
        fn take_asked(&self) -> Vec<String> {
            std::mem::take(&mut *self.asked.lock().unwrap())
        }
    }

    impl Transport for Ward {
        fn base_url(&self) -> &str {
            "http://blood-bank.test/fhir"
        }
        fn get(&self, path: &str, _: Option<&str>) -> Result<Answer, NetError> {
            use std::sync::atomic::Ordering::SeqCst;
            self.asked.lock().unwrap().push(format!("GET {path}"));
            if self.down.load(SeqCst) {
                return Err(NetError("connection refused".into()));
            }
            let mut a = if path == "metadata" {
                answer(
                    200,
                    r#"{"resourceType":"CapabilityStatement","fhirVersion":"5.0.0"}"#,
                )
            } else if self.refusing.load(SeqCst) {
                answer(400, r#"{"resourceType":"OperationOutcome"}"#)
            } else {
                let mut page = serde_json::json!({"resourceType": "Bundle", "type": "searchset"});
                let first_page = path.starts_with("BiologicallyDerivedProductDispense?destination");
                if let (true, Some(next)) = (first_page, &self.next) {
                    page["link"] = serde_json::json!([{"relation": "next", "url": next}]);
                }
                answer(200, &page.to_string())
            };
            a.date = Some(*self.date.lock().unwrap());
            Ok(a)
        }
        fn post_transaction(&self, _: &str) -> Result<Answer, NetError> {
            self.asked.lock().unwrap().push("POST".into());
            Err(NetError("nothing should be sent".into()))
        }
    }

    fn ward_cycle(ward: &Ward, store: &mut Store, clock: &ManualClock) -> Summary {
        let settings = SyncSettings::new(ward.base_url(), "ward-h5");
        Sync {
            store,
            http: ward,
            settings: &settings,
            clock,
            ids: &bedside_clock::RandomIds,
            sleep: &|_| {},
        }
        .run_cycle()
        .unwrap()
    }

    /// A device with an empty store, its clock at 08:00 on the day.
    fn fresh_device() -> (tempfile::TempDir, Store, Instant, ManualClock) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("device.db")).unwrap();
        let start = Instant::parse_from_rfc3339("2026-12-04T08:00:00+08:00").unwrap();
        (dir, store, start, ManualClock::at(start))
    }

    fn read_metadata(asked: &[String]) -> bool {
        asked.iter().any(|a| a == "GET metadata")
    }

    #[test]
    fn the_capability_statement_is_read_once_then_after_twelve_hours_or_a_failed_pull() {
        let (_dir, mut store, start, clock) = fresh_device();
        let ward = Ward::new(start);

        assert!(ward_cycle(&ward, &mut store, &clock).pull_complete);
        assert!(read_metadata(&ward.take_asked()), "the first cycle asks");

        // An hour later the server's clock still comes with the pull's first page: the device
        // clock is still held against it.
        clock.advance(chrono::Duration::hours(1));
        let server = start + chrono::Duration::minutes(62);
        *ward.date.lock().unwrap() = server;
        assert!(ward_cycle(&ward, &mut store, &clock).pull_complete);
        assert!(!read_metadata(&ward.take_asked()), "read within 12 hours");
        assert_eq!(store.server_clock().unwrap(), Some((server, clock.now())));

        clock.advance(chrono::Duration::hours(12));
        ward_cycle(&ward, &mut store, &clock);
        assert!(read_metadata(&ward.take_asked()), "12 hours on");

        // A refused pull: the next cycle asks the server who it is again.
        ward.refusing
            .store(true, std::sync::atomic::Ordering::SeqCst);
        let refused = ward_cycle(&ward, &mut store, &clock);
        assert!(!refused.pull_complete, "{refused:?}");
        assert!(!read_metadata(&ward.take_asked()));
        ward_cycle(&ward, &mut store, &clock);
        assert!(read_metadata(&ward.take_asked()), "after a refused pull");

        // A device clock set back is no reason to trust an old reading.
        ward.refusing
            .store(false, std::sync::atomic::Ordering::SeqCst);
        ward_cycle(&ward, &mut store, &clock);
        ward.take_asked();
        clock.advance(chrono::Duration::minutes(-5));
        ward_cycle(&ward, &mut store, &clock);
        assert!(
            read_metadata(&ward.take_asked()),
            "after the clock went back"
        );
    }

    #[test]
    fn a_blood_bank_gone_since_it_was_checked_ends_the_cycle_at_the_first_page() {
        let (_dir, mut store, start, clock) = fresh_device();
        let ward = Ward::new(start);
        ward_cycle(&ward, &mut store, &clock);
        ward.take_asked();

        ward.down.store(true, std::sync::atomic::Ordering::SeqCst);
        clock.advance(chrono::Duration::minutes(1));
        let summary = ward_cycle(&ward, &mut store, &clock);
        let asked = ward.take_asked();
        assert_eq!(
            asked.len(),
            3,
            "three tries of the first page, nothing else: {asked:?}"
        );
        assert!(asked[0].starts_with("GET BiologicallyDerivedProductDispense?"));
        assert!(
            summary.errors == ["blood bank unreachable: connection refused"],
            "{summary:?}"
        );
        assert!(!summary.pull_complete);
    }

    #[test]
    fn a_next_page_at_another_address_is_refused_not_followed() {
        let (_dir, mut store, start, clock) = fresh_device();

        let mut own = Ward::new(start);
        let page_2 = "http://blood-bank.test/fhir/BiologicallyDerivedProductDispense?page=2";
        own.next = Some(page_2.into());
        assert!(ward_cycle(&own, &mut store, &clock).pull_complete);
        assert!(own.take_asked().contains(&format!("GET {page_2}")));

        let mut elsewhere = Ward::new(start);
        let foreign =
            "http://blood-bank.test.example.net/fhir/BiologicallyDerivedProductDispense?page=2";
        elsewhere.next = Some(foreign.into());
        let summary = ward_cycle(&elsewhere, &mut store, &clock);
        assert!(!summary.pull_complete);
        assert!(summary.errors[0].contains("another address"), "{summary:?}");
        let asked = elsewhere.take_asked();
        assert!(
            !asked.iter().any(|a| a.contains("example.net")),
            "{asked:?}"
        );
    }
}
