//! Shared setup of the blood-bank link tests: a demo blood bank on loopback, a handheld store,
//! one sync cycle, and the contract's validator.
#![allow(dead_code)]

pub mod day;
pub mod leaks;
pub mod ui;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use bedside_bloodbank::db::BloodBankDb;
use bedside_bloodbank::{demo, server};
use bedside_clock::{RandomIds, SystemClock};
use bedside_core::event::{StaffRef, WardRef};
use bedside_core::observations::Vitals;
use bedside_store::Store;
use bedside_sync::http::BloodBankHttp;
use bedside_sync::{Summary, Sync, SyncSettings};

pub struct Bank {
    pub dir: tempfile::TempDir,
    pub running: server::RunningBloodBank,
}

impl Bank {
    pub fn db_path(&self) -> PathBuf {
        self.dir.path().join("bloodbank.db")
    }
    /// A second connection to the service's database, to look at what it stored.
    pub fn db(&self) -> BloodBankDb {
        BloodBankDb::open(&self.db_path(), Arc::new(SystemClock::china())).unwrap()
    }
    /// How many resources of `ty` carry this client identifier.
    pub fn stored_with(&self, ty: &str, urn: &str) -> usize {
        self.db()
            .ids_with_identifier(ty, "urn:ietf:rfc:3986", urn)
            .unwrap()
            .len()
    }
}

pub fn demo_bank() -> Bank {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bloodbank.db");
    {
        let mut db = BloodBankDb::open(&path, Arc::new(SystemClock::china())).unwrap();
        demo::seed(&mut db).unwrap();
    }
    let running = server::spawn(&path, "127.0.0.1:0", Arc::new(SystemClock::china())).unwrap();
    Bank { dir, running }
}

/// Waits until `condition` holds (polling, as a test waits for another process or thread), and
/// fails with `what` if it never does: a test never sleeps a fixed time and hopes.
pub fn wait_until(what: &str, condition: impl Fn() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !condition() {
        assert!(
            std::time::Instant::now() < deadline,
            "never happened: {what}"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

pub fn settings(url: &str) -> SyncSettings {
    let mut s = SyncSettings::new(url, demo::WARD_ID);
    s.timeout = Duration::from_secs(5);
    s.backoff_base = Duration::from_millis(10);
    s.backoff_max = Duration::from_millis(50);
    s
}

pub fn cycle(store: &mut Store, settings: &SyncSettings) -> Summary {
    cycle_at(store, settings, &SystemClock::china())
}

/// One sync cycle of a device whose clock is `clock`.
pub fn cycle_at(
    store: &mut Store,
    settings: &SyncSettings,
    clock: &dyn bedside_clock::Clock,
) -> Summary {
    let http = BloodBankHttp::new(&settings.base_url, settings.timeout).unwrap();
    Sync {
        store,
        http: &http,
        settings,
        clock,
        ids: &RandomIds,
        sleep: &std::thread::sleep,
    }
    .run_cycle()
    .unwrap()
}

pub fn temp_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("device.db")).unwrap();
    (dir, store)
}

/// A device's store key file (`store.key`, 64 hex digits, mode 600) in `dir`, as the IT team
/// provisions it; returns the line for the configuration's `[device]` section.
pub fn key_file(dir: &Path) -> String {
    let path = dir.join("store.key");
    std::fs::write(&path, format!("{:032x}{:032x}\n", rand_u128(), rand_u128())).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    "store_key_file = \"store.key\"\n".into()
}

fn rand_u128() -> u128 {
    u128::from_be_bytes(*uuid::Uuid::new_v4().as_bytes())
}

/// The key in `dir/store.key`.
pub fn read_key(dir: &Path) -> bedside_store::StoreKey {
    bedside_store::StoreKey::from_file(&dir.join("store.key")).unwrap()
}

pub fn ward() -> WardRef {
    WardRef {
        location_id: demo::WARD_ID.into(),
        name: demo::WARD_NAME.into(),
    }
}

pub fn nurse(badge: &str, name: &str) -> StaffRef {
    StaffRef {
        staff_id: badge.into(),
        name: name.into(),
        practitioner_id: Some(format!("prac-{}", badge.to_ascii_lowercase())),
    }
}

pub fn vitals(temp_tenths: i32) -> Vitals {
    Vitals {
        temp_tenths: Some(temp_tenths),
        hr: Some(78),
        sbp: Some(122),
        dbp: Some(74),
        rr: Some(16),
        spo2: Some(98),
    }
}

pub fn ids() -> RandomIds {
    RandomIds
}

/// Runs the contract's validator (`tests/data/fhir/check_fhir.py`, in the venv that
/// `scripts/setup.sh` makes) on every file of `dir`; returns its report when anything failed.
pub fn check_fhir(dir: &Path) -> Result<String, String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let python = std::env::var_os("BEDSIDE_FHIR_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target/fhir-venv/bin/python"));
    assert!(
        python.exists(),
        "the FHIR validator's Python is missing at {}: run `bash scripts/setup.sh` (it makes the venv)",
        python.display()
    );
    let out = std::process::Command::new(&python)
        .arg(root.join("tests/data/fhir/check_fhir.py"))
        .arg(dir)
        .output()
        .unwrap();
    let report =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    if out.status.success() {
        Ok(report)
    } else {
        Err(report)
    }
}

/// The four ISBT 128 barcodes printed on the bag of a cached dispense, as a scanner reads them.
pub fn bag_scans(store: &Store, dispense: &str) -> Vec<String> {
    let (records, _) = store.cached().unwrap().issue_records();
    let r = records.iter().find(|r| r.dispense_id == dispense).unwrap();
    let e = r.unit.expires_at;
    vec![
        format!("={}00", r.unit.din),
        format!(
            "=%{}00",
            bedside_core::label::code_of_group(r.unit.group).unwrap()
        ),
        format!("=<{}", r.unit.product_code),
        format!("&>0{}", e.format("%y%j%H%M")),
    ]
}

// ------------------------------------------------------------ a ward with a handheld

use bedside_app::handheld::Handheld;
use bedside_app::session::{seed_demo_staff, SessionSettings};
use bedside_app::transfuse::RunningTransfusion;
use bedside_app::verify::{NotReady, ReadyToStart, ScanSource, VerifyFlow};
use bedside_clock::{Clock, ManualClock};
use bedside_core::policy::Policy;

pub const ZHANG_WEI: &str = "bdpd-000001";

/// Blood group results the demo blood bank holds: the ward's eight patients and 周建国, whom the
/// green channel's unidentified man turns out to be.
pub const DEMO_BLOOD_GROUPS: usize = 9;

/// The demo ward: a blood bank on loopback, one device store synced with it and the demo staff,
/// and the clock the test moves.
pub struct Ward {
    pub bank: Bank,
    pub dir: tempfile::TempDir,
    pub clock: Arc<ManualClock>,
}

impl Ward {
    pub fn new() -> Ward {
        let bank = demo_bank();
        let dir = device_of(&bank);
        Ward {
            bank,
            dir,
            clock: Arc::new(ManualClock::at(SystemClock::china().now())),
        }
    }

    /// Another handheld of the ward (the charge nurse's, say): its own store, synced, with the
    /// demo staff.
    pub fn another_device(&self) -> tempfile::TempDir {
        device_of(&self.bank)
    }

    /// The app as it opens on this device's store (again after a restart).
    pub fn open(&self) -> Handheld {
        let path = self.dir.path().join("device.db");
        let store = Store::open_encrypted(&path, &read_key(self.dir.path())).unwrap();
        let mut h = Handheld::new(
            store,
            Box::new(self.clock.clone()),
            Box::new(RandomIds),
            Policy::default(),
            ward(),
            SessionSettings {
                // The test moves the clock by hours; the lock is tested elsewhere.
                auto_lock_minutes: 24 * 60,
                ..SessionSettings::default()
            },
        );
        h.login("N0451", "0451").unwrap();
        h
    }

    pub fn minutes(&self, m: i64) {
        self.clock.advance(chrono::Duration::minutes(m));
    }
}

/// A handheld's folder: its key file and its store, synced with `bank`, with the demo staff.
fn device_of(bank: &Bank) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    // Encrypted, as a ward's store is; the key file is the one a configuration names.
    key_file(dir.path());
    let mut store =
        Store::open_encrypted(&dir.path().join("device.db"), &read_key(dir.path())).unwrap();
    cycle(&mut store, &settings(&bank.running.base_url));
    with_demo_staff(&mut store);
    dir
}

/// The demo ward's staff in `store`, each with the demo PIN.
pub fn with_demo_staff(store: &mut Store) {
    seed_demo_staff(
        store,
        &bedside_bloodbank::demo::STAFF,
        &RandomIds,
        &SystemClock::china(),
    )
    .unwrap();
}

pub fn checked(
    h: &mut Handheld,
    flow: &mut VerifyFlow,
    dispense: &str,
    wristband: &str,
) -> Result<ReadyToStart, NotReady> {
    flow.scan_wristband(wristband).unwrap();
    for s in bag_scans(&h.store, dispense) {
        flow.scan_bag(&s, ScanSource::Scanner).unwrap();
    }
    h.cosign(flow, "N0388", "0388").unwrap();
    for i in 0..3 {
        flow.confirm_visual(i, true);
    }
    flow.confirm_read_aloud(true);
    flow.ready(h.now())
}

pub fn started(h: &mut Handheld) -> RunningTransfusion {
    let mut flow = h.begin_check().unwrap();
    let ready = checked(h, &mut flow, ZHANG_WEI, "ZY26001001").unwrap();
    h.start(&ready, Some((vitals(368), vec![]))).unwrap()
}

pub const LI_XIUYING: &str = "bdpd-000002";

/// A morning on the ward: 张伟's transfusion runs (baseline, 15-minute round), 李秀英's stops for
/// a fever with rigors and its report is sent; then the nurse signs out. Returns the handheld
/// and the two transfusions' ids (张伟's, 李秀英's).
pub fn a_morning(ward: &Ward) -> (Handheld, String, String) {
    let mut h = ward.open();
    let mut zhang = started(&mut h);
    let mut flow = h.begin_check().unwrap();
    let ready = checked(&mut h, &mut flow, LI_XIUYING, "ZY26001002").unwrap();
    let mut li = h.start(&ready, Some((vitals(366), vec![]))).unwrap();
    ward.minutes(15);
    h.observe(&mut zhang, vitals(369), vec![]).unwrap();
    let bedside_app::transfuse::Judgement::Stop(draft) = h
        .observe(&mut li, vitals(390), vec!["rigors".into()])
        .unwrap()
        .judgement
    else {
        panic!("a fever of 39.0 with rigors stops the transfusion");
    };
    h.report_reaction(&li, &draft, draft.report.zh(), draft.serious)
        .unwrap();
    h.logout().unwrap();
    (
        h,
        zhang.transfusion.procedure_uuid,
        li.transfusion.procedure_uuid,
    )
}

/// How many audit rows of `action` by `actor` the store holds.
pub fn audited(store: &Store, action: &str, actor: &str) -> usize {
    store
        .audit_trail()
        .unwrap()
        .iter()
        .filter(|a| a.action == action && a.actor == actor)
        .count()
}

/// The green-channel unit: the ninth dispense of the demo ward.
pub const GREEN_CHANNEL: &str = "bdpd-000009";

/// Checks and starts the green-channel unit as the two nurses would; returns its procedure.
pub fn start_green_channel(h: &mut bedside_app::handheld::Handheld) -> String {
    let mut flow = h.begin_check().unwrap();
    let missing = match checked(
        h,
        &mut flow,
        GREEN_CHANNEL,
        bedside_bloodbank::demo::EMERGENCY_MRN,
    ) {
        Err(bedside_app::verify::NotReady::Missing(m)) => m,
        other => panic!("the emergency warning must be acknowledged first: {other:?}"),
    };
    let said = flow.outcome(h.now());
    let warning = said
        .reasons
        .iter()
        .find(|r| r.code == bedside_core::check::ReasonCode::EmergencyRelease)
        .unwrap_or_else(|| panic!("{missing:?}"));
    assert!(
        warning.message.zh().contains("李医生 (D2001) 授权"),
        "{}",
        warning.message.zh()
    );
    assert!(
        warning.message.zh().contains("交叉配血"),
        "{}",
        warning.message.zh()
    );
    assert!(
        warning.message.zh().contains("患者血型"),
        "{}",
        warning.message.zh()
    );
    // What the nurse types: hers in either language.
    leaks::typed("失血性休克，李医生在床旁");
    h.acknowledge(
        &mut flow,
        bedside_core::check::ReasonCode::EmergencyRelease,
        "失血性休克，李医生在床旁",
    )
    .unwrap();
    let ready = flow.ready(h.now()).expect("everything else checks");
    h.start(&ready, Some((vitals(362), vec![])))
        .unwrap()
        .transfusion
        .procedure_uuid
}

/// A start recorded on the device for the `nth` unit nobody started.
pub fn record_a_start(store: &mut Store, nth: usize) {
    let (issued, _) = store.cached().unwrap().issue_records();
    let unit = issued
        .iter()
        .filter(|r| r.started_by.is_none() && r.emergency.is_none())
        .nth(nth)
        .expect("a unit left to start");
    let clock = SystemClock::china();
    let facts = bedside_app::record::CheckFacts::new(&nurse("N0388", "刘洋"), clock.now(), vec![]);
    bedside_app::record::Recorder {
        store,
        clock: &clock,
        ids: &RandomIds,
    }
    .start(
        &unit.dispense_id,
        ward(),
        &nurse("N0451", "陈静"),
        facts,
        None,
    )
    .unwrap();
}
