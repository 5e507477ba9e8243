//! What the outbox does with an answer (contract §3), as a pure function: the table of the
//! contract in one place, tested without a network.

use std::time::Duration;

use super::http::{Answer, NetError};
use bedside_fhir::outcome::Outcome;

#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// Stored (201) or already stored (200 on a resend).
    Confirmed,
    /// Outcome unknown or server unavailable: send the same bytes again later.
    Retry { after: Option<Duration> },
    /// `If-Match` was stale: read the current version and re-apply the change once.
    Conflict,
    /// Refused for its content: keep it, marked, with the server's reason.
    Quarantine { code: String, text: String },
    /// Wrong endpoint or authentication: stop sending, keep everything queued.
    StopOutbox { reason: String },
}

pub fn decide(answer: &Result<Answer, NetError>) -> Decision {
    let answer = match answer {
        Err(_) => return Decision::Retry { after: None },
        Ok(a) => a,
    };
    let outcome = Outcome::parse(&answer.body);
    let reason = |fallback: &str| {
        let code = outcome
            .as_ref()
            .and_then(|o| o.reason.clone().or_else(|| Some(o.issue_code.clone())))
            .unwrap_or_else(|| fallback.to_string());
        let text = outcome
            .as_ref()
            .map(|o| o.text.clone())
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| format!("HTTP {}", answer.status));
        (code, text)
    };
    match answer.status {
        200 | 201 => Decision::Confirmed,
        408 | 500 | 502 | 503 | 504 => Decision::Retry { after: None },
        429 => Decision::Retry {
            after: answer.retry_after,
        },
        401 => Decision::StopOutbox {
            reason: "the blood bank refused this device's credentials (401): ask the hospital's \
                     IT to check [bloodbank] token_file; the records stay queued"
                .into(),
        },
        // A scope the device lacks is the device's configuration, not the record's content:
        // nothing is quarantined, everything waits for the grant.
        403 => Decision::StopOutbox {
            reason: format!(
                "the blood bank does not allow this device to send this record (403: {}): ask \
                 the hospital's IT to grant the device's scopes; the records stay queued",
                reason("forbidden").1
            ),
        },
        404 if outcome.as_ref().and_then(|o| o.reason.as_deref()).is_none() => {
            Decision::StopOutbox {
                reason: format!(
                    "the blood bank's address answers 404 (wrong URL or FHIR version?): {}",
                    reason("not-found").1
                ),
            }
        }
        409 => Decision::Conflict,
        412 => match outcome.as_ref().map(|o| o.issue_code.as_str()) {
            Some("multiple-matches") => {
                let (code, text) = reason("ambiguous-identifier");
                Decision::Quarantine { code, text }
            }
            _ => Decision::Conflict,
        },
        status => {
            let (code, text) = reason(&format!("http-{status}"));
            Decision::Quarantine { code, text }
        }
    }
}

/// Exponential back-off: `base`, 2×, 4×, … capped at `max`.
pub fn backoff(attempt: u32, base: Duration, max: Duration) -> Duration {
    base.saturating_mul(2u32.saturating_pow(attempt.min(16)))
        .min(max)
}

/// The back-off with "equal jitter": half of it always, the other half scaled by `fraction`
/// (drawn in [0, 1) by the caller's injected source), so the wait lies in [½, 1] × the back-off.
/// A ward's handhelds that lost the Wi-Fi together do not come back in the same instant, and no
/// wait is ever shorter than half the back-off. A `fraction` outside [0, 1] (or NaN) is clamped.
pub fn jittered(attempt: u32, base: Duration, max: Duration, fraction: f64) -> Duration {
    let full = backoff(attempt, base, max);
    let fraction = if fraction.is_nan() {
        0.0
    } else {
        fraction.clamp(0.0, 1.0)
    };
    let half = full / 2;
    half + half.mul_f64(fraction)
}

#[cfg(test)]
mod tests {
    use super::*;
    use bedside_fhir::outcome::operation_outcome;

    fn answer(status: u16, body: serde_json::Value) -> Result<Answer, NetError> {
        Ok(Answer {
            status,
            etag: None,
            retry_after: Some(Duration::from_secs(7)),
            date: None,
            body: body.to_string().into_bytes(),
        })
    }

    #[test]
    fn follows_the_contract_table() {
        let oo = |code, reason| operation_outcome("error", code, reason, "words", "", None);
        assert_eq!(
            decide(&answer(201, serde_json::json!({}))),
            Decision::Confirmed
        );
        assert_eq!(
            decide(&answer(200, serde_json::json!({}))),
            Decision::Confirmed
        );
        assert_eq!(
            decide(&Err(NetError("timeout".into()))),
            Decision::Retry { after: None }
        );
        for status in [408, 500, 502, 503, 504] {
            assert_eq!(
                decide(&answer(status, serde_json::json!({}))),
                Decision::Retry { after: None }
            );
        }
        assert_eq!(
            decide(&answer(429, serde_json::json!({}))),
            Decision::Retry {
                after: Some(Duration::from_secs(7))
            }
        );
        assert_eq!(
            decide(&answer(412, oo("conflict", Some("version-conflict")))),
            Decision::Conflict
        );
        assert_eq!(
            decide(&answer(409, oo("conflict", None))),
            Decision::Conflict
        );
        assert_eq!(
            decide(&answer(
                412,
                oo("multiple-matches", Some("ambiguous-identifier"))
            )),
            Decision::Quarantine {
                code: "ambiguous-identifier".into(),
                text: "words".into()
            }
        );
        assert_eq!(
            decide(&answer(422, oo("not-found", Some("unknown-product")))),
            Decision::Quarantine {
                code: "unknown-product".into(),
                text: "words".into()
            }
        );
        assert!(matches!(
            decide(&answer(400, serde_json::json!("x"))),
            Decision::Quarantine { .. }
        ));
        assert!(matches!(
            decide(&answer(401, serde_json::json!({}))),
            Decision::StopOutbox { .. }
        ));
        assert!(matches!(
            decide(&answer(403, oo("forbidden", None))),
            Decision::StopOutbox { reason } if reason.contains("403: words")
        ));
        assert!(matches!(
            decide(&answer(404, oo("not-found", None))),
            Decision::StopOutbox { .. }
        ));
    }

    #[test]
    fn backs_off_exponentially_up_to_a_cap() {
        let (b, m) = (Duration::from_millis(500), Duration::from_secs(8));
        assert_eq!(backoff(0, b, m), Duration::from_millis(500));
        assert_eq!(backoff(2, b, m), Duration::from_secs(2));
        assert_eq!(backoff(10, b, m), m);
        assert_eq!(backoff(u32::MAX, b, m), m);
    }

    #[test]
    fn jitter_keeps_each_wait_between_half_and_all_of_the_back_off() {
        let (b, m) = (Duration::from_millis(500), Duration::from_secs(8));
        for attempt in [0, 1, 2, 5, 30] {
            let full = backoff(attempt, b, m);
            assert_eq!(jittered(attempt, b, m, 0.0), full / 2);
            assert_eq!(jittered(attempt, b, m, 1.0), full);
            for f in [0.25, 0.5, 0.999, -3.0, 7.0, f64::NAN, f64::INFINITY] {
                let w = jittered(attempt, b, m, f);
                assert!(w >= full / 2 && w <= full, "{attempt} {f}: {w:?}");
            }
        }
        assert_eq!(jittered(1, b, m, 0.5), Duration::from_millis(750));
    }
}
