//! SMART Backend Services (client credentials with a signed JWT assertion): how a device gets an
//! access token without any secret the blood bank holds. The device signs a short-lived
//! assertion with its own private key (ES384 or RS384, a PEM file outside the repo and outside
//! the store), sends it to the blood bank's token endpoint, and presents the access token it gets
//! back until shortly before it expires. The key file is read for each new token, so a key the
//! hospital's IT rotated is used from the next token on; the outbox waits, whole, meanwhile.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use std::time::Duration;

use bedside_clock::{Clock, IdSource, Instant};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::Serialize;
use serde_json::Value;

use super::http::NetError;

/// `[bloodbank]` `client_id`, `private_key_file`, `key_id`, `signing_alg`, `scope`, `token_url`.
#[derive(Debug, Clone, PartialEq)]
pub struct SmartSettings {
    /// The client id the blood bank registered for this device.
    pub client_id: String,
    /// The device's private key (PKCS#8 PEM), outside the repo and the store.
    pub private_key_file: PathBuf,
    /// The key's id (`kid`) as the blood bank's JWK Set for this client names it.
    pub key_id: String,
    /// `ES384` (default) or `RS384`.
    pub signing_alg: String,
    /// The SMART v2 system scopes the device asks for.
    pub scope: String,
    /// The token endpoint; `None`: read from `[base]/.well-known/smart-configuration`.
    pub token_url: Option<String>,
}

impl SmartSettings {
    /// The scopes a ward device needs: read everything, create and update its own records.
    pub const DEFAULT_SCOPE: &'static str = "system/*.rs system/Procedure.cu \
        system/Observation.c system/Provenance.cu system/AdverseEvent.c";

    pub fn algorithm(&self) -> Result<Algorithm, NetError> {
        match self.signing_alg.trim().to_ascii_uppercase().as_str() {
            "ES384" => Ok(Algorithm::ES384),
            "RS384" => Ok(Algorithm::RS384),
            other => Err(NetError(format!(
                "[bloodbank] signing_alg {other:?} is not ES384 or RS384 (SMART Backend Services)"
            ))),
        }
    }
}

#[derive(Serialize)]
struct Assertion<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    exp: i64,
    iat: i64,
    jti: String,
}

/// An access token and when to stop using it.
struct Held {
    token: String,
    renew_at: Instant,
}

/// The device's side of SMART Backend Services: one access token held at a time.
pub struct SmartClient {
    settings: SmartSettings,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdSource>,
    held: Mutex<Option<Held>>,
}

impl SmartClient {
    pub fn new(
        settings: SmartSettings,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdSource>,
    ) -> SmartClient {
        SmartClient {
            settings,
            clock,
            ids,
            held: Mutex::new(None),
        }
    }

    /// The access token to present now: the one held, or a new one from the token endpoint.
    pub fn access_token(
        &self,
        client: &reqwest::blocking::Client,
        base_url: &str,
    ) -> Result<String, NetError> {
        let now = self.clock.now();
        let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(h) = held.as_ref().filter(|h| now < h.renew_at) {
            return Ok(h.token.clone());
        }
        let (token, expires_in) = self.request_token(client, base_url, now)?;
        // Renewed a minute early (at least halfway), so a token never expires in flight.
        let margin = (expires_in / 2).min(60);
        *held = Some(Held {
            token: token.clone(),
            renew_at: now + chrono::Duration::seconds(expires_in - margin),
        });
        Ok(token)
    }

    /// The blood bank refused the token (401): the next request asks for a new one.
    pub fn forget(&self) {
        *self.held.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    fn request_token(
        &self,
        client: &reqwest::blocking::Client,
        base_url: &str,
        now: Instant,
    ) -> Result<(String, i64), NetError> {
        let token_url = match &self.settings.token_url {
            Some(url) => url.clone(),
            None => discover_token_url(client, base_url)?,
        };
        let assertion = self.assertion(&token_url, now)?;
        let form = [
            ("grant_type", "client_credentials"),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            ("client_assertion", assertion.as_str()),
            ("scope", self.settings.scope.as_str()),
        ];
        let body: String = form
            .iter()
            .map(|(k, v)| format!("{k}={}", urlencoding::encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let response = client
            .post(&token_url)
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .header(reqwest::header::ACCEPT, "application/json")
            .body(body)
            .send()
            .map_err(|e| {
                NetError(format!(
                    "the token endpoint {token_url} cannot be reached: {e}"
                ))
            })?;
        let status = response.status().as_u16();
        let answer: Value = response
            .bytes()
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or(Value::Null);
        if status != 200 {
            return Err(NetError(format!(
                "the token endpoint refused this device's credentials: HTTP {status} {} \
                 (check [bloodbank] client_id, key_id and private_key_file)",
                answer["error_description"]
                    .as_str()
                    .or(answer["error"].as_str())
                    .unwrap_or_default()
            )));
        }
        let token = answer["access_token"]
            .as_str()
            .filter(|t| !t.is_empty() && !t.contains(char::is_whitespace))
            .ok_or_else(|| NetError("the token endpoint's answer has no access_token".into()))?;
        let expires_in = answer["expires_in"].as_i64().unwrap_or(300).clamp(10, 3600);
        Ok((token.to_string(), expires_in))
    }

    /// The signed assertion: iss = sub = the client id, aud = the token endpoint, five minutes.
    fn assertion(&self, token_url: &str, now: Instant) -> Result<String, NetError> {
        let s = &self.settings;
        let pem = std::fs::read(&s.private_key_file).map_err(|e| {
            NetError(format!(
                "cannot read the device's token key {} ([bloodbank] private_key_file): {e}",
                s.private_key_file.display()
            ))
        })?;
        let algorithm = s.algorithm()?;
        let key = match algorithm {
            Algorithm::RS384 => EncodingKey::from_rsa_pem(&pem),
            _ => EncodingKey::from_ec_pem(&pem),
        }
        .map_err(|e| {
            NetError(format!(
                "the device's token key {} is not a {} private key in PEM: {e}",
                s.private_key_file.display(),
                s.signing_alg
            ))
        })?;
        let mut header = Header::new(algorithm);
        header.kid = Some(s.key_id.clone());
        header.typ = Some("JWT".into());
        let claims = Assertion {
            iss: &s.client_id,
            sub: &s.client_id,
            aud: token_url,
            iat: now.timestamp(),
            exp: now.timestamp() + 300,
            jti: self.ids.new_uuid().to_string(),
        };
        jsonwebtoken::encode(&header, &claims, &key)
            .map_err(|e| NetError(format!("cannot sign the token request: {e}")))
    }
}

/// The token endpoint the blood bank advertises (`.well-known/smart-configuration`).
fn discover_token_url(
    client: &reqwest::blocking::Client,
    base_url: &str,
) -> Result<String, NetError> {
    let url = format!(
        "{}/.well-known/smart-configuration",
        base_url.trim_end_matches('/')
    );
    let config: Value = client
        .get(&url)
        .header(reqwest::header::ACCEPT, "application/json")
        .timeout(Duration::from_secs(10))
        .send()
        .and_then(|r| r.error_for_status())
        .and_then(|r| r.bytes())
        .map_err(|e| e.to_string())
        .and_then(|b| serde_json::from_slice(&b).map_err(|e| e.to_string()))
        .map_err(|e| {
            NetError(format!(
                "cannot read the blood bank's SMART configuration {url}: {e} (or set [bloodbank] token_url)"
            ))
        })?;
    config["token_endpoint"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| NetError(format!("{url} names no token_endpoint")))
}
