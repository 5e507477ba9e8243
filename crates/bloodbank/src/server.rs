//! The HTTP face of the reference blood bank (axum on tokio): the endpoints of contract §2,
//! answers and errors as FHIR JSON. Requests are served one write at a time through the database
//! mutex, which is also what makes `lastUpdated` stamps monotonic.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path as UrlPath, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};

use super::auth::Clients;
use super::db::{BloodBankDb, DbError};
use super::search::{search, Query as SearchQuery};
use super::transaction::{self, Refusal};
use bedside_clock::Clock;
use bedside_fhir::{version_from_etag, weak_etag, RESOURCE_TYPES};

const CAPABILITY_STATEMENT: &str =
    include_str!("../../../data/fhir/CapabilityStatement-bloodbank.json");

struct Service {
    /// The service's clock: its `Date` header, so a device's clock is compared with it.
    clock: Arc<dyn Clock>,
    db: Mutex<BloodBankDb>,
    base_url: String,
    /// The devices allowed in (`--clients`); `None`: open, as the demo on loopback is.
    clients: Option<Clients>,
    /// The access tokens the token endpoint issued (SMART Backend Services).
    issued: crate::smart::Issued,
}

impl Service {
    /// The token endpoint's URL: beside the FHIR base (`http://host/auth/token`).
    fn token_url(&self) -> String {
        let origin = self.base_url.trim_end_matches('/');
        let origin = origin.strip_suffix("/fhir").unwrap_or(origin);
        format!("{origin}/auth/token")
    }
}

type Shared = Arc<Service>;

fn fhir_response(status: StatusCode, body: &Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/fhir+json; charset=utf-8"),
    );
    response
}

pub(crate) fn refusal_response(r: Refusal) -> Response {
    fhir_response(
        StatusCode::from_u16(r.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        &r.outcome,
    )
}

fn not_found(text: &str) -> Response {
    refusal_response(Refusal::new(404, "not-found", None, text, "", None))
}

fn lock(service: &Service) -> std::sync::MutexGuard<'_, BloodBankDb> {
    service.db.lock().unwrap_or_else(|p| p.into_inner())
}

async fn metadata(State(service): State<Shared>) -> Response {
    let mut value: Value = serde_json::from_str(CAPABILITY_STATEMENT).unwrap_or(Value::Null);
    if service.clients.is_some() {
        value["rest"][0]["security"] = json!({
            "extension": [{
                "url": "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris",
                "extension": [{"url": "token", "valueUri": service.token_url()}]
            }],
            "service": [{"coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                "code": "SMART-on-FHIR", "display": "SMART-on-FHIR"
            }]}],
            "description": "Every request but /metadata needs Authorization: Bearer with an access token from the token endpoint (SMART Backend Services: client credentials with a JWT assertion signed ES384 or RS384 by a key registered for the device; .well-known/smart-configuration) or a static device token the blood bank issued; scopes are SMART v2 system scopes (system/Procedure.cu, system/*.rs). Without one: 401; without the scope: 403."
        });
    }
    fhir_response(StatusCode::OK, &value)
}

async fn search_type(
    State(service): State<Shared>,
    UrlPath(resource_type): UrlPath<String>,
    query: Result<Query<SearchQuery>, QueryRejection>,
) -> Response {
    let Ok(Query(query)) = query else {
        return refusal_response(Refusal::new(
            400,
            "invalid",
            None,
            "检索参数无法解析。/ The search parameters cannot be read.",
            "",
            None,
        ));
    };
    if !RESOURCE_TYPES.contains(&resource_type.as_str()) {
        return not_found(&format!(
            "此服务没有 {resource_type}。/ This service has no {resource_type}."
        ));
    }
    let db = lock(&service);
    match search(&db, &resource_type, &query, &service.base_url) {
        Ok(bundle) => fhir_response(StatusCode::OK, &bundle),
        Err(r) => refusal_response(r),
    }
}

async fn read(
    State(service): State<Shared>,
    UrlPath((resource_type, id)): UrlPath<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let stored = match lock(&service).read(&resource_type, &id) {
        Ok(Some(s)) => s,
        Ok(None) => {
            return not_found(&format!(
                "{resource_type}/{id} 不存在。/ {resource_type}/{id} does not exist."
            ))
        }
        Err(e) => return refusal_response(e.into()),
    };
    let etag = weak_etag(&stored.version.to_string());
    let unchanged = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .and_then(version_from_etag)
        == Some(stored.version.to_string());
    let mut response = if unchanged {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        fhir_response(StatusCode::OK, &stored.json)
    };
    if let Ok(v) = HeaderValue::from_str(&etag) {
        response.headers_mut().insert(header::ETAG, v);
    }
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(&stored.last_updated) {
        if let Ok(v) =
            HeaderValue::from_str(&t.to_utc().format("%a, %d %b %Y %H:%M:%S GMT").to_string())
        {
            response.headers_mut().insert(header::LAST_MODIFIED, v);
        }
    }
    response
}

fn json_body(body: &Bytes) -> Result<Value, Box<Response>> {
    serde_json::from_slice(body).map_err(|e| {
        Box::new(refusal_response(Refusal::new(
            400,
            "structure",
            Some("invalid-content"),
            "提交的不是有效的 JSON。/ The body is not valid JSON.",
            &e.to_string(),
            None,
        )))
    })
}

/// `PUT [base]/Type/id` with `If-Match`: the same rules as a PUT inside a transaction.
async fn update(
    State(service): State<Shared>,
    UrlPath((resource_type, id)): UrlPath<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let resource = match json_body(&body) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    let mut request = json!({"method": "PUT", "url": format!("{resource_type}/{id}")});
    if let Some(tag) = headers.get(header::IF_MATCH).and_then(|v| v.to_str().ok()) {
        request["ifMatch"] = json!(tag);
    }
    let bundle = json!({
        "resourceType": "Bundle", "type": "transaction",
        "entry": [{"resource": resource, "request": request}]
    });
    let mut db = lock(&service);
    match transaction::process(&mut db, &bundle, &service.base_url) {
        Ok(answer) => {
            let Some(stored) = db.read(&resource_type, &id).ok().flatten() else {
                return fhir_response(StatusCode::OK, &answer);
            };
            let created = answer["entry"][0]["response"]["status"]
                .as_str()
                .is_some_and(|s| s.starts_with("201"));
            let mut response = fhir_response(
                if created {
                    StatusCode::CREATED
                } else {
                    StatusCode::OK
                },
                &stored.json,
            );
            if let Ok(v) = HeaderValue::from_str(&weak_etag(&stored.version.to_string())) {
                response.headers_mut().insert(header::ETAG, v);
            }
            response
        }
        Err(r) => refusal_response(r),
    }
}

async fn transaction_post(State(service): State<Shared>, body: Bytes) -> Response {
    let bundle = match json_body(&body) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    let mut db = lock(&service);
    match transaction::process(&mut db, &bundle, &service.base_url) {
        Ok(answer) => fhir_response(StatusCode::OK, &answer),
        Err(r) => refusal_response(r),
    }
}

async fn fallback() -> Response {
    not_found("此地址不是血库接口的一部分。/ This address is not part of the blood-bank interface.")
}

/// Every answer carries the service's own time (its injected clock's, not the OS's): a handheld
/// learns its clock's offset from it.
async fn date_header(State(service): State<Shared>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let date = service
        .clock
        .now()
        .with_timezone(&chrono::Utc)
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string();
    if let Ok(value) = HeaderValue::from_str(&date) {
        response.headers_mut().insert(header::DATE, value);
    }
    response
}

async fn smart_configuration(State(service): State<Shared>) -> Response {
    let mut response =
        axum::Json(crate::smart::configuration(&service.token_url())).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The token endpoint (SMART Backend Services); 400 without a clients file to check against.
async fn token(State(service): State<Shared>, body: axum::body::Bytes) -> Response {
    use bedside_clock::IdSource;
    let form = crate::smart::form_fields(&body);
    let ids = bedside_clock::RandomIds;
    let new_token = format!("{}{}", ids.new_uuid().simple(), ids.new_uuid().simple());
    let answer = match &service.clients {
        Some(clients) => service.issued.token(
            clients,
            &form,
            &service.token_url(),
            service.clock.now(),
            new_token,
        ),
        None => Err(crate::smart::TokenRefusal {
            status: 400,
            error: "invalid_client",
            description: "this service admits every device (no --clients): no token is needed"
                .into(),
        }),
    };
    let (status, body) = match answer {
        Ok(body) => (StatusCode::OK, body),
        Err(r) => (
            StatusCode::from_u16(r.status).unwrap_or(StatusCode::BAD_REQUEST),
            json!({"error": r.error, "error_description": r.description}),
        ),
    };
    let mut response = (status, axum::Json(body)).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Admits a request by its token when the service has a clients file.
async fn require_token(State(service): State<Shared>, request: Request, next: Next) -> Response {
    let Some(clients) = &service.clients else {
        return next.run(request).await;
    };
    match crate::auth::admit(clients, &service.issued, service.clock.now(), request).await {
        Ok(request) => next.run(request).await,
        Err(refusal) => refusal,
    }
}

pub fn router(db: BloodBankDb, base_url: String) -> Router {
    guarded_router(db, base_url, None)
}

/// The service, admitting only the devices of `clients` when given.
pub fn guarded_router(db: BloodBankDb, base_url: String, clients: Option<Clients>) -> Router {
    let service = Arc::new(Service {
        clock: db.clock(),
        db: Mutex::new(db),
        base_url,
        clients,
        issued: Default::default(),
    });
    Router::new()
        .route("/fhir/metadata", get(metadata))
        .route(
            "/fhir/.well-known/smart-configuration",
            get(smart_configuration),
        )
        .route("/auth/token", axum::routing::post(token))
        .route("/fhir", axum::routing::post(transaction_post))
        .route("/fhir/", axum::routing::post(transaction_post))
        .route("/fhir/{resource_type}", get(search_type))
        .route("/fhir/{resource_type}/{id}", get(read).put(update))
        .fallback(fallback)
        .layer(middleware::from_fn_with_state(
            service.clone(),
            require_token,
        ))
        .layer(middleware::from_fn_with_state(service.clone(), date_header))
        .layer(tower_http::compression::CompressionLayer::new())
        .with_state(service)
}

/// A blood bank serving on a background thread (tests, demo mode); stops when dropped.
pub struct RunningBloodBank {
    pub addr: SocketAddr,
    pub base_url: String,
    /// The faults a test switches on (`fault-injection` builds only).
    #[cfg(feature = "fault-injection")]
    pub faults: Arc<crate::faults::Faults>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for RunningBloodBank {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: String,
        source: std::io::Error,
    },
    #[error("cannot start the service's runtime: {0}")]
    Runtime(std::io::Error),
}

/// Answers go out at once instead of waiting for the client's acknowledgement (Nagle).
fn no_delay(listener: tokio::net::TcpListener) -> impl axum::serve::Listener<Addr = SocketAddr> {
    use axum::serve::ListenerExt;
    listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    })
}

fn runtime() -> Result<tokio::runtime::Runtime, ServeError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(ServeError::Runtime)
}

/// Opens the database and serves it on `addr` (port 0 picks a free one) in the background.
pub fn spawn(
    db_path: &Path,
    addr: &str,
    clock: Arc<dyn Clock>,
) -> Result<RunningBloodBank, ServeError> {
    spawn_guarded(db_path, addr, clock, None)
}

/// `spawn`, admitting only the devices of `clients` when given.
pub fn spawn_guarded(
    db_path: &Path,
    addr: &str,
    clock: Arc<dyn Clock>,
    clients: Option<Clients>,
) -> Result<RunningBloodBank, ServeError> {
    let db = BloodBankDb::open(db_path, clock)?;
    let listener = std::net::TcpListener::bind(addr).map_err(|source| ServeError::Listen {
        addr: addr.to_string(),
        source,
    })?;
    listener
        .set_nonblocking(true)
        .map_err(ServeError::Runtime)?;
    let local = listener.local_addr().map_err(ServeError::Runtime)?;
    let base_url = format!("http://{local}/fhir");
    let app = guarded_router(db, base_url.clone(), clients);
    #[cfg(feature = "fault-injection")]
    let (app, faults) = crate::faults::layer(app);
    let rt = runtime()?;
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::spawn(move || {
        rt.block_on(async move {
            let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
                return;
            };
            let listener = no_delay(listener);
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        });
    });
    Ok(RunningBloodBank {
        addr: local,
        base_url,
        #[cfg(feature = "fault-injection")]
        faults,
        shutdown: Some(tx),
        thread: Some(thread),
    })
}

/// Serves in the foreground until Ctrl-C (`bedside bloodbank`); `base_url` is the address
/// devices use (default: the listening address's).
pub fn serve_forever(
    db_path: &Path,
    addr: &str,
    base_url: Option<String>,
    clock: Arc<dyn Clock>,
    clients: Option<Clients>,
    on_ready: impl FnOnce(&str, std::net::SocketAddr),
) -> Result<(), ServeError> {
    let db = BloodBankDb::open(db_path, clock)?;
    let rt = runtime()?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| ServeError::Listen {
                addr: addr.to_string(),
                source,
            })?;
        let local = listener.local_addr().map_err(ServeError::Runtime)?;
        let base_url = base_url.unwrap_or_else(|| format!("http://{local}/fhir"));
        let listener = no_delay(listener);
        on_ready(&base_url, local);
        let app = guarded_router(db, base_url, clients);
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .map_err(ServeError::Runtime)
    })
}
