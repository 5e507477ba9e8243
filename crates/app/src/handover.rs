//! Handing a running transfusion over to the next shift's nurse: the nurse signed in hands it
//! over, the receiving nurse signs with her own badge and PIN (as the second checker does), and
//! from then on the transfusion, its board line and its reminders are hers. The rules are here,
//! not in the screens: nurses only, never to oneself, and only a transfusion still running.

use crate::handheld::{ActionError, Handheld};
use crate::port::DeviceStore;
use crate::session::{authenticate, signed_in, LoginError, Role};
use crate::transfuse::RunningTransfusion;
use bedside_clock::Instant;
use bedside_core::audit::AuditAction;
use bedside_core::event::StaffRef;
use bedside_core::messages::Text;
use bedside_core::policy::Policy;
use bedside_core::review::Person;

fn person(staff: &StaffRef) -> Person {
    Person {
        badge: staff.staff_id.clone(),
        name: staff.name.clone(),
    }
}

impl<S: DeviceStore> Handheld<S> {
    /// Hands `running` over from the nurse signed in to the nurse whose badge and PIN these
    /// are. Refused: nobody (or not a nurse) signed in, the receiving badge the signed-in one's
    /// or already responsible, a wrong PIN or unknown badge, a transfusion stopped for a
    /// suspected reaction or no longer running. Recorded (with its audit row) before
    /// `running` changes; returns the receiving nurse.
    pub fn hand_over(
        &mut self,
        running: &mut RunningTransfusion,
        badge: &str,
        pin: &str,
    ) -> Result<Person, ActionError> {
        let from = person(&self.nurse()?);
        Self::not_stopped(running)?;
        let urn = running.transfusion.procedure_uuid.clone();
        if !self
            .running()?
            .iter()
            .any(|r| r.transfusion.procedure_uuid == urn)
        {
            return Err(ActionError::Refused(Text::tr(
                "This transfusion is no longer running: there is nothing to hand over.",
                &[],
            )));
        }
        if badge
            .trim()
            .eq_ignore_ascii_case(&running.responsible.badge)
            && !badge.trim().eq_ignore_ascii_case(&from.badge)
        {
            return Err(ActionError::Refused(Text::tr(
                "{who} is already the responsible nurse of this transfusion.",
                &[("who", &running.responsible.label())],
            )));
        }
        let to = person(&self.receiving_nurse(badge, pin)?);
        let now = self.clock.now();
        self.store.hand_over(&urn, &now, &from, &to)?;
        running.responsible = to.clone();
        Ok(to)
    }

    /// The receiving nurse's badge and PIN, checked like a second checker's: another member of
    /// staff than the one signed in, holding the nurse's role (a charge nurse includes it).
    fn receiving_nurse(&mut self, badge: &str, pin: &str) -> Result<StaffRef, LoginError> {
        let now = self.clock.now();
        let from = self
            .session
            .require(Role::Nurse, now)?
            .staff
            .staff_id
            .clone();
        if badge.trim().eq_ignore_ascii_case(&from) {
            return Err(LoginError::SameNurse);
        }
        let settings = self.session.settings().clone();
        let member = authenticate(
            &mut self.store,
            &now,
            &settings,
            badge,
            pin,
            AuditAction::HandoverSignIn,
        )?;
        if !Role::parse(&member.role).is_some_and(|r| r.includes(Role::Nurse)) {
            return Err(LoginError::NotPermitted {
                needed: Role::Nurse.as_str(),
            });
        }
        self.session.touch(now);
        Ok(signed_in(&member).staff)
    }

    /// The running transfusions whose reminders are the signed-in nurse's (she is responsible
    /// for them) and that ask for her now: an observation can be taken, one was missed, or a
    /// stop is not yet reported.
    pub fn my_reminders(&self) -> Result<Vec<RunningTransfusion>, ActionError> {
        let now = self.clock.now();
        let me = self.session.active(now)?.staff.staff_id.clone();
        let running = self.running()?;
        Ok(reminders_of(&running, &me, now, &self.policy)
            .into_iter()
            .cloned()
            .collect())
    }
}

/// Of `running`, the transfusions nurse `badge` is responsible for that ask for her at `now`.
pub fn reminders_of<'a>(
    running: &'a [RunningTransfusion],
    badge: &str,
    now: Instant,
    policy: &Policy,
) -> Vec<&'a RunningTransfusion> {
    running
        .iter()
        .filter(|r| r.responsible.badge.eq_ignore_ascii_case(badge))
        .filter(|r| r.timeline(now, policy).remind)
        .collect()
}
