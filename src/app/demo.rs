//! Demo mode: `cargo run --release` with no configuration opens the app on the embedded
//! reference blood bank, seeded with the demo ward, and a device store in a fresh temporary
//! folder — a newcomer gets the same consistent ward (units issued "now", one near expiry) at
//! every start, and nothing of a real ward is touched.

use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use crate::app::session::seed_demo_staff;
use crate::bloodbank::db::BloodBankDb;
use crate::bloodbank::{demo, server};
use crate::clock::{Clock, RandomIds, SystemClock};
use crate::store::{Store, StoreKey};
use crate::sync::http::BloodBankHttp;
use crate::sync::{Sync, SyncSettings};

/// What the status bar shows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LinkStatus {
    pub online: bool,
    pub last_pull: Option<String>,
    /// Records not yet confirmed; `None` when the store could not be read (never shown as 0).
    pub unsent: Option<usize>,
    pub quarantined: usize,
    pub last_error: Option<String>,
}

pub struct DemoBank {
    pub dir: tempfile::TempDir,
    pub running: server::RunningBloodBank,
    /// The device store's key: fresh randomness at every start, kept only in memory (the demo's
    /// store is encrypted like a ward's, and unreadable once the demo ends).
    pub store_key: StoreKey,
}

impl DemoBank {
    /// Seeds the demo ward into a new folder and serves it on a free loopback port.
    pub fn start() -> anyhow::Result<DemoBank> {
        let dir = tempfile::Builder::new().prefix("bedside-demo-").tempdir()?;
        let clock: Arc<dyn Clock> = Arc::new(SystemClock::china());
        let path = dir.path().join("bloodbank.db");
        let mut db = BloodBankDb::open(&path, clock.clone())?;
        demo::seed(&mut db).map_err(|r| anyhow::anyhow!("demo seed refused: {:?}", r.outcome))?;
        drop(db);
        let running = server::spawn(&path, "127.0.0.1:0", clock)?;
        Ok(DemoBank {
            dir,
            running,
            store_key: StoreKey::random(&RandomIds),
        })
    }

    pub fn device_store_path(&self) -> PathBuf {
        self.dir.path().join("device.db")
    }

    /// The device's store with the demo staff (PIN = the badge's digits).
    pub fn prepare_device(&self) -> anyhow::Result<Store> {
        let mut store = Store::open_encrypted(&self.device_store_path(), &self.store_key)?;
        if store.staff_count()? == 0 {
            seed_demo_staff(&mut store, &RandomIds, &SystemClock::china())?;
        }
        Ok(store)
    }
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
    ) -> anyhow::Result<LinkWorker> {
        let (poke, pokes) = mpsc::channel::<()>();
        let status = Arc::new(Mutex::new(LinkStatus::default()));
        let shared = status.clone();
        let path = store_path.to_path_buf();
        let http = BloodBankHttp::for_settings(&settings)?;
        std::thread::Builder::new()
            .name("blood-bank-link".into())
            .spawn(move || {
                let mut store = match Store::open_with(&path, key.as_ref()) {
                    Ok(store) => store,
                    Err(e) => {
                        notify(LinkStatus {
                            last_error: Some(e.to_string()),
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
                    // A store that cannot be read is said (unsent unknown, the error kept), never
                    // shown as "nothing unsent".
                    let counts = store.outbox_counts();
                    let synced = store.cache_synced_at();
                    let last_error = match (&summary, &counts, &synced) {
                        (Err(e), _, _) => Some(e.to_string()),
                        (_, Err(e), _) | (_, _, Err(e)) => Some(e.to_string()),
                        (Ok(s), Ok(_), Ok(_)) => s.errors.first().cloned(),
                    };
                    let now = LinkStatus {
                        online: summary.as_ref().is_ok_and(|s| s.pull_complete),
                        last_pull: match synced {
                            Ok(at) => at.map(|t| t.format("%H:%M").to_string()),
                            Err(_) => Some("?".into()),
                        },
                        unsent: counts.as_ref().ok().map(|c| c.queued + c.sending),
                        quarantined: counts.map_or(0, |c| c.quarantined),
                        last_error,
                    };
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
