//! The charge nurse's views on a year of a busy ward: 20,000 transfusions, 200,000 observation
//! rounds (baseline, 15 minutes, hourly and end: ten each), in an encrypted store, a few running now, one in a hundred
//! stopped for a reaction, the last day's records not yet sent. Prints the median and the
//! slowest of 20 runs of: the board, one record, a month's indicators, a month's CSV export
//! (target: each under 100 ms), and the month's review list and FHIR export for reference.
//!
//!     cargo bench --bench ward
//!
//! The store is built once into target/bench-ward/ (about a minute) and reused while its
//! schema is current; delete the folder to rebuild it.

use std::path::Path;
use std::time::{Duration as StdDuration, Instant as StdInstant};

use bedside_app::handheld::Handheld;
use bedside_app::session::{seed_demo_staff, SessionSettings};
use bedside_clock::{Instant, ManualClock, RandomIds, SystemClock};
use bedside_core::blood::Component;
use bedside_core::event::*;
use bedside_core::messages::Lang;
use bedside_core::observations::Vitals;
use bedside_core::policy::Policy;
use bedside_core::review::ReviewQuery;
use bedside_export::Format;
use bedside_store::{Store, StoreKey, MIGRATIONS};
use chrono::Duration;

const TRANSFUSIONS: usize = 20_000;
const ROUNDS_EACH: usize = 10;
const RUNS: usize = 20;

/// Encrypted like a ward's store (SQLCipher decrypts every page read).
fn key() -> StoreKey {
    StoreKey::from_bytes([7; 32])
}

fn staff(badge: &str, name: &str) -> StaffRef {
    StaffRef {
        staff_id: badge.into(),
        name: name.into(),
        practitioner_id: None,
    }
}

fn vitals(n: usize) -> Vitals {
    Vitals {
        temp_tenths: Some(364 + (n % 9) as i32),
        hr: Some(70 + (n % 25) as i32),
        sbp: Some(110 + (n % 30) as i32),
        dbp: Some(65 + (n % 15) as i32),
        rr: Some(14 + (n % 6) as i32),
        spo2: Some(95 + (n % 5) as i32),
    }
}

fn round(at: Instant, slot: &str, n: usize, by: &StaffRef) -> ObservationRound {
    ObservationRound {
        at,
        slot: slot.into(),
        vitals: vitals(n),
        symptoms: vec![],
        taken_by: by.clone(),
        sign_uuids: std::array::from_fn(|i| format!("urn:uuid:sign-{n}-{i}")),
    }
}

/// A year of the ward, ending at `end`, recorded through the store's own `enqueue`.
fn build(path: &Path, end: Instant) {
    let mut store = Store::open_encrypted(path, &key()).unwrap();
    // Building only: commits without fsync (the app's own commits always sync).
    store
        .connection()
        .pragma_update(None, "synchronous", "OFF")
        .unwrap();
    seed_demo_staff(
        &mut store,
        &bedside_bloodbank::demo::STAFF,
        &RandomIds,
        &SystemClock::china(),
    )
    .unwrap();
    let (chen, liu) = (staff("N0451", "陈静"), staff("N0388", "刘洋"));
    let ward = WardRef {
        location_id: "ward-h5".into(),
        name: "血液科五病区".into(),
    };
    let year = Duration::days(365);
    let mut seq = 0usize;
    let mut enqueue = |store: &mut Store, event: BedsideEvent, at: Instant| {
        seq += 1;
        store
            .enqueue(&event, &format!("urn:uuid:bundle-{seq}"), &at, "N0451")
            .unwrap();
    };
    for n in 0..TRANSFUSIONS {
        let issued =
            end - year + Duration::seconds((year.num_seconds() * n as i64) / TRANSFUSIONS as i64);
        let start = issued + Duration::minutes(10 + (n % 25) as i64);
        let t = TransfusionRef {
            procedure_uuid: format!("urn:uuid:proc-{n}"),
            dispense_id: format!("bdpd-{n:06}"),
            product_id: format!("bdp-{n:06}"),
            din: format!("A9999{:08}", 26_000_000 + n),
            patient_id: format!("pat-{}", n % 400),
            patient_name: ["张伟", "李秀英", "王磊", "刘芳", "陈明"][n % 5].into(),
            service_request_id: None,
            component: [Component::RedCells, Component::Plasma, Component::Platelets][n % 3],
            ward: ward.clone(),
        };
        enqueue(
            &mut store,
            BedsideEvent::Started(Started {
                transfusion: t.clone(),
                provenance_uuid: format!("prov-{n}"),
                first_checker: chen.clone(),
                second_checker: liu.clone(),
                checked_at: start - Duration::minutes(2),
                started_at: start,
                acknowledgements: vec![],
                baseline: Some(round(start - Duration::minutes(3), "baseline", n, &chen)),
                issued_at: Some(issued),
                patient_mrn: Some(format!("ZY26{:06}", n % 400)),
                scans: vec![format!("ZY26{:06}", n % 400), format!("={}00", t.din)],
                keyed_reasons: vec![],
                emergency: None,
            }),
            start,
        );
        // The last five are running now.
        let running = n >= TRANSFUSIONS - 5;
        let rounds = if running { 2 } else { ROUNDS_EACH - 1 };
        for r in 1..rounds {
            let (slot, minutes) = match r {
                1 => ("15min".to_string(), 15),
                h => (format!("{}min", (h - 1) * 60), (h as i64 - 1) * 60),
            };
            let at = start + Duration::minutes(minutes.max(15));
            enqueue(
                &mut store,
                BedsideEvent::ObservationsTaken(ObservationsTaken {
                    transfusion: t.clone(),
                    round: round(at, &slot, n * 16 + r, &chen),
                }),
                at,
            );
        }
        if running {
            continue;
        }
        let ended = start + Duration::minutes(8 * 60 / 3);
        let last = round(ended, "end", n * 16 + 15, &chen);
        let event = if n % 100 == 7 {
            BedsideEvent::ReactionReported(ReactionReported {
                transfusion: t.clone(),
                adverse_event_uuid: format!("urn:uuid:ae-{n}"),
                stopped_at: ended,
                suspected: "suspected febrile non-haemolytic reaction".into(),
                trigger: "FEBRILE 38.6 °C".into(),
                actions_taken: "stopped; saline; doctor called".into(),
                serious: false,
                round: last,
                recorded_by: chen.clone(),
            })
        } else {
            BedsideEvent::Ended(Ended {
                transfusion: t.clone(),
                ended_at: ended,
                volume_ml: Some(250),
                bag_keep_until: Some(ended + Duration::hours(24)),
                note: None,
                round: Some(last),
                recorded_by: chen.clone(),
            })
        };
        enqueue(&mut store, event, ended);
    }
    // Everything but the last day reached the blood bank.
    store
        .connection()
        .execute(
            "UPDATE outbox SET state = 'sent', sent_at = recorded_at WHERE recorded_at < ?1",
            [(end - Duration::days(1)).to_rfc3339()],
        )
        .unwrap();
}

fn time<T>(what: &str, mut f: impl FnMut() -> T, describe: impl Fn(&T) -> String) {
    let mut times: Vec<StdDuration> = Vec::with_capacity(RUNS);
    let mut last = None;
    for _ in 0..RUNS {
        let t0 = StdInstant::now();
        let out = f();
        times.push(t0.elapsed());
        last = Some(out);
    }
    times.sort();
    let ms = |d: StdDuration| d.as_secs_f64() * 1000.0;
    println!(
        "{what:<34} median {:>7.1} ms   slowest {:>7.1} ms   {}",
        ms(times[RUNS / 2]),
        ms(times[RUNS - 1]),
        last.as_ref().map(describe).unwrap_or_default()
    );
}

fn main() {
    let end = chrono::DateTime::parse_from_rfc3339("2026-11-23T10:00:00+08:00").unwrap();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-ward");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("ward-v{}.db", MIGRATIONS.len()));
    if !path.exists() {
        let partial = dir.join("building.db");
        let _ = std::fs::remove_file(&partial);
        let t0 = StdInstant::now();
        build(&partial, end);
        std::fs::rename(&partial, &path).unwrap();
        println!(
            "built a year of the ward: {TRANSFUSIONS} transfusions, {} rounds in {:.0} s",
            TRANSFUSIONS * ROUNDS_EACH,
            t0.elapsed().as_secs_f64()
        );
    }
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    println!("store {} ({} MiB)", path.display(), size / (1 << 20));

    let clock = ManualClock::at(end);
    let mut h = Handheld::new(
        Store::open_encrypted(&path, &key()).unwrap(),
        Box::new(clock),
        Box::new(RandomIds),
        Policy::default(),
        WardRef {
            location_id: "ward-h5".into(),
            name: "血液科五病区".into(),
        },
        SessionSettings {
            auto_lock_minutes: 24 * 60,
            ..SessionSettings::default()
        },
    );
    h.login("C0101", "0101").unwrap();
    let now = h.now();
    let month = (now - Duration::days(30), now);

    time(
        "board",
        || h.board().unwrap(),
        |b| {
            format!(
                "{} running, {} reactions in 24 h, {} pending",
                b.running.len(),
                b.reactions.len(),
                b.pending.len()
            )
        },
    );
    let mut n = 0;
    time(
        "one record (rounds, audit)",
        || {
            n = (n + 7919) % TRANSFUSIONS;
            h.review(&format!("urn:uuid:proc-{n}")).unwrap()
        },
        |r| format!("{} rounds, {} audit lines", r.rounds.len(), r.audit.len()),
    );
    time(
        "a month's indicators",
        || h.indicators(month.0, month.1).unwrap(),
        |i| format!("{} indicators, {} transfusions", i.len(), i[0].denominator),
    );
    time(
        "a month's CSV export",
        || {
            h.export_period(month.0, month.1, Format::Csv, Lang::ZhCn)
                .unwrap()
        },
        |(bytes, n)| format!("{n} transfusions, {} KiB", bytes.len() / 1024),
    );
    time(
        "a month's review list",
        || {
            h.review_list(
                &ReviewQuery {
                    from: Some(month.0),
                    to: Some(month.1),
                    ..ReviewQuery::default()
                },
                usize::MAX,
            )
            .unwrap()
        },
        |rows| format!("{} rows", rows.len()),
    );
    time(
        "a month's FHIR export (reference)",
        || {
            h.export_period(month.0, month.1, Format::Fhir, Lang::ZhCn)
                .unwrap()
        },
        |(bytes, n)| format!("{n} transfusions, {} MiB", bytes.len() >> 20),
    );
}
