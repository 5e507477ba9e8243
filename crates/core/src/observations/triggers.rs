//! The reaction triggers (clinical-rules.md §3): what one observation says against the baseline,
//! and what a set of them suggests for the reaction report.

use super::{clock, tenths_c, Alert, AlertCode, Observation, Vitals};
use crate::messages::{tr_noop, Arg, Text};
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

/// What the nurse does on a stop trigger, the end of each stop message.
fn stop_action() -> Text {
    Text::tr(
        "stop the transfusion, keep the line open with saline, call the doctor, open a reaction report.",
        &[],
    )
}

/// What the nurse does on a watch trigger.
fn watch_action() -> Text {
    Text::tr(
        "slow down, stay with the patient, repeat the observation and tell the doctor.",
        &[],
    )
}

/// A trigger's message: `msgid` with its values, the time and what to do.
fn said(msgid: &str, values: &[(&str, String)], at: &str, action: Text) -> Text {
    let mut args: Vec<(&str, Arg)> = values.iter().map(|(k, v)| (*k, Arg::Same(v))).collect();
    args.push(("at", Arg::Same(at)));
    args.push(("action", Arg::Words(&action)));
    Text::tr_with(msgid, &args)
}

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
    let message = match base_temp {
        Some(b) => said(
            tr_noop("Fever {temp} °C (baseline {base} °C) at {at}: {action}"),
            &[("temp", tenths_c(temp)), ("base", tenths_c(b))],
            &r.at,
            stop_action(),
        ),
        None => said(
            tr_noop("Fever {temp} °C at {at}: {action}"),
            &[("temp", tenths_c(temp))],
            &r.at,
            stop_action(),
        ),
    };
    Some((AlertCode::Febrile, Severity::Stop, message))
}

fn hypotension(r: &Reading, policy: &Policy) -> Raised {
    let sbp = r.vitals.sbp?;
    let base_sbp = r.base(|b| b.sbp);
    let low = sbp <= policy.hypotension_sbp
        && base_sbp.is_none_or(|b| diff(b, sbp) >= i64::from(policy.hypotension_drop));
    if !low {
        return None;
    }
    let message = match base_sbp {
        Some(b) => said(
            tr_noop("Low blood pressure: systolic {sbp} mmHg (baseline {base}) at {at}: {action}"),
            &[("sbp", sbp.to_string()), ("base", b.to_string())],
            &r.at,
            stop_action(),
        ),
        None => said(
            tr_noop("Low blood pressure: systolic {sbp} mmHg at {at}: {action}"),
            &[("sbp", sbp.to_string())],
            &r.at,
            stop_action(),
        ),
    };
    Some((AlertCode::Hypotension, Severity::Stop, message))
}

fn hypoxaemia(r: &Reading, policy: &Policy) -> Raised {
    let spo2 = r
        .vitals
        .spo2
        .filter(|s| *s < policy.hypoxaemia_spo2_below)?;
    let message = said(
        tr_noop("Low oxygen saturation: SpO2 {spo2} % at {at}: {action}"),
        &[("spo2", spo2.to_string())],
        &r.at,
        stop_action(),
    );
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
    let names: Vec<Text> = symptoms.iter().map(|s| symptom_name(s)).collect();
    let (list, action) = (Text::list(&names), stop_action());
    let message = Text::tr_with(
        "Symptoms {symptoms} at {at}: {action}",
        &[
            ("symptoms", (&list).into()),
            ("at", at.into()),
            ("action", (&action).into()),
        ],
    );
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
    let message = match base_hr {
        Some(b) => said(
            tr_noop("Fast heart rate {hr}/min (baseline {base}) at {at}: {action}"),
            &[("hr", hr.to_string()), ("base", b.to_string())],
            &r.at,
            watch_action(),
        ),
        None => said(
            tr_noop("Fast heart rate {hr}/min at {at}: {action}"),
            &[("hr", hr.to_string())],
            &r.at,
            watch_action(),
        ),
    };
    Some((AlertCode::Tachycardia, Severity::Warn, message))
}

/// Hypertension is defined only as a rise: without a baseline systolic there is nothing to
/// rise from.
fn hypertension(r: &Reading, policy: &Policy) -> Raised {
    let (sbp, b) = (r.vitals.sbp?, r.base(|b| b.sbp)?);
    if diff(sbp, b) < i64::from(policy.hypertension_rise) {
        return None;
    }
    let message = said(
            tr_noop("Blood pressure rising: systolic {sbp} mmHg (baseline {base}) at {at}: {action} Think of fluid overload (TACO)."),
        &[("sbp", sbp.to_string()), ("base", b.to_string())],
        &r.at,
        watch_action(),
    );
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
    let message = match base_rr {
        Some(b) => said(
            tr_noop("Fast breathing {rr}/min (baseline {base}) at {at}: {action}"),
            &[("rr", rr.to_string()), ("base", b.to_string())],
            &r.at,
            watch_action(),
        ),
        None => said(
            tr_noop("Fast breathing {rr}/min at {at}: {action}"),
            &[("rr", rr.to_string())],
            &r.at,
            watch_action(),
        ),
    };
    Some((AlertCode::Tachypnoea, Severity::Warn, message))
}

/// The words for a symptom chip in both languages; free text is shown as written.
pub fn symptom_name(s: &str) -> Text {
    let known = match s {
        "rigors" => Some(tr_noop("rigors")),
        "urticaria" => Some(tr_noop("urticaria")),
        "rash" => Some(tr_noop("rash")),
        "dyspnoea" => Some(tr_noop("dyspnoea")),
        "wheeze" => Some(tr_noop("wheeze")),
        "chest_pain" => Some(tr_noop("chest pain")),
        "back_pain" => Some(tr_noop("back pain")),
        "haematuria" => Some(tr_noop("haematuria")),
        "flushing" => Some(tr_noop("flushing")),
        "nausea" => Some(tr_noop("nausea")),
        "anxiety" => Some(tr_noop("anxiety")),
        _ => None,
    };
    match known {
        Some(msgid) => Text::tr(msgid, &[]),
        None => Text::same(s),
    }
}

/// A first impression of what reaction a stop suggests; stored as its code, shown in words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Suspected {
    Anaphylaxis,
    Respiratory,
    HaemolyticOrSeptic,
    FebrileNonHaemolytic,
    Allergic,
    Unspecified,
}

impl Suspected {
    pub const ALL: [Suspected; 6] = [
        Suspected::Anaphylaxis,
        Suspected::Respiratory,
        Suspected::HaemolyticOrSeptic,
        Suspected::FebrileNonHaemolytic,
        Suspected::Allergic,
        Suspected::Unspecified,
    ];

    /// The code the reaction record keeps.
    pub fn code(self) -> &'static str {
        match self {
            Suspected::Anaphylaxis => "ANAPHYLAXIS",
            Suspected::Respiratory => "RESPIRATORY",
            Suspected::HaemolyticOrSeptic => "HAEMOLYTIC_OR_SEPTIC",
            Suspected::FebrileNonHaemolytic => "FEBRILE_NON_HAEMOLYTIC",
            Suspected::Allergic => "ALLERGIC",
            Suspected::Unspecified => "UNSPECIFIED",
        }
    }

    fn msgid(self) -> &'static str {
        match self {
            Suspected::Anaphylaxis => tr_noop("suspected anaphylaxis or severe allergic reaction"),
            Suspected::Respiratory => tr_noop("suspected respiratory reaction (TACO, TRALI or allergic)"),
            Suspected::HaemolyticOrSeptic => tr_noop("suspected acute haemolytic or septic reaction"),
            Suspected::FebrileNonHaemolytic => tr_noop("suspected febrile non-haemolytic reaction (haemolysis and bacterial contamination to be excluded)"),
            Suspected::Allergic => tr_noop("suspected allergic reaction"),
            Suspected::Unspecified => tr_noop("suspected transfusion reaction"),
        }
    }

    pub fn words(self) -> Text {
        Text::tr(self.msgid(), &[])
    }
}

/// The words for a suspected reaction as a record keeps it: its code. Records made before the
/// codes kept both languages' words ("English / 中文"): those read back through their English.
pub fn suspected_words(stored: &str) -> Text {
    let english = stored.split_once(" / ").map_or(stored, |(en, _)| en);
    Suspected::ALL
        .into_iter()
        .find(|s| s.code() == stored || s.msgid() == english)
        .map_or_else(|| Text::same(stored), Suspected::words)
}

/// What a reaction record keeps of the triggers that stopped it: their codes (`FEBRILE; HYPOTENSION`).
pub fn trigger_codes(stop: &[Alert]) -> String {
    let codes: Vec<&str> = stop.iter().map(|a| a.code.as_str()).collect();
    codes.join("; ")
}

/// The stored triggers in words. Records made before the codes kept `CODE: English sentence`;
/// their codes are read, and any part that is no code is shown as written.
pub fn trigger_words(stored: &str) -> Text {
    let parts: Vec<Text> = stored
        .split(';')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|part| {
            let code = part.split_once(':').map_or(part, |(c, _)| c.trim());
            AlertCode::parse(code).map_or_else(|| Text::same(part), AlertCode::title)
        })
        .collect();
    Text::list(&parts)
}

/// What a set of stop triggers suggests, for the reaction report's "suspected" line, and whether
/// it should be reported as serious. A first impression for the doctor, never a diagnosis: the
/// nurse can change both on the report. Serious (ISBT: life-threatening or needing intervention)
/// when the circulation or the breathing is affected, or when a symptom points to haemolysis.
pub fn suspected_reaction(alerts: &[Alert], symptoms: &[String]) -> (Suspected, bool) {
    let has = |code: AlertCode| alerts.iter().any(|a| a.code == code);
    let symptom = |s: &str| symptoms.iter().any(|x| x == s);
    let haemolysis_signs = symptom("back_pain") || symptom("haematuria") || symptom("chest_pain");
    let breathing = has(AlertCode::Hypoxaemia) || symptom("dyspnoea") || symptom("wheeze");
    let serious = has(AlertCode::Hypotension) || breathing || haemolysis_signs;
    let suspected = if has(AlertCode::Hypotension) && breathing {
        Suspected::Anaphylaxis
    } else if breathing {
        Suspected::Respiratory
    } else if has(AlertCode::Hypotension) || haemolysis_signs {
        Suspected::HaemolyticOrSeptic
    } else if has(AlertCode::Febrile) {
        Suspected::FebrileNonHaemolytic
    } else if symptom("urticaria") || symptom("rash") || symptom("flushing") {
        Suspected::Allergic
    } else {
        Suspected::Unspecified
    };
    (suspected, serious)
}
