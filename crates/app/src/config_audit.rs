//! The configuration a store is opened with joins the audit trail: the first time as
//! `config-loaded`, afterwards as `config-changed` only when the file's text differs from the last
//! one audited. The detail holds the SHA-256 of the text (`sha256=HEX [was=HEX] file=PATH`), so
//! a changed clinical limit is on the record even though the file itself lives outside the store.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use bedside_clock::Instant;
use bedside_core::audit::AuditAction;
use bedside_store::StoreError;

use crate::port::DeviceStore;

#[derive(Debug, thiserror::Error)]
pub enum ConfigAuditError {
    #[error("cannot read configuration file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The audit actor of rows the device writes on its own.
pub const DEVICE_ACTOR: &str = "device";

const ACTIONS: [AuditAction; 2] = [AuditAction::ConfigLoaded, AuditAction::ConfigChanged];

/// SHA-256 of a configuration file's text, lowercase hex.
pub fn fingerprint(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Audits the configuration at `path` if its text is not the last one audited in `store`;
/// returns the action written (`config-loaded` / `config-changed`), or `None` when unchanged.
pub fn audit_configuration(
    store: &mut dyn DeviceStore,
    path: &Path,
    at: &Instant,
) -> Result<Option<AuditAction>, ConfigAuditError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigAuditError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let now = fingerprint(&text);
    let last = store.last_audit_of(&ACTIONS)?.and_then(|entry| {
        entry
            .detail
            .split_whitespace()
            .next()
            .and_then(|t| t.strip_prefix("sha256="))
            .map(str::to_owned)
    });
    let (action, detail) = match last {
        Some(last) if last == now => return Ok(None),
        Some(last) => (
            ACTIONS[1],
            format!("sha256={now} was={last} file={}", path.display()),
        ),
        None => (ACTIONS[0], format!("sha256={now} file={}", path.display())),
    };
    store.audit(at, DEVICE_ACTOR, action, &detail)?;
    Ok(Some(action))
}
