//! The green channel end to end (`docs/clinical-rules.md` §6): the demo ward's unidentified man
//! under temporary ID EM260001 gets an O RhD-negative unit released before the crossmatch; the
//! nurses check it with the handheld, the doctor's authorisation is recorded with the start, and
//! the crossmatch that comes back afterwards is recorded on the transfusion — an incompatible
//! one alerts within one sync.

mod common;

use bedside_app::late_crossmatch::{
    acknowledge, open_alerts, record_late_crossmatches, BLOOD_BANK_ACTOR,
};
use bedside_app::patient_merge::follow_patient_merges;
use bedside_bloodbank::actions::record_crossmatch;
use bedside_bloodbank::actions::{issue, merge_patients, EmergencyIssue, Issue};
use bedside_bloodbank::demo::EMERGENCY_DIN;
use bedside_bloodbank::demo::IDENTIFIED_PATIENT_ID;
use bedside_clock::Clock;
use bedside_core::blood::{Abo, Group, Rhd};
use bedside_core::event::BedsideEvent;
use common::*;

#[test]
fn the_green_channel_unit_is_checked_and_started_with_the_doctors_authorisation_recorded() {
    let ward = Ward::new();
    let mut h = ward.open();
    let procedure = start_green_channel(&mut h);
    let outbox = h.store.all_outbox().unwrap();
    let started = outbox
        .iter()
        .find_map(|r| match &r.event {
            BedsideEvent::Started(s) if s.transfusion.procedure_uuid == procedure => Some(s),
            _ => None,
        })
        .expect("the start is queued for the blood bank");
    assert_eq!(started.transfusion.din, EMERGENCY_DIN);
    let emergency = started.emergency.as_ref().expect("recorded as emergency");
    assert_eq!(emergency.authorised_by, "李医生 (D2001)");
    assert_eq!(emergency.crossmatch_at_start, "missing");
    assert!(started
        .acknowledgements
        .iter()
        .any(|a| a.code == "EMERGENCY_RELEASE" && a.reason.contains("李医生在床旁")));
    // Sent, the blood bank's Procedure says it too.
    cycle(&mut h.store, &settings(&ward.bank.running.base_url));
    assert_eq!(h.store.outbox_counts().unwrap().queued, 0);
}

#[test]
fn an_incompatible_crossmatch_after_the_start_alerts_within_one_sync_until_a_nurse_takes_it_in() {
    let ward = Ward::new();
    let mut h = ward.open();
    let procedure = start_green_channel(&mut h);
    assert!(record_late_crossmatches(&mut h.store, ward.clock.now())
        .unwrap()
        .is_empty());

    record_crossmatch(&mut ward.bank.db(), GREEN_CHANNEL, false).unwrap();
    ward.minutes(5);
    cycle(&mut h.store, &settings(&ward.bank.running.base_url));
    let alerts = record_late_crossmatches(&mut h.store, ward.clock.now()).unwrap();
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(alerts[0].procedure_urn, procedure);
    assert!(
        alerts[0].message.zh().starts_with("停止输血"),
        "{}",
        alerts[0].message.zh()
    );
    assert!(alerts[0].message.en().contains(EMERGENCY_DIN));
    assert!(alerts[0].message.zh().contains("无名氏（男）"));
    assert_eq!(audited(&h.store, "late-crossmatch", BLOOD_BANK_ACTOR), 1);

    // The next cycle: still alerting, recorded once.
    let again = record_late_crossmatches(&mut h.store, ward.clock.now()).unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(audited(&h.store, "late-crossmatch", BLOOD_BANK_ACTOR), 1);

    // A nurse takes it in: kept in the transfusion's trail, and the alert is gone.
    acknowledge(&mut h.store, &procedure, "N0451", ward.clock.now()).unwrap();
    assert!(record_late_crossmatches(&mut h.store, ward.clock.now())
        .unwrap()
        .is_empty());
    let trail = h.store.review(&procedure).unwrap().unwrap().audit;
    assert!(trail
        .iter()
        .any(|l| l.action == "late-crossmatch" && l.detail.starts_with("incompatible")));
    assert!(trail
        .iter()
        .any(|l| l.action == "late-crossmatch-acknowledged" && l.actor == "N0451"));
}

/// The charge nurse's handheld (or any other on the ward) learns of it within its own next
/// sync, from the blood bank's mark on the dispense, and keeps alerting until someone there
/// takes it in; the starting handheld's alert stands on its own.
#[test]
fn an_incompatible_late_result_alerts_the_other_handhelds_of_the_ward_too() {
    let ward = Ward::new();
    let mut h = ward.open();
    let procedure = start_green_channel(&mut h);
    let bank = settings(&ward.bank.running.base_url);
    cycle(&mut h.store, &bank);
    let (_dir, mut charge_nurses) = temp_store();
    cycle(&mut charge_nurses, &bank);
    let now = ward.clock.now();
    assert!(record_late_crossmatches(&mut charge_nurses, now)
        .unwrap()
        .is_empty());

    record_crossmatch(&mut ward.bank.db(), GREEN_CHANNEL, false).unwrap();
    cycle(&mut charge_nurses, &bank);
    let alerts = record_late_crossmatches(&mut charge_nurses, now).unwrap();
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(alerts[0].procedure_urn, procedure);
    let said = &alerts[0].message;
    assert!(said.zh().starts_with("停止输血"), "{}", said.zh());
    assert!(said.zh().contains("另一台手持终端"), "{}", said.zh());
    assert!(said.zh().contains("无名氏（男）") && said.en().contains(EMERGENCY_DIN));
    assert_eq!(
        open_alerts(&charge_nurses, now).unwrap(),
        alerts,
        "every tick reads the same"
    );

    acknowledge(&mut charge_nurses, &procedure, "C0101", now).unwrap();
    assert!(open_alerts(&charge_nurses, now).unwrap().is_empty());
    // The starting handheld's own alert is not taken in by the charge nurse's.
    cycle(&mut h.store, &bank);
    let own = record_late_crossmatches(&mut h.store, now).unwrap();
    assert_eq!(own.len(), 1);
    assert!(
        !own[0].message.zh().contains("另一台"),
        "{}",
        own[0].message.zh()
    );
}

/// A cache row that cannot be read leaves the other handhelds' units unknown: said, in the
/// reader's language, beside this handheld's own alert, which stays.
#[test]
fn an_unreadable_cache_is_said_beside_this_handhelds_own_late_alert() {
    let ward = Ward::new();
    let mut h = ward.open();
    start_green_channel(&mut h);
    record_crossmatch(&mut ward.bank.db(), GREEN_CHANNEL, false).unwrap();
    cycle(&mut h.store, &settings(&ward.bank.running.base_url));
    let now = ward.clock.now();
    assert_eq!(
        record_late_crossmatches(&mut h.store, now).unwrap().len(),
        1
    );
    h.store
        .connection()
        .execute(
            "UPDATE cache_resource SET json = '{' WHERE type = 'Patient' AND id = 'pat-1008'",
            [],
        )
        .unwrap();
    let alerts = open_alerts(&h.store, now).unwrap();
    assert_eq!(alerts.len(), 2, "{alerts:?}");
    assert!(alerts[0].message.zh().starts_with("停止输血"));
    let unknown = &alerts[1].message;
    assert!(unknown.zh().contains("输血科"), "{}", unknown.zh());
    assert!(
        !unknown.zh().contains("EOF") && !unknown.zh().contains("Patient"),
        "the store's technical words are not the nurse's: {}",
        unknown.zh()
    );
}

#[test]
fn a_compatible_crossmatch_after_the_start_is_recorded_without_an_alert() {
    let ward = Ward::new();
    let mut h = ward.open();
    let procedure = start_green_channel(&mut h);
    record_crossmatch(&mut ward.bank.db(), GREEN_CHANNEL, true).unwrap();
    cycle(&mut h.store, &settings(&ward.bank.running.base_url));
    assert!(record_late_crossmatches(&mut h.store, ward.clock.now())
        .unwrap()
        .is_empty());
    let trail = h.store.review(&procedure).unwrap().unwrap().audit;
    assert!(trail
        .iter()
        .any(|l| l.action == "late-crossmatch" && l.detail.starts_with("compatible")));
}

#[test]
fn the_record_and_the_indicators_show_the_green_channel() {
    let ward = Ward::new();
    let mut h = ward.open();
    let procedure = start_green_channel(&mut h);
    let review = h.store.review(&procedure).unwrap().unwrap();
    let release = review.check.emergency.as_ref().expect("kept on the record");
    let said = bedside_core::review::emergency_words(release);
    assert!(said.zh().contains("李医生 (D2001) 授权"), "{}", said.zh());
    assert!(
        said.zh().contains("开始输血时交叉配血：未完成"),
        "{}",
        said.zh()
    );
    assert!(
        said.en().contains("authorised by 李医生 (D2001)"),
        "{}",
        said.en()
    );

    // The charge nurse's month: requested 12 minutes before the seed, issued 9 minutes later,
    // started minutes after issue — both green-channel indicators count it in time.
    h.logout().unwrap();
    h.login("C0101", "0101").unwrap();
    let now = ward.clock.now();
    let all = h
        .indicators(
            now - chrono::Duration::days(1),
            now + chrono::Duration::days(1),
        )
        .unwrap();
    for code in ["EMERGENCY_ISSUE_IN_TIME", "EMERGENCY_START_IN_TIME"] {
        let i = all.iter().find(|i| i.code == code).unwrap();
        assert_eq!((i.numerator, i.denominator), (1, 1), "{code}");
        assert_eq!(i.numerator_ids, std::slice::from_ref(&procedure), "{code}");
    }
    let planned = all.iter().find(|i| i.code == "START_WITHIN_LIMIT").unwrap();
    assert_eq!(
        planned.denominator, 1,
        "the planned indicators count every start"
    );
}

#[test]
fn once_identified_the_records_follow_the_patient_and_the_old_wristband_still_checks_with_a_warning(
) {
    let ward = Ward::new();
    let mut h = ward.open();
    let procedure = start_green_channel(&mut h);
    merge_patients(&mut ward.bank.db(), "pat-em01", IDENTIFIED_PATIENT_ID).unwrap();
    cycle(&mut h.store, &settings(&ward.bank.running.base_url));
    assert_eq!(
        follow_patient_merges(&mut h.store, ward.clock.now()).unwrap(),
        1
    );
    assert_eq!(
        follow_patient_merges(&mut h.store, ward.clock.now()).unwrap(),
        0,
        "moved once"
    );
    let review = h.store.review(&procedure).unwrap().unwrap();
    assert_eq!(
        (review.patient_id.as_str(), review.patient_name.as_str()),
        ("ZY26001009", "周建国")
    );
    let running = h.running().unwrap();
    let now_named = running
        .iter()
        .find(|r| r.transfusion.procedure_uuid == procedure)
        .unwrap();
    assert_eq!(
        (
            now_named.patient_mrn.as_str(),
            now_named.transfusion.patient_name.as_str()
        ),
        ("ZY26001009", "周建国"),
        "the nurse's list follows the merge too"
    );
    let merged = review
        .audit
        .iter()
        .find(|l| l.action == "patient-merged")
        .expect("the trail shows the merge");
    assert!(merged.detail.contains("EM260001") && merged.detail.contains("ZY26001009"));

    // A second unit for him, while he still wears the temporary wristband.
    let now = ward.clock.now();
    let (_, second) = issue(
        &mut ward.bank.db(),
        &Issue {
            patient_id: IDENTIFIED_PATIENT_ID.into(),
            ward_id: bedside_bloodbank::demo::WARD_ID.into(),
            din: "A999926400110".into(),
            product_code: "E0001V00".into(),
            component: bedside_core::blood::Component::RedCells,
            group: Group::new(Some(Abo::O), Some(Rhd::Neg)),
            expires_at: now + chrono::Duration::days(10),
            attributes: vec![],
            match_status: "unmatched".into(),
            sample_expires_at: None,
            issued_at: now,
            service_request_id: Some("sr-em01".into()),
            emergency: Some(EmergencyIssue {
                doctor: "李医生 (D2001)".into(),
                requested_at: now - chrono::Duration::minutes(5),
            }),
        },
    )
    .unwrap();
    cycle(&mut h.store, &settings(&ward.bank.running.base_url));
    let mut flow = h.begin_check().unwrap();
    let _ = checked(
        &mut h,
        &mut flow,
        &second,
        bedside_bloodbank::demo::EMERGENCY_MRN,
    );
    let outcome = flow.outcome(h.now());
    let codes: Vec<&str> = outcome.reasons.iter().map(|r| r.code.as_str()).collect();
    assert!(codes.contains(&"PATIENT_ID_MERGED"), "{codes:?}");
    assert!(!codes.contains(&"UNIT_FOR_OTHER_PATIENT"), "{codes:?}");
    let merged_words = outcome
        .reasons
        .iter()
        .find(|r| r.code.as_str() == "PATIENT_ID_MERGED")
        .unwrap();
    assert!(merged_words.message.zh().contains("周建国（ZY26001009）"));
    // His blood group is known from the earlier admission: only the crossmatch is unchecked.
    let emergency = outcome
        .reasons
        .iter()
        .find(|r| r.code.as_str() == "EMERGENCY_RELEASE")
        .unwrap();
    assert!(
        !emergency.message.en().contains("blood group"),
        "{}",
        emergency.message.en()
    );
}

#[test]
fn the_bed_and_the_temporary_id_are_shown_on_the_eight_matches() {
    let ward = Ward::new();
    let mut h = ward.open();
    let mut flow = h.begin_check().unwrap();
    flow.scan_wristband(bedside_bloodbank::demo::EMERGENCY_MRN)
        .unwrap();
    for s in bag_scans(&h.store, GREEN_CHANNEL) {
        flow.scan_bag(&s, bedside_app::verify::ScanSource::Scanner)
            .unwrap();
    }
    let outcome = flow.outcome(h.now());
    let rows = flow.eight_matches(&outcome);
    let bed = rows.iter().find(|r| r.label.en() == "Bed").unwrap();
    assert_eq!(bed.expected.zh(), "抢救1床");
    assert_eq!(bed.state, bedside_app::verify::MatchState::ReadAloud);
    assert!(
        rows.iter()
            .any(|r| r.label.zh() == "住院号（临时急诊编号）"),
        "the temporary ID is said to be one"
    );
    let waiting =
        bedside_app::verify::patients_waiting(&h.store.cached().unwrap().issue_records().0);
    let zhang = waiting.iter().find(|p| p.mrn == "ZY26001001").unwrap();
    assert_eq!(zhang.bed.as_deref(), Some("3床"));
}
