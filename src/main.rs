//! The thin binary: parse the command line, run a subcommand or the app, return its exit code.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = bedside::cli::Cli::parse();
    match cli.command {
        Some(command) => bedside::cli::run(command),
        None => match match &cli.config {
            Some(path) => bedside::ui::app::run_configured(path),
            #[cfg(feature = "demo")]
            None => bedside::ui::app::run_demo(),
            #[cfg(not(feature = "demo"))]
            None => Err(anyhow::anyhow!(
                "this build has no demo mode: start it with --config FILE (docs/bedside.example.toml)"
            )),
        } {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("bedside: {e:#}");
                ExitCode::from(1)
            }
        },
    }
}
