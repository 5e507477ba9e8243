//! `bedside audit verify`: walks the device's audit hash chain and says whether it is whole.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{ArgGroup, Args, Subcommand};

use bedside_app::config::Config;
use bedside_store::{AuditVerdict, Store, StoreKey};

use super::error::{CliError, CliResult};

#[derive(Debug, Args)]
pub struct AuditArgs {
    #[command(subcommand)]
    pub action: AuditAction,
}

#[derive(Debug, Subcommand)]
pub enum AuditAction {
    /// Check the audit trail's hash chain from its first row; print the head hash to keep.
    #[command(
        long_about = "Check the device's audit trail: every row must match its SHA-256 hash and \
        follow the row before it, with no seq missing. Prints one JSON line: \
        {\"intact\":true,\"rows\",\"head_seq\",\"head\"} or \
        {\"intact\":false,\"seq\",\"code\",\"message\"} where seq is the first row where the chain \
        breaks.\n\n\
        Rows removed from the end leave a shorter chain that is still whole: write the printed \
        head hash down (or send it to the blood bank) and give it later as --expect-head, which \
        must still be in the chain.\n\n\
        Exit codes: 0 intact, 1 broken or the store cannot be read, 2 bad usage.",
        group(ArgGroup::new("source").required(true).args(["store", "config"]))
    )]
    Verify {
        /// The device's database (a plaintext copy, or encrypted with --key-file).
        #[arg(long, value_name = "PATH")]
        store: Option<PathBuf>,
        /// The store's key file, for --store (with --config, [device] store_key_file is used).
        #[arg(long, value_name = "FILE", requires = "store")]
        key_file: Option<PathBuf>,
        /// The configuration whose [device] store is the database.
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// A head hash printed earlier: it must still be some row's hash.
        #[arg(long, value_name = "HASH", value_parser = parse_head)]
        expect_head: Option<String>,
    },
}

/// A head hash as `verify` prints it: 64 hex digits (either case; compared in lower case).
fn parse_head(s: &str) -> Result<String, String> {
    let t = s.trim();
    if t.len() == 64 && t.chars().all(|c| c.is_ascii_hexdigit()) {
        Ok(t.to_ascii_lowercase())
    } else {
        Err(format!(
            "`{s}` is not a head hash: give the 64 hex digits `bedside audit verify` printed as \"head\""
        ))
    }
}

pub fn run(args: AuditArgs) -> CliResult {
    let AuditAction::Verify {
        store,
        key_file,
        config,
        expect_head,
    } = args.action;
    let (path, key) = match (store, config) {
        (Some(path), _) => {
            let key = key_file.as_deref().map(StoreKey::from_file).transpose();
            (path, key.map_err(CliError::usage)?)
        }
        (None, Some(config_path)) => {
            let (path, key) = store_of(&config_path).map_err(CliError::Usage)?;
            (path, Some(key))
        }
        (None, None) => return Err(CliError::usage("give --store PATH or --config FILE")),
    };
    match verify(&path, key.as_ref(), expect_head.as_deref()).map_err(CliError::Failed)? {
        AuditVerdict::Intact { rows, head } => {
            let value = serde_json::json!({
                "intact": true,
                "rows": rows,
                "head_seq": head.as_ref().map(|h| h.seq),
                "head": head.as_ref().map(|h| h.hash.clone()),
            });
            println!("{value}");
            Ok(ExitCode::SUCCESS)
        }
        AuditVerdict::Broken { seq, problem } => {
            let message = problem.describe(seq);
            let value = serde_json::json!({
                "intact": false,
                "seq": seq,
                "code": problem.code(),
                "message": message,
            });
            println!("{value}");
            Err(CliError::Failed(format!("{}: {message}", path.display())))
        }
    }
}

fn store_of(config_path: &Path) -> Result<(PathBuf, StoreKey), String> {
    let config = Config::load(config_path).map_err(|e| e.to_string())?;
    let key = config.device.store_key().map_err(|e| e.to_string())?;
    let path = config
        .device
        .store
        .ok_or_else(|| format!("{} has no [device] store = \"…\"", config_path.display()))?;
    Ok((path, key))
}

/// Opening brings an older database to the current schema (chaining its legacy rows); a path
/// with no file is refused rather than created empty, which would verify as intact.
fn verify(
    path: &Path,
    key: Option<&StoreKey>,
    expect_head: Option<&str>,
) -> Result<AuditVerdict, String> {
    if !path.is_file() {
        return Err(format!("{}: no such database file", path.display()));
    }
    let store = Store::open_with(path, key).map_err(|e| e.to_string())?;
    match expect_head {
        Some(anchor) => store.verify_audit_against(anchor),
        None => store.verify_audit(),
    }
    .map_err(|e| e.to_string())
}
