//! Handing a running transfusion over to the next shift's nurse (issue 20.5), through the
//! handheld with a clock the test moves: 陈静 (N0451) starts 张伟's transfusion, and at the end
//! of her shift hands it over to 刘洋 (N0388), who signs with her own badge and PIN. The
//! handover is in the audit trail, the board and the record name 刘洋, and the reminders are
//! hers. Refused: to herself, a wrong PIN, to the nurse who already has it, nobody signed in,
//! a transfusion stopped for a reaction, one that has ended.

mod common;

use bedside_app::handheld::ActionError;
use bedside_app::session::LoginError;
use bedside_app::transfuse::Judgement;
use common::*;

fn refused_words(result: Result<bedside_core::review::Person, ActionError>) -> String {
    match result {
        Ok(to) => panic!("handed over to {to:?}, expected a refusal"),
        Err(e) => e.message().en().to_string(),
    }
}

#[test]
fn a_running_transfusion_is_handed_over_recorded_and_shown_as_the_next_nurses() {
    let ward = Ward::new();
    let mut h = ward.open(); // 陈静, N0451
    let mut running = started(&mut h);
    assert_eq!(running.responsible.badge, "N0451");

    // To herself, or with 刘洋's PIN mistyped: refused, nothing changes.
    match h.hand_over(&mut running, "n0451", "0451") {
        Err(ActionError::Login(LoginError::SameNurse)) => {}
        other => panic!("{other:?}"),
    }
    match h.hand_over(&mut running, "N0388", "9999") {
        Err(ActionError::Login(LoginError::WrongPin { .. })) => {}
        other => panic!("{other:?}"),
    }
    assert_eq!(running.responsible.badge, "N0451");
    assert_eq!(audited(&h.store, "transfusion-handed-over", "N0451"), 0);

    // 刘洋 signs: the transfusion is hers, on this screen and in the list read from the store.
    let to = h.hand_over(&mut running, " N0388 ", "0388").unwrap();
    assert_eq!((to.badge.as_str(), to.name.as_str()), ("N0388", "刘洋"));
    assert_eq!(running.responsible, to);
    let listed = h.running().unwrap().remove(0);
    assert_eq!(listed.responsible, to);
    let policy = bedside_core::policy::Policy::default();
    assert!(listed
        .timeline(h.now(), &policy)
        .responsible
        .zh()
        .contains("刘洋"));
    let row = h
        .store
        .audit_trail()
        .unwrap()
        .into_iter()
        .find(|a| a.action == "transfusion-handed-over")
        .expect("the handover in the audit trail");
    assert_eq!(row.actor, "N0451");
    assert!(row.detail.contains("from N0451 to N0388"), "{}", row.detail);
    assert_eq!(audited(&h.store, "handover-sign-in", "N0388"), 1);

    // Handing it to 刘洋 again is refused: she already has it.
    let again = refused_words(h.hand_over(&mut running, "N0388", "0388"));
    assert!(again.contains("already the responsible nurse"), "{again}");

    // The 15-minute window opens: the reminder is 刘洋's, not 陈静's.
    ward.minutes(12);
    assert!(h.my_reminders().unwrap().is_empty(), "陈静 has handed over");
    h.logout().unwrap();
    assert!(matches!(
        h.hand_over(&mut running, "N0502", "0502"),
        Err(ActionError::Login(LoginError::NotSignedIn))
    ));
    h.login("N0388", "0388").unwrap();
    let mine = h.my_reminders().unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].transfusion.patient_name, "张伟");

    // The charge nurse's board and the record name 刘洋 now.
    h.logout().unwrap();
    h.login("C0101", "0101").unwrap();
    let board = h.board().unwrap();
    assert_eq!(board.running[0].running.responsible.name, "刘洋");
    assert_eq!(board.running[0].running.started_by.name, "陈静");
    let record = h.review(&running.transfusion.procedure_uuid).unwrap();
    assert_eq!(record.responsible().badge, "N0388");
    assert_eq!(record.handovers.len(), 1);
    assert!(record
        .timeline()
        .iter()
        .any(|l| l.what.en() == "handed over by 陈静 (N0451) to 刘洋 (N0388)"));
    assert!(record
        .audit
        .iter()
        .any(|a| a.action == "transfusion-handed-over"));
}

#[test]
fn a_transfusion_stopped_for_a_reaction_or_ended_is_not_handed_over() {
    let ward = Ward::new();
    let mut h = ward.open();
    let mut zhang = started(&mut h);
    let mut flow = h.begin_check().unwrap();
    let ready = checked(&mut h, &mut flow, LI_XIUYING, "ZY26001002").unwrap();
    let mut li = h.start(&ready, Some((vitals(366), vec![]))).unwrap();
    ward.minutes(15);
    let judged = h
        .observe(&mut li, vitals(390), vec!["rigors".into()])
        .unwrap();
    assert!(matches!(judged.judgement, Judgement::Stop(_)));
    let stopped = refused_words(h.hand_over(&mut li, "N0388", "0388"));
    assert!(stopped.contains("suspected reaction"), "{stopped}");

    h.end(&mut zhang, 40, None).unwrap();
    let ended = refused_words(h.hand_over(&mut zhang, "N0388", "0388"));
    assert!(ended.contains("no longer running"), "{ended}");
    assert_eq!(audited(&h.store, "transfusion-handed-over", "N0451"), 0);
}
