//! The ward's staff as this device knows them: imported members, PIN attempts and locks.

use bedside_core::audit::AuditAction;
use rusqlite::{params, OptionalExtension, TransactionBehavior};

use bedside_clock::Instant;

use crate::audit::append_audit;
use crate::{stamp, Store, StoreError};

/// A member of the ward's staff as this device knows them.
#[derive(Debug, Clone, PartialEq)]
pub struct StaffMember {
    pub badge: String,
    pub name: String,
    /// `nurse` or `charge_nurse`.
    pub role: String,
    pub practitioner_id: Option<String>,
    /// Argon2id PHC string; never the PIN.
    pub pin_hash: String,
    pub failed_attempts: i64,
    /// RFC 3339; the badge refuses PINs until then.
    pub locked_until: Option<String>,
    pub active: bool,
}

impl Store {
    /// Adds or replaces a member of staff (admin import, or the demo seed), with the PIN's hash.
    pub fn put_staff(
        &mut self,
        member: &StaffMember,
        at: &Instant,
        by: &str,
    ) -> Result<(), StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO staff (badge, name, role, practitioner_id, pin_hash, active)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (badge) DO UPDATE SET name = excluded.name, role = excluded.role,
               practitioner_id = excluded.practitioner_id, pin_hash = excluded.pin_hash,
               active = excluded.active, failed_attempts = 0, locked_until = NULL",
            params![
                member.badge,
                member.name,
                member.role,
                member.practitioner_id,
                member.pin_hash,
                member.active
            ],
        )?;
        append_audit(
            &tx,
            at,
            by,
            AuditAction::StaffImported,
            &format!("{} {} ({})", member.badge, member.name, member.role),
            None,
        )?;
        tx.commit()?;
        Ok(())
    }

    pub fn staff_member(&self, badge: &str) -> Result<Option<StaffMember>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT badge, name, role, practitioner_id, pin_hash, failed_attempts, locked_until, active
                 FROM staff WHERE badge = ?1",
                [badge],
                |r| {
                    Ok(StaffMember {
                        badge: r.get(0)?,
                        name: r.get(1)?,
                        role: r.get(2)?,
                        practitioner_id: r.get(3)?,
                        pin_hash: r.get(4)?,
                        failed_attempts: r.get(5)?,
                        locked_until: r.get(6)?,
                        active: r.get(7)?,
                    })
                },
            )
            .optional()?)
    }

    pub fn staff_count(&self) -> Result<usize, StoreError> {
        let n: i64 = self
            .conn
            .query_row("SELECT count(*) FROM staff", [], |r| r.get(0))?;
        Ok(n as usize)
    }

    /// Counts a wrong PIN (and locks the badge until `locked_until` when given); the attempt is
    /// audited either way.
    pub fn login_failed(
        &mut self,
        badge: &str,
        locked_until: Option<&Instant>,
        at: &Instant,
    ) -> Result<(), StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "UPDATE staff SET failed_attempts = failed_attempts + 1,
               locked_until = coalesce(?2, locked_until) WHERE badge = ?1",
            params![badge, locked_until.map(stamp)],
        )?;
        let detail = match locked_until {
            Some(until) => format!("{badge}: wrong PIN; badge locked until {}", stamp(until)),
            None => format!("{badge}: wrong PIN"),
        };
        append_audit(&tx, at, badge, AuditAction::LoginFailed, &detail, None)?;
        tx.commit()?;
        Ok(())
    }

    /// A right PIN: the count of wrong ones starts again; the action is audited.
    pub fn login_succeeded(
        &mut self,
        badge: &str,
        action: AuditAction,
        at: &Instant,
    ) -> Result<(), StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "UPDATE staff SET failed_attempts = 0, locked_until = NULL WHERE badge = ?1",
            [badge],
        )?;
        append_audit(&tx, at, badge, action, "", None)?;
        tx.commit()?;
        Ok(())
    }
}
