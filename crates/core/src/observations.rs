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

/// A running transfusion that has been going for longer than this many hourly intervals is a
/// corrupt record (a wrong year, a start never ended); stopping here keeps `schedule` bounded
/// instead of building millions of slots. At the default interval this is six weeks.
const MAX_HOURLY_SLOTS: i64 = 1000;

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

/// The reaction triggers one observation raises against the (usable) baseline, in a fixed order:
/// stop triggers first, the way the nurse must act on them.
pub fn reaction_triggers(
    obs: &Observation,
    baseline: Option<&Observation>,
    policy: &Policy,
) -> Vec<Alert> {
    let v = &obs.vitals;
    // A baseline with a null value for one vital is no baseline for that vital's trigger.
    let base = |f: fn(&Vitals) -> Option<i32>| baseline.and_then(|b| f(&b.vitals));
    // Differences in i64: values come from input and i32 subtraction could overflow.
    let diff = |a: i32, b: i32| i64::from(a) - i64::from(b);
    let at = clock(obs.at);
    let mut alerts = Vec::new();
    let mut push = |code: AlertCode, severity: Severity, message: Text| {
        alerts.push(Alert {
            code,
            severity,
            at: Some(obs.at),
            label: None,
            message,
        });
    };

    const STOP_EN: &str = "stop the transfusion, keep the line open with saline, call the \
                           doctor, open a reaction report.";
    const STOP_ZH: &str = "立即停止输血，生理盐水维持静脉通路，通知医生，填写输血反应报告。";
    const WATCH_EN: &str = "slow down, stay with the patient, repeat the observation and tell \
                            the doctor.";
    const WATCH_ZH: &str = "减慢滴速，守在患者床旁，复测生命体征并报告医生。";

    if let Some(temp) = v.temp_tenths {
        let base_temp = base(|b| b.temp_tenths);
        let fever = temp >= policy.febrile_temp_tenths()
            && base_temp.is_none_or(|b| diff(temp, b) >= i64::from(policy.febrile_rise_tenths()));
        if fever {
            let (en, zh) = match base_temp {
                Some(b) => (
                    format!(
                        "Fever {} °C (baseline {} °C) at {at}: {STOP_EN}",
                        tenths_c(temp),
                        tenths_c(b)
                    ),
                    format!(
                        "发热 {} °C（基线 {} °C），{at}：{STOP_ZH}",
                        tenths_c(temp),
                        tenths_c(b)
                    ),
                ),
                None => (
                    format!("Fever {} °C at {at}: {STOP_EN}", tenths_c(temp)),
                    format!("发热 {} °C，{at}：{STOP_ZH}", tenths_c(temp)),
                ),
            };
            push(AlertCode::Febrile, Severity::Stop, Text { en, zh });
        }
    }

    if let Some(sbp) = v.sbp {
        let base_sbp = base(|b| b.sbp);
        let low = sbp <= policy.hypotension_sbp
            && base_sbp.is_none_or(|b| diff(b, sbp) >= i64::from(policy.hypotension_drop));
        if low {
            let (en, zh) = match base_sbp {
                Some(b) => (
                    format!(
                        "Low blood pressure: systolic {sbp} mmHg (baseline {b}) at {at}: {STOP_EN}"
                    ),
                    format!("低血压：收缩压 {sbp} mmHg（基线 {b}），{at}：{STOP_ZH}"),
                ),
                None => (
                    format!("Low blood pressure: systolic {sbp} mmHg at {at}: {STOP_EN}"),
                    format!("低血压：收缩压 {sbp} mmHg，{at}：{STOP_ZH}"),
                ),
            };
            push(AlertCode::Hypotension, Severity::Stop, Text { en, zh });
        }
    }

    if let Some(spo2) = v.spo2 {
        if spo2 < policy.hypoxaemia_spo2_below {
            let message = Text {
                en: format!("Low oxygen saturation: SpO2 {spo2} % at {at}: {STOP_EN}"),
                zh: format!("血氧饱和度下降：SpO2 {spo2} %，{at}：{STOP_ZH}"),
            };
            push(AlertCode::Hypoxaemia, Severity::Stop, message);
        }
    }

    // Any symptom counts, chip or free text: the nurse recorded it because it worried them.
    let symptoms: Vec<&str> = obs
        .symptoms
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect();
    if !symptoms.is_empty() {
        let en_list: Vec<String> = symptoms.iter().map(|s| symptom_name(s).0).collect();
        let zh_list: Vec<String> = symptoms.iter().map(|s| symptom_name(s).1).collect();
        let message = Text {
            en: format!("Symptoms {} at {at}: {STOP_EN}", en_list.join(", ")),
            zh: format!("出现症状：{}，{at}：{STOP_ZH}", zh_list.join("、")),
        };
        push(AlertCode::Symptoms, Severity::Stop, message);
    }

    if let Some(hr) = v.hr {
        let base_hr = base(|b| b.hr);
        let fast = hr >= policy.tachycardia_hr
            || base_hr.is_some_and(|b| diff(hr, b) >= i64::from(policy.tachycardia_rise));
        if fast {
            let (en, zh) = match base_hr {
                Some(b) => (
                    format!("Fast heart rate {hr}/min (baseline {b}) at {at}: {WATCH_EN}"),
                    format!("心动过速 {hr} 次/分（基线 {b}），{at}：{WATCH_ZH}"),
                ),
                None => (
                    format!("Fast heart rate {hr}/min at {at}: {WATCH_EN}"),
                    format!("心动过速 {hr} 次/分，{at}：{WATCH_ZH}"),
                ),
            };
            push(AlertCode::Tachycardia, Severity::Warn, Text { en, zh });
        }
    }

    // Hypertension is defined only as a rise: without a baseline systolic there is nothing to
    // rise from.
    if let (Some(sbp), Some(b)) = (v.sbp, base(|b| b.sbp)) {
        if diff(sbp, b) >= i64::from(policy.hypertension_rise) {
            let message = Text {
                en: format!(
                    "Blood pressure rising: systolic {sbp} mmHg (baseline {b}) at {at}: \
                     {WATCH_EN} Think of fluid overload (TACO)."
                ),
                zh: format!(
                    "血压升高：收缩压 {sbp} mmHg（基线 {b}），{at}：{WATCH_ZH}注意输血相关循环超负荷（TACO）。"
                ),
            };
            push(AlertCode::Hypertension, Severity::Warn, message);
        }
    }

    if let Some(rr) = v.rr {
        let base_rr = base(|b| b.rr);
        let fast = rr >= policy.tachypnoea_rr
            || base_rr.is_some_and(|b| diff(rr, b) >= i64::from(policy.tachypnoea_rise));
        if fast {
            let (en, zh) = match base_rr {
                Some(b) => (
                    format!("Fast breathing {rr}/min (baseline {b}) at {at}: {WATCH_EN}"),
                    format!("呼吸急促 {rr} 次/分（基线 {b}），{at}：{WATCH_ZH}"),
                ),
                None => (
                    format!("Fast breathing {rr}/min at {at}: {WATCH_EN}"),
                    format!("呼吸急促 {rr} 次/分，{at}：{WATCH_ZH}"),
                ),
            };
            push(AlertCode::Tachypnoea, Severity::Warn, Text { en, zh });
        }
    }

    alerts
}

/// The words for a symptom chip in both languages; free text is shown as written.
fn symptom_name(s: &str) -> (String, String) {
    let known = match s {
        "rigors" => Some(("rigors", "寒战")),
        "urticaria" => Some(("urticaria", "荨麻疹")),
        "rash" => Some(("rash", "皮疹")),
        "dyspnoea" => Some(("dyspnoea", "呼吸困难")),
        "wheeze" => Some(("wheeze", "喘鸣")),
        "chest_pain" => Some(("chest pain", "胸痛")),
        "back_pain" => Some(("back pain", "腰背痛")),
        "haematuria" => Some(("haematuria", "血尿")),
        "flushing" => Some(("flushing", "面色潮红")),
        "nausea" => Some(("nausea", "恶心")),
        "anxiety" => Some(("anxiety", "烦躁不安")),
        _ => None,
    };
    match known {
        Some((en, zh)) => (en.to_string(), zh.to_string()),
        None => (s.to_string(), s.to_string()),
    }
}

/// Builds a slot from its due time and window, or nothing when the times overflow.
fn slot(label: String, due: Option<Instant>, early: i64, late: i64) -> Option<Slot> {
    let due = due?;
    Some(Slot {
        label,
        due,
        window_start: minus_minutes(due, early)?,
        window_end: plus_minutes(due, late)?,
        status: SlotStatus::Open,
    })
}

/// The observation slots of a transfusion, in due order, each with its status at `now`.
///
/// Not started: none. Running: the 15-minute slot, every hourly slot whose due time has come,
/// and the next hourly slot ahead (so a countdown always has a target). Ended: the 15-minute and
/// hourly slots due at or before the end (those after it were never due), then the `end` slot.
pub fn schedule(t: &Transfusion, now: Instant, policy: &Policy) -> Vec<Slot> {
    let Some(start) = t.started_at else {
        return Vec::new();
    };
    let due_by_end = |due: &Instant| t.ended_at.is_none_or(|end| *due <= end);
    let mut slots = Vec::new();

    if let Some(first) = slot(
        FIRST_LABEL.to_string(),
        plus_minutes(start, policy.first_obs_minutes),
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
            let Some(hourly) = slot(
                format!("{offset}min"),
                plus_minutes(start, offset),
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
        if let Some(last) = slot(
            END_LABEL.to_string(),
            Some(end),
            policy.end_obs_early_minutes,
            policy.end_obs_late_minutes,
        ) {
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

/// The next slot the nurse can still do: the open slot due first. Overdue slots are left out
/// because their window has closed and no observation can satisfy them any more.
pub fn next_due(t: &Transfusion, now: Instant, policy: &Policy) -> Option<Slot> {
    schedule(t, now, policy)
        .into_iter()
        .filter(|s| s.status == SlotStatus::Open)
        .min_by_key(|s| s.due)
}

fn overdue_alert(s: &Slot) -> Alert {
    let due = clock(s.due);
    let (en_name, zh_name) = if s.label == END_LABEL {
        (
            "end-of-transfusion observation".to_string(),
            "输血结束时观察".to_string(),
        )
    } else {
        let minutes = s.label.trim_end_matches("min");
        (
            format!("{minutes}-minute observation"),
            format!("{minutes} 分钟观察"),
        )
    };
    Alert {
        code: AlertCode::ObsOverdue,
        severity: Severity::Warn,
        at: None,
        label: Some(s.label.clone()),
        message: Text {
            en: format!(
                "The {en_name} (due {due}) was missed: take and record the vital signs now."
            ),
            zh: format!("{zh_name}（应于 {due}）已逾期未做：请立即测量并记录生命体征。"),
        },
    }
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
                message: Text::fill(
                    "No baseline observation within {window} minutes before the start: \
                     reactions are judged on absolute limits only. Record the vital signs now.",
                    "开始输血前 {window} 分钟内无基线生命体征：仅能按绝对阈值判断输血反应。请立即测量并记录。",
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
            Some(end) if end > limit => Some(Text::fill(
                "The transfusion ended at {end}, later than {minutes} minutes after issue \
                 ({limit}): record the reason.",
                "输血于 {end} 结束，超过出库后 {minutes} 分钟（{limit}）的时限：请记录原因。",
                &[
                    ("end", &clock(end)),
                    ("minutes", &policy.complete_within_minutes.to_string()),
                    ("limit", &clock(limit)),
                ],
            )),
            None if now > limit => Some(Text::fill(
                "Still running {minutes} minutes after issue (limit {limit}): finish or stop \
                 the transfusion and call the doctor.",
                "出库已超过 {minutes} 分钟（时限 {limit}）仍在输注：请结束或停止输血并通知医生。",
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

/// What a set of stop triggers suggests, for the reaction report's "suspected" line, and whether
/// it should be reported as serious. A first impression for the doctor, never a diagnosis: the
/// nurse can change both on the report. Serious (ISBT: life-threatening or needing intervention)
/// when the circulation or the breathing is affected, or when a symptom points to haemolysis.
pub fn suspected_reaction(alerts: &[Alert], symptoms: &[String]) -> (Text, bool) {
    let has = |code: AlertCode| alerts.iter().any(|a| a.code == code);
    let symptom = |s: &str| symptoms.iter().any(|x| x == s);
    let haemolysis_signs = symptom("back_pain") || symptom("haematuria") || symptom("chest_pain");
    let breathing = has(AlertCode::Hypoxaemia) || symptom("dyspnoea") || symptom("wheeze");
    let serious = has(AlertCode::Hypotension) || breathing || haemolysis_signs;
    let (en, zh) = if has(AlertCode::Hypotension) && breathing {
        (
            "suspected anaphylaxis or severe allergic reaction",
            "疑似过敏性休克或严重过敏反应",
        )
    } else if breathing {
        (
            "suspected respiratory reaction (TACO, TRALI or allergic)",
            "疑似呼吸系统反应（输血相关循环超负荷、输血相关急性肺损伤或过敏）",
        )
    } else if has(AlertCode::Hypotension) || haemolysis_signs {
        (
            "suspected acute haemolytic or septic reaction",
            "疑似急性溶血反应或细菌污染反应",
        )
    } else if has(AlertCode::Febrile) {
        (
            "suspected febrile non-haemolytic reaction (haemolysis and bacterial contamination to be excluded)",
            "疑似非溶血性发热反应（需排除溶血及细菌污染）",
        )
    } else if symptom("urticaria") || symptom("rash") || symptom("flushing") {
        ("suspected allergic reaction", "疑似过敏反应")
    } else {
        ("suspected transfusion reaction", "疑似输血反应")
    };
    (
        Text {
            en: en.to_string(),
            zh: zh.to_string(),
        },
        serious,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, FixedOffset};
    use std::collections::BTreeSet;

    fn dt(s: &str) -> Instant {
        DateTime::parse_from_rfc3339(s).expect("test time")
    }

    /// A time on the test day, `hh:mm` in +08:00.
    fn t(hm: &str) -> Instant {
        dt(&format!("2026-11-22T{hm}:00+08:00"))
    }

    fn vitals(temp_c: f64, hr: i32, sbp: i32, rr: i32, spo2: i32) -> Vitals {
        Vitals {
            temp_tenths: Some(Vitals::temp_c_to_tenths(temp_c)),
            hr: Some(hr),
            sbp: Some(sbp),
            dbp: Some(70),
            rr: Some(rr),
            spo2: Some(spo2),
        }
    }

    fn normal() -> Vitals {
        vitals(36.8, 78, 122, 16, 98)
    }

    fn obs(hm: &str, vitals: Vitals) -> Observation {
        Observation {
            at: t(hm),
            vitals,
            symptoms: Vec::new(),
        }
    }

    fn codes(alerts: &[Alert]) -> Vec<&'static str> {
        alerts.iter().map(|a| a.code.as_str()).collect()
    }

    fn triggers(v: Vitals, base: Option<Vitals>) -> Vec<&'static str> {
        let p = Policy::default();
        let b = base.map(|v| obs("10:00", v));
        codes(&reaction_triggers(&obs("10:20", v), b.as_ref(), &p))
    }

    fn running(observations: Vec<Observation>) -> Transfusion {
        Transfusion {
            component: Component::RedCells,
            issued_at: t("09:50"),
            started_at: Some(t("10:00")),
            ended_at: None,
            baseline: Some(obs("09:55", normal())),
            observations,
        }
    }

    fn labels_with(slots: &[Slot], want: SlotStatus) -> Vec<String> {
        slots
            .iter()
            .filter(|s| s.status == want)
            .map(|s| s.label.clone())
            .collect()
    }

    fn overdue_labels(slots: &[Slot]) -> Vec<String> {
        labels_with(slots, SlotStatus::Overdue)
    }

    // --- temperatures ---

    #[test]
    fn temperatures_convert_to_whole_tenths() {
        assert_eq!(Vitals::temp_c_to_tenths(38.3), 383);
        assert_eq!(Vitals::temp_c_to_tenths(37.3), 373);
        assert_eq!(Vitals::temp_c_to_tenths(36.85), 369);
        assert_eq!(Vitals::temp_c_to_tenths(-0.5), -5);
        assert_eq!(Vitals::temp_c_to_tenths(f64::NAN), 0);
        assert_eq!(tenths_c(384), "38.4");
        assert_eq!(tenths_c(-5), "-0.5");
        assert_eq!(tenths_c(i32::MIN), "-214748364.8");
    }

    // --- FEBRILE ---

    #[test]
    fn febrile_needs_38_and_a_rise_of_one_degree_counted_in_tenths() {
        let base = |c| Some(vitals(c, 78, 122, 16, 98));
        let at = |c| vitals(c, 78, 122, 16, 98);
        // 38.3 − 37.3 is 0.9999999999999964 in floating point but exactly 10 tenths.
        assert_eq!(triggers(at(38.3), base(37.3)), ["FEBRILE"]);
        assert_eq!(triggers(at(38.3), base(37.4)), Vec::<&str>::new());
        assert_eq!(triggers(at(38.0), base(37.0)), ["FEBRILE"]);
        assert_eq!(triggers(at(37.9), base(36.0)), Vec::<&str>::new());
        assert_eq!(triggers(at(38.0), base(37.1)), Vec::<&str>::new());
    }

    #[test]
    fn febrile_without_baseline_temperature_is_38_alone() {
        let at = |c| vitals(c, 78, 122, 16, 98);
        assert_eq!(triggers(at(38.0), None), ["FEBRILE"]);
        assert_eq!(triggers(at(37.9), None), Vec::<&str>::new());
        let no_temp = Vitals {
            temp_tenths: None,
            ..normal()
        };
        assert_eq!(triggers(at(38.0), Some(no_temp)), ["FEBRILE"]);
        // A missing temperature raises nothing.
        assert_eq!(
            triggers(
                Vitals {
                    temp_tenths: None,
                    ..normal()
                },
                None
            ),
            Vec::<&str>::new()
        );
    }

    #[test]
    fn febrile_message_names_values_baseline_and_time() {
        let p = Policy::default();
        let b = obs(
            "10:00",
            Vitals {
                temp_tenths: Some(372),
                ..normal()
            },
        );
        let o = obs(
            "10:20",
            Vitals {
                temp_tenths: Some(384),
                ..normal()
            },
        );
        let a = &reaction_triggers(&o, Some(&b), &p)[0];
        assert_eq!(
            a.message.en,
            "Fever 38.4 °C (baseline 37.2 °C) at 10:20: stop the transfusion, keep the line open \
             with saline, call the doctor, open a reaction report."
        );
        assert_eq!(
            a.message.zh,
            "发热 38.4 °C（基线 37.2 °C），10:20：立即停止输血，生理盐水维持静脉通路，通知医生，填写输血反应报告。"
        );
        assert_eq!(a.severity, Severity::Stop);
        assert_eq!(a.at, Some(t("10:20")));
        assert_eq!(a.label, None);
    }

    // --- HYPOTENSION ---

    #[test]
    fn hypotension_needs_80_and_a_drop_of_30() {
        let at = |sbp| vitals(36.8, 78, sbp, 16, 98);
        let base = |sbp| Some(vitals(36.8, 78, sbp, 16, 98));
        assert_eq!(triggers(at(80), base(110)), ["HYPOTENSION"]);
        assert_eq!(triggers(at(80), base(109)), Vec::<&str>::new());
        assert_eq!(triggers(at(81), base(140)), Vec::<&str>::new());
        assert_eq!(triggers(at(80), None), ["HYPOTENSION"]);
        assert_eq!(triggers(at(81), None), Vec::<&str>::new());
        let no_sbp = Some(Vitals {
            sbp: None,
            ..normal()
        });
        assert_eq!(triggers(at(80), no_sbp), ["HYPOTENSION"]);
    }

    // --- HYPOXAEMIA ---

    #[test]
    fn hypoxaemia_is_below_90_regardless_of_baseline() {
        let at = |spo2| vitals(36.8, 78, 122, 16, spo2);
        assert_eq!(triggers(at(89), None), ["HYPOXAEMIA"]);
        assert_eq!(triggers(at(90), None), Vec::<&str>::new());
        assert_eq!(
            triggers(at(89), Some(vitals(36.8, 78, 122, 16, 88))),
            ["HYPOXAEMIA"]
        );
    }

    // --- SYMPTOMS ---

    #[test]
    fn any_non_blank_symptom_stops() {
        let p = Policy::default();
        let mut o = obs("10:20", normal());
        o.symptoms = vec!["  ".into(), String::new()];
        assert!(reaction_triggers(&o, None, &p).is_empty());
        o.symptoms = vec!["rigors".into(), "feels strange".into()];
        let alerts = reaction_triggers(&o, None, &p);
        assert_eq!(codes(&alerts), ["SYMPTOMS"]);
        assert_eq!(alerts[0].severity, Severity::Stop);
        assert!(
            alerts[0].message.en.contains("rigors, feels strange"),
            "{}",
            alerts[0].message.en
        );
        assert!(
            alerts[0].message.zh.contains("寒战、feels strange"),
            "{}",
            alerts[0].message.zh
        );
    }

    // --- TACHYCARDIA ---

    #[test]
    fn tachycardia_is_120_or_a_rise_of_40() {
        let at = |hr| vitals(36.8, hr, 122, 16, 98);
        let base = |hr| Some(vitals(36.8, hr, 122, 16, 98));
        assert_eq!(triggers(at(120), None), ["TACHYCARDIA"]);
        assert_eq!(triggers(at(119), None), Vec::<&str>::new());
        assert_eq!(triggers(at(100), base(60)), ["TACHYCARDIA"]);
        assert_eq!(triggers(at(100), base(61)), Vec::<&str>::new());
        assert_eq!(triggers(at(120), base(110)), ["TACHYCARDIA"]);
        assert_eq!(
            triggers(
                at(119),
                Some(Vitals {
                    hr: None,
                    ..normal()
                })
            ),
            Vec::<&str>::new()
        );
        let alerts = reaction_triggers(&obs("10:20", at(130)), None, &Policy::default());
        assert_eq!(alerts[0].severity, Severity::Warn);
    }

    // --- HYPERTENSION ---

    #[test]
    fn hypertension_is_a_rise_of_30_and_needs_a_baseline() {
        let at = |sbp| vitals(36.8, 78, sbp, 16, 98);
        let base = |sbp| Some(vitals(36.8, 78, sbp, 16, 98));
        assert_eq!(triggers(at(150), base(120)), ["HYPERTENSION"]);
        assert_eq!(triggers(at(149), base(120)), Vec::<&str>::new());
        assert_eq!(triggers(at(220), None), Vec::<&str>::new());
        assert_eq!(
            triggers(
                at(220),
                Some(Vitals {
                    sbp: None,
                    ..normal()
                })
            ),
            Vec::<&str>::new()
        );
    }

    // --- TACHYPNOEA ---

    #[test]
    fn tachypnoea_is_30_or_a_rise_of_10() {
        let at = |rr| vitals(36.8, 78, 122, rr, 98);
        let base = |rr| Some(vitals(36.8, 78, 122, rr, 98));
        assert_eq!(triggers(at(30), None), ["TACHYPNOEA"]);
        assert_eq!(triggers(at(29), None), Vec::<&str>::new());
        assert_eq!(triggers(at(24), base(14)), ["TACHYPNOEA"]);
        assert_eq!(triggers(at(24), base(15)), Vec::<&str>::new());
        assert_eq!(
            triggers(
                at(29),
                Some(Vitals {
                    rr: None,
                    ..normal()
                })
            ),
            Vec::<&str>::new()
        );
    }

    #[test]
    fn all_missing_values_raise_nothing_and_extremes_do_not_overflow() {
        assert_eq!(
            triggers(Vitals::default(), Some(normal())),
            Vec::<&str>::new()
        );
        let extreme = Vitals {
            temp_tenths: Some(i32::MAX),
            hr: Some(i32::MAX),
            sbp: Some(i32::MIN),
            dbp: None,
            rr: Some(i32::MIN),
            spo2: Some(i32::MIN),
        };
        let base = Vitals {
            temp_tenths: Some(i32::MIN),
            hr: Some(i32::MIN),
            sbp: Some(i32::MAX),
            dbp: None,
            rr: Some(i32::MAX),
            spo2: None,
        };
        assert_eq!(
            triggers(extreme, Some(base)),
            ["FEBRILE", "HYPOTENSION", "HYPOXAEMIA", "TACHYCARDIA"]
        );
    }

    #[test]
    fn triggers_come_stop_first_in_a_fixed_order() {
        let mut o = obs("10:20", vitals(39.0, 130, 75, 32, 85));
        o.symptoms = vec!["urticaria".into()];
        let alerts = reaction_triggers(&o, None, &Policy::default());
        assert_eq!(
            codes(&alerts),
            [
                "FEBRILE",
                "HYPOTENSION",
                "HYPOXAEMIA",
                "SYMPTOMS",
                "TACHYCARDIA",
                "TACHYPNOEA"
            ]
        );
    }

    #[test]
    fn triggers_follow_the_policy() {
        let p = Policy {
            febrile_temp_c: 37.5,
            tachycardia_hr: 100,
            ..Policy::default()
        };
        let o = obs("10:20", vitals(37.5, 100, 122, 16, 98));
        assert_eq!(
            codes(&reaction_triggers(&o, None, &p)),
            ["FEBRILE", "TACHYCARDIA"]
        );
    }

    // --- baseline ---

    #[test]
    fn baseline_counts_within_the_window_inclusive() {
        let p = Policy::default();
        let mut tr = running(Vec::new());
        for (hm, usable) in [
            ("09:00", true),
            ("08:59", false),
            ("10:00", true),
            ("10:01", false),
        ] {
            tr.baseline = Some(obs(hm, normal()));
            assert_eq!(
                usable_baseline(&tr, &p).is_some(),
                usable,
                "baseline at {hm}"
            );
        }
    }

    #[test]
    fn baseline_missing_is_reported_once_after_the_start_and_not_used() {
        let p = Policy::default();
        let mut tr = running(vec![obs("10:15", vitals(37.0, 78, 160, 16, 98))]);
        tr.baseline = Some(obs("08:30", vitals(36.0, 78, 120, 16, 98)));
        let alerts = evaluate(&tr, t("10:20"), &p);
        // The stale baseline's systolic 120 is not used, so 160 is no HYPERTENSION.
        assert_eq!(codes(&alerts), ["BASELINE_MISSING"]);
        assert_eq!(alerts[0].at, None);
        assert_eq!(alerts[0].severity, Severity::Warn);
        // At the start itself it is not late yet.
        assert!(evaluate(&tr, t("10:00"), &p).is_empty());
        tr.baseline = None;
        assert_eq!(codes(&evaluate(&tr, t("10:01"), &p)), ["BASELINE_MISSING"]);
    }

    #[test]
    fn not_started_has_no_slots_and_no_baseline_missing() {
        let p = Policy::default();
        let mut tr = running(vec![obs("09:52", vitals(38.5, 78, 122, 16, 98))]);
        tr.started_at = None;
        tr.baseline = None;
        assert!(schedule(&tr, t("23:00"), &p).is_empty());
        assert_eq!(next_due(&tr, t("23:00"), &p), None);
        // Triggers still fire on what was recorded; no duration alert before a start.
        assert_eq!(codes(&evaluate(&tr, t("23:00"), &p)), ["FEBRILE"]);
        assert_eq!(slow_rate_until(&tr, &p), None);
    }

    // --- schedule ---

    #[test]
    fn first_slot_window_bounds_are_inclusive() {
        let p = Policy::default();
        for (hm, ok) in [
            ("10:09", false),
            ("10:10", true),
            ("10:25", true),
            ("10:26", false),
        ] {
            let s = schedule(&running(vec![obs(hm, normal())]), t("10:40"), &p);
            assert_eq!(s[0].label, "15min");
            assert_eq!(s[0].due, t("10:15"));
            let want = if ok {
                SlotStatus::Satisfied { by: t(hm) }
            } else {
                SlotStatus::Overdue
            };
            assert_eq!(s[0].status, want, "observation at {hm}");
        }
    }

    #[test]
    fn first_slot_is_overdue_only_strictly_after_its_window() {
        let p = Policy::default();
        let tr = running(Vec::new());
        assert_eq!(schedule(&tr, t("10:25"), &p)[0].status, SlotStatus::Open);
        assert_eq!(schedule(&tr, t("10:26"), &p)[0].status, SlotStatus::Overdue);
        let at = |hm| codes(&evaluate(&tr, t(hm), &p));
        assert_eq!(at("10:25"), Vec::<&str>::new());
        assert_eq!(at("10:26"), ["OBS_OVERDUE"]);
        let a = &evaluate(&tr, t("10:26"), &p)[0];
        assert_eq!(a.label.as_deref(), Some("15min"));
        assert_eq!(a.at, None);
        assert!(
            a.message.en.contains("15-minute observation (due 10:15)"),
            "{}",
            a.message.en
        );
    }

    #[test]
    fn hourly_windows_are_inclusive_and_labelled_by_minutes() {
        let p = Policy::default();
        let base = vec![obs("10:15", normal())];
        for (hm, ok) in [
            ("10:49", false),
            ("10:50", true),
            ("11:15", true),
            ("11:16", false),
        ] {
            let mut o = base.clone();
            o.push(obs(hm, normal()));
            let s = schedule(&running(o), t("11:20"), &p);
            let hourly = s.iter().find(|s| s.label == "60min").expect("60min slot");
            assert_eq!(hourly.due, t("11:00"));
            assert_eq!(hourly.window_start, t("10:50"));
            assert_eq!(hourly.window_end, t("11:15"));
            assert_eq!(
                hourly.status == SlotStatus::Overdue,
                !ok,
                "observation at {hm}"
            );
        }
        let tr = running(base);
        assert_eq!(
            overdue_labels(&schedule(&tr, t("11:15"), &p)),
            Vec::<String>::new()
        );
        assert_eq!(overdue_labels(&schedule(&tr, t("11:16"), &p)), ["60min"]);
        let late = schedule(&tr, t("13:20"), &p);
        assert_eq!(overdue_labels(&late), ["60min", "120min", "180min"]);
    }

    #[test]
    fn running_lists_due_slots_plus_the_next_one() {
        let p = Policy::default();
        let s = schedule(&running(Vec::new()), t("10:05"), &p);
        let labels: Vec<&str> = s.iter().map(|s| s.label.as_str()).collect();
        assert_eq!(labels, ["15min", "60min"]);
        let s = schedule(&running(Vec::new()), t("12:00"), &p);
        let labels: Vec<&str> = s.iter().map(|s| s.label.as_str()).collect();
        assert_eq!(labels, ["15min", "60min", "120min", "180min"]);
        assert_eq!(labels_with(&s, SlotStatus::Open), ["120min", "180min"]);
    }

    #[test]
    fn unsorted_observations_satisfy_every_window_they_fall_in() {
        let p = Policy::default();
        let tr = running(vec![
            obs("12:05", normal()),
            obs("10:12", normal()),
            obs("11:05", normal()),
            obs("10:20", normal()),
        ]);
        let s = schedule(&tr, t("12:30"), &p);
        assert_eq!(s[0].status, SlotStatus::Satisfied { by: t("10:12") });
        assert_eq!(s[1].status, SlotStatus::Satisfied { by: t("11:05") });
        assert_eq!(s[2].status, SlotStatus::Satisfied { by: t("12:05") });
        assert!(evaluate(&tr, t("12:30"), &p).is_empty());
        // One observation inside two overlapping windows satisfies both.
        let p2 = Policy {
            hourly_obs_interval_minutes: 20,
            ..Policy::default()
        };
        let s = schedule(&running(vec![obs("10:20", normal())]), t("10:30"), &p2);
        assert_eq!(s[0].status, SlotStatus::Satisfied { by: t("10:20") });
        assert_eq!(s[1].label, "20min");
        assert_eq!(s[1].status, SlotStatus::Satisfied { by: t("10:20") });
    }

    #[test]
    fn trigger_alerts_come_in_observation_time_order() {
        let p = Policy::default();
        let tr = running(vec![
            obs("10:40", vitals(38.5, 78, 122, 16, 98)),
            obs("10:15", vitals(36.8, 78, 122, 16, 85)),
        ]);
        let alerts = evaluate(&tr, t("10:45"), &p);
        let at: Vec<Option<Instant>> = alerts.iter().map(|a| a.at).collect();
        assert_eq!(at, [Some(t("10:15")), Some(t("10:40"))]);
    }

    #[test]
    fn ended_transfusion_has_an_end_slot_and_no_hourly_slots_after_the_end() {
        let p = Policy::default();
        let mut tr = running(vec![obs("10:15", normal()), obs("11:00", normal())]);
        tr.ended_at = Some(t("11:50"));
        let s = schedule(&tr, t("23:00"), &p);
        let labels: Vec<&str> = s.iter().map(|s| s.label.as_str()).collect();
        assert_eq!(labels, ["15min", "60min", "end"]);
        let end = &s[2];
        assert_eq!((end.window_start, end.window_end), (t("11:35"), t("12:50")));
        assert_eq!(codes(&evaluate(&tr, t("12:50"), &p)), Vec::<&str>::new());
        assert_eq!(overdue_labels(&schedule(&tr, t("12:51"), &p)), ["end"]);
        let alerts = evaluate(&tr, t("12:51"), &p);
        assert_eq!(alerts[0].label.as_deref(), Some("end"));
        // The end observation at the end bounds satisfies it.
        for hm in ["11:35", "12:50"] {
            let mut done = tr.clone();
            done.observations.push(obs(hm, normal()));
            assert!(
                evaluate(&done, t("23:00"), &p).is_empty(),
                "end obs at {hm}"
            );
        }
    }

    #[test]
    fn an_hourly_slot_due_exactly_at_the_end_is_due_and_a_short_transfusion_has_no_15min() {
        let p = Policy::default();
        let mut tr = running(vec![obs("10:15", normal())]);
        tr.ended_at = Some(t("11:00"));
        let labels: Vec<String> = schedule(&tr, t("23:00"), &p)
            .into_iter()
            .map(|s| s.label)
            .collect();
        assert_eq!(labels, ["15min", "60min", "end"]);
        tr.ended_at = Some(t("10:14"));
        tr.observations.clear();
        let labels: Vec<String> = schedule(&tr, t("23:00"), &p)
            .into_iter()
            .map(|s| s.label)
            .collect();
        assert_eq!(labels, ["end"]);
    }

    #[test]
    fn next_due_is_the_first_open_slot() {
        let p = Policy::default();
        let tr = running(Vec::new());
        assert_eq!(
            next_due(&tr, t("10:05"), &p).map(|s| s.label),
            Some("15min".into())
        );
        // The 15-minute window closed: the next thing to do is the 60-minute observation.
        assert_eq!(
            next_due(&tr, t("10:30"), &p).map(|s| s.label),
            Some("60min".into())
        );
        let done = running(vec![obs("10:15", normal()), obs("11:00", normal())]);
        assert_eq!(
            next_due(&done, t("11:05"), &p).map(|s| s.label),
            Some("120min".into())
        );
        let mut ended = done.clone();
        ended.ended_at = Some(t("11:30"));
        assert_eq!(
            next_due(&ended, t("11:35"), &p).map(|s| s.label),
            Some("end".into())
        );
        ended.observations.push(obs("11:40", normal()));
        assert_eq!(next_due(&ended, t("11:45"), &p), None);
    }

    // --- time rules ---

    #[test]
    fn duration_exceeded_strictly_after_the_limit_while_running() {
        let p = Policy::default();
        // Issued 09:50: the limit is 13:50. Observations are kept complete so only the time
        // rule speaks.
        let all: Vec<Observation> = ["10:15", "11:00", "12:00", "13:00"]
            .iter()
            .map(|hm| obs(hm, normal()))
            .collect();
        let tr = running(all);
        assert_eq!(codes(&evaluate(&tr, t("13:50"), &p)), Vec::<&str>::new());
        let alerts = evaluate(&tr, t("13:51"), &p);
        assert_eq!(codes(&alerts), ["DURATION_EXCEEDED"]);
        assert_eq!(alerts[0].severity, Severity::Warn);
        assert_eq!(alerts[0].at, None);
    }

    #[test]
    fn duration_exceeded_on_completion_depends_on_the_end_not_now() {
        let p = Policy::default();
        let all: Vec<Observation> = ["10:15", "11:00", "12:00", "13:00", "13:50"]
            .iter()
            .map(|hm| obs(hm, normal()))
            .collect();
        let mut tr = running(all);
        tr.ended_at = Some(t("13:50"));
        assert_eq!(codes(&evaluate(&tr, t("23:00"), &p)), Vec::<&str>::new());
        tr.ended_at = Some(t("13:51"));
        let alerts = evaluate(&tr, t("23:00"), &p);
        assert_eq!(codes(&alerts), ["DURATION_EXCEEDED"]);
        assert!(
            alerts[0].message.en.contains("13:51"),
            "{}",
            alerts[0].message.en
        );
    }

    #[test]
    fn slow_rate_and_bag_keeping_times() {
        let p = Policy::default();
        let mut tr = running(Vec::new());
        assert_eq!(slow_rate_until(&tr, &p), Some(t("10:15")));
        assert_eq!(bag_discard_after(&tr, &p), None);
        tr.ended_at = Some(t("12:00"));
        assert_eq!(
            bag_discard_after(&tr, &p),
            Some(dt("2026-11-23T12:00:00+08:00"))
        );
    }

    #[test]
    fn absurd_times_and_policies_do_not_panic_or_run_away() {
        let p = Policy {
            complete_within_minutes: i64::MAX,
            hourly_obs_interval_minutes: 1,
            bag_keep_hours: i64::MAX,
            baseline_window_minutes: i64::MAX,
            first_obs_minutes: i64::MAX,
            ..Policy::default()
        };
        let mut tr = running(vec![obs("10:15", normal())]);
        tr.started_at = Some(DateTime::<FixedOffset>::MAX_UTC.fixed_offset());
        let far = dt("9999-12-31T23:59:00+00:00");
        let _ = evaluate(&tr, far, &p);
        tr.started_at = Some(dt("0001-01-01T00:00:00+00:00"));
        tr.ended_at = Some(DateTime::<FixedOffset>::MAX_UTC.fixed_offset());
        let s = schedule(&tr, far, &p);
        assert!(s.len() <= MAX_HOURLY_SLOTS as usize + 2);
        let _ = evaluate(&tr, far, &p);
        let _ = bag_discard_after(&tr, &p);
        let zero = Policy {
            hourly_obs_interval_minutes: 0,
            ..Policy::default()
        };
        let _ = schedule(&running(Vec::new()), far, &zero);
    }

    // --- golden scenarios (tests/data/scenarios/observations.json) ---

    mod golden {
        use super::*;
        use serde::Deserialize;

        #[derive(Deserialize)]
        struct Scenario {
            id: String,
            component: String,
            issued_at: String,
            started_at: Option<String>,
            ended_at: Option<String>,
            now: String,
            baseline: Option<Obs>,
            observations: Vec<Obs>,
        }

        #[derive(Deserialize)]
        struct Obs {
            at: String,
            temp_c: Option<f64>,
            hr: Option<i32>,
            sbp: Option<i32>,
            dbp: Option<i32>,
            rr: Option<i32>,
            spo2: Option<i32>,
            #[serde(default)]
            symptoms: Vec<String>,
        }

        #[derive(Deserialize)]
        struct Expected {
            id: String,
            alerts: Vec<ExpectedAlert>,
        }

        #[derive(Deserialize)]
        struct ExpectedAlert {
            code: String,
            severity: String,
            at: Option<String>,
            label: Option<String>,
        }

        type Key = (String, String, Option<i64>, Option<String>);

        fn observation(o: &Obs) -> Observation {
            Observation {
                at: dt(&o.at),
                vitals: Vitals {
                    temp_tenths: o.temp_c.map(Vitals::temp_c_to_tenths),
                    hr: o.hr,
                    sbp: o.sbp,
                    dbp: o.dbp,
                    rr: o.rr,
                    spo2: o.spo2,
                },
                symptoms: o.symptoms.clone(),
            }
        }

        #[test]
        fn all_observation_scenarios_match_the_expected_alerts() {
            let scenarios: Vec<Scenario> = serde_json::from_str(include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../tests/data/scenarios/observations.json"
            )))
            .expect("scenarios parse");
            let expected: Vec<Expected> = include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../tests/data/scenarios/observations.expected.jsonl"
            ))
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).expect("expected line parses"))
            .collect();
            assert_eq!(scenarios.len(), 30);
            assert_eq!(expected.len(), scenarios.len());

            let p = Policy::default();
            let mut failures = Vec::new();
            for (s, e) in scenarios.iter().zip(&expected) {
                assert_eq!(s.id, e.id);
                let tr = Transfusion {
                    component: Component::parse(&s.component).expect("component"),
                    issued_at: dt(&s.issued_at),
                    started_at: s.started_at.as_deref().map(dt),
                    ended_at: s.ended_at.as_deref().map(dt),
                    baseline: s.baseline.as_ref().map(observation),
                    observations: s.observations.iter().map(observation).collect(),
                };
                let got: BTreeSet<Key> = evaluate(&tr, dt(&s.now), &p)
                    .into_iter()
                    .map(|a| {
                        (
                            a.code.as_str().to_string(),
                            a.severity.as_str().to_string(),
                            a.at.map(|at| at.timestamp()),
                            a.label,
                        )
                    })
                    .collect();
                let want: BTreeSet<Key> = e
                    .alerts
                    .iter()
                    .map(|a| {
                        (
                            a.code.clone(),
                            a.severity.clone(),
                            a.at.as_deref().map(|at| dt(at).timestamp()),
                            a.label.clone(),
                        )
                    })
                    .collect();
                if got != want {
                    failures.push(format!(
                        "{}:\n  missing {:?}\n  extra   {:?}",
                        s.id,
                        want.difference(&got).collect::<Vec<_>>(),
                        got.difference(&want).collect::<Vec<_>>()
                    ));
                }
            }
            assert!(
                failures.is_empty(),
                "{} scenarios differ:\n{}",
                failures.len(),
                failures.join("\n")
            );
        }
    }
}
