//! The handheld as the UI sees it: one value owning the store, the injected clock and ids, the
//! policy and the session, offering the nurse's and the charge nurse's actions. Every action
//! asks the session first, so a role is enforced here whatever screen or path reaches it.

use crate::app::record::{CheckFacts, RecordError, Recorder};
use crate::app::session::{LoginError, Role, Session, SessionSettings, SignedIn};
use crate::app::transfuse::{Interruption, Judgement, ReactionDraft, RunningTransfusion};
use crate::app::verify::{patients_waiting, ReadyToStart, VerifyFlow, WaitingPatient};
use crate::clock::Instant;
use crate::clock::{Clock, IdSource};
use crate::domain::check::{CacheSnapshot, ClockFacts, IssueRecord};
use crate::domain::event::{StaffRef, TransfusionRef, WardRef};
use crate::domain::messages::Text;
use crate::domain::observations::Vitals;
use crate::domain::policy::Policy;
use crate::store::{OutboxCounts, Store, StoreError};

/// How an end went.
#[derive(Debug, Clone, PartialEq)]
pub enum Ended {
    Normally {
        keep_until: Option<Instant>,
    },
    /// The end observation raised a stop trigger: report the reaction.
    Reaction(Box<ReactionDraft>),
}

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
    #[error("the export could not be made: {0}")]
    Export(String),
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

    /// The signed-in nurse (or charge nurse), and the action counts as activity for the
    /// auto-lock.
    fn nurse(&mut self) -> Result<StaffRef, LoginError> {
        let now = self.clock.now();
        let staff = self.session.require(Role::Nurse, now)?.staff.clone();
        self.session.touch(now);
        Ok(staff)
    }

    fn recorder(&mut self) -> Recorder<'_> {
        Recorder {
            store: &mut self.store,
            clock: self.clock.as_ref(),
            ids: self.ids.as_ref(),
        }
    }

    /// What the blood bank issued, as this device's cache holds it.
    pub(crate) fn issued(&self) -> Result<Vec<IssueRecord>, StoreError> {
        Ok(self.store.cached()?.issue_records().0)
    }

    /// Everything the check reads from this device, as it is now: the one place a check (at
    /// the scans, and again at Start) gets its view of the cache.
    pub fn snapshot(&self) -> Result<CacheSnapshot, StoreError> {
        let (issued, _problems) = self.store.cached()?.issue_records();
        Ok(CacheSnapshot {
            issued,
            unreadable: Vec::new(),
            synced_at: self.store.cache_synced_at()?,
            clock: ClockFacts::default(),
        })
    }

    /// A check by the signed-in nurse against the cache: a new one, or the repeat check of
    /// `repeat_of` (a dispense whose transfusion was interrupted).
    fn new_check(&mut self, repeat_of: Option<&str>) -> Result<VerifyFlow, ActionError> {
        let first = self.nurse()?;
        let (issued, synced, policy) = (
            self.issued()?,
            self.store.cache_synced_at()?,
            self.policy.clone(),
        );
        Ok(match repeat_of {
            Some(dispense) => VerifyFlow::repeat(first, issued, synced, policy, dispense),
            None => VerifyFlow::new(first, issued, synced, policy),
        })
    }

    /// A new bedside check by the signed-in nurse, against the cache.
    pub fn begin_check(&mut self) -> Result<VerifyFlow, ActionError> {
        self.new_check(None)
    }

    /// The second checker's badge and PIN, into the flow.
    pub fn cosign(
        &mut self,
        flow: &mut VerifyFlow,
        badge: &str,
        pin: &str,
    ) -> Result<StaffRef, LoginError> {
        self.nurse()?;
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
    ) -> Result<RunningTransfusion, ActionError> {
        let nurse = self.nurse()?;
        let ward = self.ward.clone();
        let mut recorder = self.recorder();
        let baseline = baseline.map(|v| recorder.round("baseline", v, vec![], &nurse));
        let check = CheckFacts {
            second_checker: ready.second_checker.clone(),
            checked_at: ready.checked_at,
            acknowledgements: ready.acknowledgements.clone(),
            issued_at: Some(ready.record.issued_at),
            patient_mrn: Some(ready.record.patient.mrn.clone()),
            scans: ready.scans.clone(),
            keyed_reasons: ready.keyed_reasons.clone(),
        };
        let transfusion = recorder.start(&ready.dispense_id, ward, &nurse, check, baseline)?;
        if !ready.keyed_reasons.is_empty() {
            self.store.audit(
                &self.clock.now(),
                &nurse.staff_id,
                "unit-number-keyed",
                &format!("{}: {}", transfusion.din, ready.keyed_reasons.join("; ")),
            )?;
        }
        (self.on_recorded)();
        self.running_one(&transfusion)
    }

    fn running_one(&self, t: &TransfusionRef) -> Result<RunningTransfusion, ActionError> {
        self.running()?
            .into_iter()
            .find(|r| r.transfusion.procedure_uuid == t.procedure_uuid)
            .ok_or_else(|| {
                ActionError::Refused(Text::fill(
                    "The transfusion was recorded but cannot be read back; check the device.",
                    "输血已记录但无法读取，请检查设备。",
                    &[],
                ))
            })
    }

    /// The transfusions started on this device and still running, rebuilt from the store (so
    /// they survive an app restart), each with its open interruption.
    pub fn running(&self) -> Result<Vec<RunningTransfusion>, ActionError> {
        self.running_of(&self.issued()?)
    }

    /// Patients with units issued and not yet started on this device.
    pub fn waiting(&self) -> Result<Vec<WaitingPatient>, ActionError> {
        self.waiting_of(self.issued()?)
    }

    /// The ward list: running transfusions and waiting patients, from one read of the cache
    /// (the list is redrawn every second).
    pub fn ward_list(&self) -> Result<(Vec<RunningTransfusion>, Vec<WaitingPatient>), ActionError> {
        let issued = self.issued()?;
        Ok((self.running_of(&issued)?, self.waiting_of(issued)?))
    }

    pub(crate) fn running_of(
        &self,
        issued: &[IssueRecord],
    ) -> Result<Vec<RunningTransfusion>, ActionError> {
        let events = self.store.open_transfusion_events()?;
        let mut running = RunningTransfusion::from_events(&events, |dispense| {
            issued
                .iter()
                .filter(|r| r.dispense_id == dispense)
                .map(|r| r.issued_at)
                .max()
        });
        for r in &mut running {
            r.interrupted = self
                .store
                .open_interruption(&r.transfusion.procedure_uuid)?
                .map(|i| Interruption {
                    at: i.at,
                    reason: i.reason,
                });
        }
        Ok(running)
    }

    fn waiting_of(&self, issued: Vec<IssueRecord>) -> Result<Vec<WaitingPatient>, ActionError> {
        Ok(patients_waiting(&self.not_started(issued)?))
    }

    /// The issue records whose unit has not been started on this device.
    pub(crate) fn not_started(
        &self,
        issued: Vec<IssueRecord>,
    ) -> Result<Vec<IssueRecord>, StoreError> {
        let started = self.store.started_dispenses()?;
        Ok(issued
            .into_iter()
            .filter(|r| !started.contains(&r.dispense_id))
            .collect())
    }

    /// A round of vital signs for a running transfusion, and what it means.
    pub fn observe(
        &mut self,
        running: &mut RunningTransfusion,
        vitals: Vitals,
        symptoms: Vec<String>,
    ) -> Result<Judgement, ActionError> {
        let nurse = self.nurse()?;
        let slot = running.slot_at(self.clock.now(), &self.policy);
        let mut recorder = self.recorder();
        let round = recorder.round(&slot, vitals, symptoms, &nurse);
        recorder.observe(&running.transfusion, round.clone())?;
        running.apply(&round);
        (self.on_recorded)();
        Ok(running.judge(&round, &self.policy))
    }

    /// The transfusion stopped for a suspected reaction: the report goes to the blood bank.
    /// `report` is the draft's text as the nurse finished it.
    pub fn report_reaction(
        &mut self,
        running: &RunningTransfusion,
        draft: &ReactionDraft,
        report: &str,
        serious: bool,
    ) -> Result<(), ActionError> {
        let nurse = self.nurse()?;
        let mut recorder = self.recorder();
        recorder.reaction(
            &running.transfusion,
            draft.stopped_at,
            &format!("{} / {}", draft.suspected.en, draft.suspected.zh),
            &draft.trigger,
            report,
            serious,
            draft.round.clone(),
            &nurse,
        )?;
        (self.on_recorded)();
        Ok(())
    }

    /// The end: volume, the end observation if taken, and the time the empty bag may go. An end
    /// observation that raises a stop trigger is recorded as a round and returned as a reaction
    /// instead: the transfusion is then reported, not ended normally.
    pub fn end(
        &mut self,
        running: &mut RunningTransfusion,
        volume_ml: u32,
        end_vitals: Option<(Vitals, Vec<String>)>,
    ) -> Result<Ended, ActionError> {
        let nurse = self.nurse()?;
        let now = self.clock.now();
        let keep_until = running.keep_until(now, &self.policy);
        let policy = self.policy.clone();
        let mut recorder = self.recorder();
        let round = end_vitals.map(|(v, s)| recorder.round("end", v, s, &nurse));
        if let Some(round) = &round {
            if let Judgement::Stop(draft) = running.judge(round, &policy) {
                recorder.observe(&running.transfusion, round.clone())?;
                running.apply(round);
                (self.on_recorded)();
                return Ok(Ended::Reaction(draft));
            }
        }
        let note = running
            .interrupted
            .as_ref()
            .map(|i| format!("ended while interrupted ({})", i.reason));
        recorder.end(
            &running.transfusion,
            Some(volume_ml),
            keep_until,
            round,
            note,
            &nurse,
        )?;
        (self.on_recorded)();
        Ok(Ended::Normally { keep_until })
    }

    /// Pauses a running transfusion; it may not go on before a repeat check.
    pub fn interrupt(
        &mut self,
        running: &mut RunningTransfusion,
        reason: &str,
    ) -> Result<(), ActionError> {
        let nurse = self.nurse()?;
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(ActionError::Refused(Text::fill(
                "Say why the transfusion is interrupted.",
                "请填写暂停输注的原因。",
                &[],
            )));
        }
        let now = self.clock.now();
        self.store.interrupt(
            &running.transfusion.procedure_uuid,
            &now,
            &nurse.staff_id,
            reason,
        )?;
        running.interrupted = Some(Interruption {
            at: now,
            reason: reason.to_string(),
        });
        Ok(())
    }

    /// The repeat check before an interrupted transfusion goes on.
    pub fn begin_repeat_check(
        &mut self,
        running: &RunningTransfusion,
    ) -> Result<VerifyFlow, ActionError> {
        self.new_check(Some(&running.transfusion.dispense_id))
    }

    /// The repeat check passed: the transfusion goes on.
    pub fn restart(
        &mut self,
        running: &mut RunningTransfusion,
        ready: &ReadyToStart,
    ) -> Result<(), ActionError> {
        let nurse = self.nurse()?;
        if ready.dispense_id != running.transfusion.dispense_id {
            return Err(ActionError::Refused(Text::fill(
                "The repeat check was of another bag: check the interrupted bag.",
                "重新核对的不是暂停的血袋：请核对暂停的血袋。",
                &[],
            )));
        }
        self.store.restart(
            &running.transfusion.procedure_uuid,
            &self.clock.now(),
            &nurse.staff_id,
            &ready.second_checker.staff_id,
        )?;
        running.interrupted = None;
        Ok(())
    }

    /// The time now, from the injected clock.
    pub fn now(&self) -> Instant {
        self.clock.now()
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
