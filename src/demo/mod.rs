//! Demo mode: `cargo run --release` with no configuration opens the app on the embedded
//! reference blood bank, seeded with the demo ward, and a device store in a fresh temporary
//! folder — a newcomer gets the same consistent ward (units issued "now", one near expiry) at
//! every start, and nothing of a real ward is touched.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use bedside_app::device::Device;
use bedside_core::event::WardRef;
use bedside_core::messages::{Lang, Text};
use bedside_core::policy::Policy;
use bedside_sync::SyncSettings;

use bedside_app::session::seed_demo_staff;
use bedside_bloodbank::db::BloodBankDb;
use bedside_bloodbank::{demo, server};
use bedside_clock::{Clock, RandomIds, SystemClock};
use bedside_store::{Store, StoreKey};

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

    /// The demo device: its store, the embedded blood bank, the demo ward in Chinese, label
    /// images drawn beside the store for "scan from an image".
    pub fn device(&self) -> anyhow::Result<Device> {
        let mut settings = SyncSettings::new(&self.running.base_url, demo::WARD_ID);
        settings.timeout = Duration::from_secs(5);
        let labels = self.dir.path().join("labels");
        std::fs::create_dir_all(&labels)?;
        Ok(Device {
            store: self.prepare_device()?,
            store_path: self.device_store_path(),
            store_key: self.store_key.clone(),
            settings,
            policy: Policy::default(),
            ward: WardRef {
                location_id: demo::WARD_ID.into(),
                name: demo::WARD_NAME.into(),
            },
            lang: Lang::ZhCn,
            label_dir: Some(labels),
            alerts: Default::default(),
            hint: Text::tr(
                "Demo mode: {ward}. Badges N0451 {n1} / N0388 {n2} / C0101 {c1} (charge nurse); the PIN is the badge's digits (e.g. 0451).",
                &[("ward", demo::WARD_NAME), ("n1", "陈静"), ("n2", "刘洋"), ("c1", "孙红")],
            ),
        })
    }

    /// The device's store with the demo staff (PIN = the badge's digits).
    pub fn prepare_device(&self) -> anyhow::Result<Store> {
        let mut store = Store::open_encrypted(&self.device_store_path(), &self.store_key)?;
        if store.staff_count()? == 0 {
            seed_demo_staff(&mut store, &demo::STAFF, &RandomIds, &SystemClock::china())?;
        }
        Ok(store)
    }
}

pub mod labels;
