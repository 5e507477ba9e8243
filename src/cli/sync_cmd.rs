//! `bedside sync --config FILE`: one sync cycle with the blood bank, its summary as JSON.

use std::path::Path;
use std::process::ExitCode;

use bedside_app::device::Device;
use bedside_clock::{RandomIds, SystemClock};
use bedside_sync::http::BloodBankHttp;
use bedside_sync::Sync;

use super::error::{CliError, CliResult};

pub fn run(config_path: &Path) -> CliResult {
    let mut device = Device::open(config_path).map_err(|e| {
        if e.is_usage() {
            CliError::usage(e)
        } else {
            CliError::failed(e)
        }
    })?;
    let settings = device.settings.clone();
    let http = BloodBankHttp::for_settings(&settings).map_err(CliError::failed)?;
    let clock = SystemClock::china();
    let mut sync = Sync {
        store: &mut device.store,
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
