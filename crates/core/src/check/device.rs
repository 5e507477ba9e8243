//! What the device knows of itself: how fresh its copy of the blood bank's records is, and
//! whether its clock can be trusted.

use chrono::Duration;

use crate::messages::{Lang, Text};
use crate::policy::Policy;

use super::reason::{ReasonCode, Reasons};
use super::{CheckInput, IssueRecord};

pub(super) fn check_cache(input: &CheckInput, policy: &Policy, found: &mut Reasons) {
    let limit = Duration::minutes(policy.cache_warn_minutes);
    match input.cache_synced_at {
        Some(at) if input.now - at <= limit => {}
        Some(at) => {
            let minutes = (input.now - at).num_minutes().to_string();
            let ago = Text::tr("{minutes} minutes ago", &[("minutes", &minutes)]);
            found.warn_with(ReasonCode::CacheStale, &[("minutes", (&ago).into())]);
        }
        None => {
            let never = Text::tr("never", &[]);
            found.warn_with(ReasonCode::CacheStale, &[("minutes", (&never).into())]);
        }
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
    let mut why: Vec<Text> = Vec::new();
    if let Some(offset) = input.clock.server_offset_seconds {
        // Rounded, not truncated: a clock 9 min 58 s off is "10 minutes" to the nurse setting it.
        let minutes = (offset.abs() + 30) / 60;
        if offset.abs() > policy.clock_skew_stop_minutes.saturating_mul(60) {
            let minutes = minutes.to_string();
            why.push(if offset > 0 {
                Text::tr(
                    "it is {minutes} minutes ahead of the blood bank's",
                    &[("minutes", &minutes)],
                )
            } else {
                Text::tr(
                    "it is {minutes} minutes behind the blood bank's",
                    &[("minutes", &minutes)],
                )
            });
        }
    }
    if let Some(latest) = input.clock.latest_known {
        if input.now < latest - tolerance {
            let (now, latest) = (Text::date_time(input.now), Text::date_time(latest));
            why.push(Text::tr_with(
                "it says {now}, but {latest} has already passed on this device",
                &[("now", (&now).into()), ("latest", (&latest).into())],
            ));
        }
    }
    if let Some(r) = record.filter(|r| r.issued_at > input.now + tolerance) {
        let at = Text::date_time(r.issued_at);
        why.push(Text::tr_with(
            "unit {din} was issued at {at}, after this device's time now",
            &[("din", (&r.unit.din).into()), ("at", (&at).into())],
        ));
    }
    if !why.is_empty() {
        let why = Text::from_each(|lang| {
            let parts: Vec<&str> = why.iter().map(|w| w.get(lang)).collect();
            parts.join(if lang == Lang::ZhCn { "；" } else { "; " })
        });
        found.stop_with(ReasonCode::ClockUntrusted, &[("why", (&why).into())]);
    }
}
