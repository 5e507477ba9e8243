//! SMART Backend Services on the reference blood bank: the token endpoint a device asks for an
//! access token with its signed assertion (client credentials, `private_key_jwt`, ES384 or
//! RS384), and the tokens it issued. The assertion is checked against the public keys the
//! clients file registers for the client id: signature, `iss` = `sub` = the client id, `aud` =
//! this endpoint, a lifetime of at most five minutes that has not ended, a `jti` never seen
//! before. An issued token is random, kept as its SHA-256 with the scopes granted, and expires.

use std::collections::HashMap;
use std::sync::Mutex;

use bedside_clock::Instant;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::auth::{token_sha256, Client, Clients};

/// How long an issued access token lasts.
pub const TOKEN_SECONDS: i64 = 300;

/// One public key of a client's JWK Set.
#[derive(Debug, Clone, Deserialize)]
pub struct Jwk {
    pub kty: String,
    pub kid: String,
    #[serde(default)]
    pub crv: Option<String>,
    #[serde(default)]
    pub x: Option<String>,
    #[serde(default)]
    pub y: Option<String>,
    #[serde(default)]
    pub n: Option<String>,
    #[serde(default)]
    pub e: Option<String>,
}

impl Jwk {
    pub(crate) fn decoding_key(&self) -> Result<(DecodingKey, Algorithm), String> {
        let missing = || format!("key {}: its {} components are missing", self.kid, self.kty);
        match self.kty.as_str() {
            "EC" if self.crv.as_deref() == Some("P-384") => {
                let (x, y) = (self.x.as_deref(), self.y.as_deref());
                let (x, y) = x.zip(y).ok_or_else(missing)?;
                DecodingKey::from_ec_components(x, y)
                    .map(|k| (k, Algorithm::ES384))
                    .map_err(|e| format!("key {}: {e}", self.kid))
            }
            "RSA" => {
                let (n, e) = self
                    .n
                    .as_deref()
                    .zip(self.e.as_deref())
                    .ok_or_else(missing)?;
                DecodingKey::from_rsa_components(n, e)
                    .map(|k| (k, Algorithm::RS384))
                    .map_err(|e| format!("key {}: {e}", self.kid))
            }
            other => Err(format!(
                "key {}: only EC P-384 (ES384) and RSA (RS384) keys are accepted, not {other}",
                self.kid
            )),
        }
    }
}

#[derive(Debug, Deserialize)]
struct Claims {
    iss: String,
    sub: String,
    exp: i64,
    #[serde(default)]
    iat: Option<i64>,
    jti: String,
}

struct Grant {
    client: Client,
    expires_at: i64,
}

/// The access tokens issued, and the assertions already used.
#[derive(Default)]
pub struct Issued {
    tokens: Mutex<HashMap<String, Grant>>,
    seen_jti: Mutex<HashMap<String, i64>>,
}

/// Why a token request is refused, as OAuth says it (RFC 6749 §5.2).
#[derive(Debug, PartialEq)]
pub struct TokenRefusal {
    pub status: u16,
    pub error: &'static str,
    pub description: String,
}

fn refuse(error: &'static str, description: impl Into<String>) -> TokenRefusal {
    let status = if error == "invalid_client" { 401 } else { 400 };
    TokenRefusal {
        status,
        error,
        description: description.into(),
    }
}

impl Issued {
    /// The client (with the scopes granted) an unexpired issued token stands for.
    pub fn client(&self, token: &str, now: Instant) -> Option<Client> {
        let tokens = self.tokens.lock().unwrap_or_else(|p| p.into_inner());
        let grant = tokens.get(&token_sha256(token))?;
        (now.timestamp() < grant.expires_at).then(|| grant.client.clone())
    }

    /// The token endpoint: the form's assertion checked, a token issued for the scopes asked
    /// that the client holds.
    pub fn token(
        &self,
        clients: &Clients,
        form: &HashMap<String, String>,
        audience: &str,
        now: Instant,
        new_token: String,
    ) -> Result<Value, TokenRefusal> {
        let field = |k: &str| form.get(k).map(String::as_str).unwrap_or_default();
        if field("grant_type") != "client_credentials" {
            return Err(refuse(
                "unsupported_grant_type",
                "grant_type must be client_credentials",
            ));
        }
        if field("client_assertion_type")
            != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
        {
            return Err(refuse(
                "invalid_request",
                "client_assertion_type must be jwt-bearer",
            ));
        }
        let (client, claims) = verify(clients, field("client_assertion"), audience, now)?;
        self.use_jti(&claims, now)?;
        let scopes = granted(client, field("scope"))?;
        let mut grant = client.clone();
        grant.scopes = scopes.clone();
        self.tokens
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(
                token_sha256(&new_token),
                Grant {
                    client: grant,
                    expires_at: now.timestamp() + TOKEN_SECONDS,
                },
            );
        Ok(json!({
            "access_token": new_token,
            "token_type": "bearer",
            "expires_in": TOKEN_SECONDS,
            "scope": scopes.join(" "),
        }))
    }

    /// An assertion is good once: its `jti` is kept until it would have expired anyway.
    fn use_jti(&self, claims: &Claims, now: Instant) -> Result<(), TokenRefusal> {
        let mut seen = self.seen_jti.lock().unwrap_or_else(|p| p.into_inner());
        seen.retain(|_, exp| *exp >= now.timestamp());
        let key = format!("{}|{}", claims.iss, claims.jti);
        if seen.insert(key, claims.exp).is_some() {
            return Err(refuse(
                "invalid_grant",
                "this assertion (jti) was already used",
            ));
        }
        Ok(())
    }
}

/// The client the assertion names, when one of its keys signed it and its claims hold.
fn verify<'c>(
    clients: &'c Clients,
    assertion: &str,
    audience: &str,
    now: Instant,
) -> Result<(&'c Client, Claims), TokenRefusal> {
    let header = jsonwebtoken::decode_header(assertion)
        .map_err(|e| refuse("invalid_client", format!("the assertion is not a JWT: {e}")))?;
    if !matches!(header.alg, Algorithm::ES384 | Algorithm::RS384) {
        return Err(refuse(
            "invalid_client",
            "the assertion must be signed with ES384 or RS384",
        ));
    }
    let mut unverified = Validation::new(header.alg);
    unverified.insecure_disable_signature_validation();
    unverified.validate_exp = false;
    unverified.validate_aud = false;
    unverified.required_spec_claims.clear();
    let iss =
        jsonwebtoken::decode::<Claims>(assertion, &DecodingKey::from_secret(&[]), &unverified)
            .map_err(|e| {
                refuse(
                    "invalid_client",
                    format!("the assertion's claims cannot be read: {e}"),
                )
            })?
            .claims
            .iss;
    let client = clients
        .by_client_id(&iss)
        .ok_or_else(|| refuse("invalid_client", format!("no client {iss} is registered")))?;
    let keys = client
        .jwks
        .iter()
        .filter(|k| header.kid.as_deref().is_none_or(|kid| kid == k.kid));
    for key in keys {
        let Ok((decoding, alg)) = key.decoding_key() else {
            continue;
        };
        if alg != header.alg {
            continue;
        }
        let mut validation = Validation::new(alg);
        // The service's own clock judges the lifetime, below.
        validation.validate_exp = false;
        validation.required_spec_claims.clear();
        validation.set_audience(&[audience]);
        if let Ok(data) = jsonwebtoken::decode::<Claims>(assertion, &decoding, &validation) {
            return lifetime_holds(&data.claims, &iss, now).map(|()| (client, data.claims));
        }
    }
    Err(refuse(
        "invalid_client",
        format!(
            "the assertion is not signed by a key registered for {iss}, or is not for {audience}"
        ),
    ))
}

fn lifetime_holds(claims: &Claims, iss: &str, now: Instant) -> Result<(), TokenRefusal> {
    let now = now.timestamp();
    if claims.sub != iss {
        return Err(refuse(
            "invalid_client",
            "the assertion's sub must be its iss (the client id)",
        ));
    }
    // A minute's leeway each way for clocks that differ.
    if claims.exp + 60 < now {
        return Err(refuse("invalid_client", "the assertion has expired"));
    }
    if claims.exp > now + 300 + 60 || claims.iat.is_some_and(|iat| iat > now + 60) {
        return Err(refuse(
            "invalid_client",
            "the assertion must live at most five minutes from now",
        ));
    }
    Ok(())
}

/// The scopes asked that the client holds; asking for one it does not hold is refused.
fn granted(client: &Client, asked: &str) -> Result<Vec<String>, TokenRefusal> {
    let asked: Vec<&str> = asked.split_whitespace().collect();
    if asked.is_empty() {
        return Ok(client.scopes.clone());
    }
    let holds = |scope: &str| {
        let Some((ty, permissions)) = scope
            .strip_prefix("system/")
            .and_then(|s| s.split_once('.'))
        else {
            return false;
        };
        let permissions = if permissions == "*" {
            "cruds"
        } else {
            permissions
        };
        permissions.chars().all(|p| client.allows(ty, p))
    };
    match asked.iter().find(|s| !holds(s)) {
        Some(extra) => Err(refuse(
            "invalid_scope",
            format!("{} may not have {extra}", client.name),
        )),
        None => Ok(asked.iter().map(|s| s.to_string()).collect()),
    }
}

/// `.well-known/smart-configuration`: where and how a device gets a token.
pub fn configuration(token_url: &str) -> Value {
    json!({
        "token_endpoint": token_url,
        "grant_types_supported": ["client_credentials"],
        "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        "token_endpoint_auth_signing_alg_values_supported": ["ES384", "RS384"],
        "scopes_supported": ["system/*.rs", "system/Procedure.cu", "system/Observation.c",
                             "system/Provenance.cu", "system/AdverseEvent.c"],
        "capabilities": ["client-confidential-asymmetric"]
    })
}

/// A form body (`application/x-www-form-urlencoded`) as its fields.
pub fn form_fields(body: &[u8]) -> HashMap<String, String> {
    let text = String::from_utf8_lossy(body);
    text.split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| {
            let decode = |s: &str| {
                urlencoding::decode(&s.replace('+', " "))
                    .map(|c| c.into_owned())
                    .unwrap_or_default()
            };
            (decode(k), decode(v))
        })
        .collect()
}
