//! A day of the demo ward with every kind of record a charge nurse reads — a reaction, a keyed
//! unit number, a near miss, the green channel's emergency release, an interruption with its
//! repeat check and restart, an end while interrupted, a record the blood bank refused — made
//! through the handheld as the nurses' actions make them. The language tests read its screens
//! (tests/ui_records.rs) and its exports (tests/language_leaks.rs) in both languages.

use bedside_app::handheld::Handheld;
use bedside_app::transfuse::RunningTransfusion;
use bedside_app::verify::{NotReady, ReadyToStart, ScanSource, VerifyFlow};

use super::leaks::typed;
use super::*;

/// A check through the handheld, its warnings acknowledged with what the nurse types.
fn ready(h: &mut Handheld, flow: &mut VerifyFlow, dispense: &str, mrn: &str) -> ReadyToStart {
    match checked(h, flow, dispense, mrn) {
        Ok(ready) => ready,
        Err(NotReady::Missing(_)) => acknowledged(h, flow),
        Err(e) => panic!("{dispense}: {e:?}"),
    }
}

fn acknowledged(h: &mut Handheld, flow: &mut VerifyFlow) -> ReadyToStart {
    for (code, _, _) in flow.warnings(h.now()) {
        typed("已电话联系输血科");
        h.acknowledge(flow, code, "已电话联系输血科").unwrap();
    }
    flow.ready(h.now()).unwrap_or_else(|e| panic!("{e:?}"))
}

/// The unit of `dispense` checked for the patient `mrn` and started with a baseline round.
pub fn start(h: &mut Handheld, dispense: &str, mrn: &str) -> RunningTransfusion {
    let mut flow = h.begin_check().unwrap();
    let ready = ready(h, &mut flow, dispense, mrn);
    h.start(&ready, Some((vitals(368), vec![]))).unwrap()
}

/// 王磊's plasma: the DIN keyed from a torn label, with its reason.
fn keyed_start(h: &mut Handheld) -> RunningTransfusion {
    let mut flow = h.begin_check().unwrap();
    h.scan_wristband(&mut flow, "ZY26001003").unwrap();
    let scans = bag_scans(&h.store, "bdpd-000003");
    let din = &scans[0][1..14];
    let check = bedside_core::label::check_character(din).unwrap();
    typed("条码污损");
    let keyed = ScanSource::Keyed {
        reason: "条码污损".into(),
    };
    h.scan_bag(&mut flow, &format!("{din}{check}"), keyed)
        .unwrap();
    for s in &scans[1..] {
        h.scan_bag(&mut flow, s, ScanSource::Scanner).unwrap();
    }
    h.cosign(&mut flow, "N0388", "0388").unwrap();
    for i in 0..3 {
        flow.confirm_visual(i, true);
    }
    flow.confirm_read_aloud(true);
    let ready = acknowledged(h, &mut flow);
    h.start(&ready, Some((vitals(366), vec![]))).unwrap()
}

/// A day of the demo ward with every kind of record: `a_morning` (张伟 runs, 李秀英 stops for a
/// reaction), then a keyed unit number, a near miss (刘芳's wristband, 杨静's bag), the green
/// channel's emergency release, 张伟 interrupted, checked again, restarted and ended, 王磊's
/// plasma ended while interrupted, 杨静's red cells ended. The blood bank refuses 王磊's start
/// (it no longer knows the unit). Returns the handheld with the charge nurse signed in.
pub fn a_day(ward: &Ward) -> Handheld {
    let (mut h, zhang, _) = a_morning(ward);
    h.login("N0451", "0451").unwrap();
    rusqlite::Connection::open(ward.bank.db_path())
        .unwrap()
        .execute(
            "UPDATE resource SET id = 'bdp-gone' WHERE id = 'bdp-a999926400103'",
            [],
        )
        .unwrap();
    let mut wang = keyed_start(&mut h);
    let mut flow = h.begin_check().unwrap();
    h.scan_wristband(&mut flow, "ZY26001004").unwrap();
    for s in bag_scans(&h.store, "bdpd-000006") {
        h.scan_bag(&mut flow, &s, ScanSource::Scanner).unwrap();
    }
    assert!(matches!(flow.ready(h.now()), Err(NotReady::Stopped(_))));
    let summary = cycle(&mut h.store, &settings(&ward.bank.running.base_url));
    assert_eq!(summary.quarantined, 1, "{summary:?}");
    start_green_channel(&mut h);
    let mut yang = start(&mut h, "bdpd-000006", "ZY26001006");
    let running = h.running().unwrap();
    let mut zhang = running
        .into_iter()
        .find(|r| r.transfusion.procedure_uuid == zhang)
        .unwrap();
    typed("患者外出做CT");
    h.interrupt(&mut zhang, "患者外出做CT").unwrap();
    typed("pump alarm, line blocked");
    h.interrupt(&mut wang, "pump alarm, line blocked").unwrap();
    ward.minutes(40);
    let mut flow = h.begin_repeat_check(&zhang).unwrap();
    let again = ready(&mut h, &mut flow, ZHANG_WEI, "ZY26001001");
    h.restart(&mut zhang, &again).unwrap();
    ward.minutes(60);
    h.end(&mut zhang, 250, Some((vitals(369), vec![]))).unwrap();
    h.end(&mut wang, 120, None).unwrap();
    h.observe(&mut yang, vitals(371), vec![]).unwrap();
    h.end(&mut yang, 280, Some((vitals(370), vec![]))).unwrap();
    h.logout().unwrap();
    h.login("C0101", "0101").unwrap();
    h
}
