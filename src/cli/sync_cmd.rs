//! `bedside sync --config FILE`: one sync cycle with the blood bank, its summary as JSON.

use std::path::Path;
use std::process::ExitCode;

use bedside_app::config::Config;
use bedside_clock::{RandomIds, SystemClock};
use bedside_store::Store;
use bedside_sync::http::BloodBankHttp;
use bedside_sync::Sync;

use super::error::{CliError, CliResult};

pub fn run(config_path: &Path) -> CliResult {
    let config = Config::load(config_path).map_err(CliError::usage)?;
    let (Some(bb), Some(store_path)) = (&config.bloodbank, &config.device.store) else {
        return Err(CliError::Usage(format!(
            "{} needs a [bloodbank] section (url, ward) and [device] store = \"…\"",
            config_path.display()
        )));
    };
    let key = config.device.store_key().map_err(CliError::usage)?;
    let mut store = Store::open_encrypted(store_path, &key).map_err(CliError::failed)?;
    let now = bedside_clock::Clock::now(&SystemClock::china());
    bedside_app::config_audit::audit_configuration(&mut store, config_path, &now)
        .map_err(CliError::failed)?;
    let settings = bb.sync_settings();
    let http = BloodBankHttp::for_settings(&settings).map_err(CliError::failed)?;
    let clock = SystemClock::china();
    let mut sync = Sync {
        store: &mut store,
        http: &http,
        settings: &settings,
        clock: &clock,
        ids: &RandomIds,
        sleep: &std::thread::sleep,
    };
    let summary = sync.run_cycle().map_err(CliError::failed)?;
    let json = serde_json::to_string(&summary).map_err(CliError::failed)?;
    println!("{json}");
    // The cycle ran: each of its problems is a line of the report, not the command's failure.
    for e in &summary.errors {
        eprintln!("bedside sync: {e}");
    }
    Ok(if summary.errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
