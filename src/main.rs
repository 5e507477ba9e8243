//! The thin binary: parse the command line, run a subcommand or the app, return its exit code.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = bedside::cli::Cli::parse();
    match cli.command {
        Some(command) => bedside::cli::run(command),
        None => {
            eprintln!(
                "bedside: the touch app is not part of this build yet; the engine is available \
                 through the subcommands (bedside --help)."
            );
            ExitCode::from(2)
        }
    }
}
