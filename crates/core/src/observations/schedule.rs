//! The observation schedule (clinical-rules.md §2): the slots a transfusion asks for and whether
//! each was done in its window.

use super::{clock, minus_minutes, plus_minutes, Alert, AlertCode, Slot, SlotStatus, Transfusion};
use super::{END_LABEL, FIRST_LABEL};
use crate::messages::Text;
use crate::policy::Policy;
use crate::severity::Severity;
use crate::Instant;
use chrono::Duration;

/// A running transfusion that has been going for longer than this many hourly intervals is a
/// corrupt record (a wrong year, a start never ended); stopping here keeps `schedule` bounded
/// instead of building millions of slots. At the default interval this is six weeks.
pub(super) const MAX_HOURLY_SLOTS: i64 = 1000;

/// The schedule's clock: infusion time since the start, the pauses not counted (clinical rules
/// §2 and docs/ward-shift.md). The pauses are clipped to the start, merged where they overlap
/// and sorted; an open pause lasts, for the schedule, until the end or else until `now`, so a
/// slot it holds back is due after `now` and cannot fall overdue while the bag is stopped.
struct InfusionClock {
    start: Instant,
    pauses: Vec<(Instant, Duration)>,
}

impl InfusionClock {
    fn new(t: &Transfusion, start: Instant, now: Instant) -> InfusionClock {
        let stopped_until = t.ended_at.unwrap_or(now);
        let mut spans: Vec<(Instant, Instant)> = t
            .pauses
            .iter()
            .map(|p| {
                let from = p.from.max(start);
                (from, p.until.unwrap_or(stopped_until).max(from))
            })
            .collect();
        spans.sort();
        let mut merged: Vec<(Instant, Instant)> = Vec::new();
        for (from, until) in spans {
            match merged.last_mut() {
                Some(last) if from <= last.1 => last.1 = last.1.max(until),
                _ => merged.push((from, until)),
            }
        }
        InfusionClock {
            start,
            pauses: merged
                .into_iter()
                .map(|(from, until)| (from, until - from))
                .filter(|(_, length)| *length > Duration::zero())
                .collect(),
        }
    }

    /// The ward-clock instant at `minutes` of infusion (negative: before the start). Every pause
    /// that began at or before that moment pushes it back by the pause's length: a slot due at
    /// the moment the bag was stopped comes due when it goes on again.
    fn at(&self, minutes: i64) -> Option<Instant> {
        let mut t = plus_minutes(self.start, minutes)?;
        for (from, length) in &self.pauses {
            if *from > t {
                break;
            }
            t = t.checked_add_signed(*length)?;
        }
        Some(t)
    }

    /// The slot due at `minutes` of infusion, its window `early` before and `late` after it in
    /// infusion time; nothing when the times overflow.
    fn slot(&self, label: String, minutes: i64, early: i64, late: i64) -> Option<Slot> {
        Some(Slot {
            label,
            due: self.at(minutes)?,
            window_start: self.at(minutes.checked_sub(early)?)?,
            window_end: self.at(minutes.checked_add(late)?)?,
            status: SlotStatus::Open,
        })
    }
}

/// The observation slots of a transfusion, in due order, each with its status at `now`.
///
/// Not started: none. Running: the 15-minute slot, every hourly slot whose due time has come,
/// and the next hourly slot ahead (so a countdown always has a target). Ended: the 15-minute and
/// hourly slots due at or before the end (those after it were never due), then the `end` slot.
/// The 15-minute and hourly slots are counted in infusion time (`Transfusion::pauses`).
pub fn schedule(t: &Transfusion, now: Instant, policy: &Policy) -> Vec<Slot> {
    let Some(start) = t.started_at else {
        return Vec::new();
    };
    let clock = InfusionClock::new(t, start, now);
    let due_by_end = |due: &Instant| t.ended_at.is_none_or(|end| *due <= end);
    let mut slots = Vec::new();

    if let Some(first) = clock.slot(
        FIRST_LABEL.to_string(),
        policy.first_obs_minutes,
        policy.first_obs_early_minutes,
        policy.first_obs_late_minutes,
    ) {
        if due_by_end(&first.due) {
            slots.push(first);
        }
    }

    let interval = policy.hourly_obs_interval_minutes;
    // A non-positive interval would repeat the same slot forever; such a policy fails
    // `Policy::validate`, and here it simply yields no hourly slots.
    if interval > 0 {
        for k in 1..=MAX_HOURLY_SLOTS {
            let Some(offset) = interval.checked_mul(k) else {
                break;
            };
            let Some(hourly) = clock.slot(
                format!("{offset}min"),
                offset,
                policy.hourly_obs_early_minutes,
                policy.hourly_obs_late_minutes,
            ) else {
                break;
            };
            if !due_by_end(&hourly.due) {
                break;
            }
            let ahead = hourly.due > now;
            slots.push(hourly);
            // While running, list one slot ahead of now and stop.
            if t.ended_at.is_none() && ahead {
                break;
            }
        }
    }

    if let Some(end) = t.ended_at {
        if let Some(last) = end_slot(end, policy) {
            slots.push(last);
        }
    }

    for s in &mut slots {
        // The earliest observation in the window satisfies the slot; input order is arbitrary.
        let by = t
            .observations
            .iter()
            .map(|o| o.at)
            .filter(|at| *at >= s.window_start && *at <= s.window_end)
            .min();
        s.status = match by {
            Some(by) => SlotStatus::Satisfied { by },
            None if now > s.window_end => SlotStatus::Overdue,
            None => SlotStatus::Open,
        };
    }
    slots
}

/// The slot at the end, on the ward's clock (the end is an instant, not an infusion time).
fn end_slot(end: Instant, policy: &Policy) -> Option<Slot> {
    Some(Slot {
        label: END_LABEL.to_string(),
        due: end,
        window_start: minus_minutes(end, policy.end_obs_early_minutes)?,
        window_end: plus_minutes(end, policy.end_obs_late_minutes)?,
        status: SlotStatus::Open,
    })
}

/// The next slot the nurse can still do: the open slot due first. Overdue slots are left out
/// because their window has closed and no observation can satisfy them any more.
pub fn next_due(t: &Transfusion, now: Instant, policy: &Policy) -> Option<Slot> {
    schedule(t, now, policy)
        .into_iter()
        .filter(|s| s.status == SlotStatus::Open)
        .min_by_key(|s| s.due)
}

pub(super) fn overdue_alert(s: &Slot) -> Alert {
    let due = clock(s.due);
    let message = if s.label == END_LABEL {
        Text::tr(
            "The end-of-transfusion observation (due {due}) was missed: take and record the vital signs now.",
            &[("due", &due)],
        )
    } else {
        let minutes = s.label.trim_end_matches("min");
        Text::tr(
            "The {minutes}-minute observation (due {due}) was missed: take and record the vital signs now.",
            &[("minutes", minutes), ("due", &due)],
        )
    };
    Alert {
        code: AlertCode::ObsOverdue,
        severity: Severity::Warn,
        at: None,
        label: Some(s.label.clone()),
        message,
    }
}
