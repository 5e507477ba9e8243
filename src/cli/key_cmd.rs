//! `bedside device-key`: a new SMART Backend Services key for this device (ES384, P-384). The
//! private key goes to a file only the app's user reads (PKCS#8 PEM, `[bloodbank]
//! private_key_file`); the public key is printed as the JWK the hospital's IT registers with the
//! blood bank under the device's client id. The private key never leaves the device.

use std::io::Write;
use std::path::Path;

use base64::Engine;
use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, KeyPair, ECDSA_P384_SHA384_FIXED_SIGNING};

use super::error::{CliError, CliResult};

pub fn run(kid: &str, out: &Path) -> CliResult {
    let kid = kid.trim();
    if kid.is_empty() || kid.contains(char::is_whitespace) {
        return Err(CliError::usage(
            "--kid must be one word, e.g. handheld-3-2026",
        ));
    }
    let rng = SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P384_SHA384_FIXED_SIGNING, &rng)
        .map_err(|_| CliError::failed("the system's random source failed: no key was made"))?;
    let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P384_SHA384_FIXED_SIGNING, pkcs8.as_ref(), &rng)
        .map_err(|_| CliError::failed("the new key cannot be read back: no key was written"))?;
    let point = pair.public_key().as_ref();
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let jwk = serde_json::json!({
        "kty": "EC", "crv": "P-384", "alg": "ES384", "use": "sig", "kid": kid,
        "x": b64.encode(&point[1..49]), "y": b64.encode(&point[49..97]),
    });
    let pem = pem::encode(&pem::Pem::new("PRIVATE KEY", pkcs8.as_ref().to_vec()));
    write_private(out, pem.as_bytes())?;
    println!("{jwk}");
    Ok(std::process::ExitCode::SUCCESS)
}

/// A new file readable by its owner only; an existing key is never overwritten.
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(|e| {
        CliError::failed(format!(
            "cannot create {} ({e}); an existing key is never overwritten",
            path.display()
        ))
    })?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| CliError::failed(format!("cannot write {}: {e}", path.display())))
}
