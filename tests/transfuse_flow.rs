//! A transfusion from start to end as the nurse lives it, through the handheld with a clock the
//! test moves: the slow-rate reminder, the 15-minute observation coming due and going overdue,
//! a fever that stops the transfusion with a prefilled report, interruption and the repeat check
//! (which survive an app restart), and the end with volume and keep-until time.

mod common;

use bedside_app::handheld::Ended;
use bedside_app::transfuse::{parse_volume, Judgement};
use bedside_app::verify::NotReady;
use bedside_core::check::ReasonCode;
use bedside_core::event::BedsideEvent;
use bedside_core::messages::Lang;
use bedside_core::policy::Policy;
use chrono::Duration;
use common::*;

#[test]
fn the_first_minutes_run_slowly_then_the_15_minute_observation_comes_due_and_goes_overdue() {
    let ward = Ward::new();
    let mut h = ward.open();
    let running = started(&mut h);
    let policy = Policy::default();

    let t = running.timeline(h.now(), &policy);
    let slow = t.slow_rate.expect("slow-rate reminder while starting");
    assert!(slow.get(Lang::En).contains("15 min left"), "{}", slow.en());
    assert!(t
        .due
        .unwrap()
        .en()
        .contains("15-minute observation in 15 min"));
    assert!(!t.remind);

    ward.minutes(12);
    let t = running.timeline(h.now(), &policy);
    assert!(t.slow_rate.unwrap().en().contains("3 min left"));
    assert!(t.due.unwrap().en().contains("you can take it now"));
    assert!(t.remind, "the window is open: remind");
    assert_eq!(running.slot_at(h.now(), &policy), "15min");

    ward.minutes(14); // start + 26: the 15-minute window closed with nothing taken
    let t = running.timeline(h.now(), &policy);
    assert!(t.slow_rate.is_none());
    assert!(t.overdue && t.remind);
    assert!(
        t.alerts
            .iter()
            .any(|a| a.en().contains("15-minute observation") && a.en().contains("missed")),
        "{:?}",
        t.alerts
    );
    // Now the next slot is the hourly one, and a round taken now is unscheduled.
    assert!(t.due.unwrap().en().contains("60-minute"));
    assert_eq!(running.slot_at(h.now(), &policy), "unscheduled");
    // The ward list rebuilt from the store shows the same.
    let listed = &h.running().unwrap()[0];
    assert!(listed.timeline(h.now(), &policy).overdue);
}

#[test]
fn a_fever_at_the_15_minute_round_stops_with_a_report_prefilled_with_unit_times_and_vitals() {
    let ward = Ward::new();
    let mut h = ward.open();
    let mut running = started(&mut h);
    ward.minutes(15);
    let mut febrile = vitals(386);
    febrile.hr = Some(112);
    let judgement = h
        .observe(&mut running, febrile, vec!["rigors".into()])
        .unwrap()
        .judgement;
    let Judgement::Stop(draft) = judgement else {
        panic!("38.6 °C after 36.8 must stop: {judgement:?}")
    };
    let stopped = h.now();
    assert_eq!(draft.stopped_at, stopped);
    assert!(draft.trigger.starts_with("FEBRILE"), "{}", draft.trigger);
    assert!(
        draft.suspected.words().en().contains("febrile"),
        "{}",
        draft.suspected.words().en()
    );
    let zh = draft.report.zh();
    for expected in [
        "张伟",
        &running.transfusion.din,
        "36.8",
        "38.6",
        "寒战",
        "基线",
    ] {
        assert!(zh.contains(expected), "report lacks {expected}: {zh}");
    }
    assert!(
        draft.report.en().contains("rigors"),
        "{}",
        draft.report.en()
    );

    // The nurse finishes the report five minutes later: the stop time stays the round's.
    ward.minutes(5);
    h.report_reaction(&running, &draft, draft.report.zh(), draft.serious)
        .unwrap();
    let reaction = h
        .store
        .all_outbox()
        .unwrap()
        .into_iter()
        .find_map(|r| match r.event {
            BedsideEvent::ReactionReported(x) => Some(x),
            _ => None,
        })
        .unwrap();
    assert_eq!(reaction.stopped_at, stopped);
    assert_eq!(reaction.round.slot, "15min");
    assert!(
        h.running().unwrap().is_empty(),
        "a reported transfusion no longer runs"
    );
}

#[test]
fn a_fast_heart_rate_is_a_warning_to_watch_not_a_stop() {
    let ward = Ward::new();
    let mut h = ward.open();
    let mut running = started(&mut h);
    ward.minutes(15);
    let mut fast = vitals(369);
    fast.hr = Some(124);
    match h.observe(&mut running, fast, vec![]).unwrap().judgement {
        Judgement::Watch(alerts) => {
            assert_eq!(alerts.len(), 1);
            assert_eq!(alerts[0].code.as_str(), "TACHYCARDIA");
        }
        other => panic!("{other:?}"),
    }
    assert!(running
        .timeline(h.now(), &Policy::default())
        .due
        .unwrap()
        .en()
        .contains("60-minute"));
}

#[test]
fn an_interruption_survives_a_restart_of_the_app_and_only_a_repeat_check_of_the_same_bag_lifts_it()
{
    let ward = Ward::new();
    let mut h = ward.open();
    let mut running = started(&mut h);
    ward.minutes(20);
    assert!(
        h.interrupt(&mut running, "  ").is_err(),
        "a reason is required"
    );
    h.interrupt(&mut running, "patient to CT / 外出检查")
        .unwrap();
    drop(h);

    // The app restarts 40 minutes later, well past the 30-minute start window of the unit.
    ward.minutes(40);
    let mut h = ward.open();
    let mut running = h.running().unwrap().remove(0);
    let shown = running.timeline(h.now(), &Policy::default());
    assert!(shown.interrupted.unwrap().zh().contains("外出检查"));
    // The bag is stopped: the 15-minute observation, whose window was still open when it
    // stopped, is not missed, and no countdown runs meanwhile.
    assert!(!shown.overdue && !shown.remind, "{:?}", shown.alerts);
    assert!(shown
        .due
        .unwrap()
        .en()
        .contains("wait while the transfusion is interrupted"));

    // Another patient's bag in the repeat check: refused.
    let mut wrong = h.begin_repeat_check(&running).unwrap();
    match checked(&mut h, &mut wrong, "bdpd-000002", "ZY26001002") {
        Err(NotReady::Stopped(reasons)) => {
            assert!(
                reasons.iter().any(|r| r
                    .en()
                    .contains("not the one whose transfusion was interrupted")),
                "{reasons:?}"
            )
        }
        other => panic!("{other:?}"),
    }
    // The same bag: the 30-minute issue window does not apply to a restart.
    let mut repeat = h.begin_repeat_check(&running).unwrap();
    // An hour without a pull: the cache warning must be acknowledged, as at any check.
    match checked(&mut h, &mut repeat, ZHANG_WEI, "ZY26001001") {
        Err(NotReady::Missing(missing)) => {
            assert_eq!(missing.len(), 1);
            assert!(
                missing[0].zh().contains("确认警示") && missing[0].zh().contains("召回"),
                "{:?}",
                missing[0]
            );
        }
        other => panic!("{other:?}"),
    }
    repeat
        .acknowledge(
            ReasonCode::CacheStale,
            "network down on the ward / 病区网络中断",
        )
        .unwrap();
    let ready = repeat.ready(h.now()).unwrap();
    h.restart(&mut running, &ready).unwrap();
    assert!(running.interrupted.is_none());
    assert!(h.running().unwrap()[0].interrupted.is_none());
    // Forty minutes stopped: the schedule runs on infusion time. The 15-minute window has the
    // five minutes it had left, and the 60-minute observation is due 100 minutes after the
    // start on the ward's clock, in this app and in one opened again.
    let policy = Policy::default();
    let start = running.monitor.started_at.unwrap();
    for shown in [running.clone(), h.running().unwrap().remove(0)] {
        assert_eq!(shown.slot_at(h.now(), &policy), "15min");
        assert!(!shown.timeline(h.now(), &policy).overdue);
        let hourly = bedside_core::observations::schedule(&shown.monitor, h.now(), &policy)
            .into_iter()
            .find(|s| s.label == "60min")
            .expect("the hourly slot ahead");
        assert_eq!(hourly.due, start + Duration::minutes(100));
    }
    let actions: Vec<String> = h
        .store
        .audit_trail()
        .unwrap()
        .into_iter()
        .map(|a| a.action)
        .collect();
    assert!(actions.contains(&"transfusion-interrupted".to_string()));
    assert!(actions.contains(&"transfusion-restarted".to_string()));
}

#[test]
fn the_end_records_volume_end_vitals_and_when_the_bag_may_be_discarded() {
    let ward = Ward::new();
    let mut h = ward.open();
    let mut running = started(&mut h);
    assert!(
        !h.waiting()
            .unwrap()
            .iter()
            .any(|p| p.name == "张伟" && p.units > 1),
        "the started unit no longer waits"
    );
    ward.minutes(95);
    assert!(parse_volume("").is_err());
    assert!(parse_volume("2800").unwrap_err().en().contains("2800"));
    let volume = parse_volume(" 250 ").unwrap();
    let end = h.now();
    let ended = h
        .end(&mut running, volume, Some((vitals(369), vec![])))
        .unwrap();
    assert_eq!(
        ended,
        Ended::Normally {
            keep_until: Some(end + Duration::hours(24))
        }
    );
    let last = h.store.all_outbox().unwrap().pop().unwrap();
    match last.event {
        BedsideEvent::Ended(e) => {
            assert_eq!(e.volume_ml, Some(250));
            assert_eq!(e.bag_keep_until, Some(end + Duration::hours(24)));
            assert_eq!(e.round.unwrap().slot, "end");
        }
        other => panic!("{other:?}"),
    }
    assert!(h.running().unwrap().is_empty());
}

#[test]
fn a_fever_at_the_end_observation_is_a_reaction_not_a_normal_end() {
    let ward = Ward::new();
    let mut h = ward.open();
    let mut running = started(&mut h);
    ward.minutes(90);
    match h
        .end(&mut running, 200, Some((vitals(389), vec![])))
        .unwrap()
    {
        Ended::Reaction { draft, .. } => assert!(draft.trigger.contains("FEBRILE")),
        other => panic!("{other:?}"),
    }
    assert_eq!(h.running().unwrap().len(), 1, "not ended until reported");
}

#[test]
fn a_nurse_signed_out_cannot_record_anything() {
    let ward = Ward::new();
    let mut h = ward.open();
    let mut running = started(&mut h);
    h.logout().unwrap();
    assert!(h.observe(&mut running, vitals(370), vec![]).is_err());
    assert!(h.interrupt(&mut running, "x").is_err());
    assert!(h.end(&mut running, 100, None).is_err());
}
