//! Blood-bank link on loopback: pull 5,000 issue records into a fresh device, push 10,000 queued
//! observation rounds (five vital signs each, sent in batches of `BATCH_ROUNDS` per transaction).
//! Prints the figures; targets are
//! 2 s and 5 s on the project's 2-core machine.
//!
//!     cargo bench --bench sync

use std::sync::Arc;
use std::time::{Duration, Instant};

use bedside_app::record::{CheckFacts, Recorder};
use bedside_bloodbank::actions::{issue_in, Issue};
use bedside_bloodbank::db::BloodBankDb;
use bedside_bloodbank::transaction::Refusal;
use bedside_bloodbank::{demo, server};
use bedside_clock::{Clock, RandomIds, SystemClock};
use bedside_core::blood::{Abo, Component, Group, Rhd};
use bedside_core::event::{StaffRef, WardRef};
use bedside_core::observations::Vitals;
use bedside_store::Store;
use bedside_sync::http::BloodBankHttp;
use bedside_sync::{Sync, SyncSettings, BATCH_ROUNDS};

const UNITS: usize = 5_000;
const ROUNDS: usize = 10_000;

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let bank_path = dir.path().join("bank.db");
    let clock = Arc::new(SystemClock::china());
    {
        let mut db = BloodBankDb::open(&bank_path, clock.clone()).unwrap();
        demo::seed(&mut db).unwrap();
        let now = db.now();
        db.write(|w| {
            for n in 0..UNITS {
                let patient = format!("pat-10{:02}", n % 8 + 1);
                issue_in(
                    w,
                    &Issue {
                        patient_id: patient,
                        ward_id: demo::WARD_ID.into(),
                        din: format!("A99992650{n:04}"),
                        product_code: "E0001V00".into(),
                        component: Component::RedCells,
                        group: Group::new(Some(Abo::O), Some(Rhd::Pos)),
                        expires_at: now + chrono::Duration::days(20),
                        attributes: vec![],
                        match_status: "crossmatched".into(),
                        sample_expires_at: None,
                        issued_at: now,
                        service_request_id: None,
                        emergency: None,
                    },
                )?;
            }
            Ok::<_, Refusal>(())
        })
        .unwrap();
    }
    let running = server::spawn(&bank_path, "127.0.0.1:0", clock.clone()).unwrap();
    let mut settings = SyncSettings::new(&running.base_url, demo::WARD_ID);
    settings.page_size = 500;
    let http = BloodBankHttp::new(&running.base_url, Duration::from_secs(30)).unwrap();
    let mut store = Store::open(&dir.path().join("device.db")).unwrap();
    let run = |store: &mut Store, whole_cycle: bool| {
        let mut sync = Sync {
            store,
            http: &http,
            settings: &settings,
            clock: clock.as_ref(),
            ids: &RandomIds,
            sleep: &std::thread::sleep,
        };
        if whole_cycle {
            sync.run_cycle().unwrap()
        } else {
            sync.push_cycle().unwrap()
        }
    };

    let t = Instant::now();
    let pulled = run(&mut store, true);
    let pull_time = t.elapsed();
    let dispenses = store
        .cached_count("BiologicallyDerivedProductDispense")
        .unwrap();
    assert!(pulled.pull_complete && dispenses == UNITS + 8, "{pulled:?}");

    let nurse = StaffRef {
        staff_id: "N0451".into(),
        name: "陈静".into(),
        practitioner_id: Some("prac-n0451".into()),
    };
    let ward = WardRef {
        location_id: demo::WARD_ID.into(),
        name: demo::WARD_NAME.into(),
    };
    {
        let mut rec = Recorder {
            store: &mut store,
            clock: clock.as_ref(),
            ids: &RandomIds,
        };
        let t = rec
            .start(
                "bdpd-000001",
                ward,
                &nurse,
                CheckFacts::new(
                    &StaffRef {
                        staff_id: "N0388".into(),
                        name: "刘洋".into(),
                        practitioner_id: None,
                    },
                    clock.now(),
                    vec![],
                ),
                None,
            )
            .unwrap();
        for _ in 0..ROUNDS {
            let vitals = Vitals {
                temp_tenths: Some(368),
                hr: Some(80),
                sbp: Some(120),
                dbp: Some(75),
                rr: Some(16),
                spo2: Some(98),
            };
            let round = rec.round("unscheduled", vitals, vec![], &nurse);
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
