//! Who may call the reference blood bank (issue 17.3): each device presents a bearer token,
//! either one the service issued through SMART Backend Services (`smart`: the device's signed
//! assertion checked against the public keys registered for its client id) or a static one whose
//! SHA-256 the clients file keeps. Each client has the SMART v2 system scopes it is granted
//! (`system/Procedure.cu`, `system/*.rs`). Loaded from `--clients FILE`; without one the service
//! is open, as the demo on loopback is. `/metadata`, the SMART configuration and the token
//! endpoint stay public (a client reads there how to authenticate).

use std::path::Path;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderValue, Method};
use axum::response::Response;
use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::transaction::Refusal;

/// The devices the service knows.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Clients {
    clients: Vec<Client>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Client {
    /// Who this is, for the service's log (`ward-h5 handheld 3`).
    pub name: String,
    /// SHA-256 of a static bearer token, lower-case hex: the token itself is never stored here.
    #[serde(default)]
    pub token_sha256: Option<String>,
    /// SMART Backend Services: the client id the device signs its assertions with.
    #[serde(default)]
    pub client_id: Option<String>,
    /// The device's public keys (a JWK Set's `keys`: EC P-384 or RSA, each with its `kid`); two
    /// while a key is rotated.
    #[serde(default)]
    pub jwks: Vec<crate::smart::Jwk>,
    /// SMART v2 system scopes: `system/<Type|*>.<c r u d s>`.
    pub scopes: Vec<String>,
}

impl Clients {
    pub fn load(path: &Path) -> Result<Clients, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read the clients file {}: {e}", path.display()))?;
        let clients: Clients = serde_json::from_str(&text)
            .map_err(|e| format!("the clients file {} is not valid: {e}", path.display()))?;
        for client in &clients.clients {
            match (&client.token_sha256, &client.client_id) {
                (Some(hash), _)
                    if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) =>
                {
                    return Err(format!(
                        "client {}: token_sha256 must be 64 hex digits (sha256sum of the token)",
                        client.name
                    ))
                }
                (_, Some(_)) if client.jwks.is_empty() => {
                    return Err(format!(
                        "client {}: a client_id needs its public keys (jwks)",
                        client.name
                    ))
                }
                (None, None) => {
                    return Err(format!(
                        "client {}: give token_sha256 or client_id with jwks",
                        client.name
                    ))
                }
                _ => {}
            }
            for key in &client.jwks {
                key.decoding_key()
                    .map_err(|e| format!("client {}: {e}", client.name))?;
            }
        }
        Ok(clients)
    }

    /// The client of a static bearer token.
    fn find(&self, token: &str) -> Option<&Client> {
        let hash = token_sha256(token);
        self.clients.iter().find(|c| {
            c.token_sha256
                .as_deref()
                .is_some_and(|h| h.eq_ignore_ascii_case(&hash))
        })
    }

    /// The client registered under a SMART client id.
    pub(crate) fn by_client_id(&self, client_id: &str) -> Option<&Client> {
        self.clients
            .iter()
            .find(|c| c.client_id.as_deref() == Some(client_id))
    }
}

/// What the clients file keeps of a token.
pub fn token_sha256(token: &str) -> String {
    Sha256::digest(token.trim().as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Client {
    /// Whether a scope grants `permission` (one of `c r u d s`) on `resource_type`.
    pub(crate) fn allows(&self, resource_type: &str, permission: char) -> bool {
        self.scopes.iter().any(|scope| {
            let Some((ty, permissions)) = scope
                .strip_prefix("system/")
                .and_then(|s| s.split_once('.'))
            else {
                return false;
            };
            (ty == "*" || ty == resource_type)
                && (permissions == "*" || permissions.contains(permission))
        })
    }
}

/// The request as the clients file allows it, or the refusal: 401 without a known token, 403
/// when a scope is missing. A transaction is judged entry by entry, so its body is read here
/// and handed on unchanged.
pub async fn admit(
    clients: &Clients,
    issued: &crate::smart::Issued,
    now: bedside_clock::Instant,
    request: Request,
) -> Result<Request, Response> {
    if PUBLIC.contains(&request.uri().path()) {
        return Ok(request);
    }
    let token = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let issued_client = token.and_then(|t| issued.client(t, now));
    let Some(client) = issued_client
        .as_ref()
        .or_else(|| token.and_then(|t| clients.find(t)))
    else {
        return Err(unauthorized());
    };
    let method = request.method().clone();
    let path = request.uri().path().trim_start_matches("/fhir").to_string();
    if method == Method::POST && path.trim_matches('/').is_empty() {
        let (parts, body) = request.into_parts();
        let bytes = axum::body::to_bytes(body, 64 << 20)
            .await
            .map_err(|_| refusal(413, "too-costly", "请求过大。/ The request is too large."))?;
        let bundle: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        for (ty, permission) in transaction_needs(&bundle) {
            check(client, &ty, permission).map_err(|r| *r)?;
        }
        return Ok(Request::from_parts(parts, Body::from(bytes)));
    }
    let mut segments = path.trim_matches('/').split('/');
    let ty = segments.next().unwrap_or_default();
    let permission = match (&method, segments.next()) {
        (&Method::GET, None) => 's',
        (&Method::GET, Some(_)) => 'r',
        (&Method::PUT, _) => 'u',
        (&Method::DELETE, _) => 'd',
        _ => 'c',
    };
    check(client, ty, permission).map_err(|r| *r)?;
    Ok(request)
}

/// What anyone may read or call: how to authenticate, and where to get a token.
const PUBLIC: [&str; 3] = [
    "/fhir/metadata",
    "/fhir/.well-known/smart-configuration",
    "/auth/token",
];

/// Each entry's resource type and the permission its method needs.
fn transaction_needs(bundle: &Value) -> Vec<(String, char)> {
    bundle
        .get("entry")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|entry| {
            let url = entry["request"]["url"].as_str().unwrap_or_default();
            let ty = entry["resource"]["resourceType"]
                .as_str()
                .unwrap_or_else(|| url.split(['/', '?']).next().unwrap_or_default())
                .to_string();
            let permission = match entry["request"]["method"].as_str() {
                Some("PUT" | "PATCH") => 'u',
                Some("DELETE") => 'd',
                Some("GET") => 'r',
                _ => 'c',
            };
            (ty, permission)
        })
        .collect()
}

fn check(client: &Client, ty: &str, permission: char) -> Result<(), Box<Response>> {
    if client.allows(ty, permission) {
        return Ok(());
    }
    let text = format!(
        "此设备没有 system/{ty}.{permission} 权限。/ This device has no scope system/{ty}.{permission}."
    );
    Err(Box::new(refusal(403, "forbidden", &text)))
}

fn unauthorized() -> Response {
    let mut response = refusal(
        401,
        "login",
        "需要有效的设备令牌。/ A valid device token (Authorization: Bearer) is required.",
    );
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"bedside-bloodbank\""),
    );
    response
}

fn refusal(status: u16, code: &str, text: &str) -> Response {
    crate::server::refusal_response(Refusal::new(status, code, None, text, "", None))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(scopes: &[&str]) -> Client {
        Client {
            name: "test".into(),
            token_sha256: Some(token_sha256("t")),
            client_id: None,
            jwks: Vec::new(),
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn scopes_grant_by_type_and_permission() {
        let c = client(&["system/*.rs", "system/Procedure.cu"]);
        assert!(c.allows("Patient", 'r') && c.allows("Patient", 's'));
        assert!(c.allows("Procedure", 'c') && c.allows("Procedure", 'u'));
        assert!(!c.allows("Observation", 'c'));
        assert!(!client(&["user/*.*"]).allows("Patient", 'r'));
        assert!(client(&["system/*.*"]).allows("Observation", 'd'));
    }

    #[test]
    fn a_transactions_entries_each_need_their_own_permission() {
        let bundle = serde_json::json!({"entry": [
            {"request": {"method": "POST", "url": "Procedure"}, "resource": {"resourceType": "Procedure"}},
            {"request": {"method": "PUT", "url": "Procedure/p1"}, "resource": {"resourceType": "Procedure"}},
            {"request": {"method": "POST", "url": "Observation"}}
        ]});
        assert_eq!(
            transaction_needs(&bundle),
            [
                ("Procedure".to_string(), 'c'),
                ("Procedure".to_string(), 'u'),
                ("Observation".to_string(), 'c')
            ]
        );
    }
}
