//! Opening the app: demo mode on the embedded reference blood bank with the seeded ward, or a
//! configured device on the hospital's blood bank.

use std::cell::RefCell;
use std::path::Path;
use std::rc::Rc;
use std::time::Duration;

use slint::ComponentHandle;

use super::{install, set_language, show_status, tick, AppWindow, LoginPage, UiState};
#[cfg(feature = "demo")]
use crate::demo::DemoBank;
use bedside_app::alarm::{AlarmWatch, DeviceAlarm};
use bedside_app::device::Device;

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

#[cfg(feature = "demo")]
pub fn run_demo() -> anyhow::Result<()> {
    return_large_buffers();
    let bank = DemoBank::start()?;
    let device = bank.device()?;
    let result = open(device);
    drop(bank);
    result
}

/// `bedside --config FILE`: the app on the hospital's blood bank, with the device's own store.
pub fn run_configured(path: &Path) -> anyhow::Result<()> {
    return_large_buffers();
    open(Device::configured(path)?)
}

fn open(device: Device) -> anyhow::Result<()> {
    select_backend()?;
    let window = AppWindow::new()?;
    let weak = window.as_weak();
    let link = device.start_link(
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
    let (lang, label_dir) = (device.lang, device.label_dir.clone());
    let alerts = device.alerts;
    let device_hint = device.hint.clone();
    let export_dir = device.export_dir();
    let mut handheld = device.into_handheld();
    let poke = link.poke();
    handheld.on_recorded = Box::new(move || {
        // A nudge to push now; if the link worker is gone the record waits in the outbox,
        // which the status bar counts as unsent.
        let _ = poke.send(());
    });
    let mut ui = UiState::new(handheld);
    ui.alarms = AlarmWatch::new(Box::new(DeviceAlarm::new(alerts)));
    ui.label_dir = label_dir;
    ui.export_dir = export_dir;
    ui.link_status = Some(link.status.clone());
    ui.login_hint = device_hint;
    let state = Rc::new(RefCell::new(ui));
    set_language(&mut state.borrow_mut(), lang);
    window
        .global::<LoginPage>()
        .set_hint(state.borrow().t(&state.borrow().login_hint));
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
