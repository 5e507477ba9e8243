//! The handheld as the UI sees it: one value owning the store, the injected clock and ids, the
//! policy and the session, offering the nurse's and the charge nurse's actions. Every action
//! asks the session first, so a role is enforced here whatever screen or path reaches it.

use crate::port::DeviceStore;
use crate::record::{CheckFacts, RecordError, Recorder};
use crate::session::{LoginError, Role, Session, SessionSettings, SignedIn};
use crate::transfuse::{Interruption, Judgement, ReactionDraft, RunningTransfusion};
use crate::verify::{
    patients_waiting, ReadyToStart, RepeatOf, ScanSource, VerifyFlow, WaitingPatient,
};
use bedside_clock::Instant;
use bedside_clock::{Clock, IdSource};
use bedside_core::audit::AuditAction;
use bedside_core::check::{CacheSnapshot, ClockFacts, IssueRecord, ReasonCode};
use bedside_core::event::{ObservationRound, StaffRef, TransfusionRef, WardRef};
use bedside_core::messages::Text;
use bedside_core::observations::Vitals;
use bedside_core::policy::Policy;
use bedside_core::transition::Refusal;
use bedside_store::{OutboxCounts, Store, StoreError};

/// How an end went.
#[derive(Debug, Clone, PartialEq)]
pub enum Ended {
    Normally {
        keep_until: Option<Instant>,
    },
    /// The end observation raised a stop trigger: report the reaction. `not_saved` says why
    /// the round is not yet written (it is kept and written again).
    Reaction {
        draft: Box<ReactionDraft>,
        not_saved: Option<Text>,
    },
}

/// A round as judged, and whether the store took it.
#[derive(Debug, Clone, PartialEq)]
pub struct Observed {
    pub judgement: Judgement,
    /// Why the round is not yet written (kept, and written again by `retry_unsaved`).
    pub not_saved: Option<Text>,
}

fn not_saved_words(error: &RecordError) -> Text {
    let detail = error.message();
    Text::tr_with(
        "NOT SAVED YET ({detail}) The round is kept on screen and saved again every second. Do not close the app.",
        &[("detail", (&detail).into())],
    )
}

#[derive(Debug, thiserror::Error)]
pub enum ActionError {
    #[error(transparent)]
    Login(#[from] LoginError),
    #[error(transparent)]
    Record(#[from] RecordError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{}", .0.en())]
    Refused(Text),
    /// The check, run again at the start or the restart, stops.
    #[error("the check stops: {}", .refusal.codes().join(", "))]
    CheckStopped {
        refusal: Refusal,
        /// Why the refusal could not be kept in the audit trail.
        not_kept: Option<Box<StoreError>>,
    },
    #[error(transparent)]
    Export(#[from] bedside_export::pdf::PdfError),
}

impl ActionError {
    pub fn message(&self) -> Text {
        match self {
            ActionError::Login(e) => e.message(),
            ActionError::Refused(t) => t.clone(),
            ActionError::Store(e) => e.message(),
            ActionError::Record(e) => e.message(),
            ActionError::CheckStopped { refusal, not_kept } => {
                let mut lines = refusal.messages();
                if let Some(why) = not_kept {
                    lines.push(Text::tr_with(
                        "(This stop could not be kept in the audit trail: {why})",
                        &[("why", (&why.message()).into())],
                    ));
                }
                Text::join(&lines, "\n")
            }
            ActionError::Export(e) => e.message(),
        }
    }
}

/// The one entry of the screens. Generic over the store it records in: the device's SQLite
/// (`Store`, the default) or, in a test, any other `DeviceStore`.
pub struct Handheld<S: DeviceStore = Store> {
    pub store: S,
    pub clock: Box<dyn Clock>,
    pub ids: Box<dyn IdSource>,
    pub policy: Policy,
    pub ward: WardRef,
    pub session: Session,
    /// Called after anything is queued for the blood bank (the link pushes it promptly).
    pub on_recorded: Box<dyn Fn() + Send>,
    /// Rounds judged and shown but not yet written (the store failed): written again until
    /// they are.
    unsaved: Vec<(TransfusionRef, ObservationRound)>,
    /// An open massive-transfusion protocol (`massive`); closed at sign-out.
    pub(crate) massive: Option<bedside_core::massive::Protocol>,
}

impl<S: DeviceStore> Handheld<S> {
    pub fn new(
        store: S,
        clock: Box<dyn Clock>,
        ids: Box<dyn IdSource>,
        policy: Policy,
        ward: WardRef,
        session: SessionSettings,
    ) -> Handheld<S> {
        Handheld {
            store,
            clock,
            ids,
            policy,
            ward,
            session: Session::new(session),
            on_recorded: Box::new(|| {}),
            unsaved: Vec::new(),
            massive: None,
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
        self.end_massive_transfusion("sign-out")?;
        self.session.logout(&mut self.store, self.clock.as_ref())
    }

    /// The signed-in nurse (or charge nurse), and the action counts as activity for the
    /// auto-lock.
    pub(crate) fn nurse(&mut self) -> Result<StaffRef, LoginError> {
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
        let (issued, problems) = self.store.cached()?.issue_records();
        let server_clock = self.store.server_clock()?;
        let latest_audit = self.store.latest_audit_at()?;
        Ok(CacheSnapshot {
            issued,
            unreadable: problems.iter().map(|p| p.unreadable()).collect(),
            synced_at: self.store.cache_synced_at()?,
            clock: ClockFacts {
                server_offset_seconds: server_clock
                    .map(|(server, device)| (device - server).num_seconds()),
                latest_known: server_clock.map(|(server, _)| server).max(latest_audit),
            },
        })
    }

    /// A check by the signed-in nurse against the cache: a new one (for the patient chosen
    /// from the list, if any), or the repeat check of `repeat_of` (a dispense whose transfusion
    /// was interrupted).
    pub(crate) fn new_check(
        &mut self,
        repeat_of: Option<RepeatOf>,
        chosen: Option<WaitingPatient>,
    ) -> Result<VerifyFlow, ActionError> {
        let first = self.nurse()?;
        let (snapshot, policy) = (self.snapshot()?, self.policy.clone());
        Ok(match repeat_of {
            Some(interrupted) => VerifyFlow::repeat(first, snapshot, policy, interrupted),
            None => VerifyFlow::new(first, snapshot, policy).for_patient(chosen),
        })
    }

    /// A new bedside check by the signed-in nurse, against the cache.
    pub fn begin_check(&mut self) -> Result<VerifyFlow, ActionError> {
        self.new_check(None, None)
    }

    /// A new bedside check of the patient chosen from the ward list: the wristband must be
    /// theirs.
    pub fn begin_check_for(&mut self, chosen: WaitingPatient) -> Result<VerifyFlow, ActionError> {
        self.new_check(None, Some(chosen))
    }

    /// The wristband, into the flow; the patient it names. A check that now stops for a near
    /// miss is kept in the audit trail at once (a killed app keeps it).
    pub fn scan_wristband(
        &mut self,
        flow: &mut VerifyFlow,
        text: &str,
    ) -> Result<String, ActionError> {
        self.nurse()?;
        let name = flow.scan_wristband(text).map_err(ActionError::Refused)?;
        self.keep_near_miss(flow)?;
        Ok(name)
    }

    /// A bag barcode, into the flow; a near miss it reveals is kept in the audit trail at once.
    pub fn scan_bag(
        &mut self,
        flow: &mut VerifyFlow,
        text: &str,
        source: ScanSource,
    ) -> Result<(), ActionError> {
        self.nurse()?;
        flow.scan_bag(text, source).map_err(ActionError::Refused)?;
        self.keep_near_miss(flow)
    }

    /// A check stopped for a wrong-blood reason is a near miss: queued for the blood bank (an
    /// AdverseEvent, `actuality` potential) with its audit row, in one transaction, once per
    /// stop reason. Once this returns it survives a killed app and will be sent.
    fn keep_near_miss(&mut self, flow: &mut VerifyFlow) -> Result<(), ActionError> {
        let now = self.clock.now();
        let Some(mut near_miss) = flow.new_near_miss(now, &self.ward) else {
            return Ok(());
        };
        let nurse = self.nurse()?;
        // Its identifier is made once, here: a resend of its bundle can never store it twice.
        near_miss.adverse_event_uuid = bedside_clock::urn(&self.ids.new_uuid());
        if let Some(dispense) = &near_miss.dispense_id {
            near_miss.product_id = self
                .store
                .cached()?
                .transfusion_ref(dispense, &near_miss.adverse_event_uuid, self.ward.clone())
                .map(|t| t.product_id);
        }
        self.recorder().near_miss(&near_miss, &nurse)?;
        flow.near_miss_kept(&near_miss);
        (self.on_recorded)();
        Ok(())
    }

    /// The check goes on against the cache as it is now (after its start was refused).
    pub fn renew_check(&self, flow: &mut VerifyFlow) -> Result<(), StoreError> {
        flow.renew(self.snapshot()?);
        Ok(())
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

    /// A warning seen and accepted by the signed-in nurse with a reason: into the flow (the
    /// start records it) and into the audit trail now.
    pub fn acknowledge(
        &mut self,
        flow: &mut VerifyFlow,
        code: ReasonCode,
        reason: &str,
    ) -> Result<(), ActionError> {
        let nurse = self.nurse()?;
        flow.acknowledge(code, reason)
            .map_err(ActionError::Refused)?;
        self.store.audit(
            &self.clock.now(),
            &nurse.staff_id,
            AuditAction::WarningAcknowledged,
            &format!("{}: {}", code.as_str(), reason.trim()),
        )?;
        Ok(())
    }

    /// The check passed: the transfusion starts, with the baseline round if taken. The whole
    /// check runs again first, at this instant and against the cache as it is now: a start an
    /// hour after its check meets the 30-minute rule, the expiry and any recall pulled since.
    pub fn start(
        &mut self,
        ready: &ReadyToStart,
        baseline: Option<(Vitals, Vec<String>)>,
    ) -> Result<RunningTransfusion, ActionError> {
        let nurse = self.nurse()?;
        self.judge_again(ready, AuditAction::StartRefused, &nurse)?;
        let ward = self.ward.clone();
        let mut recorder = self.recorder();
        let baseline = baseline.map(|(v, s)| recorder.round("baseline", v, s, &nurse));
        let check = CheckFacts {
            second_checker: ready.second_checker.clone(),
            checked_at: ready.checked_at,
            acknowledgements: ready.acknowledgements.clone(),
            issued_at: Some(ready.record.issued_at),
            patient_mrn: Some(ready.record.patient.mrn.clone()),
            scans: ready.scans(),
            keyed_reasons: ready.keyed_reasons.clone(),
            emergency: crate::record::emergency_start(&ready.record),
        };
        let transfusion = recorder.start(&ready.dispense_id, ward, &nurse, check, baseline)?;
        (self.on_recorded)();
        self.running_one(&transfusion)
    }

    /// `ready`'s check again at this instant; a refusal is kept in the audit trail (`action`, by
    /// the signed-in `nurse`) and returned, the refusal first whatever the store says.
    pub(crate) fn judge_again(
        &mut self,
        ready: &ReadyToStart,
        action: AuditAction,
        nurse: &StaffRef,
    ) -> Result<(), ActionError> {
        let now = self.clock.now();
        let verdict = match (self.snapshot(), self.store.started_dispenses()) {
            (Ok(snapshot), Ok(started)) => ready.recheck(&snapshot, &self.policy, now, &started),
            (Err(e), _) | (_, Err(e)) => return Err(e.into()),
        };
        let Err(refusal) = verdict else {
            return Ok(());
        };
        let detail = format!(
            "{}: {}; checked at {}; wristband {:?}; bag scans {:?}",
            ready.dispense_id,
            refusal.codes().join(", "),
            ready.checked_at.to_rfc3339(),
            ready.wristband_scan,
            ready.bag_scans
        );
        let audit = self.store.audit(&now, &nurse.staff_id, action, &detail);
        Err(ActionError::CheckStopped {
            refusal,
            not_kept: audit.err().map(Box::new),
        })
    }

    fn running_one(&self, t: &TransfusionRef) -> Result<RunningTransfusion, ActionError> {
        self.running()?
            .into_iter()
            .find(|r| r.transfusion.procedure_uuid == t.procedure_uuid)
            .ok_or_else(|| {
                ActionError::Refused(Text::tr(
                    "The transfusion was recorded but cannot be read back; check the device.",
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
        let mut running = RunningTransfusion::from_events(
            &events,
            |dispense| {
                issued
                    .iter()
                    .filter(|r| r.dispense_id == dispense)
                    .map(|r| r.issued_at)
                    .max()
            },
            &self.policy,
        );
        for r in &mut running {
            // A round judged but not yet written is still the transfusion's: its stop holds.
            for (t, round) in &self.unsaved {
                if t.procedure_uuid == r.transfusion.procedure_uuid {
                    r.record_round(round, &self.policy);
                }
            }
            r.monitor.pauses = self.store.pauses(&r.transfusion.procedure_uuid)?;
            if let Some(last) = self.store.handovers(&r.transfusion.procedure_uuid)?.pop() {
                r.responsible = last.to;
            }
            r.interrupted = self
                .store
                .open_interruption(&r.transfusion.procedure_uuid)?
                .map(|i| Interruption {
                    at: i.at,
                    reason: i.reason,
                });
        }
        crate::patient_merge::follow_on_running(&mut running, issued);
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

    /// Refuses what a transfusion stopped for a suspected reaction may no longer do.
    pub(crate) fn not_stopped(running: &RunningTransfusion) -> Result<(), ActionError> {
        match running.stop {
            Some(_) => Err(ActionError::Refused(Text::tr("This transfusion was stopped for a suspected reaction: do not restart it; send the reaction report.",
                &[],
            ))),
            None => Ok(()),
        }
    }

    /// A round of vital signs for a running transfusion, and what it means. The round is judged
    /// before it is written: a STOP is shown whatever the store says, and a round the store
    /// could not take is kept and written again (`retry_unsaved`) until it is.
    pub fn observe(
        &mut self,
        running: &mut RunningTransfusion,
        vitals: Vitals,
        symptoms: Vec<String>,
    ) -> Result<Observed, ActionError> {
        let nurse = self.nurse()?;
        Self::not_stopped(running)?;
        let slot = running.slot_at(self.clock.now(), &self.policy);
        let round = self.recorder().round(&slot, vitals, symptoms, &nurse);
        let judgement = running.record_round(&round, &self.policy);
        let not_saved = self.write_round(&running.transfusion, round);
        Ok(Observed {
            judgement,
            not_saved,
        })
    }

    /// Writes a judged round, or keeps it to write again; the words for a failure.
    fn write_round(&mut self, t: &TransfusionRef, round: ObservationRound) -> Option<Text> {
        match self.recorder().observe(t, round.clone()) {
            Ok(()) => {
                (self.on_recorded)();
                None
            }
            Err(e) => {
                self.unsaved.push((t.clone(), round));
                Some(not_saved_words(&e))
            }
        }
    }

    /// Rounds judged but not yet written, and why the last write failed.
    pub fn unsaved(&self) -> usize {
        self.unsaved.len()
    }

    /// Writes the rounds the store could not take earlier, oldest first; the words for what is
    /// still not saved (`None` once all are).
    pub fn retry_unsaved(&mut self) -> Option<Text> {
        while let Some((t, round)) = self.unsaved.first().cloned() {
            if let Err(e) = self.recorder().observe(&t, round) {
                return Some(not_saved_words(&e));
            }
            self.unsaved.remove(0);
            (self.on_recorded)();
        }
        None
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
        // Sent as drafted, in either language: the record keeps a code, so the report reads in
        // its reader's language; edited, it is the nurse's words.
        let as_drafted = [draft.report.en(), draft.report.zh()]
            .iter()
            .any(|d| d.trim() == report.trim());
        let report = if as_drafted {
            bedside_core::review::REACTION_REPORT_AS_DRAFTED
        } else {
            report
        };
        // The report follows its round: a round still unsaved is written first.
        if let Some(words) = self.retry_unsaved() {
            return Err(ActionError::Refused(words));
        }
        let mut recorder = self.recorder();
        recorder.reaction(
            &running.transfusion,
            draft.stopped_at,
            draft.suspected.code(),
            &draft.trigger,
            report,
            serious,
            draft.round.clone(),
            &nurse,
        )?;
        (self.on_recorded)();
        Ok(())
    }

    /// The end: volume, the end observation if taken, and the time the empty bag may go. The
    /// end round is judged first: one that raises a stop trigger is recorded as a round (kept
    /// to write again if the store fails) and returned as a reaction to report instead.
    pub fn end(
        &mut self,
        running: &mut RunningTransfusion,
        volume_ml: u32,
        end_vitals: Option<(Vitals, Vec<String>)>,
    ) -> Result<Ended, ActionError> {
        let nurse = self.nurse()?;
        Self::not_stopped(running)?;
        let now = self.clock.now();
        let keep_until = running.keep_until(now, &self.policy);
        let round = end_vitals.map(|(v, s)| self.recorder().round("end", v, s, &nurse));
        if let Some(round) = &round {
            if let Judgement::Stop(draft) = running.judge_round(round, &self.policy) {
                running.record_round(round, &self.policy);
                let not_saved = self.write_round(&running.transfusion, round.clone());
                return Ok(Ended::Reaction { draft, not_saved });
            }
        }
        let note = running
            .interrupted
            .as_ref()
            .map(|i| bedside_core::review::ended_while_interrupted_note(&i.reason));
        self.recorder().end(
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
