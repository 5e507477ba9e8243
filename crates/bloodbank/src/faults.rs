//! Faults a test switches on to see the handheld survive them: failed answers, slow answers, a
//! connection cut after the commit. Only in `fault-injection` builds (the tests'), never in the
//! service a ward or a demo runs.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, Method};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::Router;

use crate::transaction::Refusal;

#[derive(Debug, Default)]
pub struct Faults {
    /// Every request waits this long before it is served.
    pub delay_ms: AtomicU64,
    /// The next N requests are answered with `fail_status` without being served.
    pub fail_next: AtomicU32,
    pub fail_status: AtomicU32,
    /// The next N writes are committed, then the connection is cut before the answer arrives.
    pub drop_after_commit: AtomicU32,
    /// Requests seen, and writes (POST/PUT) seen.
    pub requests: AtomicU64,
    pub writes: AtomicU64,
    /// Requests whose handling is over: answered, failed, or dropped when the client hung up.
    pub finished: AtomicU64,
}

/// Counts a request as finished however its handling ends, cancellation included.
struct Finishes(Arc<Faults>);

impl Drop for Finishes {
    fn drop(&mut self) {
        self.0.finished.fetch_add(1, Ordering::SeqCst);
    }
}

impl Faults {
    fn take(counter: &AtomicU32) -> bool {
        counter
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
    }
}

/// `router` with the faults' middleware outermost, and the switches to them.
pub fn layer(router: Router) -> (Router, Arc<Faults>) {
    let faults = Arc::new(Faults::default());
    let router = router.layer(middleware::from_fn_with_state(faults.clone(), inject));
    (router, faults)
}

async fn inject(State(faults): State<Arc<Faults>>, request: Request, next: Next) -> Response {
    faults.requests.fetch_add(1, Ordering::SeqCst);
    let _finishes = Finishes(faults.clone());
    let write = matches!(*request.method(), Method::POST | Method::PUT);
    if write {
        faults.writes.fetch_add(1, Ordering::SeqCst);
    }
    let delay = faults.delay_ms.load(Ordering::SeqCst);
    if delay > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
    }
    if Faults::take(&faults.fail_next) {
        let status = faults.fail_status.load(Ordering::SeqCst) as u16;
        return crate::server::refusal_response(Refusal::new(
            status,
            "transient",
            None,
            "injected fault",
            "",
            None,
        ));
    }
    let response = next.run(request).await;
    if write && Faults::take(&faults.drop_after_commit) {
        // Committed, but the answer never arrives: a body that fails mid-way cuts the connection.
        let (parts, _) = response.into_parts();
        let failing = futures_util::stream::once(async {
            Err::<Bytes, std::io::Error>(std::io::Error::other("connection dropped after commit"))
        });
        let mut response = Response::from_parts(parts, Body::from_stream(failing));
        response.headers_mut().remove(header::CONTENT_LENGTH);
        return response;
    }
    response
}
