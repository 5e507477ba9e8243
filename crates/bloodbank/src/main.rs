//! `bedside-bloodbank`: the reference blood bank on its own, for a test ward or an integration
//! team (the same as `bedside bloodbank` in a demo build).

use std::process::ExitCode;

use clap::Parser;

use bedside_bloodbank::cli::{run, BloodbankArgs};

#[derive(Debug, Parser)]
#[command(
    name = "bedside-bloodbank",
    version,
    about = "bedside's reference blood bank (FHIR R5)"
)]
struct Cli {
    #[command(flatten)]
    args: BloodbankArgs,
}

fn main() -> ExitCode {
    run(Cli::parse().args)
}
