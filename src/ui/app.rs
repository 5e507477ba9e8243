//! Opening the app: demo mode on the embedded reference blood bank with the seeded ward, or a
//! configured device on the hospital's blood bank.

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::Duration;

use slint::ComponentHandle;

use super::{install, set_language, show_status, tick, AppWindow, LoginPage, UiState};
#[cfg(feature = "demo")]
use crate::demo::DemoBank;
use bedside_app::config::Config;
use bedside_app::handheld::Handheld;
use bedside_app::link::LinkWorker;
use bedside_app::session::SessionSettings;
#[cfg(feature = "demo")]
use bedside_bloodbank::demo;
use bedside_clock::{RandomIds, SystemClock};
use bedside_core::event::WardRef;
use bedside_core::messages::Lang;
use bedside_core::policy::Policy;
use bedside_store::{Store, StoreKey};
use bedside_sync::SyncSettings;

/// The software renderer unless the environment asks for another: Slint's default (OpenGL)
/// does not fall back on a machine without it.
fn select_backend() -> anyhow::Result<()> {
    if std::env::var_os("SLINT_BACKEND").is_none() {
        slint::BackendSelector::new()
            .backend_name("winit".into())
            .renderer_name("software".into())
            .select()?;
    }
    Ok(())
}

/// Large transient buffers (an Argon2 PIN hash borrows 19 MiB; a decoded label image a few) go
/// back to the system when freed. glibc's malloc raises its mmap threshold after the first such
/// free and then keeps later ones in the heap: measured, four demo PIN hashes left the app at
/// 91 MiB instead of 15. A fixed threshold turns that adjustment off.
pub fn return_large_buffers() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; called before other threads allocate.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}

/// What the app runs on: a device store, its blood bank, the hospital's policy and ward.
struct Device {
    store: Store,
    store_path: PathBuf,
    store_key: StoreKey,
    settings: SyncSettings,
    policy: Policy,
    ward: WardRef,
    lang: Lang,
    /// Demo mode: where label images are drawn for "scan from an image".
    label_dir: Option<PathBuf>,
    hint: String,
}

#[cfg(feature = "demo")]
pub fn run_demo() -> anyhow::Result<()> {
    return_large_buffers();
    let bank = DemoBank::start()?;
    let store = bank.prepare_device()?;
    let mut settings = SyncSettings::new(&bank.running.base_url, demo::WARD_ID);
    settings.timeout = Duration::from_secs(5);
    let labels = bank.dir.path().join("labels");
    std::fs::create_dir_all(&labels)?;
    let device = Device {
        store,
        store_path: bank.device_store_path(),
        store_key: bank.store_key.clone(),
        settings,
        policy: Policy::default(),
        ward: WardRef {
            location_id: demo::WARD_ID.into(),
            name: demo::WARD_NAME.into(),
        },
        lang: Lang::ZhCn,
        label_dir: Some(labels),
        hint: "演示模式：血液科五病区。工牌 N0451 陈静 / N0388 刘洋 / C0101 孙红（护士长），密码为工牌数字（如 0451）。Demo mode: PIN = the badge's digits.".into(),
    };
    let result = open(device);
    drop(bank);
    result
}

/// `bedside --config FILE`: the app on the hospital's blood bank, with the device's own store.
pub fn run_configured(path: &Path) -> anyhow::Result<()> {
    return_large_buffers();
    let config = Config::load(path)?;
    let (Some(bb), Some(store_path)) = (&config.bloodbank, &config.device.store) else {
        anyhow::bail!(
            "{} needs a [bloodbank] section (url, ward) and [device] store = \"…\"",
            path.display()
        );
    };
    let store_key = config.device.store_key()?;
    let mut store = Store::open_encrypted(store_path, &store_key)?;
    let now = bedside_clock::Clock::now(&SystemClock::china());
    bedside_app::config_audit::audit_configuration(&mut store, path, &now)?;
    if store.staff_count()? == 0 {
        anyhow::bail!(
            "no staff on this device yet, so nobody could sign in: import the ward's staff list with \
             `bedside staff import STAFF.csv --config {}` (CSV badge,name,role,pin)",
            path.display()
        );
    }
    let settings = bb.sync_settings();
    open(Device {
        store,
        store_path: store_path.clone(),
        store_key,
        settings,
        policy: config.policy.clone(),
        ward: bb.ward_ref(),
        lang: config.language,
        label_dir: None,
        hint: String::new(),
    })
}

fn open(device: Device) -> anyhow::Result<()> {
    select_backend()?;
    let window = AppWindow::new()?;
    let weak = window.as_weak();
    let link = LinkWorker::spawn(
        &device.store_path,
        Some(device.store_key),
        device.settings,
        Duration::from_secs(30),
        Box::new(move |status| {
            let weak = weak.clone();
            // Fails only once the event loop has ended: the window is gone, nothing to show.
            let _ = slint::invoke_from_event_loop(move || {
                if let Some(w) = weak.upgrade() {
                    show_status(&w, &status);
                }
            });
        }),
    )?;
    let mut handheld = Handheld::new(
        device.store,
        Box::new(SystemClock::china()),
        Box::new(RandomIds),
        device.policy,
        device.ward,
        SessionSettings::default(),
    );
    let poke = link.poke();
    handheld.on_recorded = Box::new(move || {
        // A nudge to push now; if the link worker is gone the record waits in the outbox,
        // which the status bar counts as unsent.
        let _ = poke.send(());
    });
    let mut ui = UiState::new(handheld);
    ui.label_dir = device.label_dir;
    // Exports go beside the store: the device's own folder, which the hospital's IT collects.
    ui.export_dir = device
        .store_path
        .parent()
        .map_or_else(|| PathBuf::from("exports"), |p| p.join("exports"));
    let state = Rc::new(RefCell::new(ui));
    set_language(&mut state.borrow_mut(), device.lang);
    window.global::<LoginPage>().set_hint(device.hint.into());
    install(&window, state.clone());
    let timer = slint::Timer::default();
    let weak = window.as_weak();
    let tick_state = state.clone();
    timer.start(
        slint::TimerMode::Repeated,
        Duration::from_secs(1),
        move || {
            if let Some(w) = weak.upgrade() {
                if let Ok(mut s) = tick_state.try_borrow_mut() {
                    tick(&w, &mut s);
                }
            }
        },
    );
    window.run()?;
    Ok(())
}
