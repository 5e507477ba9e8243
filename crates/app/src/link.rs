//! The link to the blood bank: sync cycles on a thread of their own (blocking HTTP never runs on
//! the UI thread), and the status the status bar shows.

use std::path::Path;
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use bedside_clock::{Clock, RandomIds, SystemClock};
use bedside_core::messages::Text;
use bedside_store::{Store, StoreError, StoreKey};
use bedside_sync::http::BloodBankHttp;
use bedside_sync::problem::problem_words;
use bedside_sync::{Summary, Sync, SyncSettings};

/// Why the link could not start: no HTTP client for the blood bank's settings (its CA file, its
/// address), or no thread for it.
#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error(transparent)]
    Http(#[from] bedside_sync::http::NetError),
    #[error("cannot start the blood-bank link's thread: {0}")]
    Thread(#[from] std::io::Error),
}

/// What the status bar shows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LinkStatus {
    pub online: bool,
    pub last_pull: Option<String>,
    /// Records not yet confirmed; `None` when the store could not be read (never shown as 0).
    pub unsent: Option<usize>,
    pub quarantined: usize,
    /// The technical detail of the last problem, for the IT log.
    pub last_error: Option<String>,
    /// The same problem in words a nurse can act on.
    pub problem: Option<Text>,
    /// Incompatible late crossmatch results of emergency units no nurse has taken in yet.
    pub late_alerts: Vec<crate::late_crossmatch::LateAlert>,
}

/// Runs sync cycles on its own thread (with its own store connection): every `every`, and at
/// once when poked. Blocking HTTP never runs on the UI thread.
pub struct LinkWorker {
    poke: mpsc::Sender<()>,
    pub status: Arc<Mutex<LinkStatus>>,
}

impl LinkWorker {
    /// `key`: the store's key (`None` only for an unencrypted test store).
    pub fn spawn(
        store_path: &Path,
        key: Option<StoreKey>,
        settings: SyncSettings,
        every: Duration,
        notify: Box<dyn Fn(LinkStatus) + Send>,
    ) -> Result<LinkWorker, LinkError> {
        let (poke, pokes) = mpsc::channel::<()>();
        let status = Arc::new(Mutex::new(LinkStatus::default()));
        let shared = status.clone();
        let path = store_path.to_path_buf();
        let http = BloodBankHttp::for_settings(&settings)?;
        std::thread::Builder::new()
            .name("blood-bank-link".into())
            .spawn(move || {
                let mut store = match Store::open_with(&path, key.as_ref()) {
                    Ok(mut store) => {
                        store.set_mapping(settings.mapping.clone());
                        store
                    }
                    Err(e) => {
                        notify(LinkStatus {
                            last_error: Some(e.to_string()),
                            problem: Some(e.message()),
                            ..LinkStatus::default()
                        });
                        return;
                    }
                };
                let clock = SystemClock::china();
                loop {
                    let summary = Sync {
                        store: &mut store,
                        http: &http,
                        settings: &settings,
                        clock: &clock,
                        ids: &RandomIds,
                        sleep: &std::thread::sleep,
                    }
                    .run_cycle();
                    let now = status_after(&mut store, &summary, clock.now());
                    if let Ok(mut s) = shared.lock() {
                        *s = now.clone();
                    }
                    notify(now);
                    match pokes.recv_timeout(every) {
                        Ok(()) | Err(mpsc::RecvTimeoutError::Timeout) => {
                            while pokes.try_recv().is_ok() {}
                        }
                        Err(mpsc::RecvTimeoutError::Disconnected) => return,
                    }
                }
            })?;
        Ok(LinkWorker { poke, status })
    }

    /// Something was recorded: send it now rather than at the next tick.
    pub fn poke(&self) -> mpsc::Sender<()> {
        self.poke.clone()
    }
}

/// After a cycle, before anything is shown: records follow a patient merge (§6.2), a late
/// crossmatch result is recorded and alerts within this one cycle (§6.3); then the status. A
/// store that cannot be read is said (unsent unknown, the error kept), never shown as "nothing
/// unsent".
fn status_after(
    store: &mut Store,
    summary: &Result<Summary, StoreError>,
    now: bedside_clock::Instant,
) -> LinkStatus {
    let late = crate::patient_merge::follow_patient_merges(store, now)
        .and_then(|_| crate::late_crossmatch::record_late_crossmatches(store, now));
    let counts = store.outbox_counts();
    let synced = store.cache_synced_at();
    let (last_error, problem) = match (summary, &counts, &synced, &late) {
        (Err(e), _, _, _) => (Some(e.to_string()), Some(e.message())),
        (_, Err(e), _, _) | (_, _, Err(e), _) | (_, _, _, Err(e)) => {
            (Some(e.to_string()), Some(e.message()))
        }
        (Ok(s), Ok(_), Ok(_), Ok(_)) => {
            let first = s.errors.first();
            (first.cloned(), first.map(|e| problem_words(e)))
        }
    };
    LinkStatus {
        online: summary.as_ref().is_ok_and(|s| s.pull_complete),
        last_pull: match synced {
            Ok(at) => at.map(|t| t.format("%H:%M").to_string()),
            Err(_) => Some("?".into()),
        },
        unsent: counts.as_ref().ok().map(|c| c.queued + c.sending),
        quarantined: counts.map_or(0, |c| c.quarantined),
        last_error,
        problem,
        late_alerts: late
            .unwrap_or_else(|e| vec![crate::late_crossmatch::LateAlert::unreadable(&e)]),
    }
}
