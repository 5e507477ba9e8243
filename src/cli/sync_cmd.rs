//! `bedside sync --config FILE`: one sync cycle with the blood bank, its summary as JSON.

use std::path::Path;
use std::process::ExitCode;

use bedside_app::config::Config;
use bedside_clock::{RandomIds, SystemClock};
use bedside_store::Store;
use bedside_sync::http::BloodBankHttp;
use bedside_sync::Sync;

pub fn run(config_path: &Path) -> ExitCode {
    let config = match Config::load(config_path) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("bedside sync: {e}");
            return ExitCode::from(2);
        }
    };
    let (Some(bb), Some(store_path)) = (&config.bloodbank, &config.device.store) else {
        eprintln!(
            "bedside sync: {} needs a [bloodbank] section (url, ward) and [device] store = \"…\"",
            config_path.display()
        );
        return ExitCode::from(2);
    };
    let key = match config.device.store_key() {
        Ok(key) => key,
        Err(e) => {
            eprintln!("bedside sync: {e}");
            return ExitCode::from(2);
        }
    };
    let mut store = match Store::open_encrypted(store_path, &key) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("bedside sync: {e}");
            return ExitCode::from(1);
        }
    };
    let now = bedside_clock::Clock::now(&SystemClock::china());
    if let Err(e) = bedside_app::config_audit::audit_configuration(&mut store, config_path, &now) {
        eprintln!("bedside sync: {e}");
        return ExitCode::from(1);
    }
    let settings = bb.sync_settings();
    let http = match BloodBankHttp::for_settings(&settings) {
        Ok(h) => h,
        Err(e) => {
            eprintln!("bedside sync: {e}");
            return ExitCode::from(1);
        }
    };
    let clock = SystemClock::china();
    let mut sync = Sync {
        store: &mut store,
        http: &http,
        settings: &settings,
        clock: &clock,
        ids: &RandomIds,
        sleep: &std::thread::sleep,
    };
    match sync.run_cycle() {
        Ok(summary) => {
            println!("{}", serde_json::to_string(&summary).unwrap_or_default());
            for e in &summary.errors {
                eprintln!("bedside sync: {e}");
            }
            if summary.errors.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(e) => {
            eprintln!("bedside sync: {e}");
            ExitCode::from(1)
        }
    }
}
