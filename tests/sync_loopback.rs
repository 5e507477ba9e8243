//! The blood-bank link end to end on loopback: the reference service in this process, the
//! handheld's store and sync against it, with the faults of the contract's §3 injected.

mod common;

use std::sync::atomic::Ordering;

use bedside_app::record::{CheckFacts, Recorder};
use bedside_bloodbank::actions::{withdraw, Withdrawal};
use bedside_clock::{Clock, SystemClock};
use bedside_core::check::{
    check, CheckInput, CheckOutcome, CheckVerdict, DispenseStatus, ReasonCode,
};
use bedside_core::policy::Policy;
use bedside_store::Store;
use bedside_sync::http::Transport;
use common::*;

const ZHANG_WEI_DISPENSE: &str = "bdpd-000001";

/// Pull, then record a transfusion of 张伟's red cells: start with baseline, one round, end.
fn record_transfusion(store: &mut Store) -> String {
    let clock = SystemClock::china();
    let ids = ids();
    let mut rec = Recorder {
        store,
        clock: &clock,
        ids: &ids,
    };
    let (chen, liu) = (nurse("N0451", "陈静"), nurse("N0388", "刘洋"));
    let baseline = rec.round("baseline", vitals(366), vec![], &chen);
    let t = rec
        .start(
            ZHANG_WEI_DISPENSE,
            ward(),
            &chen,
            CheckFacts::new(&liu, clock.now(), vec![]),
            Some(baseline),
        )
        .unwrap();
    let round = rec.round("15min", vitals(368), vec![], &chen);
    rec.observe(&t, round).unwrap();
    let end = rec.round("end", vitals(367), vec![], &chen);
    rec.end(&t, Some(280), None, Some(end), None, &chen)
        .unwrap();
    t.procedure_uuid
}

/// A demo blood bank, a device that pulled from it, and a transfusion queued on the device.
fn queued_transfusion() -> (
    Bank,
    bedside_sync::SyncSettings,
    tempfile::TempDir,
    Store,
    String,
) {
    let bank = demo_bank();
    let settings = settings(&bank.running.base_url);
    let (dir, mut store) = temp_store();
    cycle(&mut store, &settings);
    let procedure = record_transfusion(&mut store);
    (bank, settings, dir, store, procedure)
}

/// The two-person check of 张伟's wristband and his red-cell bag, against the device's cache only.
fn check_zhang_wei_from_cache(store: &Store) -> CheckOutcome {
    let (records, _) = store.cached().unwrap().issue_records();
    let scans = bag_scans(store, ZHANG_WEI_DISPENSE);
    let input = CheckInput {
        now: SystemClock::china().now(),
        cache_synced_at: store.cache_synced_at().unwrap(),
        first_checker: Some("N0451"),
        second_checker: Some("N0388"),
        wristband_scan: "ZY26001001",
        bag_scans: &scans,
        issued: &records,
        unreadable: &[],
        clock: Default::default(),
    };
    check(&input, &Policy::default())
}

#[test]
fn pull_check_and_push_reach_the_blood_bank_once() {
    let bank = demo_bank();
    let settings = settings(&bank.running.base_url);
    let (_dir, mut store) = temp_store();

    let first = cycle(&mut store, &settings);
    assert!(first.pull_complete && first.errors.is_empty(), "{first:?}");
    let (records, problems) = store.cached().unwrap().issue_records();
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(
        records.len(),
        9,
        "the demo ward's eight planned dispenses and the green channel's"
    );
    // A recall changes the dispense to `returned` (contract §2.2, §4).
    assert_eq!(
        records
            .iter()
            .filter(|r| r.status == DispenseStatus::Returned)
            .count(),
        1
    );
    let zhang = records
        .iter()
        .find(|r| r.dispense_id == ZHANG_WEI_DISPENSE)
        .unwrap();
    assert_eq!(zhang.patient.name, "张伟");
    assert_eq!(zhang.patient.requirements, ["irradiated", "leukoreduced"]);

    // The check works from the cache alone.
    let outcome = check_zhang_wei_from_cache(&store);
    assert_eq!(
        outcome.verdict,
        CheckVerdict::Proceed,
        "{:?}",
        outcome.reasons
    );

    let procedure = record_transfusion(&mut store);
    let pushed = cycle(&mut store, &settings);
    assert_eq!(
        (pushed.pushed, pushed.quarantined, pushed.unsent),
        (3, 0, 0),
        "{pushed:?}"
    );
    assert_eq!(bank.stored_with("Procedure", &procedure), 1);
    let db = bank.db();
    let id = &db
        .ids_with_identifier("Procedure", "urn:ietf:rfc:3986", &procedure)
        .unwrap()[0];
    let stored = db.read("Procedure", id).unwrap().unwrap();
    assert_eq!(stored.json["status"], "completed");
    assert!(stored.json["occurrencePeriod"]["end"].is_string());
    assert_eq!(
        db.count("Observation").unwrap(),
        DEMO_BLOOD_GROUPS + 15,
        "the demo blood groups + 3 rounds of 5 signs"
    );
    assert_eq!(db.count("Provenance").unwrap(), 1);

    // A second cycle sends nothing again.
    let again = cycle(&mut store, &settings);
    assert_eq!((again.pushed, again.unsent), (0, 0));
    assert_eq!(db.count("Observation").unwrap(), DEMO_BLOOD_GROUPS + 15);
}

#[test]
fn every_record_sent_and_answered_passes_the_contract_validator() {
    let bank = demo_bank();
    let settings = settings(&bank.running.base_url);
    let (dir, mut store) = temp_store();
    cycle(&mut store, &settings);
    let clock = SystemClock::china();
    let ids = ids();
    let procedure = {
        let mut rec = Recorder {
            store: &mut store,
            clock: &clock,
            ids: &ids,
        };
        let chen = nurse("N0451", "陈静");
        let t = rec
            .start(
                "bdpd-000002",
                ward(),
                &chen,
                CheckFacts::new(&nurse("N0388", "刘洋"), clock.now(), vec![]),
                Some(rec.round("baseline", vitals(370), vec![], &chen)),
            )
            .unwrap();
        let febrile = rec.round("unscheduled", vitals(386), vec!["rigors".into()], &chen);
        rec.reaction(
            &t,
            febrile.at,
            "疑似发热性非溶血性输血反应 / suspected febrile non-haemolytic reaction",
            "FEBRILE: 38.6 °C",
            "停止输血 / stopped",
            false,
            febrile,
            &chen,
        )
        .unwrap();
        t.procedure_uuid
    };
    record_transfusion(&mut store);
    let summary = cycle(&mut store, &settings);
    assert_eq!(summary.pushed, 5, "{summary:?}");

    let out = dir.path().join("fhir");
    std::fs::create_dir(&out).unwrap();
    for r in store.all_outbox().unwrap() {
        std::fs::write(
            out.join(format!("outbox-{}.json", r.seq)),
            r.bundle.unwrap(),
        )
        .unwrap();
    }
    let http =
        bedside_sync::http::BloodBankHttp::new(&settings.base_url, settings.timeout).unwrap();
    let db = bank.db();
    let proc_id = &db
        .ids_with_identifier("Procedure", "urn:ietf:rfc:3986", &procedure)
        .unwrap()[0];
    for (name, path) in [
        ("pull", "BiologicallyDerivedProductDispense?destination=Location/ward-h5&_include=BiologicallyDerivedProductDispense:product&_include=BiologicallyDerivedProductDispense:patient&_count=50".to_string()),
        ("procedure", format!("Procedure/{proc_id}")),
        ("observations", "Observation?patient=Patient/pat-1002".to_string()),
        ("adverse-events", "AdverseEvent?patient=Patient/pat-1002".to_string()),
        ("orders", "ServiceRequest?patient=Patient/pat-1001&status=active".to_string()),
        ("metadata", "metadata".to_string()),
    ] {
        let answer = http.get(&path, None).unwrap();
        assert_eq!(answer.status, 200, "{path}");
        std::fs::write(out.join(format!("{name}.json")), answer.body).unwrap();
    }
    match check_fhir(&out) {
        Ok(report) => assert!(report.contains(" 0 failed"), "{report}"),
        Err(report) => panic!("contract validator failed:\n{report}"),
    }
}

#[test]
fn a_lost_answer_after_commit_is_resent_and_nothing_is_stored_twice() {
    let (bank, settings, _dir, mut store, procedure) = queued_transfusion();
    bank.running
        .faults
        .drop_after_commit
        .store(2, Ordering::SeqCst);
    let summary = cycle(&mut store, &settings);
    assert_eq!(summary.pushed, 3, "{summary:?}");
    assert_eq!(
        summary.retried, 2,
        "each lost answer is a resend: {summary:?}"
    );
    assert_eq!(bank.stored_with("Procedure", &procedure), 1);
    assert_eq!(
        bank.db().count("Observation").unwrap(),
        DEMO_BLOOD_GROUPS + 15
    );
    let stored = bank.db();
    let id = &stored
        .ids_with_identifier("Procedure", "urn:ietf:rfc:3986", &procedure)
        .unwrap()[0];
    assert_eq!(
        stored.read("Procedure", id).unwrap().unwrap().json["status"],
        "completed"
    );
}

#[test]
fn server_errors_are_retried_with_the_same_record() {
    let (bank, settings, _dir, mut store, _) = queued_transfusion();
    bank.running.faults.fail_status.store(503, Ordering::SeqCst);
    bank.running.faults.fail_next.store(2, Ordering::SeqCst);
    let summary = cycle(&mut store, &settings);
    assert_eq!(
        (summary.pushed, summary.retried, summary.unsent),
        (3, 2, 0),
        "{summary:?}"
    );
}

#[test]
fn a_dead_server_keeps_everything_queued_until_it_returns() {
    let bank = demo_bank();
    let live = settings(&bank.running.base_url);
    let (_dir, mut store) = temp_store();
    cycle(&mut store, &live);
    record_transfusion(&mut store);
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let dead = settings(&format!("http://{closed}/fhir"));
    let summary = cycle(&mut store, &dead);
    assert_eq!((summary.pushed, summary.unsent), (0, 3), "{summary:?}");
    assert!(summary.errors[0].contains("unreachable"), "{summary:?}");
    let back = cycle(&mut store, &live);
    assert_eq!((back.pushed, back.unsent), (3, 0), "{back:?}");
}

#[test]
fn a_slow_server_times_out_and_the_resend_creates_nothing_twice() {
    let bank = demo_bank();
    let mut settings = settings(&bank.running.base_url);
    let (_dir, mut store) = temp_store();
    cycle(&mut store, &settings);
    let procedure = record_transfusion(&mut store);
    settings.timeout = std::time::Duration::from_millis(300);
    settings.attempts = 1;
    bank.running.faults.delay_ms.store(600, Ordering::SeqCst);
    let slow = cycle(&mut store, &settings);
    assert!(slow.pushed == 0 && slow.unsent == 3, "{slow:?}");
    // The server is still working on the request the device gave up on: wait until it is done.
    let faults = &bank.running.faults;
    wait_until("the blood bank finished the abandoned request", || {
        faults.finished.load(Ordering::SeqCst) == faults.requests.load(Ordering::SeqCst)
    });
    bank.running.faults.delay_ms.store(0, Ordering::SeqCst);
    let back = cycle(&mut store, &settings);
    assert_eq!((back.pushed, back.unsent), (3, 0), "{back:?}");
    assert_eq!(bank.stored_with("Procedure", &procedure), 1);
    assert_eq!(
        bank.db().count("Observation").unwrap(),
        DEMO_BLOOD_GROUPS + 15
    );
}

#[test]
fn a_refused_record_is_quarantined_with_the_reason_and_its_followers_held() {
    let bank = demo_bank();
    let settings = settings(&bank.running.base_url);
    let (_dir, mut store) = temp_store();
    cycle(&mut store, &settings);
    // The blood bank forgets a product the device has cached: the start is refused (422).
    let db_path = bank.db_path();
    let conn = rusqlite::Connection::open(&db_path).unwrap();
    conn.execute(
        "UPDATE resource SET id = 'bdp-gone' WHERE id = 'bdp-a999926400101'",
        [],
    )
    .unwrap();
    record_transfusion(&mut store);
    let summary = cycle(&mut store, &settings);
    assert_eq!(
        (summary.quarantined, summary.held, summary.pushed),
        (1, 2, 0),
        "{summary:?}"
    );
    let q = &store.quarantined().unwrap()[0];
    assert_eq!(q.reason_code.as_deref(), Some("unknown-product"));
    assert!(
        q.reason_text.as_deref().unwrap().contains("A999926400101")
            || q.reason_text
                .as_deref()
                .unwrap()
                .contains("bdp-a999926400101"),
        "{q:?}"
    );
    assert_eq!(store.outbox_counts().unwrap().quarantined, 1);
    assert_eq!(store.unsent().unwrap().len(), 2, "held, not dropped");
}

/// The blood bank's reads get through; every transaction POST is lost on the way.
struct PostsLost(bedside_sync::http::BloodBankHttp);

impl Transport for PostsLost {
    fn base_url(&self) -> &str {
        self.0.base_url()
    }
    fn get(
        &self,
        path: &str,
        tag: Option<&str>,
    ) -> Result<bedside_sync::http::Answer, bedside_sync::http::NetError> {
        self.0.get(path, tag)
    }
    fn post_transaction(
        &self,
        _: &str,
    ) -> Result<bedside_sync::http::Answer, bedside_sync::http::NetError> {
        Err(bedside_sync::http::NetError("lost".into()))
    }
}

fn push_only(
    store: &mut Store,
    settings: &bedside_sync::SyncSettings,
    http: &dyn Transport,
) -> bedside_sync::Summary {
    bedside_sync::Sync {
        store,
        http,
        settings,
        clock: &SystemClock::china(),
        ids: &ids(),
        sleep: &|_| {},
    }
    .push_cycle()
    .unwrap()
}

/// A transfusion of `dispense` started and confirmed, then its end recorded and built on the
/// Procedure's version 1, whose send was lost: the end waits with its bytes kept. Returns the
/// Procedure's id at the blood bank.
fn end_kept_unsent(
    bank: &Bank,
    store: &mut Store,
    settings: &bedside_sync::SyncSettings,
    dispense: &str,
) -> String {
    let clock = SystemClock::china();
    let (chen, liu) = (nurse("N0451", "陈静"), nurse("N0388", "刘洋"));
    let ids = ids();
    let facts = CheckFacts::new(&liu, clock.now(), vec![]);
    let t = Recorder {
        store: &mut *store,
        clock: &clock,
        ids: &ids,
    }
    .start(dispense, ward(), &chen, facts, None)
    .unwrap();
    assert_eq!(cycle(store, settings).pushed, 1);
    Recorder {
        store: &mut *store,
        clock: &clock,
        ids: &ids,
    }
    .end(&t, Some(200), None, None, None, &chen)
    .unwrap();
    let http = bedside_sync::http::BloodBankHttp::new(&settings.base_url, settings.timeout);
    let mut one_try = settings.clone();
    one_try.attempts = 1;
    assert_eq!(
        push_only(store, &one_try, &PostsLost(http.unwrap())).unsent,
        1
    );
    bank.db()
        .ids_with_identifier("Procedure", "urn:ietf:rfc:3986", &t.procedure_uuid)
        .unwrap()[0]
        .clone()
}

/// The blood bank's staff annotate the Procedure: version 2.
fn annotate(bank: &Bank, id: &str) {
    let mut current = bank.db().read("Procedure", id).unwrap().unwrap().json;
    current["note"] = serde_json::json!([{"text": "输血科备注 / blood bank note"}]);
    let answer = reqwest::blocking::Client::new()
        .put(format!("{}/Procedure/{id}", bank.running.base_url))
        .header("If-Match", "W/\"1\"")
        .header("Content-Type", "application/fhir+json")
        .body(current.to_string())
        .send()
        .unwrap();
    assert_eq!(answer.status(), 200);
}

fn completed_with_both_notes(bank: &Bank, id: &str) {
    let after = bank.db().read("Procedure", id).unwrap().unwrap();
    assert_eq!(after.json["status"], "completed");
    let notes = after.json["note"].to_string();
    assert!(
        notes.contains("blood bank note") && notes.contains("transfusion ended"),
        "{notes}"
    );
}

/// The end's resend carries `If-Match: W/"1"`, the blood bank has version 2 and answers 412:
/// the end is re-applied to version 2 once and confirmed, the blood bank's note kept.
#[test]
fn a_resent_end_meeting_a_changed_procedure_is_reapplied_after_412() {
    let bank = demo_bank();
    let settings = settings(&bank.running.base_url);
    let (_dir, mut store) = temp_store();
    cycle(&mut store, &settings);
    let id = end_kept_unsent(&bank, &mut store, &settings, "bdpd-000003");
    annotate(&bank, &id);
    let http = bedside_sync::http::BloodBankHttp::new(&settings.base_url, settings.timeout);
    let resolved = push_only(&mut store, &settings, &http.unwrap());
    assert_eq!(
        (resolved.pushed, resolved.quarantined),
        (1, 0),
        "{resolved:?}"
    );
    completed_with_both_notes(&bank, &id);
}

/// helios-hfs refuses a whole transaction with `400` ("Entry failed with status 412") when an
/// entry's `ifMatch` is stale, where the reference service answers `412`: the device tells a
/// stale update by the Procedure's version and re-applies it; a `400` on an update whose
/// Procedure did not move is the record's own fault and is quarantined.
#[test]
fn a_stale_update_refused_with_400_is_recognised_by_its_version_and_reapplied() {
    let bank = demo_bank();
    let settings = settings(&bank.running.base_url);
    let (_dir, mut store) = temp_store();
    cycle(&mut store, &settings);
    let http =
        bedside_sync::http::BloodBankHttp::new(&settings.base_url, settings.timeout).unwrap();
    bank.running.faults.fail_status.store(400, Ordering::SeqCst);

    let id = end_kept_unsent(&bank, &mut store, &settings, "bdpd-000003");
    annotate(&bank, &id);
    bank.running.faults.fail_next.store(1, Ordering::SeqCst);
    let resolved = push_only(&mut store, &settings, &http);
    assert_eq!(
        (resolved.pushed, resolved.quarantined, resolved.unsent),
        (1, 0, 0),
        "{resolved:?}"
    );
    completed_with_both_notes(&bank, &id);

    end_kept_unsent(&bank, &mut store, &settings, "bdpd-000005");
    bank.running.faults.fail_next.store(1, Ordering::SeqCst);
    let refused = push_only(&mut store, &settings, &http);
    assert_eq!((refused.pushed, refused.quarantined), (0, 1), "{refused:?}");
}

#[test]
fn a_stale_update_outside_a_transaction_gets_412_with_the_reason() {
    let bank = demo_bank();
    let db = bank.db();
    let dispense = db
        .read("BiologicallyDerivedProductDispense", ZHANG_WEI_DISPENSE)
        .unwrap()
        .unwrap();
    let http = reqwest::blocking::Client::new();
    let put = |tag: &str| {
        http.put(format!(
            "{}/BiologicallyDerivedProductDispense/{ZHANG_WEI_DISPENSE}",
            bank.running.base_url
        ))
        .header("If-Match", tag)
        .header("Content-Type", "application/fhir+json")
        .body(dispense.json.to_string())
        .send()
        .unwrap()
    };
    assert_eq!(put("W/\"7\"").status(), 412);
    let body: serde_json::Value = serde_json::from_slice(&put("W/\"7\"").bytes().unwrap()).unwrap();
    assert_eq!(body["issue"][0]["code"], "conflict");
    assert_eq!(put("W/\"1\"").status(), 200, "same content: no new version");
}

#[test]
fn a_recall_reaches_the_handheld_and_stops_the_check() {
    let bank = demo_bank();
    let settings = settings(&bank.running.base_url);
    let (_dir, mut store) = temp_store();
    cycle(&mut store, &settings);
    let mut db = bank.db();
    withdraw(
        &mut db,
        ZHANG_WEI_DISPENSE,
        Withdrawal::Recall,
        "献血者复检阳性 / donor re-test positive",
    )
    .unwrap();
    let summary = cycle(&mut store, &settings);
    assert!(
        summary.pulled >= 2,
        "dispense and product changed: {summary:?}"
    );
    let (records, _) = store.cached().unwrap().issue_records();
    let zhang = records
        .iter()
        .find(|r| r.dispense_id == ZHANG_WEI_DISPENSE)
        .unwrap();
    assert_eq!(zhang.status, DispenseStatus::Returned);
    let outcome = check_zhang_wei_from_cache(&store);
    assert_eq!(outcome.verdict, CheckVerdict::Stop);
    assert!(
        outcome
            .reasons
            .iter()
            .any(|r| r.code == ReasonCode::UnitStatus),
        "{:?}",
        outcome.reasons
    );
}

#[test]
fn a_transfusion_of_a_unit_recalled_meanwhile_is_stored_with_a_warning() {
    let (bank, settings, _dir, mut store, _) = queued_transfusion();
    let mut db = bank.db();
    withdraw(&mut db, ZHANG_WEI_DISPENSE, Withdrawal::Recall, "recall").unwrap();
    let summary = cycle(&mut store, &settings);
    assert_eq!(summary.pushed, 3, "a fact is not refused: {summary:?}");
    assert!(
        summary
            .warnings
            .iter()
            .any(|w| w.contains("no longer counts this unit as issued")),
        "{summary:?}"
    );
    assert_eq!(bank.db().alerts().unwrap().len(), 1);
}

#[test]
fn paging_follows_next_links_until_the_last_page() {
    let bank = demo_bank();
    let mut settings = settings(&bank.running.base_url);
    settings.page_size = 3;
    let (_dir, mut store) = temp_store();
    let summary = cycle(&mut store, &settings);
    assert!(summary.pull_complete, "{summary:?}");
    assert_eq!(
        store
            .cached_count("BiologicallyDerivedProductDispense")
            .unwrap(),
        9
    );
    // Nothing changed: the next pull brings nothing new.
    assert_eq!(cycle(&mut store, &settings).pulled, 0);
}

#[test]
fn a_backlog_goes_in_batches_and_a_refused_round_is_split_out_and_quarantined_alone() {
    let bank = demo_bank();
    let settings = settings(&bank.running.base_url);
    let (dir, mut store) = temp_store();
    cycle(&mut store, &settings);
    let clock = SystemClock::china();
    let ids = ids();
    let mut rec = Recorder {
        store: &mut store,
        clock: &clock,
        ids: &ids,
    };
    let (chen, liu) = (nurse("N0451", "陈静"), nurse("N0388", "刘洋"));
    let t = rec
        .start(
            ZHANG_WEI_DISPENSE,
            ward(),
            &chen,
            CheckFacts::new(&liu, clock.now(), vec![]),
            None,
        )
        .unwrap();
    // A night without Wi-Fi: 120 rounds queued behind the start.
    for _ in 0..120 {
        let round = rec.round("unscheduled", vitals(368), vec![], &chen);
        rec.observe(&t, round).unwrap();
    }
    // One of them names a patient the blood bank does not know.
    let conn = rusqlite::Connection::open(dir.path().join("device.db")).unwrap();
    let bad_seq: i64 = conn
        .query_row(
            "SELECT seq FROM outbox WHERE kind = 'observations_taken' ORDER BY seq LIMIT 1 OFFSET 69",
            [],
            |r| r.get(0),
        )
        .unwrap();
    conn.execute(
        "UPDATE outbox SET event = replace(event, '\"pat-1001\"', '\"pat-9999\"') WHERE seq = ?1",
        [bad_seq],
    )
    .unwrap();
    let writes_before = bank.running.faults.writes.load(Ordering::SeqCst);

    let summary = cycle(&mut store, &settings);

    assert_eq!(
        (summary.pushed, summary.quarantined, summary.unsent),
        (120, 1, 0),
        "{summary:?}"
    );
    let quarantined = store.quarantined().unwrap();
    assert_eq!(quarantined.len(), 1);
    assert_eq!(quarantined[0].seq, bad_seq);
    assert_eq!(
        quarantined[0].reason_code.as_deref(),
        Some("unknown-patient")
    );
    assert_eq!(
        bank.db().count("Observation").unwrap(),
        DEMO_BLOOD_GROUPS + 119 * 5,
        "every other round stored once"
    );
    // start + batches of 50, 50, 20 + the refused batch split into its 50 rounds
    let writes = bank.running.faults.writes.load(Ordering::SeqCst) - writes_before;
    assert_eq!(writes, 1 + 3 + 50, "{writes} writes");
    // Sending again stores nothing twice.
    let again = cycle(&mut store, &settings);
    assert_eq!((again.pushed, again.unsent), (0, 0), "{again:?}");
    assert_eq!(
        bank.db().count("Observation").unwrap(),
        DEMO_BLOOD_GROUPS + 119 * 5
    );
}

/// 张伟's bed as the nurse's list of patients waiting shows it, from the device's cache.
fn zhang_wei_bed(store: &Store) -> Option<String> {
    let waiting = bedside_app::verify::patients_waiting(&store.cached().unwrap().issue_records().0);
    waiting
        .into_iter()
        .find(|p| p.mrn == "ZY26001001")
        .and_then(|p| p.bed)
}

#[test]
fn a_patient_moved_to_a_new_stay_shows_the_new_bed_not_the_old_one() {
    let bank = demo_bank();
    let settings = settings(&bank.running.base_url);
    let (_dir, mut store) = temp_store();
    cycle(&mut store, &settings);
    assert_eq!(zhang_wei_bed(&store).as_deref(), Some("3床"));
    let stays = store.cached_count("Encounter").unwrap();

    // The blood-bank system closes his stay and opens another, in bed 12 (a transfer recorded
    // as a new encounter): the old stay is no longer in progress, so no longer answered.
    let mut db = bank.db();
    db.write(|w| -> Result<(), bedside_bloodbank::db::DbError> {
        let old = w.read("Encounter", "enc-1001")?.unwrap().json;
        let mut ended = old.clone();
        ended["status"] = "completed".into();
        w.put("Encounter", "enc-1001", ended)?;
        let mut new_stay = old;
        new_stay["location"][1]["location"]["display"] = "12床".into();
        w.put("Encounter", "enc-1001-2", new_stay)?;
        Ok(())
    })
    .unwrap();
    let summary = cycle(&mut store, &settings);
    assert!(summary.pull_complete, "{summary:?}");
    assert_eq!(zhang_wei_bed(&store).as_deref(), Some("12床"));
    assert_eq!(
        store.cached_count("Encounter").unwrap(),
        stays,
        "the new stay in, the old one forgotten"
    );
}
