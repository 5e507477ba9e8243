//! Vital signs keyed on a touch pad: each value optional (not measured), each within a range a
//! living patient can have, so that a slipped finger (3.7 °C, a heart rate of 800) is refused
//! with words instead of raising or hiding a reaction.

use crate::domain::messages::Text;
use crate::domain::observations::Vitals;

/// What the nurse typed, field by field.
#[derive(Debug, Clone, Default)]
pub struct VitalsForm<'a> {
    pub temp_c: &'a str,
    pub hr: &'a str,
    pub sbp: &'a str,
    pub dbp: &'a str,
    pub rr: &'a str,
    pub spo2: &'a str,
}

fn whole(
    text: &str,
    range: std::ops::RangeInclusive<i32>,
    en: &str,
    zh: &str,
) -> Result<Option<i32>, Text> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let refuse = || {
        Text::fill(
            "{what} {value} is not possible (expected {lo}–{hi}). Check and key it again.",
            "{what_zh} {value} 不合理（应在 {lo}–{hi} 之间），请核对后重新输入。",
            &[
                ("what", en),
                ("what_zh", zh),
                ("value", text),
                ("lo", &range.start().to_string()),
                ("hi", &range.end().to_string()),
            ],
        )
    };
    match text.parse::<i32>() {
        Ok(v) if range.contains(&v) => Ok(Some(v)),
        _ => Err(refuse()),
    }
}

/// The form as vital signs, or the first field that cannot be right.
pub fn parse_vitals(form: &VitalsForm) -> Result<Vitals, Text> {
    let temp_tenths = match form.temp_c.trim() {
        "" => None,
        t => match t.replace(',', ".").parse::<f64>() {
            Ok(c) if c.is_finite() && (30.0..=43.0).contains(&c) => {
                Some(Vitals::temp_c_to_tenths(c))
            }
            _ => {
                return Err(Text::fill(
                    "Temperature {value} °C is not possible (expected 30.0–43.0). Check and key it again.",
                    "体温 {value} °C 不合理（应在 30.0–43.0 之间），请核对后重新输入。",
                    &[("value", t)],
                ))
            }
        },
    };
    let vitals = Vitals {
        temp_tenths,
        hr: whole(form.hr, 20..=250, "Heart rate", "心率")?,
        sbp: whole(form.sbp, 40..=300, "Systolic pressure", "收缩压")?,
        dbp: whole(form.dbp, 20..=200, "Diastolic pressure", "舒张压")?,
        rr: whole(form.rr, 4..=60, "Respiratory rate", "呼吸")?,
        spo2: whole(form.spo2, 50..=100, "SpO2", "血氧饱和度")?,
    };
    if let (Some(s), Some(d)) = (vitals.sbp, vitals.dbp) {
        if d >= s {
            return Err(Text::fill(
                "Diastolic {d} is not below systolic {s}: were they swapped?",
                "舒张压 {d} 不低于收缩压 {s}：是否输反了？",
                &[("d", &d.to_string()), ("s", &s.to_string())],
            ));
        }
    }
    if vitals == Vitals::default() {
        return Err(Text::fill(
            "Key at least one vital sign.",
            "请至少输入一项生命体征。",
            &[],
        ));
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
        }
    }

    #[test]
    fn a_typo_of_3_7_degrees_is_refused_with_the_value_and_the_range() {
        let e = parse_vitals(&form("3.7", "80")).unwrap_err();
        assert!(e.zh.contains("体温 3.7 °C 不合理"), "{e:?}");
        assert_eq!(
            parse_vitals(&form("37.0", "80")).unwrap().temp_tenths,
            Some(370)
        );
    }

    #[test]
    fn a_heart_rate_of_800_and_swapped_pressures_are_refused() {
        assert!(parse_vitals(&form("36.8", "800"))
            .unwrap_err()
            .en
            .contains("Heart rate 800"));
        let swapped = VitalsForm {
            sbp: "70",
            dbp: "120",
            ..form("36.8", "80")
        };
        assert!(parse_vitals(&swapped).unwrap_err().en.contains("swapped"));
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

    proptest! {
        #[test]
        fn any_keyed_text_gives_vitals_or_a_message_and_never_panics(t in ".{0,12}", h in ".{0,8}") {
            let _ = parse_vitals(&form(&t, &h));
        }
    }
}
