//! The green channel end to end (`docs/clinical-rules.md` §6): the demo ward's unidentified man
//! under temporary ID EM260001 gets an O RhD-negative unit released before the crossmatch; the
//! nurses check it with the handheld, the doctor's authorisation is recorded with the start, and
//! the crossmatch that comes back afterwards is recorded on the transfusion — an incompatible
//! one alerts within one sync.

mod common;

use bedside_app::late_crossmatch::{acknowledge, record_late_crossmatches, BLOOD_BANK_ACTOR};
use bedside_bloodbank::actions::record_crossmatch;
use bedside_bloodbank::demo::EMERGENCY_DIN;
use bedside_clock::Clock;
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
        alerts[0].message.zh.starts_with("停止输血"),
        "{}",
        alerts[0].message.zh
    );
    assert!(alerts[0].message.en.contains(EMERGENCY_DIN));
    assert!(alerts[0].message.zh.contains("无名氏（男）"));
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
