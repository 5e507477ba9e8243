//! Opening the app: demo mode on the embedded reference blood bank with the seeded ward.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use slint::ComponentHandle;

use super::{install, set_language, show_status, tick, AppWindow, LoginPage, UiState};
use crate::app::demo::{DemoBank, LinkWorker};
use crate::app::handheld::Handheld;
use crate::app::session::SessionSettings;
use crate::bloodbank::demo;
use crate::clock::{RandomIds, SystemClock};
use crate::domain::event::WardRef;
use crate::domain::messages::Lang;
use crate::domain::policy::Policy;
use crate::sync::SyncSettings;

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

pub fn run_demo() -> anyhow::Result<()> {
    let bank = DemoBank::start()?;
    let store = bank.prepare_device()?;
    let mut settings = SyncSettings::new(&bank.running.base_url, demo::WARD_ID);
    settings.timeout = Duration::from_secs(5);
    select_backend()?;
    let window = AppWindow::new()?;
    let weak = window.as_weak();
    let link = LinkWorker::spawn(
        &bank.device_store_path(),
        settings,
        Duration::from_secs(30),
        Box::new(move |status| {
            let weak = weak.clone();
            let _ = slint::invoke_from_event_loop(move || {
                if let Some(w) = weak.upgrade() {
                    show_status(&w, &status);
                }
            });
        }),
    )?;
    let mut handheld = Handheld::new(
        store,
        Box::new(SystemClock::china()),
        Box::new(RandomIds),
        Policy::default(),
        WardRef {
            location_id: demo::WARD_ID.into(),
            name: demo::WARD_NAME.into(),
        },
        SessionSettings::default(),
    );
    let poke = link.poke();
    handheld.on_recorded = Box::new(move || {
        let _ = poke.send(());
    });
    let mut ui = UiState::new(handheld);
    let labels = bank.dir.path().join("labels");
    std::fs::create_dir_all(&labels)?;
    ui.label_dir = Some(labels);
    let state = Rc::new(RefCell::new(ui));
    set_language(&mut state.borrow_mut(), Lang::ZhCn);
    window.global::<LoginPage>().set_hint(
        "演示模式：血液科五病区。工牌 N0451 陈静 / N0388 刘洋 / C0101 孙红（护士长），密码为工牌数字（如 0451）。Demo mode: PIN = the badge's digits."
            .into(),
    );
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
    drop(bank);
    Ok(())
}
