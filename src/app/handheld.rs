//! The handheld as the UI sees it: one value owning the store, the injected clock and ids, the
//! policy and the session, offering the nurse's and the charge nurse's actions. Every action
//! asks the session first, so a role is enforced here whatever screen or path reaches it.

use crate::app::record::{RecordError, Recorder};
use crate::app::session::{LoginError, Role, Session, SessionSettings, SignedIn};
use crate::app::verify::{ReadyToStart, VerifyFlow};
use crate::clock::{Clock, IdSource};
use crate::domain::event::{ObservationRound, StaffRef, TransfusionRef, WardRef};
use crate::domain::messages::Text;
use crate::domain::observations::Vitals;
use crate::domain::policy::Policy;
use crate::store::{OutboxCounts, Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum ActionError {
    #[error(transparent)]
    Login(#[from] LoginError),
    #[error(transparent)]
    Record(#[from] RecordError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{}", .0.en)]
    Refused(Text),
}

impl ActionError {
    pub fn message(&self) -> Text {
        match self {
            ActionError::Login(e) => e.message(),
            ActionError::Refused(t) => t.clone(),
            other => Text {
                en: other.to_string(),
                zh: format!("操作未完成：{other}"),
            },
        }
    }
}

pub struct Handheld {
    pub store: Store,
    pub clock: Box<dyn Clock>,
    pub ids: Box<dyn IdSource>,
    pub policy: Policy,
    pub ward: WardRef,
    pub session: Session,
    /// Called after anything is queued for the blood bank (the link pushes it promptly).
    pub on_recorded: Box<dyn Fn() + Send>,
}

impl Handheld {
    pub fn new(
        store: Store,
        clock: Box<dyn Clock>,
        ids: Box<dyn IdSource>,
        policy: Policy,
        ward: WardRef,
        session: SessionSettings,
    ) -> Handheld {
        Handheld {
            store,
            clock,
            ids,
            policy,
            ward,
            session: Session::new(session),
            on_recorded: Box::new(|| {}),
        }
    }

    pub fn login(&mut self, badge: &str, pin: &str) -> Result<SignedIn, LoginError> {
        self.session
            .login(&mut self.store, self.clock.as_ref(), badge, pin)
    }

    pub fn unlock(&mut self, pin: &str) -> Result<(), LoginError> {
        self.session
            .unlock(&mut self.store, self.clock.as_ref(), pin)
    }

    pub fn touch(&mut self) {
        self.session.touch(self.clock.now());
    }

    pub fn is_locked(&self) -> bool {
        self.session.is_locked(self.clock.now())
    }

    pub fn logout(&mut self) -> Result<(), StoreError> {
        self.session.logout(&mut self.store, self.clock.as_ref())
    }

    fn nurse(&self) -> Result<StaffRef, LoginError> {
        Ok(self
            .session
            .require(Role::Nurse, self.clock.now())?
            .staff
            .clone())
    }

    fn recorder(&mut self) -> Recorder<'_> {
        Recorder {
            store: &mut self.store,
            clock: self.clock.as_ref(),
            ids: self.ids.as_ref(),
        }
    }

    /// A new bedside check by the signed-in nurse, against the cache.
    pub fn begin_check(&self) -> Result<VerifyFlow, ActionError> {
        let first = self.nurse()?;
        let (issued, _problems) = self.store.cached()?.issue_records();
        Ok(VerifyFlow::new(
            first,
            issued,
            self.store.cache_synced_at()?,
            self.policy.clone(),
        ))
    }

    /// The second checker's badge and PIN, into the flow.
    pub fn cosign(
        &mut self,
        flow: &mut VerifyFlow,
        badge: &str,
        pin: &str,
    ) -> Result<StaffRef, LoginError> {
        let second = self
            .session
            .cosign(&mut self.store, self.clock.as_ref(), badge, pin)?;
        flow.second_checker_signed(second.clone());
        Ok(second)
    }

    /// A stopped check stays on the device, in the audit trail.
    pub fn record_stopped_check(&mut self, flow: &VerifyFlow) -> Result<(), ActionError> {
        let nurse = self.nurse()?;
        let now = self.clock.now();
        self.store.audit(
            &now,
            &nurse.staff_id,
            "check-stopped",
            &flow.stop_record(now),
        )?;
        Ok(())
    }

    /// The check passed: the transfusion starts, with the baseline round if taken.
    pub fn start(
        &mut self,
        ready: &ReadyToStart,
        baseline: Option<Vitals>,
    ) -> Result<TransfusionRef, ActionError> {
        let nurse = self.nurse()?;
        let ward = self.ward.clone();
        let mut recorder = self.recorder();
        let baseline: Option<ObservationRound> =
            baseline.map(|v| recorder.round("baseline", v, vec![], &nurse));
        let transfusion = recorder.start(
            &ready.dispense_id,
            ward,
            &nurse,
            &ready.second_checker,
            ready.checked_at,
            ready.acknowledgements.clone(),
            baseline,
        )?;
        if !ready.keyed_reasons.is_empty() {
            self.store.audit(
                &self.clock.now(),
                &nurse.staff_id,
                "unit-number-keyed",
                &format!("{}: {}", transfusion.din, ready.keyed_reasons.join("; ")),
            )?;
        }
        (self.on_recorded)();
        Ok(transfusion)
    }

    /// A round of vital signs for a running transfusion.
    pub fn observe(
        &mut self,
        transfusion: &TransfusionRef,
        slot: &str,
        vitals: Vitals,
        symptoms: Vec<String>,
    ) -> Result<ObservationRound, ActionError> {
        let nurse = self.nurse()?;
        let mut recorder = self.recorder();
        let round = recorder.round(slot, vitals, symptoms, &nurse);
        recorder.observe(transfusion, round.clone())?;
        (self.on_recorded)();
        Ok(round)
    }

    /// The transfusion stopped for a suspected reaction: the report goes to the blood bank.
    pub fn report_reaction(
        &mut self,
        transfusion: &TransfusionRef,
        suspected: &str,
        trigger: &str,
        actions_taken: &str,
        serious: bool,
        round: ObservationRound,
    ) -> Result<(), ActionError> {
        let nurse = self.nurse()?;
        let mut recorder = self.recorder();
        recorder.reaction(
            transfusion,
            suspected,
            trigger,
            actions_taken,
            serious,
            round,
            &nurse,
        )?;
        (self.on_recorded)();
        Ok(())
    }

    /// Outbox counts for the status bar; any signed-in member of staff.
    pub fn outbox(&self) -> Result<OutboxCounts, StoreError> {
        self.store.outbox_counts()
    }

    /// Puts a quarantined record back in the queue: charge nurse only.
    pub fn requeue(&mut self, seq: i64) -> Result<bool, ActionError> {
        let charge = self
            .session
            .require(Role::ChargeNurse, self.clock.now())?
            .staff
            .staff_id
            .clone();
        let done = self.store.requeue(seq, &charge, &self.clock.now())?;
        (self.on_recorded)();
        Ok(done)
    }
}
