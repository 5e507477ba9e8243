//! The blood-bank link over hospital Wi-Fi rather than loopback: every byte between the device and
//! the reference service passes a proxy that holds it 100 ms each way (a 200 ms round trip, the
//! slow end of ward Wi-Fi). Two backlogs are pushed through it and timed:
//!
//! - a 12-hour offline shift: 20 transfusions, each started and ended, 250 observation rounds
//!   between them (goal: under 5 s);
//! - 10,000 observation rounds of one transfusion (goal: under 60 s).
//!
//!     cargo bench --bench sync_network

mod common;

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use bedside_app::record::{CheckFacts, Recorder};
use bedside_bloodbank::server;
use bedside_clock::{Clock, RandomIds, SystemClock};
use bedside_core::blood::Rhd;
use bedside_core::event::TransfusionRef;
use bedside_store::Store;
use bedside_sync::BATCH_ROUNDS;
use common::{cycle, issue_units, nurse, o, second_checker, vitals, ward};

const ONE_WAY: Duration = Duration::from_millis(100);
const SHIFT_TRANSFUSIONS: usize = 20;
const SHIFT_ROUNDS: usize = 250;
const LONG_ROUNDS: usize = 10_000;

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let bank_path = dir.path().join("bank.db");
    let clock = Arc::new(SystemClock::china());
    issue_units(
        &bank_path,
        clock.clone(),
        SHIFT_TRANSFUSIONS + 1,
        "A99992660",
        o(Rhd::Neg),
    );
    let running = server::spawn(&bank_path, "127.0.0.1:0", clock.clone()).unwrap();
    let slow_url = delaying_proxy(running.addr, ONE_WAY);
    println!(
        "reference service behind a proxy holding every byte {} ms each way",
        ONE_WAY.as_millis()
    );

    // The shift: pulled while the network was there, then 12 hours of records made offline.
    let mut store = Store::open(&dir.path().join("shift.db")).unwrap();
    cycle(&mut store, &running.base_url, clock.as_ref(), true);
    let dispenses = issued_here(&store);
    {
        let mut rec = Recorder {
            store: &mut store,
            clock: clock.as_ref(),
            ids: &RandomIds,
        };
        let started: Vec<TransfusionRef> = (0..SHIFT_TRANSFUSIONS)
            .map(|n| start(&mut rec, &dispenses[n]))
            .collect();
        for n in 0..SHIFT_ROUNDS {
            let round = rec.round("unscheduled", vitals(), vec![], &nurse());
            rec.observe(&started[n % SHIFT_TRANSFUSIONS], round)
                .unwrap();
        }
        for t in &started {
            rec.end(t, Some(250), None, None, None, &nurse()).unwrap();
        }
    }
    let records = store.unsent().unwrap().len();
    let t = Instant::now();
    let pushed = cycle(&mut store, &slow_url, clock.as_ref(), false);
    let shift = t.elapsed();
    assert_eq!((pushed.pushed, pushed.unsent), (records, 0), "{pushed:?}");

    // The long one: 10,000 rounds of one transfusion.
    let mut store = Store::open(&dir.path().join("long.db")).unwrap();
    cycle(&mut store, &running.base_url, clock.as_ref(), true);
    let dispenses = issued_here(&store);
    {
        let mut rec = Recorder {
            store: &mut store,
            clock: clock.as_ref(),
            ids: &RandomIds,
        };
        let t = start(&mut rec, &dispenses[SHIFT_TRANSFUSIONS]);
        for _ in 0..LONG_ROUNDS {
            let round = rec.round("unscheduled", vitals(), vec![], &nurse());
            rec.observe(&t, round).unwrap();
        }
    }
    let t = Instant::now();
    let pushed = cycle(&mut store, &slow_url, clock.as_ref(), false);
    let long = t.elapsed();
    assert_eq!(
        (pushed.pushed, pushed.unsent),
        (LONG_ROUNDS + 1, 0),
        "{pushed:?}"
    );

    println!(
        "12-hour shift: {SHIFT_TRANSFUSIONS} transfusions (start, end), {SHIFT_ROUNDS} rounds = {records} records: {:.2} s  (goal < 5 s)",
        shift.as_secs_f64()
    );
    println!(
        "{LONG_ROUNDS} rounds (+ the start), {BATCH_ROUNDS} rounds per transaction: {:.2} s  (goal < 60 s)",
        long.as_secs_f64()
    );
}

/// The dispenses of the units `issue_units` added, as the device pulled them.
fn issued_here(store: &Store) -> Vec<String> {
    let (issued, _) = store.cached().unwrap().issue_records();
    let mut ids: Vec<String> = issued
        .into_iter()
        .filter(|r| r.unit.din.starts_with("A99992660"))
        .map(|r| r.dispense_id)
        .collect();
    ids.sort();
    assert_eq!(ids.len(), SHIFT_TRANSFUSIONS + 1);
    ids
}

fn start(rec: &mut Recorder, dispense: &str) -> TransfusionRef {
    let facts = CheckFacts::new(&second_checker(), SystemClock::china().now(), vec![]);
    rec.start(dispense, ward(), &nurse(), facts, None)
        .unwrap_or_else(|e| panic!("{dispense}: {e:?}"))
}

/// A TCP proxy on loopback in front of `target` that delivers every chunk `delay` after it
/// arrived, in order, in both directions (latency, not a bandwidth limit). Returns its FHIR base.
fn delaying_proxy(target: std::net::SocketAddr, delay: Duration) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let Ok(server) = TcpStream::connect(target) else {
                continue;
            };
            let _ = client.set_nodelay(true);
            let _ = server.set_nodelay(true);
            for (from, to) in [
                (client.try_clone().unwrap(), server.try_clone().unwrap()),
                (server, client),
            ] {
                pipe_later(from, to, delay);
            }
        }
    });
    format!("http://{addr}/fhir")
}

fn pipe_later(mut from: TcpStream, mut to: TcpStream, delay: Duration) {
    let (chunks, due) = mpsc::channel::<(Instant, Vec<u8>)>();
    std::thread::spawn(move || {
        let mut buffer = vec![0u8; 64 * 1024];
        while let Ok(n @ 1..) = from.read(&mut buffer) {
            if chunks
                .send((Instant::now() + delay, buffer[..n].to_vec()))
                .is_err()
            {
                break;
            }
        }
    });
    std::thread::spawn(move || {
        for (at, bytes) in due {
            std::thread::sleep(at.saturating_duration_since(Instant::now()));
            if to.write_all(&bytes).is_err() {
                break;
            }
        }
        let _ = to.shutdown(Shutdown::Write);
    });
}
