//! What a row of the audit trail records. The codes are written into the append-only,
//! hash-chained trail, so they never change once released: the bedside events kept the
//! snake_case of their outbox kind, every later action is kebab-case.

use crate::event::BedsideEvent;
use crate::messages::{tr_noop, Text};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuditAction {
    /// The bedside events, audited in the transaction that queues them.
    TransfusionStarted,
    ObservationsTaken,
    TransfusionEnded,
    ReactionReported,
    /// The check: a unit number keyed instead of scanned, a warning gone past with a reason, a
    /// stop, a start or restart refused at its own instant.
    UnitNumberKeyed,
    WarningAcknowledged,
    CheckStopped,
    StartRefused,
    RestartRefused,
    TransfusionInterrupted,
    TransfusionRestarted,
    /// Who is at the handheld.
    Login,
    Unlock,
    CoSign,
    CoSignRefused,
    LoginFailed,
    LoginUnknownBadge,
    Logout,
    StaffImported,
    /// The device's configuration, by its fingerprint.
    ConfigLoaded,
    ConfigChanged,
    /// The link: a record the blood bank refused, one sent again by hand, confirmed records
    /// moved to the outbox's archive after the retention period.
    Quarantined,
    Requeued,
    OutboxArchived,
    /// The charge nurse's exports.
    Export,
    /// A crossmatch result that arrived after an emergency unit was started, and a nurse
    /// taking in the alert of an incompatible one (`clinical-rules.md` §6.3).
    LateCrossmatch,
    LateCrossmatchAcknowledged,
    /// A record made under a temporary emergency ID followed the blood bank's merge (§6.2).
    PatientMerged,
    /// A massive-transfusion protocol opened with its kept second checker, and closed (§6.4).
    MassiveTransfusionOpened,
    MassiveTransfusionClosed,
    /// A running transfusion handed over to the next shift's nurse, and that nurse's badge and
    /// PIN accepted for it.
    TransfusionHandedOver,
    HandoverSignIn,
}

impl AuditAction {
    pub const ALL: [AuditAction; 32] = [
        AuditAction::TransfusionStarted,
        AuditAction::ObservationsTaken,
        AuditAction::TransfusionEnded,
        AuditAction::ReactionReported,
        AuditAction::UnitNumberKeyed,
        AuditAction::WarningAcknowledged,
        AuditAction::CheckStopped,
        AuditAction::StartRefused,
        AuditAction::RestartRefused,
        AuditAction::TransfusionInterrupted,
        AuditAction::TransfusionRestarted,
        AuditAction::Login,
        AuditAction::Unlock,
        AuditAction::CoSign,
        AuditAction::CoSignRefused,
        AuditAction::LoginFailed,
        AuditAction::LoginUnknownBadge,
        AuditAction::Logout,
        AuditAction::StaffImported,
        AuditAction::ConfigLoaded,
        AuditAction::ConfigChanged,
        AuditAction::Quarantined,
        AuditAction::Requeued,
        AuditAction::OutboxArchived,
        AuditAction::Export,
        AuditAction::LateCrossmatch,
        AuditAction::LateCrossmatchAcknowledged,
        AuditAction::PatientMerged,
        AuditAction::MassiveTransfusionOpened,
        AuditAction::MassiveTransfusionClosed,
        AuditAction::TransfusionHandedOver,
        AuditAction::HandoverSignIn,
    ];

    /// The code the trail stores.
    pub fn code(self) -> &'static str {
        match self {
            AuditAction::TransfusionStarted => "started",
            AuditAction::ObservationsTaken => "observations_taken",
            AuditAction::TransfusionEnded => "ended",
            AuditAction::ReactionReported => "reaction_reported",
            AuditAction::UnitNumberKeyed => "unit-number-keyed",
            AuditAction::WarningAcknowledged => "warning-acknowledged",
            AuditAction::CheckStopped => "check-stopped",
            AuditAction::StartRefused => "start-refused",
            AuditAction::RestartRefused => "restart-refused",
            AuditAction::TransfusionInterrupted => "transfusion-interrupted",
            AuditAction::TransfusionRestarted => "transfusion-restarted",
            AuditAction::Login => "login",
            AuditAction::Unlock => "unlock",
            AuditAction::CoSign => "co-sign",
            AuditAction::CoSignRefused => "co-sign-refused",
            AuditAction::LoginFailed => "login-failed",
            AuditAction::LoginUnknownBadge => "login-unknown-badge",
            AuditAction::Logout => "logout",
            AuditAction::StaffImported => "staff-imported",
            AuditAction::ConfigLoaded => "config-loaded",
            AuditAction::ConfigChanged => "config-changed",
            AuditAction::Quarantined => "quarantined",
            AuditAction::Requeued => "requeued",
            AuditAction::OutboxArchived => "outbox-archived",
            AuditAction::Export => "export",
            AuditAction::LateCrossmatch => "late-crossmatch",
            AuditAction::LateCrossmatchAcknowledged => "late-crossmatch-acknowledged",
            AuditAction::PatientMerged => "patient-merged",
            AuditAction::MassiveTransfusionOpened => "massive-transfusion-opened",
            AuditAction::MassiveTransfusionClosed => "massive-transfusion-closed",
            AuditAction::TransfusionHandedOver => "transfusion-handed-over",
            AuditAction::HandoverSignIn => "handover-sign-in",
        }
    }

    pub fn parse(code: &str) -> Option<AuditAction> {
        AuditAction::ALL.into_iter().find(|a| a.code() == code)
    }

    /// The action in words, for the trail as a person reads it.
    pub fn title(self) -> Text {
        let msgid = match self {
            AuditAction::TransfusionStarted => tr_noop("transfusion started"),
            AuditAction::ObservationsTaken => tr_noop("vital signs recorded"),
            AuditAction::TransfusionEnded => tr_noop("transfusion ended"),
            AuditAction::ReactionReported => tr_noop("reaction reported"),
            AuditAction::UnitNumberKeyed => tr_noop("unit number keyed in"),
            AuditAction::WarningAcknowledged => tr_noop("warning acknowledged"),
            AuditAction::CheckStopped => tr_noop("check stopped"),
            AuditAction::StartRefused => tr_noop("start refused"),
            AuditAction::RestartRefused => tr_noop("restart refused"),
            AuditAction::TransfusionInterrupted => tr_noop("transfusion interrupted"),
            AuditAction::TransfusionRestarted => tr_noop("transfusion restarted"),
            AuditAction::Login => tr_noop("signed in"),
            AuditAction::Unlock => tr_noop("unlocked"),
            AuditAction::CoSign => tr_noop("second checker signed"),
            AuditAction::CoSignRefused => tr_noop("second checker refused"),
            AuditAction::LoginFailed => tr_noop("sign-in failed"),
            AuditAction::LoginUnknownBadge => tr_noop("unknown badge"),
            AuditAction::Logout => tr_noop("signed out"),
            AuditAction::StaffImported => tr_noop("staff list imported"),
            AuditAction::ConfigLoaded => tr_noop("configuration loaded"),
            AuditAction::ConfigChanged => tr_noop("configuration changed"),
            AuditAction::Quarantined => tr_noop("refused by the blood bank"),
            AuditAction::Requeued => tr_noop("sent again"),
            AuditAction::OutboxArchived => tr_noop("records archived"),
            AuditAction::Export => tr_noop("exported"),
            AuditAction::LateCrossmatch => tr_noop("late crossmatch result"),
            AuditAction::LateCrossmatchAcknowledged => tr_noop("late crossmatch alert seen"),
            AuditAction::PatientMerged => tr_noop("patient ID merged"),
            AuditAction::MassiveTransfusionOpened => tr_noop("massive transfusion protocol opened"),
            AuditAction::MassiveTransfusionClosed => tr_noop("massive transfusion protocol closed"),
            AuditAction::TransfusionHandedOver => tr_noop("transfusion handed over"),
            AuditAction::HandoverSignIn => tr_noop("handover nurse signed in"),
        };
        Text::tr(msgid, &[])
    }

    /// A stored action code in words; a code this version does not know is shown as stored.
    pub fn words_of(code: &str) -> Text {
        AuditAction::parse(code).map_or_else(|| Text::same(code), AuditAction::title)
    }

    /// The row that goes with a bedside event into the trail.
    pub fn of_event(event: &BedsideEvent) -> AuditAction {
        match event {
            BedsideEvent::Started(_) => AuditAction::TransfusionStarted,
            BedsideEvent::ObservationsTaken(_) => AuditAction::ObservationsTaken,
            BedsideEvent::Ended(_) => AuditAction::TransfusionEnded,
            BedsideEvent::ReactionReported(_) => AuditAction::ReactionReported,
            BedsideEvent::NearMiss(_) => AuditAction::CheckStopped,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_has_its_own_code_and_reads_back() {
        let mut codes: Vec<&str> = AuditAction::ALL.iter().map(|a| a.code()).collect();
        for action in AuditAction::ALL {
            assert_eq!(AuditAction::parse(action.code()), Some(action));
        }
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), AuditAction::ALL.len());
        assert_eq!(AuditAction::parse("something-else"), None);
    }
}
