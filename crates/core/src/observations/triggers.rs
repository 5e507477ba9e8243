//! The reaction triggers (clinical-rules.md §3): what one observation says against the baseline,
//! and what a set of them suggests for the reaction report.

use super::{clock, tenths_c, Alert, AlertCode, Observation, Vitals};
use crate::messages::Text;
use crate::policy::Policy;
use crate::severity::Severity;

/// The reaction triggers one observation raises against the (usable) baseline, in a fixed order:
/// stop triggers first, the way the nurse must act on them.
pub fn reaction_triggers(
    obs: &Observation,
    baseline: Option<&Observation>,
    policy: &Policy,
) -> Vec<Alert> {
    let reading = Reading {
        vitals: &obs.vitals,
        baseline,
        at: clock(obs.at),
    };
    let found = [
        fever(&reading, policy),
        hypotension(&reading, policy),
        hypoxaemia(&reading, policy),
        symptoms(&obs.symptoms, &reading.at),
        tachycardia(&reading, policy),
        hypertension(&reading, policy),
        tachypnoea(&reading, policy),
    ];
    found
        .into_iter()
        .flatten()
        .map(|(code, severity, message)| Alert {
            code,
            severity,
            at: Some(obs.at),
            label: None,
            message,
        })
        .collect()
}

/// What a trigger raises: its code, how urgent, the words.
type Raised = Option<(AlertCode, Severity, Text)>;

const STOP_EN: &str = "stop the transfusion, keep the line open with saline, call the doctor, \
                       open a reaction report.";
const STOP_ZH: &str = "立即停止输血，生理盐水维持静脉通路，通知医生，填写输血反应报告。";
const WATCH_EN: &str = "slow down, stay with the patient, repeat the observation and tell the \
                        doctor.";
const WATCH_ZH: &str = "减慢滴速，守在患者床旁，复测生命体征并报告医生。";

/// One observation's vitals with the baseline they are judged against.
struct Reading<'a> {
    vitals: &'a Vitals,
    baseline: Option<&'a Observation>,
    /// The observation's clock time, as the messages say it.
    at: String,
}

impl Reading<'_> {
    /// The baseline's value of one vital. A baseline with a null value for one vital is no
    /// baseline for that vital's trigger.
    fn base(&self, vital: fn(&Vitals) -> Option<i32>) -> Option<i32> {
        self.baseline.and_then(|b| vital(&b.vitals))
    }
}

/// `a - b` in i64: values come from input and i32 subtraction could overflow.
fn diff(a: i32, b: i32) -> i64 {
    i64::from(a) - i64::from(b)
}

fn fever(r: &Reading, policy: &Policy) -> Raised {
    let temp = r.vitals.temp_tenths?;
    let base_temp = r.base(|b| b.temp_tenths);
    let fever = temp >= policy.febrile_temp_tenths()
        && base_temp.is_none_or(|b| diff(temp, b) >= i64::from(policy.febrile_rise_tenths()));
    if !fever {
        return None;
    }
    let at = &r.at;
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
    Some((AlertCode::Febrile, Severity::Stop, Text { en, zh }))
}

fn hypotension(r: &Reading, policy: &Policy) -> Raised {
    let sbp = r.vitals.sbp?;
    let base_sbp = r.base(|b| b.sbp);
    let low = sbp <= policy.hypotension_sbp
        && base_sbp.is_none_or(|b| diff(b, sbp) >= i64::from(policy.hypotension_drop));
    if !low {
        return None;
    }
    let at = &r.at;
    let (en, zh) = match base_sbp {
        Some(b) => (
            format!("Low blood pressure: systolic {sbp} mmHg (baseline {b}) at {at}: {STOP_EN}"),
            format!("低血压：收缩压 {sbp} mmHg（基线 {b}），{at}：{STOP_ZH}"),
        ),
        None => (
            format!("Low blood pressure: systolic {sbp} mmHg at {at}: {STOP_EN}"),
            format!("低血压：收缩压 {sbp} mmHg，{at}：{STOP_ZH}"),
        ),
    };
    Some((AlertCode::Hypotension, Severity::Stop, Text { en, zh }))
}

fn hypoxaemia(r: &Reading, policy: &Policy) -> Raised {
    let spo2 = r
        .vitals
        .spo2
        .filter(|s| *s < policy.hypoxaemia_spo2_below)?;
    let at = &r.at;
    let message = Text {
        en: format!("Low oxygen saturation: SpO2 {spo2} % at {at}: {STOP_EN}"),
        zh: format!("血氧饱和度下降：SpO2 {spo2} %，{at}：{STOP_ZH}"),
    };
    Some((AlertCode::Hypoxaemia, Severity::Stop, message))
}

/// Any symptom counts, chip or free text: the nurse recorded it because it worried them.
fn symptoms(recorded: &[String], at: &str) -> Raised {
    let symptoms: Vec<&str> = recorded
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect();
    if symptoms.is_empty() {
        return None;
    }
    let en_list: Vec<String> = symptoms.iter().map(|s| symptom_name(s).0).collect();
    let zh_list: Vec<String> = symptoms.iter().map(|s| symptom_name(s).1).collect();
    let message = Text {
        en: format!("Symptoms {} at {at}: {STOP_EN}", en_list.join(", ")),
        zh: format!("出现症状：{}，{at}：{STOP_ZH}", zh_list.join("、")),
    };
    Some((AlertCode::Symptoms, Severity::Stop, message))
}

fn tachycardia(r: &Reading, policy: &Policy) -> Raised {
    let hr = r.vitals.hr?;
    let base_hr = r.base(|b| b.hr);
    let fast = hr >= policy.tachycardia_hr
        || base_hr.is_some_and(|b| diff(hr, b) >= i64::from(policy.tachycardia_rise));
    if !fast {
        return None;
    }
    let at = &r.at;
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
    Some((AlertCode::Tachycardia, Severity::Warn, Text { en, zh }))
}

/// Hypertension is defined only as a rise: without a baseline systolic there is nothing to
/// rise from.
fn hypertension(r: &Reading, policy: &Policy) -> Raised {
    let (sbp, b) = (r.vitals.sbp?, r.base(|b| b.sbp)?);
    if diff(sbp, b) < i64::from(policy.hypertension_rise) {
        return None;
    }
    let at = &r.at;
    let message = Text {
        en: format!(
            "Blood pressure rising: systolic {sbp} mmHg (baseline {b}) at {at}: \
             {WATCH_EN} Think of fluid overload (TACO)."
        ),
        zh: format!(
            "血压升高：收缩压 {sbp} mmHg（基线 {b}），{at}：{WATCH_ZH}注意输血相关循环超负荷（TACO）。"
        ),
    };
    Some((AlertCode::Hypertension, Severity::Warn, message))
}

fn tachypnoea(r: &Reading, policy: &Policy) -> Raised {
    let rr = r.vitals.rr?;
    let base_rr = r.base(|b| b.rr);
    let fast = rr >= policy.tachypnoea_rr
        || base_rr.is_some_and(|b| diff(rr, b) >= i64::from(policy.tachypnoea_rise));
    if !fast {
        return None;
    }
    let at = &r.at;
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
    Some((AlertCode::Tachypnoea, Severity::Warn, Text { en, zh }))
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
