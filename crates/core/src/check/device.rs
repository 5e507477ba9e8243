//! What the device knows of itself: how fresh its copy of the blood bank's records is, and
//! whether its clock can be trusted.

use chrono::Duration;

use crate::policy::Policy;
use crate::Instant;

use super::reason::{ReasonCode, Reasons};
use super::{CheckInput, IssueRecord};

pub(super) fn check_cache(input: &CheckInput, policy: &Policy, found: &mut Reasons) {
    let limit = Duration::minutes(policy.cache_warn_minutes);
    match input.cache_synced_at {
        Some(at) if input.now - at <= limit => {}
        Some(at) => {
            let minutes = (input.now - at).num_minutes().to_string();
            found.warn(
                ReasonCode::CacheStale,
                &[
                    ("minutes_en", &format!("{minutes} minutes ago")),
                    ("minutes_zh", &format!("{minutes} 分钟前")),
                ],
            );
        }
        None => found.warn(
            ReasonCode::CacheStale,
            &[("minutes_en", "never"), ("minutes_zh", "从未")],
        ),
    }
}

/// Every time rule compares the blood bank's times with the device's `now`: a device clock that
/// disagrees with the blood bank's, went back, or stands before the unit's issue stops the check.
pub(super) fn check_clock(
    input: &CheckInput,
    record: Option<&IssueRecord>,
    policy: &Policy,
    found: &mut Reasons,
) {
    let tolerance = Duration::minutes(1);
    let mut why: Vec<(String, String)> = Vec::new();
    if let Some(offset) = input.clock.server_offset_seconds {
        // Rounded, not truncated: a clock 9 min 58 s off is "10 minutes" to the nurse setting it.
        let minutes = (offset.abs() + 30) / 60;
        if offset.abs() > policy.clock_skew_stop_minutes.saturating_mul(60) {
            let (en, zh) = if offset > 0 {
                ("ahead of", "快")
            } else {
                ("behind", "慢")
            };
            why.push((
                format!("it is {minutes} minutes {en} the blood bank's"),
                format!("比输血科时钟{zh} {minutes} 分钟"),
            ));
        }
    }
    if let Some(latest) = input.clock.latest_known {
        if input.now < latest - tolerance {
            let at = |t: Instant| t.format("%Y-%m-%d %H:%M").to_string();
            why.push((
                format!(
                    "it says {}, but {} has already passed on this device",
                    at(input.now),
                    at(latest)
                ),
                format!(
                    "显示 {}，但本设备已记录过 {} 的时间（时钟被调回）",
                    at(input.now),
                    at(latest)
                ),
            ));
        }
    }
    if let Some(r) = record.filter(|r| r.issued_at > input.now + tolerance) {
        let at = r.issued_at.format("%Y-%m-%d %H:%M").to_string();
        why.push((
            format!(
                "unit {} was issued at {at}, after this device's time now",
                r.unit.din
            ),
            format!("血袋 {} 的发血时间 {at} 晚于本设备当前时间", r.unit.din),
        ));
    }
    if !why.is_empty() {
        let en: Vec<&str> = why.iter().map(|w| w.0.as_str()).collect();
        let zh: Vec<&str> = why.iter().map(|w| w.1.as_str()).collect();
        found.stop(
            ReasonCode::ClockUntrusted,
            &[("why_en", &en.join("; ")), ("why_zh", &zh.join("；"))],
        );
    }
}
