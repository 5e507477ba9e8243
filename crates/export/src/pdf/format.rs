//! Times and values as the reports print them.

use bedside_core::messages::Lang;
use bedside_core::Instant;
use chrono::DateTime;

pub(super) fn time(at: Instant) -> String {
    at.format("%Y-%m-%d %H:%M").to_string()
}

pub(super) fn time_opt(at: Option<Instant>) -> String {
    at.map_or("—".to_string(), time)
}

/// An audit time as stored (RFC 3339) shown like every other time; anything else as it is.
pub(super) fn audit_time(at: &str) -> String {
    DateTime::parse_from_rfc3339(at).map_or(at.to_string(), time)
}

pub(super) fn slot_words(slot: &str, lang: Lang) -> String {
    bedside_core::review::slot_name(slot).get(lang).to_string()
}

pub(super) fn opt<T: ToString>(v: Option<T>) -> String {
    v.map_or("—".to_string(), |v| v.to_string())
}
