//! Why a subcommand could not do its work. Subcommands return it; `cli::run` says it once, on
//! stderr after the subcommand's name, and turns it into the exit code of the contract
//! (`docs/cli.md`): 2 for a command line or configuration that cannot be used, 1 for a failure.

use std::fmt::Display;
use std::process::ExitCode;

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The command line or the configuration cannot be used as given (exit 2).
    #[error("{0}")]
    Usage(String),
    /// The work was tried and failed: a store, a network, a file (exit 1).
    #[error("{0}")]
    Failed(String),
}

impl CliError {
    pub fn usage(e: impl Display) -> CliError {
        CliError::Usage(e.to_string())
    }

    pub fn failed(e: impl Display) -> CliError {
        CliError::Failed(e.to_string())
    }

    pub fn exit_code(&self) -> ExitCode {
        match self {
            CliError::Usage(_) => ExitCode::from(2),
            CliError::Failed(_) => ExitCode::from(1),
        }
    }
}

/// What a subcommand returns: its own exit code when it did its work (a check with stops in it
/// still exits 1, with every problem already reported line by line), or why it could not.
pub type CliResult = Result<ExitCode, CliError>;
