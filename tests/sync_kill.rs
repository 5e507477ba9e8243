//! A real handheld process (`bedside sync`) killed with SIGKILL in the middle of sending its
//! outbox, again and again, then left to finish: every record is on the blood bank exactly once
//! and nothing is lost on the device.

mod common;

use std::process::{Command, Stdio};
use std::sync::atomic::Ordering;

use bedside_app::record::{CheckFacts, Recorder};
use bedside_clock::{Clock, RandomIds, SystemClock};
use bedside_store::{OutboxState, Store};
use common::*;

const ROUNDS: usize = 400;

#[test]
fn killing_the_handheld_mid_sync_loses_nothing_and_duplicates_nothing() {
    let bank = demo_bank();
    let dir = tempfile::tempdir().unwrap();
    let store_path = dir.path().join("device.db");
    let config = dir.path().join("device.toml");
    std::fs::write(
        &config,
        format!(
            "[bloodbank]\nurl = \"{}\"\nward = \"ward-h5\"\ntimeout_seconds = 5\n[device]\nstore = \"device.db\"\n{}",
            bank.running.base_url,
            key_file(dir.path())
        ),
    )
    .unwrap();

    // Pull, then queue a transfusion with 400 rounds of observations (401 records, sent as a
    // start and 8 batches).
    let key = read_key(dir.path());
    let mut store = Store::open_encrypted(&store_path, &key).unwrap();
    cycle(&mut store, &settings(&bank.running.base_url));
    let clock = SystemClock::china();
    let mut rec = Recorder {
        store: &mut store,
        clock: &clock,
        ids: &RandomIds,
    };
    let chen = nurse("N0451", "陈静");
    let t = rec
        .start(
            "bdpd-000001",
            ward(),
            &chen,
            CheckFacts::new(&nurse("N0388", "刘洋"), clock.now(), vec![]),
            None,
        )
        .unwrap();
    for _ in 0..ROUNDS {
        let round = rec.round("unscheduled", vitals(368), vec![], &chen);
        rec.observe(&t, round).unwrap();
    }
    drop(store);

    // Each request takes a while, so that a kill lands in the middle of the outbox.
    bank.running.faults.delay_ms.store(150, Ordering::SeqCst);
    let sync = || {
        Command::new(env!("CARGO_BIN_EXE_bedside"))
            .args(["sync", "--config"])
            .arg(&config)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let mut kills = 0;
    // Each run is killed once the blood bank has received this many more of its writes: the
    // kill lands while a batch is in flight (each request waits 150 ms at the bank).
    for writes in [1, 3, 2, 4] {
        let before = bank.running.faults.writes.load(Ordering::SeqCst);
        let mut child = sync();
        wait_until("the handheld sends its outbox", || {
            bank.running.faults.writes.load(Ordering::SeqCst) >= before + writes
        });
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL
            kills += 1;
        }
        child.wait().unwrap();
    }
    eprintln!(
        "killed {kills} times; {} writes before the last run",
        bank.running.faults.writes.load(Ordering::SeqCst)
    );
    assert!(
        kills >= 2,
        "the test must kill mid-sync, killed {kills} times"
    );
    let writes_before_finish = bank.running.faults.writes.load(Ordering::SeqCst);

    bank.running.faults.delay_ms.store(0, Ordering::SeqCst);
    let out = sync().wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let store = Store::open_encrypted(&store_path, &key).unwrap();
    let all = store.all_outbox().unwrap();
    assert_eq!(all.len(), ROUNDS + 1, "nothing lost on the device");
    assert!(
        all.iter().all(|r| r.state == OutboxState::Sent),
        "{:?}",
        all.iter().map(|r| &r.state).collect::<Vec<_>>()
    );
    assert_eq!(bank.stored_with("Procedure", &t.procedure_uuid), 1);
    let db = bank.db();
    for record in &all {
        if let bedside_core::event::BedsideEvent::ObservationsTaken(o) = &record.event {
            for urn in &o.round.sign_uuids {
                assert_eq!(
                    db.ids_with_identifier("Observation", "urn:ietf:rfc:3986", urn)
                        .unwrap()
                        .len(),
                    1,
                    "{urn} stored exactly once"
                );
            }
        }
    }
    assert_eq!(
        db.count("Observation").unwrap(),
        DEMO_BLOOD_GROUPS + ROUNDS * 5
    );
    assert!(writes_before_finish > 0);
}
