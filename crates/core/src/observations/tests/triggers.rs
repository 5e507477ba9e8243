use super::*;

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
        a.message.en(),
        "Fever 38.4 °C (baseline 37.2 °C) at 10:20: stop the transfusion, keep the line open \
         with saline, call the doctor, open a reaction report."
    );
    assert_eq!(
        a.message.zh(),
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
        alerts[0].message.en().contains("rigors and feels strange"),
        "{}",
        alerts[0].message.en()
    );
    assert!(
        alerts[0].message.zh().contains("寒战、feels strange"),
        "{}",
        alerts[0].message.zh()
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
