//! Vital signs keyed on a touch pad: each value optional (not measured). A value outside what a
//! ward usually sees (3.7 °C, a heart rate of 800 from a slipped finger) is refused, or, when a
//! very sick patient can have it (a systolic of 35, an SpO2 of 45), taken only once the nurse
//! confirms it: the sickest values must be enterable, because they are the ones that stop.

use bedside_core::messages::{tr_noop, Lang, Text};
use bedside_core::observations::Vitals;

/// What the nurse typed, field by field.
#[derive(Debug, Clone, Default)]
pub struct VitalsForm<'a> {
    pub temp_c: &'a str,
    pub hr: &'a str,
    pub sbp: &'a str,
    pub dbp: &'a str,
    pub rr: &'a str,
    pub spo2: &'a str,
    /// Symptoms were recorded with the round: a round of symptoms alone is a round.
    pub with_symptoms: bool,
    /// The nurse confirmed the values outside the usual range.
    pub confirmed: bool,
}

/// Why the form is not yet a round.
#[derive(Debug, Clone, PartialEq)]
pub enum VitalsProblem {
    /// Cannot be right: key it again.
    Refused(Text),
    /// Possible but unusual: the nurse confirms it (record again) or corrects it.
    Confirm(Text),
}

impl VitalsProblem {
    pub fn message(&self) -> &Text {
        match self {
            VitalsProblem::Refused(t) | VitalsProblem::Confirm(t) => t,
        }
    }
}

/// One sign's ranges: what a ward usually sees, and what a living patient can have.
struct Range {
    msgid: &'static str,
    usual: (i32, i32),
    possible: (i32, i32),
}

const HR: Range = Range {
    msgid: tr_noop("Heart rate"),
    usual: (20, 250),
    possible: (0, 300),
};
const SBP: Range = Range {
    msgid: tr_noop("Systolic pressure"),
    usual: (40, 300),
    possible: (0, 350),
};
const DBP: Range = Range {
    msgid: tr_noop("Diastolic pressure"),
    usual: (20, 200),
    possible: (0, 250),
};
const RR: Range = Range {
    msgid: tr_noop("Respiratory rate"),
    usual: (4, 60),
    possible: (0, 90),
};
const SPO2: Range = Range {
    msgid: tr_noop("SpO2"),
    usual: (50, 100),
    possible: (0, 100),
};
/// Temperature in tenths of a degree.
const TEMP: Range = Range {
    msgid: tr_noop("Temperature"),
    usual: (300, 430),
    possible: (250, 450),
};

fn tenths(v: i32) -> String {
    format!("{}.{}", v / 10, v % 10)
}

/// Checks one value against its range; unusual values are collected to confirm.
fn judge(
    value: i32,
    shown: &str,
    range: &Range,
    show: fn(i32) -> String,
    unusual: &mut Vec<Text>,
) -> Result<i32, VitalsProblem> {
    let what = Text::tr(range.msgid, &[]);
    let fill = |msgid: &str, (lo, hi): (i32, i32)| {
        let (lo, hi) = (show(lo), show(hi));
        Text::tr_with(
            msgid,
            &[
                ("what", (&what).into()),
                ("value", shown.into()),
                ("lo", (&lo).into()),
                ("hi", (&hi).into()),
            ],
        )
    };
    let (lo, hi) = range.possible;
    if value < lo || value > hi {
        return Err(VitalsProblem::Refused(fill(
            tr_noop("{what} {value} is not possible (expected {lo}–{hi}). Check and key it again."),
            range.possible,
        )));
    }
    let (lo, hi) = range.usual;
    if value < lo || value > hi {
        unusual.push(fill(
            tr_noop("{what} {value} is outside the usual {lo}–{hi}"),
            range.usual,
        ));
    }
    Ok(value)
}

fn whole(text: &str, range: &Range, unusual: &mut Vec<Text>) -> Result<Option<i32>, VitalsProblem> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    match text.parse::<i32>() {
        Ok(v) => judge(v, text, range, |v| v.to_string(), unusual).map(Some),
        Err(_) => Err(VitalsProblem::Refused(Text::tr_with(
            "{what} {value} is not a number. Check and key it again.",
            &[
                ("what", (&Text::tr(range.msgid, &[])).into()),
                ("value", text.into()),
            ],
        ))),
    }
}

fn temperature(text: &str, unusual: &mut Vec<Text>) -> Result<Option<i32>, VitalsProblem> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    match t.replace(',', ".").parse::<f64>() {
        Ok(c) if c.is_finite() && c.abs() < 1000.0 => {
            judge(Vitals::temp_c_to_tenths(c), t, &TEMP, tenths, unusual).map(Some)
        }
        _ => Err(VitalsProblem::Refused(Text::tr(
            "Temperature {value} °C is not a number. Check and key it again.",
            &[("value", t)],
        ))),
    }
}

/// The form as vital signs, or the first field that cannot be right, or the unusual values to
/// confirm.
pub fn parse_vitals(form: &VitalsForm) -> Result<Vitals, VitalsProblem> {
    let mut unusual = Vec::new();
    let vitals = Vitals {
        temp_tenths: temperature(form.temp_c, &mut unusual)?,
        hr: whole(form.hr, &HR, &mut unusual)?,
        sbp: whole(form.sbp, &SBP, &mut unusual)?,
        dbp: whole(form.dbp, &DBP, &mut unusual)?,
        rr: whole(form.rr, &RR, &mut unusual)?,
        spo2: whole(form.spo2, &SPO2, &mut unusual)?,
    };
    if let (Some(s), Some(d)) = (vitals.sbp, vitals.dbp) {
        if d >= s {
            return Err(VitalsProblem::Refused(Text::tr(
                "Diastolic {d} is not below systolic {s}: were they swapped?",
                &[("d", &d.to_string()), ("s", &s.to_string())],
            )));
        }
    }
    if vitals == Vitals::default() && !form.with_symptoms {
        return Err(VitalsProblem::Refused(Text::tr(
            "Key at least one vital sign, or tick the symptoms seen.",
            &[],
        )));
    }
    if !unusual.is_empty() && !form.confirmed {
        let list = Text::from_each(|lang| {
            let items: Vec<&str> = unusual.iter().map(|t| t.get(lang)).collect();
            items.join(if lang == Lang::ZhCn { "；" } else { "; " })
        });
        return Err(VitalsProblem::Confirm(Text::tr_with(
            "{list}. If that is what you measured, press Record again to confirm; otherwise correct it.",
            &[("list", (&list).into())],
        )));
    }
    Ok(vitals)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn form<'a>(temp: &'a str, hr: &'a str) -> VitalsForm<'a> {
        VitalsForm {
            temp_c: temp,
            hr,
            sbp: "120",
            dbp: "75",
            rr: "16",
            spo2: "98",
            ..Default::default()
        }
    }

    #[test]
    fn a_typo_of_3_7_degrees_is_refused_with_the_value_and_the_range() {
        let e = parse_vitals(&form("3.7", "80")).unwrap_err();
        assert!(
            matches!(&e, VitalsProblem::Refused(t) if t.zh().contains("体温 3.7 不合理")),
            "{e:?}"
        );
        assert_eq!(
            parse_vitals(&form("37.0", "80")).unwrap().temp_tenths,
            Some(370)
        );
    }

    #[test]
    fn a_heart_rate_of_800_and_swapped_pressures_are_refused() {
        assert!(parse_vitals(&form("36.8", "800"))
            .unwrap_err()
            .message()
            .en()
            .contains("Heart rate 800"));
        let swapped = VitalsForm {
            sbp: "70",
            dbp: "120",
            ..form("36.8", "80")
        };
        assert!(parse_vitals(&swapped)
            .unwrap_err()
            .message()
            .en()
            .contains("swapped"));
    }

    #[test]
    fn fields_left_empty_are_not_measured() {
        let v = parse_vitals(&VitalsForm {
            temp_c: "38.6",
            ..Default::default()
        })
        .unwrap();
        assert_eq!((v.temp_tenths, v.hr), (Some(386), None));
        assert!(parse_vitals(&VitalsForm::default()).is_err());
    }

    #[test]
    fn symptoms_alone_make_a_round() {
        let form = VitalsForm {
            with_symptoms: true,
            ..Default::default()
        };
        assert_eq!(parse_vitals(&form).unwrap(), Vitals::default());
    }

    #[test]
    fn the_sickest_values_are_taken_once_confirmed() {
        let shock = VitalsForm {
            sbp: "35",
            dbp: "15",
            spo2: "45",
            ..Default::default()
        };
        let asked = parse_vitals(&shock).unwrap_err();
        assert!(
            matches!(&asked, VitalsProblem::Confirm(t) if t.en().contains("Systolic pressure 35") && t.en().contains("SpO2 45")),
            "{asked:?}"
        );
        let v = parse_vitals(&VitalsForm {
            confirmed: true,
            ..shock
        })
        .unwrap();
        assert_eq!((v.sbp, v.dbp, v.spo2), (Some(35), Some(15), Some(45)));
        // Confirming never lets an impossible value through.
        let impossible = VitalsForm {
            spo2: "120",
            confirmed: true,
            ..Default::default()
        };
        assert!(matches!(
            parse_vitals(&impossible),
            Err(VitalsProblem::Refused(_))
        ));
    }

    proptest! {
        #[test]
        fn any_keyed_text_gives_vitals_or_a_message_and_never_panics(t in ".{0,12}", h in ".{0,8}") {
            let _ = parse_vitals(&form(&t, &h));
        }
    }
}
