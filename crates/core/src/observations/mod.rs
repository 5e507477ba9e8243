//! Observation schedule and reaction triggers (clinical-rules.md §2–4).
//!
//! Everything here is a function of the transfusion record, the policy and `now`. Times keep the
//! offset they were recorded with, so the clock times in messages are the ward's clock times.
//! Arithmetic on times is checked: an absurd record (or policy) makes a slot or a limit disappear
//! rather than panic, because a crash at the bedside is worse than a missing reminder.

use crate::Instant;
use chrono::Duration;

use crate::blood::Component;
use crate::messages::Text;
use crate::policy::Policy;
use crate::severity::Severity;

/// One set of vital signs; any value may be missing (not measured, device unavailable).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Vitals {
    /// Temperature in tenths of a degree Celsius (36.8 °C is 368).
    pub temp_tenths: Option<i32>,
    pub hr: Option<i32>,
    pub sbp: Option<i32>,
    pub dbp: Option<i32>,
    pub rr: Option<i32>,
    pub spo2: Option<i32>,
}

impl Vitals {
    /// Temperatures are recorded to 0.1 °C and compared in whole tenths, so that 38.3 against
    /// 37.3 is a rise of exactly 1.0 and not 0.9999999. A non-finite value saturates (NaN → 0)
    /// instead of panicking; the caller validates input ranges.
    pub fn temp_c_to_tenths(c: f64) -> i32 {
        (c * 10.0).round() as i32
    }
}

/// One observation: when it was taken, the vitals and the symptoms the nurse saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observation {
    pub at: Instant,
    pub vitals: Vitals,
    /// Symptom chips (`rigors`, `urticaria`, …) and free text, as recorded.
    pub symptoms: Vec<String>,
}

/// What monitoring needs to know about one transfusion.
#[derive(Debug, Clone, PartialEq)]
pub struct Transfusion {
    pub component: Component,
    pub issued_at: Instant,
    pub started_at: Option<Instant>,
    pub ended_at: Option<Instant>,
    pub baseline: Option<Observation>,
    /// In any order: records are merged from several devices.
    pub observations: Vec<Observation>,
    /// The times the bag was stopped (interruptions), in any order. The schedule runs on
    /// infusion time: a pause does not count, and the slots after it come later by its length.
    pub pauses: Vec<Pause>,
}

/// A time the transfusion stood still: the bag stopped at `from` (an interruption) until it went
/// on again after the repeat check at `until`, or `None` while it is still stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pause {
    pub from: Instant,
    pub until: Option<Instant>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AlertCode {
    BaselineMissing,
    ObsOverdue,
    DurationExceeded,
    Febrile,
    Hypotension,
    Hypoxaemia,
    Symptoms,
    Tachycardia,
    Hypertension,
    Tachypnoea,
}

impl AlertCode {
    pub fn as_str(self) -> &'static str {
        match self {
            AlertCode::BaselineMissing => "BASELINE_MISSING",
            AlertCode::ObsOverdue => "OBS_OVERDUE",
            AlertCode::DurationExceeded => "DURATION_EXCEEDED",
            AlertCode::Febrile => "FEBRILE",
            AlertCode::Hypotension => "HYPOTENSION",
            AlertCode::Hypoxaemia => "HYPOXAEMIA",
            AlertCode::Symptoms => "SYMPTOMS",
            AlertCode::Tachycardia => "TACHYCARDIA",
            AlertCode::Hypertension => "HYPERTENSION",
            AlertCode::Tachypnoea => "TACHYPNOEA",
        }
    }

    /// Every code.
    pub const ALL: [AlertCode; 10] = [
        AlertCode::BaselineMissing,
        AlertCode::ObsOverdue,
        AlertCode::DurationExceeded,
        AlertCode::Febrile,
        AlertCode::Hypotension,
        AlertCode::Hypoxaemia,
        AlertCode::Symptoms,
        AlertCode::Tachycardia,
        AlertCode::Hypertension,
        AlertCode::Tachypnoea,
    ];

    /// The code as stored (`FEBRILE`).
    pub fn parse(code: &str) -> Option<AlertCode> {
        AlertCode::ALL.into_iter().find(|c| c.as_str() == code)
    }

    /// The alert's short name, for lists and tables.
    pub fn title(self) -> Text {
        let msgid = match self {
            AlertCode::BaselineMissing => crate::messages::tr_noop("no baseline observation"),
            AlertCode::ObsOverdue => crate::messages::tr_noop("observation overdue"),
            AlertCode::DurationExceeded => crate::messages::tr_noop("transfusion running too long"),
            AlertCode::Febrile => crate::messages::tr_noop("fever"),
            AlertCode::Hypotension => crate::messages::tr_noop("low blood pressure"),
            AlertCode::Hypoxaemia => crate::messages::tr_noop("low oxygen saturation"),
            AlertCode::Symptoms => crate::messages::tr_noop("symptoms"),
            AlertCode::Tachycardia => crate::messages::tr_noop("fast heart rate"),
            AlertCode::Hypertension => crate::messages::tr_noop("blood pressure rising"),
            AlertCode::Tachypnoea => crate::messages::tr_noop("fast breathing"),
        };
        Text::tr(msgid, &[])
    }

    /// A reaction trigger (raised by an observation), as opposed to a schedule or time alert.
    pub fn is_reaction(self) -> bool {
        !matches!(
            self,
            AlertCode::BaselineMissing | AlertCode::ObsOverdue | AlertCode::DurationExceeded
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    pub code: AlertCode,
    pub severity: Severity,
    /// The observation that raised it; `None` for schedule and time alerts.
    pub at: Option<Instant>,
    /// The schedule slot of an `OBS_OVERDUE`: `15min`, `60min`, `120min`, …, `end`.
    pub label: Option<String>,
    pub message: Text,
}

/// One observation the schedule asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    pub label: String,
    pub due: Instant,
    /// An observation taken from `window_start` to `window_end` (both inclusive) satisfies it.
    pub window_start: Instant,
    pub window_end: Instant,
    pub status: SlotStatus,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlotStatus {
    /// The earliest observation inside the window.
    Satisfied { by: Instant },
    /// Not satisfied, and the window has not closed yet (it may not have opened either).
    Open,
    /// Not satisfied and the window has closed: the observation was missed.
    Overdue,
}

/// Label of the slot at the end of the transfusion.
pub const END_LABEL: &str = "end";
/// Label of the early slot, whatever `first_obs_minutes` is: it is the slot the ward calls the
/// 15-minute observation, and reports group by it.
pub const FIRST_LABEL: &str = "15min";

mod schedule;
mod triggers;

pub use schedule::{next_due, schedule};
pub use triggers::{
    reaction_triggers, suspected_reaction, suspected_words, symptom_name, trigger_codes,
    trigger_words, Suspected,
};

use schedule::overdue_alert;

fn plus_minutes(t: Instant, minutes: i64) -> Option<Instant> {
    t.checked_add_signed(Duration::try_minutes(minutes)?)
}

fn minus_minutes(t: Instant, minutes: i64) -> Option<Instant> {
    t.checked_sub_signed(Duration::try_minutes(minutes)?)
}

fn clock(t: Instant) -> String {
    t.format("%H:%M").to_string()
}

/// Tenths of a degree as text (`384` → `38.4`), without going through floating point.
fn tenths_c(tenths: i32) -> String {
    let sign = if tenths < 0 { "-" } else { "" };
    let abs = tenths.unsigned_abs();
    format!("{sign}{}.{}", abs / 10, abs % 10)
}

/// The baseline, only when it was taken within `baseline_window_minutes` before the start (both
/// ends inclusive). Before the start there is nothing to measure the window against, so no
/// baseline counts yet and the triggers use their absolute thresholds.
pub fn usable_baseline<'a>(t: &'a Transfusion, policy: &Policy) -> Option<&'a Observation> {
    let start = t.started_at?;
    let baseline = t.baseline.as_ref()?;
    let earliest = minus_minutes(start, policy.baseline_window_minutes)?;
    (baseline.at >= earliest && baseline.at <= start).then_some(baseline)
}

/// Until when the first minutes run slowly with the nurse nearby.
pub fn slow_rate_until(t: &Transfusion, policy: &Policy) -> Option<Instant> {
    plus_minutes(t.started_at?, policy.slow_start_minutes)
}

/// From when the empty bag may be discarded.
pub fn bag_discard_after(t: &Transfusion, policy: &Policy) -> Option<Instant> {
    t.ended_at?
        .checked_add_signed(Duration::try_hours(policy.bag_keep_hours)?)
}

/// The latest time the transfusion may still be running.
fn complete_by(t: &Transfusion, policy: &Policy) -> Option<Instant> {
    plus_minutes(t.issued_at, policy.complete_within_minutes)
}

/// Every alert of a transfusion at `now`: `BASELINE_MISSING`, the reaction triggers of every
/// observation (in time order), `OBS_OVERDUE` per missed slot, and `DURATION_EXCEEDED`.
pub fn evaluate(t: &Transfusion, now: Instant, policy: &Policy) -> Vec<Alert> {
    let mut alerts = Vec::new();
    let baseline = usable_baseline(t, policy);

    if let Some(start) = t.started_at {
        if baseline.is_none() && now > start {
            alerts.push(Alert {
                code: AlertCode::BaselineMissing,
                severity: Severity::Warn,
                at: None,
                label: None,
                message: Text::tr(
                    "No baseline observation within {window} minutes before the start: \
                     reactions are judged on absolute limits only. Record the vital signs now.",
                    &[("window", &policy.baseline_window_minutes.to_string())],
                ),
            });
        }
    }

    let mut observations: Vec<&Observation> = t.observations.iter().collect();
    observations.sort_by_key(|o| o.at);
    for obs in observations {
        alerts.extend(reaction_triggers(obs, baseline, policy));
    }

    alerts.extend(
        schedule(t, now, policy)
            .iter()
            .filter(|s| s.status == SlotStatus::Overdue)
            .map(overdue_alert),
    );

    if let (Some(_), Some(limit)) = (t.started_at, complete_by(t, policy)) {
        let message = match t.ended_at {
            Some(end) if end > limit => Some(Text::tr(
                "The transfusion ended at {end}, later than {minutes} minutes after issue \
                 ({limit}): record the reason.",
                &[
                    ("end", &clock(end)),
                    ("minutes", &policy.complete_within_minutes.to_string()),
                    ("limit", &clock(limit)),
                ],
            )),
            None if now > limit => Some(Text::tr(
                "Still running {minutes} minutes after issue (limit {limit}): finish or stop \
                 the transfusion and call the doctor.",
                &[
                    ("minutes", &policy.complete_within_minutes.to_string()),
                    ("limit", &clock(limit)),
                ],
            )),
            _ => None,
        };
        if let Some(message) = message {
            alerts.push(Alert {
                code: AlertCode::DurationExceeded,
                severity: Severity::Warn,
                at: None,
                label: None,
                message,
            });
        }
    }

    alerts
}

#[cfg(test)]
mod tests;
