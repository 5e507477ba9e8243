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
            pauses: Vec::new(),
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
