//! Blood-bank link on loopback: pull 5,000 issue records into a fresh device, push 10,000 queued
//! observation rounds (five vital signs each, sent in batches of `BATCH_ROUNDS` per transaction).
//! Prints the figures; targets are
//! 2 s and 5 s on the project's 2-core machine.
//!
//!     cargo bench --bench sync

mod common;

use std::sync::Arc;
use std::time::Instant;

use bedside_app::record::{CheckFacts, Recorder};
use bedside_bloodbank::db::BloodBankDb;
use bedside_bloodbank::server;
use bedside_clock::{Clock, RandomIds, SystemClock};
use bedside_core::blood::Rhd;
use bedside_store::Store;
use bedside_sync::BATCH_ROUNDS;
use common::{cycle, issue_units, nurse, o, second_checker, vitals, ward};

const UNITS: usize = 5_000;
const ROUNDS: usize = 10_000;

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let bank_path = dir.path().join("bank.db");
    let clock = Arc::new(SystemClock::china());
    issue_units(&bank_path, clock.clone(), UNITS, "A99992650", o(Rhd::Pos));
    let running = server::spawn(&bank_path, "127.0.0.1:0", clock.clone()).unwrap();
    let mut store = Store::open(&dir.path().join("device.db")).unwrap();
    let run = |store: &mut Store, whole_cycle: bool| {
        cycle(store, &running.base_url, clock.as_ref(), whole_cycle)
    };

    let t = Instant::now();
    let pulled = run(&mut store, true);
    let pull_time = t.elapsed();
    let dispenses = store
        .cached_count("BiologicallyDerivedProductDispense")
        .unwrap();
    let issued = BloodBankDb::open(&bank_path, clock.clone())
        .unwrap()
        .count("BiologicallyDerivedProductDispense")
        .unwrap();
    assert!(
        pulled.pull_complete && dispenses == issued && issued > UNITS,
        "{dispenses} of {issued}: {pulled:?}"
    );

    {
        let mut rec = Recorder {
            store: &mut store,
            clock: clock.as_ref(),
            ids: &RandomIds,
        };
        let facts = CheckFacts::new(&second_checker(), clock.now(), vec![]);
        let t = rec
            .start("bdpd-000001", ward(), &nurse(), facts, None)
            .unwrap();
        for _ in 0..ROUNDS {
            let round = rec.round("unscheduled", vitals(), vec![], &nurse());
            rec.observe(&t, round).unwrap();
        }
    }
    // Where the time goes: the service's transaction alone, without HTTP, on a copy.
    let unsent = store.unsent().unwrap();
    let copy = dir.path().join("copy.db");
    std::fs::copy(&bank_path, &copy).ok();
    let mut direct = BloodBankDb::open(&copy, clock.clone()).unwrap();
    let base = running.base_url.clone();
    let start = match &unsent[0].event {
        bedside_core::event::BedsideEvent::Started(s) => s.clone(),
        _ => unreachable!(),
    };
    bedside_bloodbank::transaction::process(
        &mut direct,
        &bedside_fhir::bundle::start_bundle(&start, &unsent[0].bundle_urn, &base, &clock.now()),
        &base,
    )
    .unwrap();
    let t = Instant::now();
    for batch in unsent[1..1001].chunks(BATCH_ROUNDS) {
        let entries: Vec<serde_json::Value> = batch
            .iter()
            .flat_map(|r| match &r.event {
                bedside_core::event::BedsideEvent::ObservationsTaken(o) => {
                    let b =
                        bedside_fhir::bundle::observations_bundle(o, &r.bundle_urn, &clock.now());
                    b["entry"].as_array().cloned().unwrap_or_default()
                }
                _ => Vec::new(),
            })
            .collect();
        let b = bedside_fhir::bundle::transaction(
            "urn:uuid:00000000-0000-4000-8000-000000000000",
            &clock.now(),
            entries,
        );
        bedside_bloodbank::transaction::process(&mut direct, &b, &base).unwrap();
    }
    println!(
        "service alone (batches of {BATCH_ROUNDS}, no HTTP): {:.0} µs per observation round",
        t.elapsed().as_secs_f64() * 1e6 / 1000.0
    );

    let t = Instant::now();
    let pushed = run(&mut store, false);
    let push_time = t.elapsed();
    assert_eq!(pushed.pushed, ROUNDS + 1, "{pushed:?}");

    println!("pull  {UNITS} issue records (+ products, patients, groups, orders): {:.2} s  (target < 2 s)", pull_time.as_secs_f64());
    println!("push  {ROUNDS} observation rounds (+ the start), {BATCH_ROUNDS} rounds per transaction: {:.2} s  (target < 5 s), {:.0} µs per round", push_time.as_secs_f64(), push_time.as_secs_f64() * 1e6 / ROUNDS as f64);
}
