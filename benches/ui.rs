//! `cargo bench --bench ui`: the touch app's figures of issue 5, headless (Slint's testing
//! backend with the software renderer: the pixels a handheld would show, without a display).
//!
//! - cold start to the login screen: a fresh process that starts the demo blood bank, prepares
//!   the device's store, builds the window and renders its first frame; timed from spawning the
//!   process to its "rendered" line (so loading the binary counts);
//! - scan-to-verdict: the wristband and the four bag barcodes scanned, "Check" tapped, and the
//!   verdict screen rendered;
//! - memory: the process's peak resident set (VmHWM) after the login screen and after checks.
//!
//! Targets: under 1 s, under 100 ms, under 100 MB.

use std::cell::RefCell;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::rc::Rc;
use std::time::{Duration, Instant};

use bedside::demo::DemoBank;
use bedside::ui::{install, AppWindow, HomePage, LoginPage, UiState, VerifyPage};
use bedside_app::handheld::Handheld;
use bedside_app::session::SessionSettings;
use bedside_bloodbank::demo;
use bedside_clock::{RandomIds, SystemClock};
use bedside_core::event::WardRef;
use bedside_core::policy::Policy;
use bedside_sync::http::BloodBankHttp;
use bedside_sync::{Sync, SyncSettings};
use i_slint_backend_testing::{TestingBackend, TestingBackendOptions};
use slint::ComponentHandle;

fn peak_rss_mib() -> f64 {
    status_mib("VmHWM:")
}

fn rss_mib() -> f64 {
    status_mib("VmRSS:")
}

fn status_mib(field: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn render(window: &AppWindow) {
    let shot = window.window().take_snapshot().expect("rendered");
    assert!(shot.width() > 0);
}

/// The child: what `run_demo` does up to the first frame, then checks for the memory figure.
fn child(checks: usize) {
    slint::platform::set_platform(Box::new(TestingBackend::new(TestingBackendOptions {
        mock_time: false,
        threading: false,
        renderer_name: Some("software".into()),
    })))
    .unwrap();
    let stage = |what: &str| {
        if std::env::var_os("BEDSIDE_BENCH_STAGES").is_some() {
            eprintln!(
                "{what}: RSS {:.1} MiB, peak {:.1} MiB",
                rss_mib(),
                peak_rss_mib()
            );
        }
    };
    bedside::ui::app::return_large_buffers();
    stage("process");
    let bank = DemoBank::start().unwrap();
    stage("demo blood bank");
    let store = bank.prepare_device().unwrap();
    stage("device store");
    let window = AppWindow::new().unwrap();
    stage("window");
    window.window().set_size(slint::PhysicalSize::new(480, 800));
    let handheld = Handheld::new(
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
    let state = Rc::new(RefCell::new(UiState::new(handheld)));
    install(&window, state.clone());
    window.show().unwrap();
    render(&window);
    stage("first frame");
    println!("rendered {:.1}", peak_rss_mib());

    if checks == 0 {
        return;
    }
    // Pull the ward (the link worker's job in the app), sign in, then time the checks.
    {
        let mut s = state.borrow_mut();
        let settings = SyncSettings::new(&bank.running.base_url, demo::WARD_ID);
        let http = BloodBankHttp::new(&settings.base_url, Duration::from_secs(5)).unwrap();
        Sync {
            store: &mut s.handheld.store,
            http: &http,
            settings: &settings,
            clock: &SystemClock::china(),
            ids: &RandomIds,
            sleep: &std::thread::sleep,
        }
        .run_cycle()
        .unwrap();
    }
    let login = window.global::<LoginPage>();
    login.set_badge("N0451".into());
    login.set_pin("0451".into());
    login.invoke_submit();
    let scans = {
        let s = state.borrow();
        let (records, _) = s.handheld.store.cached().unwrap().issue_records();
        let r = records
            .iter()
            .find(|r| r.dispense_id == "bdpd-000001")
            .unwrap();
        bedside::demo::labels::bag_label_texts(r).unwrap()
    };
    let verify = window.global::<VerifyPage>();
    let mut times = Vec::new();
    for _ in 0..checks {
        window.global::<HomePage>().invoke_begin_check();
        render(&window);
        let t = Instant::now();
        verify.invoke_scan("ZY26001001".into());
        for scan in &scans {
            verify.invoke_scan(scan.into());
        }
        verify.invoke_next();
        render(&window);
        times.push(t.elapsed());
        assert!(!verify.get_stopped());
        verify.invoke_cancel();
    }
    times.sort();
    println!(
        "checks {:.2} {:.2} {:.1}",
        times[times.len() / 2].as_secs_f64() * 1000.0,
        times[times.len() * 95 / 100].as_secs_f64() * 1000.0,
        peak_rss_mib()
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--child") {
        child(args[i + 1].parse().unwrap());
        return;
    }
    let me = std::env::current_exe().unwrap();
    let mut starts = Vec::new();
    let mut start_rss = Vec::new();
    for _ in 0..7 {
        let t = Instant::now();
        let mut proc = Command::new(&me)
            .args(["--child", "0"])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(proc.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        starts.push(t.elapsed());
        start_rss.push(
            line.trim()
                .trim_start_matches("rendered ")
                .parse::<f64>()
                .unwrap(),
        );
        proc.wait().unwrap();
    }
    starts.sort();
    let out = Command::new(&me).args(["--child", "100"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let checks: Vec<f64> = text
        .lines()
        .find_map(|l| l.strip_prefix("checks "))
        .expect("the check run reports")
        .split(' ')
        .map(|v| v.parse().unwrap())
        .collect();
    println!("touch app, headless software renderer, 480x800");
    println!(
        "cold start to login screen rendered: median {:.0} ms (min {:.0}, max {:.0}; 7 runs; target < 1000 ms)",
        starts[3].as_secs_f64() * 1000.0,
        starts[0].as_secs_f64() * 1000.0,
        starts[6].as_secs_f64() * 1000.0
    );
    println!(
        "scan-to-verdict (wristband + 4 bag barcodes, Check, verdict rendered): median {:.1} ms, p95 {:.1} ms (100 checks; target < 100 ms)",
        checks[0], checks[1]
    );
    println!(
        "peak RSS: {:.0} MiB at the login screen, {:.0} MiB after 100 checks (target < 100 MB)",
        start_rss.iter().cloned().fold(0.0, f64::max),
        checks[2]
    );
}
