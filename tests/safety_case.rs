//! The safety case, end to end through the app layer (no UI): each numbered path of issue 16,
//! where a stop, a verdict or a record could slip between the scan and the record, driven as a
//! nurse would drive it, with the clock the test moves. Each test names its path.

mod common;

use bedside_app::handheld::{ActionError, Ended};
use bedside_app::observe::{parse_vitals, VitalsForm, VitalsProblem};
use bedside_app::record::{CheckFacts, Recorder};
use bedside_app::transfuse::Judgement;
use bedside_app::verify::{NotReady, ScanSource};
use bedside_bloodbank::actions::{withdraw, Withdrawal};
use bedside_core::check::ReasonCode;
use bedside_core::event::BedsideEvent;
use bedside_core::label::check_character;
use bedside_core::observations::Vitals;
use bedside_core::policy::{Policy, WristbandProfile};
use bedside_core::transition::Refusal;
use bedside_core::wristband::patient_identifier;
use bedside_store::StoreError;
use common::*;

const ZHANG_WEI_MRN: &str = "ZY26001001";

fn starts(h: &bedside_app::handheld::Handheld) -> usize {
    h.store
        .all_outbox()
        .unwrap()
        .iter()
        .filter(|r| matches!(r.event, BedsideEvent::Started(_)))
        .count()
}

fn refusal_codes(e: &ActionError) -> Vec<&'static str> {
    match e {
        ActionError::CheckStopped { refusal, .. } => refusal.codes(),
        other => panic!("expected the check to stop, got {other:?}"),
    }
}

/// Path 1: a check passed at minute 28 after issue, then the device waits an hour (locked, a
/// slow baseline). The start runs the whole check again at its own instant: the 30-minute rule
/// stops it, nothing is started, and the near miss is in the audit trail.
#[test]
fn path_1_a_start_an_hour_after_its_check_meets_the_30_minute_rule_again() {
    let ward = Ward::new();
    let mut h = ward.open();
    ward.minutes(20); // 张伟's unit left the blood bank 8 minutes before the ward opened
    let mut flow = h.begin_check().unwrap();
    // The cache is 20 minutes old by now: a warning acknowledged with a reason.
    match checked(&mut h, &mut flow, ZHANG_WEI, ZHANG_WEI_MRN) {
        Err(NotReady::Missing(m)) => assert!(m[0].en().contains("Acknowledge"), "{m:?}"),
        other => panic!("{other:?}"),
    }
    h.acknowledge(&mut flow, ReasonCode::CacheStale, "Wi-Fi down on the ward")
        .unwrap();
    let ready = flow.ready(h.now()).expect("passes at minute 28");
    assert_eq!(ready.first_checker.staff_id, "N0451");
    assert_eq!(ready.second_checker.staff_id, "N0388");

    ward.minutes(60);
    let e = h.start(&ready, Some((vitals(368), vec![]))).unwrap_err();
    assert!(refusal_codes(&e).contains(&"ISSUE_TIME_EXCEEDED"), "{e:?}");
    assert!(
        e.message().zh().contains("出库已") && e.message().zh().contains("限 30 分钟"),
        "{}",
        e.message().zh()
    );
    assert_eq!(starts(&h), 0, "nothing was started");
    assert_eq!(audited(&h.store, "start-refused", "N0451"), 1);
}

/// Path 1: a recall pulled between the check and the start stops the start.
#[test]
fn path_1_a_recall_pulled_between_check_and_start_stops_the_start() {
    let ward = Ward::new();
    let mut h = ward.open();
    let mut flow = h.begin_check().unwrap();
    let ready = checked(&mut h, &mut flow, ZHANG_WEI, ZHANG_WEI_MRN).unwrap();

    withdraw(
        &mut ward.bank.db(),
        ZHANG_WEI,
        Withdrawal::Recall,
        "donor look-back",
    )
    .unwrap();
    cycle(&mut h.store, &settings(&ward.bank.running.base_url));
    ward.minutes(2);

    let e = h.start(&ready, None).unwrap_err();
    assert!(refusal_codes(&e).contains(&"UNIT_STATUS"), "{e:?}");
    assert_eq!(starts(&h), 0);
}

/// Path 1: a unit that expires between the check and the start is not started.
#[test]
fn path_1_expiry_is_judged_at_the_start() {
    let ward = Ward::new();
    let mut h = ward.open();
    // Give the start window room so that only the expiry is at stake.
    h.policy.start_within_minutes = 24 * 60;
    h.policy.cache_warn_minutes = 24 * 60;
    const LIU_FANG: &str = "bdpd-000004"; // red cells that expire 90 minutes after the seed
    let mut flow = h.begin_check().unwrap();
    let ready = checked(&mut h, &mut flow, LIU_FANG, "ZY26001004").unwrap();
    ward.minutes(95);
    let e = h.start(&ready, None).unwrap_err();
    assert!(refusal_codes(&e).contains(&"UNIT_EXPIRED"), "{e:?}");
}

/// Path 2: a stop trigger survives a crash on the STOP screen: the transfusion comes back
/// stopped with its report to send, and nothing but the report is allowed.
#[test]
fn path_2_a_stop_trigger_is_still_a_stop_after_the_app_restarts() {
    let ward = Ward::new();
    let mut h = ward.open();
    let mut running = started(&mut h);
    ward.minutes(15);
    let observed = h
        .observe(&mut running, vitals(391), vec!["rigors".into()])
        .unwrap();
    assert!(matches!(observed.judgement, Judgement::Stop(_)));
    drop(h); // the battery dies on the STOP screen

    let mut h = ward.open();
    let mut back = h.running().unwrap().remove(0);
    let draft = back.stop.clone().expect("reopened on STOP");
    assert!(draft.trigger.starts_with("FEBRILE"), "{}", draft.trigger);
    let timeline = back.timeline(h.now(), &h.policy);
    assert!(
        timeline.stopped.unwrap().zh().contains("疑似输血反应"),
        "the ward list says it is stopped"
    );
    // A stopped transfusion may not take rounds, end normally, pause or restart.
    let refused = h.observe(&mut back, vitals(370), vec![]).unwrap_err();
    assert!(refused.message().en().contains("send the reaction report"));
    assert!(h.end(&mut back, 100, None).is_err());
    assert!(h.begin_repeat_check(&back).is_err());

    h.report_reaction(&back, &draft, draft.report.zh(), true)
        .unwrap();
    assert!(h.running().unwrap().is_empty());
}

/// Path 3: symptoms alone stop, and the sickest values can be entered (with a confirm) and stop.
#[test]
fn path_3_symptoms_alone_and_the_sickest_values_stop() {
    let ward = Ward::new();
    let mut h = ward.open();
    let mut running = started(&mut h);
    let mut flow = h.begin_check().unwrap();
    let ready = checked(&mut h, &mut flow, LI_XIUYING, "ZY26001002").unwrap();
    let mut li = h.start(&ready, Some((vitals(366), vec![]))).unwrap();
    ward.minutes(15);

    // Urticaria and breathlessness ticked, no vital sign keyed.
    let form = VitalsForm {
        with_symptoms: true,
        ..Default::default()
    };
    let nothing_measured = parse_vitals(&form).unwrap();
    let observed = h
        .observe(
            &mut running,
            nothing_measured,
            vec!["urticaria".into(), "dyspnoea".into()],
        )
        .unwrap();
    let Judgement::Stop(draft) = observed.judgement else {
        panic!("symptoms alone must stop: {:?}", observed.judgement)
    };
    assert!(draft.trigger.starts_with("SYMPTOMS"), "{}", draft.trigger);

    // A patient in shock: systolic 35, SpO2 45. Asked to confirm, then taken, then STOP.
    let shock = VitalsForm {
        sbp: "35",
        dbp: "15",
        spo2: "45",
        ..Default::default()
    };
    assert!(matches!(
        parse_vitals(&shock),
        Err(VitalsProblem::Confirm(_))
    ));
    let confirmed = parse_vitals(&VitalsForm {
        confirmed: true,
        ..shock
    })
    .unwrap();
    let Judgement::Stop(draft) = h.observe(&mut li, confirmed, vec![]).unwrap().judgement else {
        panic!("systolic 35 and SpO2 45 must stop")
    };
    assert!(draft.trigger.contains("HYPOTENSION") && draft.trigger.contains("HYPOXAEMIA"));
}

/// Path 4: a store that cannot take the round still shows STOP, says the round is not saved,
/// keeps it (the ward list shows the stop), and writes it once the store is back.
#[test]
fn path_4_the_round_is_judged_before_the_write_and_written_again_until_it_is_saved() {
    let ward = Ward::new();
    let mut h = ward.open();
    let mut running = started(&mut h);
    ward.minutes(15);
    let rounds_before = h.store.all_outbox().unwrap().len();

    h.store.fault_read_only(true).unwrap();
    let mut low = vitals(369);
    low.spo2 = Some(85);
    let observed = h.observe(&mut running, low, vec![]).unwrap();
    assert!(
        matches!(observed.judgement, Judgement::Stop(_)),
        "STOP whatever the store says"
    );
    let words = observed.not_saved.expect("the failure is said");
    assert!(words.zh().contains("尚未保存"), "{}", words.zh());
    assert_eq!(h.unsaved(), 1);
    assert!(
        h.running().unwrap()[0].stop.is_some(),
        "the unsaved round still stops the transfusion on the ward list"
    );
    assert!(h.retry_unsaved().is_some(), "still failing while read-only");

    h.store.fault_read_only(false).unwrap();
    assert_eq!(h.retry_unsaved(), None);
    assert_eq!(h.unsaved(), 0);
    assert_eq!(h.store.all_outbox().unwrap().len(), rounds_before + 1);
    // And the round is there after a restart too: the stop with it.
    drop(h);
    assert!(ward.open().running().unwrap()[0].stop.is_some());
}

/// Path 4: the end round is judged first too.
#[test]
fn path_4_a_stopping_end_round_is_a_reaction_even_when_the_store_fails() {
    let ward = Ward::new();
    let mut h = ward.open();
    let mut running = started(&mut h);
    ward.minutes(70);
    h.store.fault_read_only(true).unwrap();
    let mut sick = vitals(370);
    sick.sbp = Some(75);
    sick.dbp = Some(40);
    match h.end(&mut running, 250, Some((sick, vec![]))).unwrap() {
        Ended::Reaction { draft, not_saved } => {
            assert!(draft.trigger.contains("HYPOTENSION"));
            assert!(not_saved.is_some());
        }
        other => panic!("{other:?}"),
    }
    h.store.fault_read_only(false).unwrap();
    assert_eq!(h.retry_unsaved(), None);
}

/// Path 8: one bag is hung once on a device: a second check of the same bag stops at the start,
/// and the store itself refuses a second start whatever path writes it.
#[test]
fn path_8_one_bag_cannot_be_started_twice_on_one_device() {
    let ward = Ward::new();
    let mut h = ward.open();
    let first = started(&mut h);
    let mut flow = h.begin_check().unwrap();
    let ready = checked(&mut h, &mut flow, ZHANG_WEI, ZHANG_WEI_MRN).unwrap();
    let e = h.start(&ready, None).unwrap_err();
    assert!(
        matches!(
            &e,
            ActionError::CheckStopped {
                refusal: Refusal::AlreadyStarted { .. },
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.message().zh().contains("只能输注一次"));

    let clock = bedside_clock::SystemClock::china();
    let ids = ids();
    let now = h.now();
    let second = Recorder {
        store: &mut h.store,
        clock: &clock,
        ids: &ids,
    }
    .start(
        ZHANG_WEI,
        common::ward(),
        &nurse("N0451", "陈静"),
        CheckFacts::new(&nurse("N0388", "刘洋"), now, vec![]),
        None,
    );
    assert!(
        matches!(
            second,
            Err(bedside_app::record::RecordError::Store(
                StoreError::AlreadyStarted(_)
            ))
        ),
        "{second:?}"
    );
    assert_eq!(starts(&h), 1);
    assert_eq!(h.running().unwrap()[0].transfusion, first.transfusion);
}

/// Path 8: a keyed unit number is audited in the start's own transaction: a failed write
/// records nothing (so the retry cannot start the bag twice), the retry records it once.
#[test]
fn path_8_a_keyed_start_that_fails_to_write_leaves_nothing_and_the_retry_starts_once() {
    let ward = Ward::new();
    let mut h = ward.open();
    let mut flow = h.begin_check().unwrap();
    h.scan_wristband(&mut flow, ZHANG_WEI_MRN).unwrap();
    let mut scans = bag_scans(&h.store, ZHANG_WEI);
    let din = scans.remove(0)[1..14].to_string();
    let keyed = format!("{din}{}", check_character(&din).unwrap());
    h.scan_bag(
        &mut flow,
        &keyed,
        ScanSource::Keyed {
            reason: "label torn".into(),
        },
    )
    .unwrap();
    for s in scans {
        h.scan_bag(&mut flow, &s, ScanSource::Scanner).unwrap();
    }
    h.cosign(&mut flow, "N0388", "0388").unwrap();
    for i in 0..3 {
        flow.confirm_visual(i, true);
    }
    flow.confirm_read_aloud(true);
    let ready = flow.ready(h.now()).unwrap();

    h.store.fault_read_only(true).unwrap();
    assert!(h.start(&ready, None).is_err());
    h.store.fault_read_only(false).unwrap();
    assert_eq!(starts(&h), 0);
    assert_eq!(audited(&h.store, "unit-number-keyed", "N0451"), 0);

    h.start(&ready, None).unwrap();
    assert!(h.start(&ready, None).is_err(), "the same ready twice");
    assert_eq!(starts(&h), 1);
    assert_eq!(audited(&h.store, "unit-number-keyed", "N0451"), 1);
}

/// Path 9: a warning is acknowledged by the nurse with a reason (recorded), and only then may
/// the unit start; the start carries the acknowledgement.
#[test]
fn path_9_a_warning_is_acknowledged_with_a_reason_and_recorded() {
    let ward = Ward::new();
    let mut h = ward.open();
    // 李秀英's A+ platelets: a warning that must be acknowledged (RhD / ABO non-identical or a
    // stale cache, whichever the demo gives), never a silent pass.
    ward.minutes(16);
    let mut flow = h.begin_check().unwrap();
    let missing = match checked(&mut h, &mut flow, LI_XIUYING, "ZY26001002") {
        Err(NotReady::Missing(m)) => m,
        other => panic!("{other:?}"),
    };
    assert!(missing.iter().any(|m| m.en().contains("Acknowledge")));
    let warnings = flow.warnings(h.now());
    assert!(!warnings.is_empty());
    let blank = h.acknowledge(&mut flow, warnings[0].0, "   ").unwrap_err();
    assert!(blank.message().zh().contains("理由"));
    for (code, _, _) in &warnings {
        h.acknowledge(&mut flow, *code, "doctor informed, transfuse")
            .unwrap();
    }
    assert_eq!(
        audited(&h.store, "warning-acknowledged", "N0451"),
        warnings.len()
    );
    let ready = flow.ready(h.now()).unwrap();
    let running = h.start(&ready, None).unwrap();
    let started = h
        .store
        .all_outbox()
        .unwrap()
        .into_iter()
        .find_map(|r| match r.event {
            BedsideEvent::Started(s) => Some(s),
            _ => None,
        })
        .unwrap();
    assert_eq!(started.acknowledgements.len(), warnings.len());
    assert_eq!(started.transfusion, running.transfusion);
}

/// Path 10: a policy without the second checker never panics at the start: the app still
/// asks for the second checker, in words.
#[test]
fn path_10_no_second_checker_in_policy_still_asks_for_one_and_never_panics() {
    let ward = Ward::new();
    let mut h = ward.open();
    h.policy.require_second_checker = false;
    let mut flow = h.begin_check().unwrap();
    h.scan_wristband(&mut flow, ZHANG_WEI_MRN).unwrap();
    for s in bag_scans(&h.store, ZHANG_WEI) {
        h.scan_bag(&mut flow, &s, ScanSource::Scanner).unwrap();
    }
    for i in 0..3 {
        flow.confirm_visual(i, true);
    }
    flow.confirm_read_aloud(true);
    match flow.ready(h.now()) {
        Err(NotReady::Missing(m)) => {
            assert!(m.iter().any(|t| t.zh().contains("第二核对人")), "{m:?}")
        }
        other => panic!("{other:?}"),
    }
}

/// Path 10: a stopped check is a near miss in the audit trail as soon as the scan shows it,
/// once, without waiting for Cancel (a killed app keeps it).
#[test]
fn path_10_a_wrong_patient_is_audited_at_the_scan_once() {
    let ward = Ward::new();
    let mut h = ward.open();
    let mut flow = h.begin_check().unwrap();
    h.scan_wristband(&mut flow, "ZY26001002").unwrap(); // 李秀英
    let scans = bag_scans(&h.store, ZHANG_WEI); // 张伟's bag
    for s in &scans {
        h.scan_bag(&mut flow, s, ScanSource::Scanner).unwrap();
    }
    drop(flow); // the app is killed before Cancel
    let rows: Vec<_> = h
        .store
        .audit_trail()
        .unwrap()
        .into_iter()
        .filter(|a| a.action == "check-stopped")
        .collect();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(rows[0].detail.contains("UNIT_FOR_OTHER_PATIENT"));
    assert!(rows[0].detail.contains("ZY26001002"));
}

/// Path 10: baseline symptoms are kept with the start.
#[test]
fn path_10_baseline_symptoms_are_recorded() {
    let ward = Ward::new();
    let mut h = ward.open();
    let mut flow = h.begin_check().unwrap();
    let ready = checked(&mut h, &mut flow, ZHANG_WEI, ZHANG_WEI_MRN).unwrap();
    h.start(&ready, Some((vitals(368), vec!["anxiety".into()])))
        .unwrap();
    let baseline = h
        .store
        .all_outbox()
        .unwrap()
        .into_iter()
        .find_map(|r| match r.event {
            BedsideEvent::Started(s) => s.baseline,
            _ => None,
        })
        .unwrap();
    assert_eq!(baseline.symptoms, ["anxiety"]);
}

/// Path 10: a scanner text that is a bare 14-character DIN is taken for what it is, typed, and
/// refused as a scan: keyed entry needs its reason.
#[test]
fn path_10_a_bare_din_from_the_scanner_is_refused_as_typed() {
    let ward = Ward::new();
    let mut h = ward.open();
    let mut flow = h.begin_check().unwrap();
    h.scan_wristband(&mut flow, ZHANG_WEI_MRN).unwrap();
    let din = "A999926400101";
    let bare = format!("{din}{}", check_character(din).unwrap());
    let e = h
        .scan_bag(&mut flow, &bare, ScanSource::Scanner)
        .unwrap_err();
    assert!(
        e.message().en().contains("as if typed"),
        "{:?}",
        e.message()
    );
    assert!(flow.checklist()[0].value.is_none(), "nothing was taken");
}

/// Path 10: a restart needs an open interruption; without one nothing restarts, in words.
#[test]
fn path_10_a_restart_without_an_open_interruption_says_so() {
    let ward = Ward::new();
    let mut h = ward.open();
    let mut running = started(&mut h);
    h.interrupt(&mut running, "patient to CT").unwrap();
    let mut flow = h.begin_repeat_check(&running).unwrap();
    let ready = checked(&mut h, &mut flow, ZHANG_WEI, ZHANG_WEI_MRN).unwrap();
    h.restart(&mut running, &ready).unwrap();
    // The same repeat check used again: the interruption is already closed.
    running.interrupted = Some(bedside_app::transfuse::Interruption {
        at: h.now(),
        reason: "stale screen".into(),
    });
    let e = h.restart(&mut running, &ready).unwrap_err();
    assert!(e.message().en().contains("no open interruption"), "{e:?}");
}

/// Path 10: a GS1 barcode without a patient number (a product's GTIN) or a bag label is never a
/// patient identifier.
#[test]
fn path_10_a_gtin_or_a_bag_label_is_not_a_wristband() {
    let gs1 = Policy {
        wristband: WristbandProfile::Gs1,
        ..Policy::default()
    };
    let gtin = patient_identifier("(01)09506000134352", &gs1).unwrap_err();
    assert!(gtin.en().contains("no patient number"), "{gtin:?}");
    let plain = Policy::default();
    for not_a_band in [
        "]C10109506000134352",
        "(01)09506000134352",
        "=A99992640010100",
    ] {
        assert!(
            patient_identifier(not_a_band, &plain).is_err(),
            "{not_a_band} taken as a patient"
        );
    }
}

/// Path 10: the wristband of the patient chosen from the list must match to the character, not
/// merely contain the MRN.
#[test]
fn path_10_the_chosen_patients_wristband_matches_exactly() {
    let ward = Ward::new();
    let mut h = ward.open();
    let zhang = h
        .waiting()
        .unwrap()
        .into_iter()
        .find(|p| p.mrn == ZHANG_WEI_MRN)
        .unwrap();
    let mut flow = h.begin_check_for(zhang).unwrap();
    let e = h
        .scan_wristband(&mut flow, &format!("X{ZHANG_WEI_MRN}"))
        .unwrap_err();
    assert!(e.message().zh().contains("不是列表中选择的"), "{e:?}");
    assert_eq!(
        h.scan_wristband(&mut flow, ZHANG_WEI_MRN).unwrap(),
        "张伟 ZY26001001"
    );
}

#[test]
fn a_confirmed_round_of_nothing_is_still_refused() {
    assert!(matches!(
        parse_vitals(&VitalsForm {
            confirmed: true,
            ..Default::default()
        }),
        Err(VitalsProblem::Refused(_))
    ));
    assert_eq!(
        parse_vitals(&VitalsForm {
            with_symptoms: true,
            ..Default::default()
        })
        .unwrap(),
        Vitals::default()
    );
}

// ------------------------------------------------------------ the blood bank's data (5, 7)

/// The stop reasons of 张伟's check against the handheld's cache as it is now.
fn zhang_wei_check_codes(h: &mut bedside_app::handheld::Handheld) -> Vec<&'static str> {
    let mut flow = h.begin_check().unwrap();
    h.scan_wristband(&mut flow, ZHANG_WEI_MRN).unwrap();
    for s in bag_scans_of_din(h, "A999926400101") {
        h.scan_bag(&mut flow, &s, ScanSource::Scanner).unwrap();
    }
    h.cosign(&mut flow, "N0388", "0388").unwrap();
    flow.outcome(h.now())
        .reasons
        .iter()
        .filter(|r| r.severity == bedside_core::severity::Severity::Stop)
        .map(|r| r.code.as_str())
        .collect()
}

/// 张伟's bag as printed (his unit is O RhD+ red cells E0001V00, expiring in 14 days).
fn bag_scans_of_din(h: &bedside_app::handheld::Handheld, din: &str) -> Vec<String> {
    let expiry = h.now() + chrono::Duration::days(13);
    vec![
        format!("={din}00"),
        "=%5100".to_string(),
        "=<E0001V00".to_string(),
        format!("&>0{}", expiry.format("%y%j%H%M")),
    ]
}

/// Path 5: an order missing from the cache is not "no special requirements": the unit is held
/// with words a nurse and the blood bank's IT can act on.
#[test]
fn path_5_a_unit_whose_order_is_missing_is_held_not_matched_without_requirements() {
    let ward = Ward::new();
    let mut h = ward.open();
    assert!(zhang_wei_check_codes(&mut h).is_empty());
    h.store.forget("ServiceRequest", "sr-1001").unwrap();
    let codes = zhang_wei_check_codes(&mut h);
    assert_eq!(
        codes,
        ["ISSUE_RECORD_UNREADABLE"],
        "not UNIT_NOT_ISSUED, not a pass"
    );
    let snapshot = h.snapshot().unwrap();
    let problem = &snapshot.unreadable[0];
    assert_eq!(problem.din.as_deref(), Some("A999926400101"));
    assert!(
        problem.problem.en().contains("sr-1001"),
        "{:?}",
        problem.problem
    );
    assert!(
        problem.problem.zh().contains("特殊要求"),
        "{:?}",
        problem.problem
    );
}

/// Path 5: an order the blood bank has completed still says what the patient needs, and the
/// pull fetches orders of every status.
#[test]
fn path_5_a_completed_order_keeps_its_special_requirements() {
    let bank = demo_bank();
    bank.db()
        .write(|w| {
            let order = w.read("ServiceRequest", "sr-1001")?.unwrap();
            let mut json = order.json.clone();
            json["status"] = serde_json::json!("completed");
            w.put("ServiceRequest", "sr-1001", json)?;
            Ok::<_, bedside_bloodbank::db::DbError>(())
        })
        .unwrap();
    let (_dir, mut store) = temp_store();
    assert!(cycle(&mut store, &settings(&bank.running.base_url)).pull_complete);
    let (records, problems) = store.cached().unwrap().issue_records();
    assert!(problems.is_empty(), "{problems:?}");
    let zhang = records.iter().find(|r| r.dispense_id == ZHANG_WEI).unwrap();
    assert_eq!(zhang.patient.requirements, ["irradiated", "leukoreduced"]);
}

/// A blood bank (or a proxy in front of it) on loopback answering each path with a canned
/// body; every connection closed after one answer. Returns its base URL.
fn canned_blood_bank(answer: fn(&str) -> (u16, String)) -> String {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().take(40) {
            let Ok(mut stream) = stream else { return };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            if reader.read_line(&mut request_line).is_err() {
                continue;
            }
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                line.clear();
            }
            let path = request_line.split(' ').nth(1).unwrap_or("/").to_string();
            let (status, body) = answer(&path);
            let head = format!(
                "HTTP/1.1 {status} OK\r\nContent-Type: application/fhir+json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let sent = stream.write_all(head.as_bytes());
            assert!(sent.is_ok() && stream.write_all(body.as_bytes()).is_ok());
        }
    });
    url
}

/// Path 5: a page of the pull that is not a FHIR Bundle (a proxy's login page with status 200)
/// is an error, and the cache is not marked fresh.
#[test]
fn path_5_a_bad_page_is_an_error_not_a_fresh_cache() {
    let url = canned_blood_bank(|path| {
        let body = if path.contains("metadata") {
            r#"{"resourceType":"CapabilityStatement","fhirVersion":"5.0.0"}"#.to_string()
        } else if path.contains("BiologicallyDerivedProductDispense") {
            serde_json::json!({"resourceType": "Bundle", "type": "searchset", "entry": [{
                "search": {"mode": "match"},
                "resource": {"resourceType": "BiologicallyDerivedProductDispense", "id": "d1",
                    "meta": {"versionId": "1", "lastUpdated": "2026-12-04T08:00:00+08:00"},
                    "patient": {"reference": "Patient/p1"}}}]})
            .to_string()
        } else if path.contains("ServiceRequest") {
            "<html><body>Wi-Fi login</body></html>".to_string()
        } else {
            r#"{"resourceType":"Bundle","type":"searchset"}"#.to_string()
        };
        (200, body)
    });
    let (_dir, mut store) = temp_store();
    let summary = cycle(&mut store, &settings(&url));
    assert!(!summary.pull_complete, "{summary:?}");
    assert!(
        summary
            .errors
            .iter()
            .any(|e| e.contains("not a FHIR Bundle")),
        "{summary:?}"
    );
    assert_eq!(store.cache_synced_at().unwrap(), None, "not a fresh cache");
}

/// A copy of the cached blood group result of `patient` with another id, time and group.
fn group_result(
    h: &bedside_app::handheld::Handheld,
    patient: &str,
    id: &str,
    issued: &str,
    abo_snomed: &str,
    rhd_snomed: &str,
) -> serde_json::Value {
    let json: String = h
        .store
        .connection()
        .query_row(
            "SELECT json FROM cache_resource WHERE type = 'Observation' AND json LIKE ?1",
            [format!("%{patient}%")],
            |r| r.get(0),
        )
        .unwrap();
    let mut obs: serde_json::Value = serde_json::from_str(&json).unwrap();
    obs["id"] = id.into();
    obs["meta"]["versionId"] = "1".into();
    obs["issued"] = issued.into();
    obs["effectiveDateTime"] = issued.into();
    for c in obs["component"].as_array_mut().unwrap() {
        let loinc = c["code"]["coding"][0]["code"].as_str().unwrap().to_string();
        let value = if loinc == "883-9" {
            abo_snomed
        } else {
            rhd_snomed
        };
        c["valueCodeableConcept"]["coding"][0]["code"] = value.into();
    }
    obs
}

const SNOMED_O: &str = "58460004";
const SNOMED_A: &str = "112144000";
const SNOMED_POS: &str = "165747007";
const SNOMED_NEG: &str = "165746003";

/// Path 7: the newest blood group result is the newest instant, not the greatest string; two
/// results that disagree at one instant hold the unit.
#[test]
fn path_7_the_newest_group_by_instant_and_a_conflict_that_stops() {
    let ward = Ward::new();
    let mut h = ward.open();
    // 10:00 in Beijing is 02:00 UTC: an A RhD− result one hour older than the O RhD+ one,
    // though its text sorts after it.
    let older = group_result(
        &h,
        "pat-1001",
        "grp-older",
        "2099-01-01T10:00:00+08:00",
        SNOMED_A,
        SNOMED_NEG,
    );
    let newer = group_result(
        &h,
        "pat-1001",
        "grp-newer",
        "2099-01-01T03:00:00Z",
        SNOMED_O,
        SNOMED_POS,
    );
    h.store.store_pulled(&[older, newer], &[]).unwrap();
    assert!(
        zhang_wei_check_codes(&mut h).is_empty(),
        "O RhD+ (the newest) takes O RhD+ red cells"
    );

    // Another result at the very instant of the newest says A RhD−: the group is not known.
    let same_instant = group_result(
        &h,
        "pat-1001",
        "grp-same",
        "2099-01-01T11:00:00+08:00",
        SNOMED_A,
        SNOMED_NEG,
    );
    h.store.store_pulled(&[same_instant], &[]).unwrap();
    assert_eq!(zhang_wei_check_codes(&mut h), ["ISSUE_RECORD_UNREADABLE"]);
    let problem = &h.snapshot().unwrap().unreadable[0];
    assert!(
        problem.problem.en().contains("disagree"),
        "{:?}",
        problem.problem
    );
}

/// Path 6: the device clock is compared with the blood bank's at every pull: ten minutes ahead,
/// the check stops and says what to do.
#[test]
fn path_6_a_device_clock_ten_minutes_off_the_blood_banks_stops_the_check() {
    let ward = Ward::new();
    let mut h = ward.open();
    assert!(zhang_wei_check_codes(&mut h).is_empty());
    ward.minutes(10); // the device's clock runs ten minutes ahead of the blood bank's
    let summary = cycle_at(
        &mut h.store,
        &settings(&ward.bank.running.base_url),
        ward.clock.as_ref(),
    );
    assert!(summary.pull_complete, "{summary:?}");
    assert_eq!(zhang_wei_check_codes(&mut h), ["CLOCK_UNTRUSTED"]);
    let mut flow = h.begin_check().unwrap();
    h.scan_wristband(&mut flow, ZHANG_WEI_MRN).unwrap();
    let outcome = flow.outcome(h.now());
    let words = &outcome
        .reasons
        .iter()
        .find(|r| r.code == ReasonCode::ClockUntrusted)
        .unwrap()
        .message;
    assert!(
        words.en().contains("10 minutes ahead of the blood bank's"),
        "{}",
        words.en()
    );
    assert!(words.zh().contains("请校准设备时间"), "{}", words.zh());
}

/// Path 6: a device clock set back stops the check (the 30-minute rule would pass a unit
/// issued long ago).
#[test]
fn path_6_a_clock_that_went_back_stops_the_check() {
    let ward = Ward::new();
    let mut h = ward.open();
    ward.minutes(40);
    h.touch();
    let mut flow = h.begin_check().unwrap();
    h.scan_wristband(&mut flow, "ZY26001002").unwrap(); // audited activity at minute 40
    let mut bag = bag_scans(&h.store, ZHANG_WEI);
    bag.truncate(1);
    h.scan_bag(&mut flow, &bag[0], ScanSource::Scanner).unwrap(); // a near miss, audited
    ward.clock.advance(chrono::Duration::minutes(-35)); // someone sets the clock back
    let codes = zhang_wei_check_codes(&mut h);
    assert!(codes.contains(&"CLOCK_UNTRUSTED"), "{codes:?}");
    assert!(
        !codes.contains(&"ISSUE_TIME_EXCEEDED"),
        "at the clock's word the unit would look in time: {codes:?}"
    );
}

/// A second handheld of the ward, pulled from the same blood bank, signed in as 刘洋.
fn second_handheld(ward: &Ward) -> (tempfile::TempDir, bedside_app::handheld::Handheld) {
    let (dir, mut store) = temp_store();
    cycle(&mut store, &settings(&ward.bank.running.base_url));
    with_demo_staff(&mut store);
    let mut h = bedside_app::handheld::Handheld::new(
        store,
        Box::new(ward.clock.clone()),
        Box::new(bedside_clock::RandomIds),
        Policy::default(),
        common::ward(),
        bedside_app::session::SessionSettings {
            auto_lock_minutes: 24 * 60,
            ..Default::default()
        },
    );
    h.login("N0388", "0388").unwrap();
    (dir, h)
}

fn ready_on(
    h: &mut bedside_app::handheld::Handheld,
    second: (&str, &str),
) -> bedside_app::verify::ReadyToStart {
    let mut flow = h.begin_check().unwrap();
    h.scan_wristband(&mut flow, ZHANG_WEI_MRN).unwrap();
    for s in bag_scans(&h.store, ZHANG_WEI) {
        h.scan_bag(&mut flow, &s, ScanSource::Scanner).unwrap();
    }
    h.cosign(&mut flow, second.0, second.1).unwrap();
    for i in 0..3 {
        flow.confirm_visual(i, true);
    }
    flow.confirm_read_aloud(true);
    flow.ready(h.now()).unwrap()
}

/// Path 8: on two handhelds. The blood bank learns of the start at the first push and marks the
/// unit; the other handheld's next pull stops a second start; one that starts it offline anyway
/// is told by the blood bank, which raises an alert. The first handheld's own repeat check
/// after an interruption still passes.
#[test]
fn path_8_a_unit_started_on_one_handheld_stops_on_another() {
    let ward = Ward::new();
    let url = ward.bank.running.base_url.clone();
    let mut a = ward.open();
    let (_b_dir, mut b) = second_handheld(&ward);
    let (_c_dir, mut c) = second_handheld(&ward);
    let ready_b = ready_on(&mut b, ("N0451", "0451"));
    let ready_c = ready_on(&mut c, ("N0451", "0451"));

    let mut running = started(&mut a);
    let pushed = cycle(&mut a.store, &settings(&url));
    assert!(pushed.pushed >= 1 && pushed.errors.is_empty(), "{pushed:?}");

    // B pulls before it starts: the start is refused.
    assert!(cycle(&mut b.store, &settings(&url)).pull_complete);
    let e = b.start(&ready_b, None).unwrap_err();
    assert!(refusal_codes(&e).contains(&"UNIT_STATUS"), "{e:?}");
    assert!(
        e.message().en().contains("already started"),
        "{:?}",
        e.message()
    );

    // C had no network: it starts, and its push is answered with the blood bank's warning.
    c.start(&ready_c, None).unwrap();
    let told = cycle(&mut c.store, &settings(&url));
    assert!(
        told.warnings.iter().any(|w| w.contains("already")),
        "{told:?}"
    );
    let alerts = ward.bank.db().alerts().unwrap();
    assert!(
        alerts
            .iter()
            .any(|(_, reason, _)| reason == "unit-already-started"),
        "{alerts:?}"
    );

    // A's own unit, interrupted and checked again after A pulled its own mark: it goes on.
    a.interrupt(&mut running, "patient to the toilet").unwrap();
    assert!(cycle(&mut a.store, &settings(&url)).pull_complete);
    let mut flow = a.begin_repeat_check(&running).unwrap();
    let ready = checked(&mut a, &mut flow, ZHANG_WEI, ZHANG_WEI_MRN).unwrap();
    a.restart(&mut running, &ready).unwrap();
}

/// Path 5: a special requirement added to the order after the unit was issued (the dispense
/// unchanged) reaches the handheld at its next pull, and the unit stops.
#[test]
fn path_5_a_requirement_added_to_the_order_later_reaches_the_handheld() {
    let ward = Ward::new();
    let mut h = ward.open();
    assert!(zhang_wei_check_codes(&mut h).is_empty());
    ward.bank
        .db()
        .write(|w| {
            let order = w.read("ServiceRequest", "sr-1001")?.unwrap();
            let mut json = order.json.clone();
            let parameters = json["orderDetail"][0]["parameter"].as_array_mut().unwrap();
            let mut cmv = parameters[0].clone();
            cmv["code"]["coding"][0]["code"] = "cmv_negative".into();
            parameters.push(cmv);
            w.put("ServiceRequest", "sr-1001", json)?;
            Ok::<_, bedside_bloodbank::db::DbError>(())
        })
        .unwrap();
    let summary = cycle(&mut h.store, &settings(&ward.bank.running.base_url));
    assert!(summary.pull_complete, "{summary:?}");
    assert_eq!(zhang_wei_check_codes(&mut h), ["SPECIAL_REQUIREMENT_UNMET"]);
}
