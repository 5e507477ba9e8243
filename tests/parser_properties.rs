//! Every reader of outside text answers any input with a value or an error in words, and never
//! panics: the wristband reader under each profile, the blood bank's resources turned into issue
//! records, the blood bank's OperationOutcome, the configuration file and the scenario files.
//! Inputs are arbitrary strings, arbitrary bytes read lossily, and valid examples broken the
//! way real files break: cut short, a field removed, a field of the wrong type or size.
//! (cargo-fuzz needs a nightly compiler; these run with `cargo test`.)

use std::sync::{Arc, OnceLock};

use bedside::cli::scenario::{self, Scenario};
use bedside_app::config::Config;
use bedside_bloodbank::db::BloodBankDb;
use bedside_bloodbank::demo;
use bedside_clock::SystemClock;
use bedside_core::messages::Lang;
use bedside_core::policy::{Policy, WristbandProfile};
use bedside_core::wristband::patient_identifier;
use bedside_core::{check, observations};
use bedside_fhir::issue::ResourceSet;
use bedside_fhir::outcome::{operation_outcome, Outcome};
use proptest::prelude::*;
use serde_json::{json, Value};

const CASES: u32 = 512;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: CASES,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

// ------------------------------------------------------------ inputs

/// Arbitrary text: any chars, or arbitrary bytes read as a lossy string.
fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        prop::collection::vec(any::<u8>(), 0..200)
            .prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
    ]
}

/// Values a field should not hold.
fn odd_value(k: usize) -> Value {
    let odd = [
        Value::Null,
        json!(true),
        json!(0),
        json!(-1),
        json!(1.5),
        json!(1e308),
        json!(-1e308),
        json!(u64::MAX),
        json!(i64::MIN),
        json!(""),
        json!("x"),
        json!("\u{0}\u{1d}]C1\r\n"),
        json!("9999-99-99T99:99:99+99:99"),
        json!("+275760-09-13T00:00:00Z"),
        json!("2026-11-22T09:00:00+08:00"),
        json!("2026-11-22"),
        json!("Patient/"),
        json!("/"),
        json!("#"),
        json!("血".repeat(300)),
        json!([]),
        json!({}),
        json!([null]),
        json!([{}]),
        json!({"coding": [{}]}),
        json!({"reference": 7}),
    ];
    odd[k % odd.len()].clone()
}

/// Every node of `v` below the root, counted in a fixed order.
fn nodes_below(v: &Value) -> usize {
    match v {
        Value::Array(a) => a.iter().map(|x| 1 + nodes_below(x)).sum(),
        Value::Object(o) => o.values().map(|x| 1 + nodes_below(x)).sum(),
        _ => 0,
    }
}

/// Breaks the `target`-th node below the root: removes it (kind 0) or puts an odd value in its
/// place. Returns whether it found the node.
fn break_node(v: &mut Value, target: &mut usize, kind: usize) -> bool {
    match v {
        Value::Object(o) => {
            let keys: Vec<String> = o.keys().cloned().collect();
            for key in keys {
                if *target == 0 {
                    if kind == 0 {
                        o.remove(&key);
                    } else {
                        o.insert(key, odd_value(kind - 1));
                    }
                    return true;
                }
                *target -= 1;
                if break_node(o.get_mut(&key).expect("key"), target, kind) {
                    return true;
                }
            }
            false
        }
        Value::Array(a) => {
            for i in 0..a.len() {
                if *target == 0 {
                    if kind == 0 {
                        a.remove(i);
                    } else {
                        a[i] = odd_value(kind - 1);
                    }
                    return true;
                }
                *target -= 1;
                if break_node(&mut a[i], target, kind) {
                    return true;
                }
            }
            false
        }
        _ => false,
    }
}

/// A copy of `valid` with up to three of its nodes broken, chosen by `picks`.
fn broken(valid: &Value, picks: &[(usize, usize)]) -> Value {
    let mut v = valid.clone();
    for &(at, kind) in picks {
        let n = nodes_below(&v);
        if n == 0 {
            break;
        }
        let mut target = at % n;
        break_node(&mut v, &mut target, kind % 27);
    }
    v
}

fn picks() -> impl Strategy<Value = Vec<(usize, usize)>> {
    prop::collection::vec((any::<usize>(), any::<usize>()), 1..4)
}

/// A text cut at a char boundary near `at` (a file written halfway).
fn cut(text: &str, at: usize) -> &str {
    let mut end = at % (text.len() + 1);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

fn words(s: &str) -> bool {
    s.chars().any(char::is_alphanumeric)
}

// ------------------------------------------------------------ wristband

fn policies() -> Vec<Policy> {
    vec![
        Policy::default(),
        Policy {
            wristband: WristbandProfile::Gs1,
            ..Policy::default()
        },
        Policy {
            wristband: WristbandProfile::Pattern,
            wristband_pattern: Some(r"^(?P<id>ZY\d{8})\|".into()),
            ..Policy::default()
        },
        // A pattern profile with no pattern or a broken one must refuse, not panic.
        Policy {
            wristband: WristbandProfile::Pattern,
            wristband_pattern: None,
            ..Policy::default()
        },
        Policy {
            wristband: WristbandProfile::Pattern,
            wristband_pattern: Some("(?P<id>".into()),
            ..Policy::default()
        },
    ]
}

fn check_wristband(text: &str) {
    for policy in policies() {
        match patient_identifier(text, &policy) {
            Ok(id) => assert!(
                !id.trim().is_empty(),
                "{text:?}: read as an empty patient id"
            ),
            Err(e) => {
                assert!(words(e.get(Lang::En)), "{text:?}: empty English message");
                assert!(!e.get(Lang::ZhCn).trim().is_empty(), "{text:?}");
            }
        }
    }
}

const WRISTBANDS: [&str; 5] = [
    "8018995218134138886802",
    "(8018)995218134138886802",
    "]C18018995218134138886802",
    "]d28018995218134138886802\u{1d}801999",
    "ZY91140811|张三|M",
];

proptest! {
    #![proptest_config(config())]

    #[test]
    fn any_text_as_a_wristband_gives_a_patient_id_or_a_refusal_in_words(text in any_text()) {
        check_wristband(&text);
    }

    #[test]
    fn a_broken_wristband_scan_is_refused_in_words(
        which in 0..WRISTBANDS.len(),
        at in any::<usize>(),
        insert in any_text(),
    ) {
        let valid = WRISTBANDS[which];
        let head = cut(valid, at);
        check_wristband(head);
        check_wristband(&format!("{head}{insert}{}", &valid[head.len()..]));
    }
}

// ------------------------------------------------------------ FHIR

/// The demo blood bank's resources: a ward's worth of valid patients, products, dispenses,
/// blood groups and orders.
fn demo_resources() -> &'static Vec<Value> {
    static RESOURCES: OnceLock<Vec<Value>> = OnceLock::new();
    RESOURCES.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let mut db = BloodBankDb::open(
            &dir.path().join("bloodbank.db"),
            Arc::new(SystemClock::china()),
        )
        .unwrap();
        demo::seed(&mut db).unwrap();
        let mut all = Vec::new();
        for ty in [
            "Patient",
            "BiologicallyDerivedProduct",
            "BiologicallyDerivedProductDispense",
            "Observation",
            "ServiceRequest",
            "Location",
            "Practitioner",
        ] {
            all.extend(db.of_type(ty, None).unwrap().into_iter().map(|s| s.json));
        }
        all
    })
}

fn read_resources(resources: impl IntoIterator<Item = Value>) -> usize {
    let mut set = ResourceSet::default();
    for r in resources {
        set.insert(r);
    }
    let (records, problems) = set.issue_records();
    for p in &problems {
        assert!(
            words(p.problem.en()) && words(p.problem.zh()),
            "{p:?}: a problem without words"
        );
    }
    records.len()
}

#[test]
fn the_demo_resources_read_without_problems() {
    let mut set = ResourceSet::default();
    for r in demo_resources() {
        set.insert(r.clone());
    }
    let (records, problems) = set.issue_records();
    assert!(!records.is_empty());
    assert!(problems.is_empty(), "{problems:?}");
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn broken_blood_bank_resources_are_reported_not_panicked_on(
        which in any::<usize>(),
        picks in picks(),
    ) {
        let all = demo_resources();
        let which = which % all.len();
        let resources = all.iter().enumerate().map(|(i, r)| {
            if i == which { broken(r, &picks) } else { r.clone() }
        });
        read_resources(resources);
    }

    #[test]
    fn arbitrary_json_as_a_resource_is_harmless(text in any_text(), ty in 0usize..3) {
        if let Ok(mut value) = serde_json::from_str::<Value>(&text) {
            if let Value::Object(o) = &mut value {
                let types = ["BiologicallyDerivedProductDispense", "BiologicallyDerivedProduct", "Patient"];
                o.insert("resourceType".into(), json!(types[ty]));
                o.entry("id").or_insert(json!("x"));
            }
            read_resources(demo_resources().iter().cloned().chain([value]));
        }
    }

    #[test]
    fn an_operation_outcome_is_read_from_any_body(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let _ = Outcome::parse(&bytes);
    }

    #[test]
    fn a_broken_operation_outcome_is_read_or_refused(picks in picks(), at in any::<usize>()) {
        let valid = operation_outcome(
            "error", "conflict", Some("version-conflict"),
            "the record changed 记录已变更", "If-Match 3, current 4", Some("Procedure.status"),
        );
        let _ = Outcome::parse(broken(&valid, &picks).to_string().as_bytes());
        let text = valid.to_string();
        let _ = Outcome::parse(cut(&text, at).as_bytes());
    }
}

// ------------------------------------------------------------ configuration

const EXAMPLE_CONFIG: &str = include_str!("../docs/bedside.example.toml");

const ODD_TOML: [&str; 21] = [
    "-1",
    "-2147483648",
    "2147483647",
    "4294967295",
    "-9223372036854775808",
    "10081",
    "0",
    "1.5",
    "1e400",
    "-1e400",
    "nan",
    "inf",
    "99999999999999999999",
    "9223372036854775807",
    "true",
    "\"\"",
    "\"x\"",
    "[]",
    "{}",
    "1979-05-27T07:32:00Z",
    "\"(?P<id>\"",
];

fn check_config(text: &str) {
    if let Err(e) = Config::parse(text) {
        assert!(words(&e), "{text:?}: an error without words: {e:?}");
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn any_text_as_a_configuration_is_read_or_refused_in_words(text in any_text()) {
        check_config(&text);
    }

    #[test]
    fn a_broken_configuration_is_refused_in_words(
        line in any::<usize>(),
        kind in 0usize..4,
        odd in 0..ODD_TOML.len(),
        at in any::<usize>(),
    ) {
        check_config(cut(EXAMPLE_CONFIG, at));
        let mut lines: Vec<String> = EXAMPLE_CONFIG.lines().map(String::from).collect();
        let i = line % lines.len();
        match kind {
            0 => { lines.remove(i); }
            1 => { let copy = lines[i].clone(); lines.insert(i, copy); }
            _ => {
                if let Some((key, _)) = lines[i].split_once('=') {
                    lines[i] = format!("{key}= {}", ODD_TOML[odd]);
                } else {
                    lines[i] = format!("{} = {}", lines[i].trim_start_matches('#'), ODD_TOML[odd]);
                }
            }
        }
        check_config(&lines.join("\n"));
    }

    /// Every policy key given every odd value, one at a time; a policy that is accepted then
    /// runs the rules on an example scenario without a panic.
    #[test]
    fn any_policy_value_is_refused_or_safe_to_run(
        key in any::<usize>(),
        odd in 0..ODD_TOML.len(),
        example in any::<usize>(),
    ) {
        let keys = policy_keys();
        let key = &keys[key % keys.len()];
        let text = format!("[policy]\n{key} = {}\n", ODD_TOML[odd]);
        check_config(&text);
        if let Ok(config) = Config::parse(&text) {
            let all = examples();
            check_scenario(all[example % all.len()].clone(), &config);
        }
    }
}

/// The keys of `[policy]`: the fields of `Policy`, read from its source.
fn policy_keys() -> Vec<String> {
    let source = include_str!("../crates/core/src/policy.rs");
    let start = source.find("pub struct Policy {").expect("struct Policy");
    let body = &source[start..];
    let body = &body[..body.find("\n}").expect("end of Policy")];
    let keys: Vec<String> = body
        .lines()
        .filter_map(|l| l.trim().strip_prefix("pub "))
        .filter_map(|l| l.split_once(':').map(|(k, _)| k.trim().to_string()))
        .filter(|k| !k.contains(' '))
        .collect();
    assert!(keys.len() > 20, "{keys:?}");
    keys
}

// ------------------------------------------------------------ scenarios

fn scenario_examples() -> Vec<Value> {
    let mut all = Vec::new();
    for text in [
        include_str!("data/scenarios/bedside_check.json"),
        include_str!("data/scenarios/observations.json"),
        include_str!("data/scenarios/extra_checks.json"),
    ] {
        all.extend(scenario::parse_file(text).unwrap());
    }
    all
}

/// Reads a scenario file's text as `bedside check` does, down to running the rules on what
/// could be read; every refusal has words.
fn check_scenarios(text: &str) {
    let values = match scenario::parse_file(text) {
        Ok(values) => values,
        Err(e) => {
            assert!(words(&e), "{text:?}: {e:?}");
            return;
        }
    };
    for value in values {
        check_scenario(value, &Config::default());
    }
}

fn check_scenario(value: Value, config: &Config) {
    let refused = |e: String| assert!(words(&e), "a refusal without words: {e:?}");
    let scenario = match scenario::read(value) {
        Ok(s) => s,
        Err(e) => return refused(e),
    };
    let policy = match config.policy_with(scenario.policy_overrides()) {
        Ok(p) => p,
        Err(e) => return refused(e),
    };
    match &scenario {
        Scenario::BedsideCheck(s) => match s.issue_records() {
            Ok(issued) => {
                let _ = check::check(&s.input(&issued), &policy);
            }
            Err(e) => refused(e),
        },
        Scenario::Observations(s) => match s.transfusion() {
            Ok(t) => {
                let _ = observations::evaluate(&t, s.now, &policy);
            }
            Err(e) => refused(e),
        },
    }
}

fn examples() -> &'static Vec<Value> {
    static EXAMPLES: OnceLock<Vec<Value>> = OnceLock::new();
    EXAMPLES.get_or_init(scenario_examples)
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn any_text_as_a_scenario_file_is_read_or_refused_in_words(text in any_text()) {
        check_scenarios(&text);
    }

    #[test]
    fn a_broken_scenario_is_refused_in_words(which in any::<usize>(), picks in picks()) {
        let all = examples();
        check_scenario(broken(&all[which % all.len()], &picks), &Config::default());
    }

    #[test]
    fn a_cut_scenario_file_is_refused_in_words(which in any::<usize>(), at in any::<usize>()) {
        let all = examples();
        let text = serde_json::to_string_pretty(&all[which % all.len()]).unwrap();
        check_scenarios(cut(&text, at));
    }
}

// ------------------------------------------------------------ staff list, FHIR references

/// One device store shared by the cases that need one.
fn staff_store() -> &'static std::sync::Mutex<(tempfile::TempDir, bedside_store::Store)> {
    static STORE: OnceLock<std::sync::Mutex<(tempfile::TempDir, bedside_store::Store)>> =
        OnceLock::new();
    STORE.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let store = bedside_store::Store::open(&dir.path().join("device.db")).unwrap();
        std::sync::Mutex::new((dir, store))
    })
}

const STAFF_CELLS: [&str; 10] = [
    "",
    "N0451",
    "陈静",
    "nurse",
    "charge_nurse",
    "surgeon",
    "0451",
    "12",
    "\u{feff}",
    " , ",
];

proptest! {
    #![proptest_config(config())]

    #[test]
    fn a_staff_list_is_imported_or_refused_in_words(
        text in any_text(),
        cells in prop::collection::vec(0..STAFF_CELLS.len(), 0..7),
    ) {
        let mut guard = staff_store().lock().unwrap();
        let clock = bedside_clock::ManualClock::at(
            chrono::DateTime::parse_from_rfc3339("2026-11-22T08:00:00+08:00").unwrap(),
        );
        // Cells of the right kinds in the wrong places; no cell is a valid PIN, so no Argon2
        // hash is spent on a made case.
        let made = cells.iter().map(|&c| STAFF_CELLS[c]).collect::<Vec<_>>().join(",");
        for csv in [text.as_str(), made.as_str()] {
            if let Err(e) = bedside_app::session::import_staff(
                &mut guard.1, &bedside_clock::RandomIds, &clock, csv, "admin-import",
            ) {
                prop_assert!(words(&e.to_string()), "{csv:?}: {e}");
            }
        }
    }

    #[test]
    fn references_and_etags_from_the_blood_bank_are_read_only_when_well_formed(text in any_text()) {
        if let Some((resource_type, id)) = bedside_fhir::split_reference(&text) {
            prop_assert!(!resource_type.is_empty() && !id.is_empty(), "{text:?}");
            prop_assert!(text.contains(resource_type) && text.contains(id), "{text:?}");
        }
        if let Some(v) = bedside_fhir::version_from_etag(&text) {
            prop_assert!(!v.is_empty() && text.contains(v.as_str()), "{text:?}");
        }
    }
}

proptest! {
    // Each case writes to the store (with an fsync), so fewer of them.
    #![proptest_config(ProptestConfig { cases: 64, ..config() })]

    /// The pull's own path: broken resources stored in the cache, read back, turned into
    /// issue records.
    #[test]
    fn broken_resources_through_the_cache_are_reported_not_panicked_on(
        which in any::<usize>(),
        picks in picks(),
    ) {
        let mut guard = staff_store().lock().unwrap();
        let store = &mut guard.1;
        let all = demo_resources();
        let bad = broken(&all[which % all.len()], &picks);
        let mut resources = all.clone();
        resources.push(bad);
        if let Err(e) = store.store_pulled(&resources, &[]) {
            prop_assert!(words(&e.to_string()), "{e:?}");
        }
        let (_, problems) = store.cached().unwrap().issue_records();
        for p in &problems {
            prop_assert!(words(p.problem.en()) && words(p.problem.zh()), "{p:?}");
        }
    }
}
