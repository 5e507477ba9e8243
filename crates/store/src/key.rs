//! The key of the handheld's encrypted store (SQLCipher). It comes from the device's
//! configuration (`[device] store_key_file`, a file readable only by the app's user holding 64
//! hex digits, e.g. made with `openssl rand -hex 32 > store.key; chmod 600 store.key`), or, in
//! demo mode, from fresh randomness at every start. It is never printed: `Debug` shows no bytes,
//! and its bytes are overwritten when it is dropped.

use std::path::Path;

use bedside_clock::IdSource;

/// 256 bits, used as SQLCipher's raw key (no passphrase derivation: the file is already random).
#[derive(Clone, PartialEq, Eq)]
pub struct StoreKey([u8; 32]);

impl std::fmt::Debug for StoreKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StoreKey(…)")
    }
}

impl Drop for StoreKey {
    fn drop(&mut self) {
        for b in self.0.iter_mut() {
            // SAFETY: a valid, aligned, exclusive reference to a byte of this key.
            unsafe { std::ptr::write_volatile(b, 0) };
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum KeyError {
    #[error(
        "[device] store_key_file is not set: a handheld's store must be encrypted. Make a key \
         file readable only by the app's user (`openssl rand -hex 32 > store.key; chmod 600 \
         store.key`) and name it in [device] store_key_file"
    )]
    Missing,
    #[error("cannot read the store's key file {path} ([device] store_key_file): {why}")]
    Unreadable { path: String, why: String },
    #[error(
        "the store's key file {path} ([device] store_key_file) can be read by other users \
         (mode {mode:o}); allow only the app's user: chmod 600 {path}"
    )]
    Exposed { path: String, mode: u32 },
    #[error(
        "the store's key file {path} ([device] store_key_file) must hold exactly 64 hex digits \
         (a 256-bit key, e.g. from `openssl rand -hex 32`)"
    )]
    Malformed { path: String },
}

impl StoreKey {
    pub fn from_bytes(bytes: [u8; 32]) -> StoreKey {
        StoreKey(bytes)
    }

    /// A fresh key from the injected randomness (demo mode: a new key per run). Two version-4
    /// UUIDs give 244 random bits.
    pub fn random(ids: &dyn IdSource) -> StoreKey {
        let mut bytes = [0u8; 32];
        bytes[..16].copy_from_slice(ids.new_uuid().as_bytes());
        bytes[16..].copy_from_slice(ids.new_uuid().as_bytes());
        StoreKey(bytes)
    }

    /// Parses 64 hex digits (surrounding white space allowed).
    pub fn from_hex(text: &str) -> Option<StoreKey> {
        let text = text.trim();
        if text.len() != 64 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let mut bytes = [0u8; 32];
        for (i, b) in bytes.iter_mut().enumerate() {
            *b = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok()?;
        }
        Some(StoreKey(bytes))
    }

    /// Reads a key file, refusing one that other users could read or change.
    pub fn from_file(path: &Path) -> Result<StoreKey, KeyError> {
        let shown = path.display().to_string();
        let unreadable = |e: std::io::Error| KeyError::Unreadable {
            path: shown.clone(),
            why: e.to_string(),
        };
        let meta = std::fs::metadata(path).map_err(unreadable)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                return Err(KeyError::Exposed {
                    path: shown.clone(),
                    mode,
                });
            }
        }
        #[cfg(not(unix))]
        let _ = meta;
        let mut text = std::fs::read_to_string(path).map_err(unreadable)?;
        let key = StoreKey::from_hex(&text);
        // SAFETY: zero bytes keep the String valid UTF-8.
        unsafe { text.as_bytes_mut().fill(0) };
        key.ok_or(KeyError::Malformed { path: shown })
    }

    /// SQLCipher's raw-key literal: `x'…'` (64 hex digits).
    pub(super) fn pragma_literal(&self) -> String {
        let mut s = String::with_capacity(67);
        s.push_str("x'");
        for b in &self.0 {
            s.push_str(&format!("{b:02x}"));
        }
        s.push('\'');
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_is_never_printed() {
        let key = StoreKey::from_bytes([0xab; 32]);
        let shown = format!("{key:?}");
        assert!(!shown.contains("ab") && !shown.contains("171"), "{shown}");
    }

    #[test]
    fn hex_keys_parse_and_anything_else_is_refused() {
        let hex = "00112233445566778899aabbccddeeff00112233445566778899AABBCCDDEEFF\n";
        let key = StoreKey::from_hex(hex).unwrap();
        assert_eq!(
            key.pragma_literal(),
            format!("x'{}'", hex.trim().to_lowercase())
        );
        assert!(StoreKey::from_hex("0011").is_none());
        assert!(StoreKey::from_hex(&"zz".repeat(32)).is_none());
    }

    #[cfg(unix)]
    #[test]
    fn a_key_file_others_can_read_is_refused_by_name() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.key");
        std::fs::write(&path, "ab".repeat(32)).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = StoreKey::from_file(&path).unwrap_err();
        assert!(
            matches!(err, KeyError::Exposed { mode: 0o644, .. }),
            "{err}"
        );
        assert!(err.to_string().contains("chmod 600"), "{err}");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(
            StoreKey::from_file(&path).unwrap(),
            StoreKey::from_bytes([0xab; 32])
        );
        std::fs::write(&path, "short").unwrap();
        assert!(matches!(
            StoreKey::from_file(&path),
            Err(KeyError::Malformed { .. })
        ));
    }
}
