//! The HTTP client of the blood-bank link (reqwest, blocking, rustls). Run it on a thread of its
//! own, never on the UI's thread or inside a tokio runtime.

use std::time::Duration;

use std::path::Path;

use reqwest::blocking::Client;
use reqwest::header::{ACCEPT, CONTENT_TYPE, DATE, ETAG, IF_NONE_MATCH, RETRY_AFTER};
use reqwest::Certificate;

/// What came back, whatever the status.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub etag: Option<String>,
    pub retry_after: Option<Duration>,
    /// The server's clock (its `Date` header), when it sent one.
    pub date: Option<bedside_clock::Instant>,
    pub body: Vec<u8>,
}

/// Whether `path_or_url` is a whole URL (a `next` link) rather than a path under the base URL.
pub fn is_absolute(path_or_url: &str) -> bool {
    path_or_url.starts_with("http://") || path_or_url.starts_with("https://")
}

/// Whether `url` is the blood bank's base URL (`base`, no trailing slash) or under it, at a path
/// boundary: `https://bb.example/fhir` covers `https://bb.example/fhir/Patient` but not
/// `https://bb.example/fhir-test/…` nor, for a bare host, `https://bb.example.other.net/…`.
pub fn within_base(base: &str, url: &str) -> bool {
    url.strip_prefix(base)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/') || rest.starts_with('?'))
}

/// No usable answer: the request may or may not have been processed.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct NetError(pub String);

/// What the sync needs of the blood bank's HTTP face: the real client (`BloodBankHttp`), or a
/// scripted one in a test that wants no server.
pub trait Transport: std::marker::Sync {
    /// The FHIR base URL (`http://…/fhir`); paths of the contract are relative to it.
    fn base_url(&self) -> &str;
    /// A read or a search (`path_or_url` relative to the base, or a `next` link).
    fn get(&self, path_or_url: &str, if_none_match: Option<&str>) -> Result<Answer, NetError>;
    /// A transaction Bundle to the base URL.
    fn post_transaction(&self, bundle: &str) -> Result<Answer, NetError>;
}

pub struct BloodBankHttp {
    client: Client,
    base_url: String,
    /// `[bloodbank] token_file`: the device's bearer token, read at each request so that a
    /// token the hospital's IT replaced is used from the next request on (nothing else changes:
    /// the outbox waits, whole, while a token is refused).
    token_file: Option<std::path::PathBuf>,
    /// SMART Backend Services: an access token got with the device's signed assertion.
    smart: Option<std::sync::Arc<crate::smart::SmartClient>>,
}

const ACCEPT_FHIR: &str = "application/fhir+json; fhirVersion=5.0";

/// Every search asks for R5's strict handling: a server that does not know a parameter (the
/// ward's `destination`, when the blood bank never loaded its SearchParameter) must refuse the
/// search, not drop the filter and answer every ward's units (R5 search.html "handling";
/// helios-hfs is lenient by default and only notes it in an OperationOutcome entry).
const PREFER_STRICT: &str = "handling=strict";

impl BloodBankHttp {
    pub fn new(base_url: &str, timeout: Duration) -> Result<BloodBankHttp, NetError> {
        BloodBankHttp::with_ca(base_url, timeout, None)
    }

    /// The link as the settings describe it, trusting `ca_file` when one is named.
    pub fn for_settings(settings: &super::SyncSettings) -> Result<BloodBankHttp, NetError> {
        let mut http = BloodBankHttp::with_ca(
            &settings.base_url,
            settings.timeout,
            settings.ca_file.as_deref(),
        )?;
        http.token_file = settings.token_file.clone();
        if let Some(smart) = &settings.smart {
            smart.algorithm()?;
            http.smart = Some(std::sync::Arc::new(crate::smart::SmartClient::new(
                smart.clone(),
                std::sync::Arc::new(bedside_clock::SystemClock::china()),
                std::sync::Arc::new(bedside_clock::RandomIds),
            )));
        }
        Ok(http)
    }

    /// The link presenting the bearer token held in `token_file` on every request.
    pub fn with_token_file(mut self, token_file: &Path) -> BloodBankHttp {
        self.token_file = Some(token_file.to_path_buf());
        self
    }

    /// `Authorization: Bearer …` for a request to `url`: only to the blood bank's own base URL
    /// (a `next` link elsewhere never gets the token).
    fn authorise(
        &self,
        request: reqwest::blocking::RequestBuilder,
        url: &str,
    ) -> Result<reqwest::blocking::RequestBuilder, NetError> {
        if !within_base(&self.base_url, url) {
            return Ok(request);
        }
        if let Some(smart) = &self.smart {
            let token = smart.access_token(&self.client, &self.base_url)?;
            return Ok(request.bearer_auth(token));
        }
        let Some(path) = &self.token_file else {
            return Ok(request);
        };
        let token = std::fs::read_to_string(path).map_err(|e| {
            NetError(format!(
                "cannot read the device's blood-bank token {} ([bloodbank] token_file): {e}",
                path.display()
            ))
        })?;
        let token = token.trim();
        if token.is_empty() || token.contains(char::is_whitespace) {
            return Err(NetError(format!(
                "the device's blood-bank token {} ([bloodbank] token_file) is empty or not one token",
                path.display()
            )));
        }
        Ok(request.bearer_auth(token))
    }

    /// `ca_file`: the hospital's own certificate authority (PEM, one or more certificates),
    /// trusted besides the system's.
    pub fn with_ca(
        base_url: &str,
        timeout: Duration,
        ca_file: Option<&Path>,
    ) -> Result<BloodBankHttp, NetError> {
        let mut builder = Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(5)));
        if let Some(path) = ca_file {
            let pem = std::fs::read(path).map_err(|e| {
                NetError(format!(
                    "cannot read the hospital's CA file {} ([bloodbank] ca_file): {e}",
                    path.display()
                ))
            })?;
            let certs = Certificate::from_pem_bundle(&pem)
                .ok()
                .filter(|c| !c.is_empty())
                .ok_or_else(|| {
                    NetError(format!(
                        "the hospital's CA file {} ([bloodbank] ca_file) holds no PEM certificate",
                        path.display()
                    ))
                })?;
            builder = builder.tls_certs_merge(certs);
        }
        let client = builder
            .build()
            .map_err(|e| NetError(format!("cannot set up HTTPS to the blood bank: {e}")))?;
        Ok(BloodBankHttp {
            client,
            base_url: base_url.trim_end_matches('/').to_string(),
            token_file: None,
            smart: None,
        })
    }
}

/// The words for a certificate rustls refused (its `invalid peer certificate: …` somewhere in the
/// chain of errors), or `None` for any other failure.
fn certificate_problem(chain: &str) -> Option<String> {
    let at = chain.find("invalid peer certificate")?;
    let detail = &chain[at..];
    let why = if detail.contains("UnknownIssuer") || detail.contains("self-signed") {
        "it is self-signed or signed by an authority this device does not trust"
    } else if detail.contains("NotValidForName") || detail.contains("not valid for name") {
        "it was issued for another host name than the one in [bloodbank] url"
    } else if detail.contains("Expired") || detail.contains("expired") {
        "it has expired (or this device's clock is wrong)"
    } else if detail.contains("NotValidYet") {
        "it is not valid yet (or this device's clock is wrong)"
    } else if detail.contains("Revoked") {
        "it has been revoked"
    } else {
        "it failed verification"
    };
    Some(format!(
        "certificate not trusted: the blood bank's certificate was refused, {why}; nothing was \
         sent. If the hospital uses its own certificate authority, name its PEM file in \
         [bloodbank] ca_file ({})",
        detail.trim_end()
    ))
}

fn describe(e: &reqwest::Error) -> String {
    let mut chain = String::new();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        chain.push_str(&format!(": {s}"));
        source = s.source();
    }
    if let Some(words) = certificate_problem(&chain) {
        return words;
    }
    let mut text = if e.is_timeout() {
        "the blood bank did not answer in time".to_string()
    } else if e.is_connect() {
        "cannot reach the blood bank".to_string()
    } else if e.is_body() || e.is_decode() {
        "the blood bank's answer was cut off".to_string()
    } else {
        "the request to the blood bank failed".to_string()
    };
    text.push_str(&chain);
    text
}

fn answer(sent: reqwest::Result<reqwest::blocking::Response>) -> Result<Answer, NetError> {
    let response = sent.map_err(|e| NetError(describe(&e)))?;
    let status = response.status().as_u16();
    let header = |name| {
        response
            .headers()
            .get(name)
            .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
            .map(str::to_string)
    };
    let etag = header(ETAG);
    let retry_after = header(RETRY_AFTER)
        .and_then(|s| s.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let date = header(DATE).and_then(|d| chrono::DateTime::parse_from_rfc2822(&d).ok());
    let body = response
        .bytes()
        .map_err(|e| NetError(describe(&e)))?
        .to_vec();
    Ok(Answer {
        status,
        etag,
        retry_after,
        date,
        body,
    })
}

impl BloodBankHttp {
    /// The answer; a 401 drops the access token held, so the next request gets a new one.
    fn answer(
        &self,
        sent: reqwest::Result<reqwest::blocking::Response>,
    ) -> Result<Answer, NetError> {
        let answer = answer(sent)?;
        if answer.status == 401 {
            if let Some(smart) = &self.smart {
                smart.forget();
            }
        }
        Ok(answer)
    }
}

impl Transport for BloodBankHttp {
    fn base_url(&self) -> &str {
        &self.base_url
    }
    /// `GET [base]/{path}`, or an absolute URL the server gave (a `next` link).
    fn get(&self, path_or_url: &str, if_none_match: Option<&str>) -> Result<Answer, NetError> {
        let url = if is_absolute(path_or_url) {
            path_or_url.to_string()
        } else {
            format!("{}/{}", self.base_url, path_or_url.trim_start_matches('/'))
        };
        let mut request = self
            .client
            .get(&url)
            .header(ACCEPT, ACCEPT_FHIR)
            .header("Prefer", PREFER_STRICT);
        if let Some(tag) = if_none_match {
            request = request.header(IF_NONE_MATCH, tag);
        }
        self.answer(self.authorise(request, &url)?.send())
    }
    /// `POST [base]` with a transaction Bundle.
    fn post_transaction(&self, bundle: &str) -> Result<Answer, NetError> {
        let request = self
            .client
            .post(&self.base_url)
            .header(ACCEPT, ACCEPT_FHIR)
            .header(CONTENT_TYPE, bedside_fhir::FHIR_JSON)
            .body(bundle.to_string());
        self.answer(self.authorise(request, &self.base_url)?.send())
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::net::TcpListener;

    use super::*;

    /// The request's head as a server receives it (one request, answered with an empty Bundle).
    fn request_head(send: impl FnOnce(&str)) -> String {
        let body = r#"{"resourceType":"Bundle","type":"searchset"}"#;
        request_head_answered("", body.as_bytes().to_vec(), send)
    }

    /// The same, answered with `body` after the extra header lines `headers`.
    fn request_head_answered(headers: &str, body: Vec<u8>, send: impl FnOnce(&str)) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}/fhir", listener.local_addr().unwrap());
        let headers = headers.to_string();
        let server = std::thread::spawn(move || {
            let (mut socket, _) = listener.accept().unwrap();
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && socket.read(&mut byte).unwrap() == 1 {
                head.push(byte[0]);
            }
            write!(
                socket,
                "HTTP/1.1 200 OK\r\n{headers}content-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            )
            .unwrap();
            socket.write_all(&body).unwrap();
            String::from_utf8_lossy(&head).to_lowercase()
        });
        send(&base);
        server.join().unwrap()
    }

    /// A ward pull's pages shrink about tenfold in gzip: on ward Wi-Fi the device asks for it,
    /// and reads a compressed answer as the plain one.
    #[test]
    fn answers_come_compressed_when_the_blood_bank_can() {
        let body = r#"{"resourceType":"Bundle","type":"searchset","entry":[]}"#;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(body.as_bytes()).unwrap();
        let gz = gz.finish().unwrap();
        let head = request_head_answered("content-encoding: gzip\r\n", gz, |base| {
            let http = BloodBankHttp::new(base, Duration::from_secs(5)).unwrap();
            let answer = http.get("Patient?_count=1", None).unwrap();
            assert_eq!(String::from_utf8_lossy(&answer.body), body);
        });
        assert!(head.contains("\r\naccept-encoding: gzip"), "{head}");
    }

    #[test]
    fn a_search_asks_for_strict_handling_of_unknown_parameters() {
        let head = request_head(|base| {
            let http = BloodBankHttp::new(base, Duration::from_secs(5)).unwrap();
            let answer = http
                .get(
                    "BiologicallyDerivedProductDispense?destination=Location%2Fward-h5",
                    None,
                )
                .unwrap();
            assert_eq!(answer.status, 200);
        });
        assert!(head.contains("\r\nprefer: handling=strict\r\n"), "{head}");
        assert!(head.contains("fhirversion=5.0"), "{head}");
    }

    #[test]
    fn the_base_url_covers_its_own_paths_only() {
        let base = "https://bb.example/fhir";
        assert!(within_base(base, "https://bb.example/fhir"));
        assert!(within_base(
            base,
            "https://bb.example/fhir/Patient?_count=5"
        ));
        assert!(within_base(base, "https://bb.example/fhir?_getpages=x"));
        assert!(!within_base(base, "https://bb.example/fhir-test/Patient"));
        assert!(!within_base(base, "https://other.example/fhir/Patient"));
        assert!(!within_base(
            "https://bb.example",
            "https://bb.example.other.net/fhir"
        ));
    }
}
