//! `cargo bench`: how fast the engine decides, on the golden sets. Prints label parses per
//! second over the public ISBT 128 vectors and bedside checks per second over the golden
//! bedside-check scenarios, with per-call latency percentiles. Target: a check under 50 µs.

use std::hint::black_box;
use std::time::{Duration, Instant};

use bedside::cli::scenario::{CheckScenario, Scenario};
use bedside_core::check::{check, IssueRecord};
use bedside_core::label::{parse_scan, LabelProfile};
use bedside_core::policy::Policy;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data");

fn main() {
    let vectors = label_inputs();
    let scenarios = check_scenarios();
    let profile = LabelProfile::default();
    let policy = Policy::default();

    let parse = measure(|| {
        for text in &vectors {
            let _ = black_box(parse_scan(black_box(text), &profile));
        }
    });
    report("label parse", vectors.len(), parse);

    let checks = measure(|| {
        for (scenario, issued) in &scenarios {
            black_box(check(&scenario.input(issued), &policy));
        }
    });
    report("bedside check", scenarios.len(), checks);
}

fn label_inputs() -> Vec<String> {
    let tsv =
        std::fs::read_to_string(format!("{DATA}/../../data/isbt128/public_vectors.tsv")).unwrap();
    tsv.lines()
        .skip(1)
        .map(|line| {
            let hex = line.split('\t').nth(2).unwrap_or("");
            let bytes: Vec<u8> = (0..hex.len() / 2)
                .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap())
                .collect();
            String::from_utf8(bytes).unwrap()
        })
        .collect()
}

fn check_scenarios() -> Vec<(CheckScenario, Vec<IssueRecord>)> {
    let text = std::fs::read_to_string(format!("{DATA}/scenarios/bedside_check.json")).unwrap();
    let values: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
    values
        .into_iter()
        .map(|v| match serde_json::from_value(v).unwrap() {
            Scenario::BedsideCheck(s) => {
                let issued = s.issue_records().unwrap();
                (s, issued)
            }
            Scenario::Observations(_) => unreachable!("bedside_check.json holds checks"),
        })
        .collect()
}

/// Runs `round` (one pass over the whole set) for about two seconds after a warm-up and
/// returns the duration of each pass.
fn measure(mut round: impl FnMut()) -> Vec<Duration> {
    let warm_up = Instant::now();
    while warm_up.elapsed() < Duration::from_millis(300) {
        round();
    }
    let mut passes = Vec::new();
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(2) {
        let t = Instant::now();
        round();
        passes.push(t.elapsed());
    }
    passes
}

fn report(what: &str, items_per_pass: usize, mut passes: Vec<Duration>) {
    passes.sort();
    let total: Duration = passes.iter().sum();
    let items = (items_per_pass * passes.len()) as f64;
    let per_item = |d: Duration| d.as_secs_f64() * 1e6 / items_per_pass as f64;
    let p50 = passes[passes.len() / 2];
    let p99 = passes[(passes.len() * 99 / 100).min(passes.len() - 1)];
    println!(
        "{what:>14}: {:>10.0} per second   mean {:.2} µs   median {:.2} µs   p99 {:.2} µs   ({} items x {} passes)",
        items / total.as_secs_f64(),
        total.as_secs_f64() * 1e6 / items,
        per_item(p50),
        per_item(p99),
        items_per_pass,
        passes.len()
    );
}
