//! An interruption of a running transfusion (the bag stopped: the patient left the ward, the line
//! was lost…) and its restart after the repeat two-person check. While it lasts, the observation
//! schedule stands still (`Transfusion::pauses`, docs/ward-shift.md).

use crate::handheld::{ActionError, Handheld};
use crate::port::DeviceStore;
use crate::transfuse::{Interruption, RunningTransfusion};
use crate::verify::{ReadyToStart, RepeatOf, VerifyFlow};
use bedside_core::audit::AuditAction;
use bedside_core::messages::Text;
use bedside_core::observations::Pause;

impl<S: DeviceStore> Handheld<S> {
    /// Pauses a running transfusion; it may not go on before a repeat check.
    pub fn interrupt(
        &mut self,
        running: &mut RunningTransfusion,
        reason: &str,
    ) -> Result<(), ActionError> {
        let nurse = self.nurse()?;
        Self::not_stopped(running)?;
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(ActionError::Refused(Text::tr(
                "Say why the transfusion is interrupted.",
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
        running.monitor.pauses.push(Pause {
            from: now,
            until: None,
        });
        Ok(())
    }

    /// The repeat check before an interrupted transfusion goes on.
    pub fn begin_repeat_check(
        &mut self,
        running: &RunningTransfusion,
    ) -> Result<VerifyFlow, ActionError> {
        Self::not_stopped(running)?;
        let interrupted = RepeatOf {
            dispense_id: running.transfusion.dispense_id.clone(),
            procedure_urn: running.transfusion.procedure_uuid.clone(),
        };
        self.new_check(Some(interrupted), None)
    }

    /// The repeat check passed: judged again at this instant, then the transfusion goes on.
    pub fn restart(
        &mut self,
        running: &mut RunningTransfusion,
        ready: &ReadyToStart,
    ) -> Result<(), ActionError> {
        let nurse = self.nurse()?;
        Self::not_stopped(running)?;
        if ready.repeat_of.as_ref().map(|r| r.dispense_id.as_str())
            != Some(running.transfusion.dispense_id.as_str())
        {
            return Err(ActionError::Refused(Text::tr(
                "The repeat check was of another bag: check the interrupted bag.",
                &[],
            )));
        }
        self.judge_again(ready, AuditAction::RestartRefused, &nurse)?;
        let now = self.clock.now();
        let restarted = self.store.restart(
            &running.transfusion.procedure_uuid,
            &now,
            &nurse.staff_id,
            &ready.second_checker.staff_id,
        )?;
        if !restarted {
            return Err(ActionError::Refused(Text::tr(
                "This transfusion has no open interruption on this device: nothing was restarted.",
                &[],
            )));
        }
        running.interrupted = None;
        for pause in running.monitor.pauses.iter_mut() {
            pause.until.get_or_insert(now);
        }
        Ok(())
    }
}
