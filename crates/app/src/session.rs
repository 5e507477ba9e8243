//! Who is using the handheld: badge + PIN login against the device's staff directory (so it
//! works offline), the second checker's co-signature, roles enforced here rather than only
//! hidden in the UI, lock after inactivity, and a badge locked for a while after repeated wrong
//! PINs. PINs exist only as Argon2id hashes.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use bedside_core::audit::AuditAction;
use chrono::Duration;
use std::cell::Cell;

use crate::port::DeviceStore;
use bedside_clock::{Clock, IdSource, Instant};
use bedside_core::event::StaffRef;
use bedside_core::messages::{Lang, Text};
use bedside_store::{StaffMember, StoreError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Nurse,
    ChargeNurse,
}

impl Role {
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "nurse" => Some(Role::Nurse),
            "charge_nurse" => Some(Role::ChargeNurse),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Nurse => "nurse",
            Role::ChargeNurse => "charge_nurse",
        }
    }

    /// A charge nurse can do everything a nurse can, and review the ward.
    pub(crate) fn includes(self, needed: Role) -> bool {
        self == needed || self == Role::ChargeNurse
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct SignedIn {
    pub staff: StaffRef,
    pub role: Role,
}

/// Hospital policy for sessions.
#[derive(Debug, Clone)]
pub struct SessionSettings {
    /// Wrong PINs in a row before the badge is locked.
    pub max_attempts: i64,
    pub lockout_minutes: i64,
    /// Minutes without a touch after which the screen locks and hides patient data.
    pub auto_lock_minutes: i64,
}

impl Default for SessionSettings {
    fn default() -> Self {
        SessionSettings {
            max_attempts: 5,
            lockout_minutes: 15,
            auto_lock_minutes: 2,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error("unknown badge {0}")]
    UnknownBadge(String),
    #[error("wrong PIN; {remaining} tries left")]
    WrongPin { remaining: i64 },
    #[error("badge locked until {until}")]
    Locked { until: String },
    #[error("the second checker must be another member of staff")]
    SameBadge,
    #[error("a transfusion is handed over to another nurse")]
    SameNurse,
    #[error("not signed in")]
    NotSignedIn,
    #[error("this needs the {needed} role")]
    NotPermitted { needed: &'static str },
    #[error("a PIN is 4 to 8 digits")]
    BadPin,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl LoginError {
    /// What the nurse reads.
    pub fn message(&self) -> Text {
        match self {
            LoginError::UnknownBadge(badge) => Text::tr("Badge {badge} is not in this ward's staff list.",
                &[("badge", badge)],
            ),
            LoginError::WrongPin { remaining } => Text::tr("Wrong PIN. {n} tries left before the badge is locked.",
                &[("n", &remaining.to_string())],
            ),
            LoginError::Locked { until } => Text::tr("Too many wrong PINs: this badge is locked until {until}.",
                &[("until", until)],
            ),
            LoginError::SameBadge => Text::tr("The second checker must be someone else: scan another nurse's badge.",
                &[],
            ),
            LoginError::SameNurse => Text::tr("Hand over to another nurse: the receiving nurse signs in with her own badge and PIN.",
                &[],
            ),
            LoginError::NotSignedIn => Text::tr("Sign in first.", &[]),
            LoginError::NotPermitted { needed: "nurse" } => {
                Text::tr("Only a nurse can do this.", &[])
            }
            LoginError::NotPermitted { .. } => Text::tr("Only a charge nurse can do this.",
                &[],
            ),
            LoginError::BadPin => {
                Text::tr("A PIN is 4 to 8 digits.", &[])
            }
            LoginError::Store(e) => Text::tr("The device's database failed: {e}",
                &[("e", &e.to_string())],
            ),
        }
    }

    pub fn text(&self, lang: Lang) -> String {
        self.message().get(lang).to_string()
    }
}

fn valid_pin(pin: &str) -> bool {
    (4..=8).contains(&pin.len()) && pin.bytes().all(|b| b.is_ascii_digit())
}

/// The Argon2id hash of a PIN, salted with 16 bytes from `ids` (injected randomness).
pub fn hash_pin(pin: &str, ids: &dyn IdSource) -> Result<String, LoginError> {
    if !valid_pin(pin) {
        return Err(LoginError::BadPin);
    }
    let salt = SaltString::encode_b64(ids.new_uuid().as_bytes()).map_err(|_| LoginError::BadPin)?;
    Argon2::default()
        .hash_password(pin.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|_| LoginError::BadPin)
}

/// Whether `pin` is the one hashed; a damaged hash matches nothing.
pub fn pin_matches(pin: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(pin.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Checks a badge and PIN against the directory, counting wrong PINs and locking the badge
/// after too many. `action` names the audit entry (`login`, `co-sign`, `unlock`).
pub(crate) fn authenticate(
    store: &mut dyn DeviceStore,
    now: &Instant,
    settings: &SessionSettings,
    badge: &str,
    pin: &str,
    action: AuditAction,
) -> Result<StaffMember, LoginError> {
    let badge = badge.trim();
    let member = match store.staff_member(badge)? {
        Some(m) if m.active => m,
        _ => {
            store.audit(now, badge, AuditAction::LoginUnknownBadge, action.code())?;
            return Err(LoginError::UnknownBadge(badge.to_string()));
        }
    };
    if let Some(until) = member
        .locked_until
        .as_deref()
        .and_then(|u| chrono::DateTime::parse_from_rfc3339(u).ok())
    {
        if *now < until {
            return Err(LoginError::Locked {
                until: until.format("%H:%M").to_string(),
            });
        }
    }
    if valid_pin(pin) && pin_matches(pin, &member.pin_hash) {
        store.login_succeeded(badge, action, now)?;
        return Ok(member);
    }
    // A lock that has run out starts a fresh count.
    let failed = if member.locked_until.is_some() {
        1
    } else {
        member.failed_attempts + 1
    };
    if failed >= settings.max_attempts {
        let until = *now + Duration::minutes(settings.lockout_minutes);
        store.login_failed(badge, Some(&until), now)?;
        return Err(LoginError::Locked {
            until: until.format("%H:%M").to_string(),
        });
    }
    store.login_failed(badge, None, now)?;
    Err(LoginError::WrongPin {
        remaining: settings.max_attempts - failed,
    })
}

pub(crate) fn signed_in(member: &StaffMember) -> SignedIn {
    SignedIn {
        staff: StaffRef {
            staff_id: member.badge.clone(),
            name: member.name.clone(),
            practitioner_id: member.practitioner_id.clone(),
        },
        role: Role::parse(&member.role).unwrap_or(Role::Nurse),
    }
}

/// The handheld's session: at most one member of staff signed in.
#[derive(Debug)]
pub struct Session {
    settings: SessionSettings,
    user: Option<SignedIn>,
    /// Cells: `is_locked` (asked every second) remembers what it found, so that a lock once
    /// reached holds when the clock jumps back, and a clock that went back restarts the count.
    last_touch: Cell<Option<Instant>>,
    locked: Cell<bool>,
}

impl Session {
    pub fn new(settings: SessionSettings) -> Session {
        Session {
            settings,
            user: None,
            last_touch: Cell::new(None),
            locked: Cell::new(false),
        }
    }

    pub fn login(
        &mut self,
        store: &mut dyn DeviceStore,
        clock: &dyn Clock,
        badge: &str,
        pin: &str,
    ) -> Result<SignedIn, LoginError> {
        let now = clock.now();
        let member = authenticate(store, &now, &self.settings, badge, pin, AuditAction::Login)?;
        let user = signed_in(&member);
        self.user = Some(user.clone());
        self.last_touch.set(Some(now));
        self.locked.set(false);
        Ok(user)
    }

    /// The second checker signs with their own badge and PIN; the signed-in nurse cannot
    /// co-sign their own check.
    pub fn cosign(
        &mut self,
        store: &mut dyn DeviceStore,
        clock: &dyn Clock,
        badge: &str,
        pin: &str,
    ) -> Result<StaffRef, LoginError> {
        let first = self.active(clock.now())?.staff.staff_id.clone();
        if badge.trim().eq_ignore_ascii_case(&first) {
            store.audit(
                &clock.now(),
                &first,
                AuditAction::CoSignRefused,
                "same badge as the first checker",
            )?;
            return Err(LoginError::SameBadge);
        }
        let member = authenticate(
            store,
            &clock.now(),
            &self.settings,
            badge,
            pin,
            AuditAction::CoSign,
        )?;
        self.touch(clock.now());
        Ok(signed_in(&member).staff)
    }

    pub(crate) fn settings(&self) -> &SessionSettings {
        &self.settings
    }

    /// Someone touched the screen.
    pub fn touch(&mut self, now: Instant) {
        if !self.is_locked(now) {
            self.last_touch.set(Some(now));
        }
    }

    /// Locked by hand or by inactivity. The device's clock may jump (a wrong time corrected, a
    /// time server reached): a lock once reached stays until the PIN, even if the clock jumps
    /// back before the lock's moment; and inactivity across a backward jump cannot be measured,
    /// so it counts again from the jump (the lock comes late by at most the time before the
    /// jump, never not at all).
    pub fn is_locked(&self, now: Instant) -> bool {
        if self.user.is_none() {
            return false;
        }
        if self.locked.get() {
            return true;
        }
        let locked = match self.last_touch.get() {
            None => true,
            Some(t) if now < t => {
                self.last_touch.set(Some(now));
                false
            }
            Some(t) => now - t >= Duration::minutes(self.settings.auto_lock_minutes),
        };
        if locked {
            self.locked.set(true);
        }
        locked
    }

    pub fn lock(&mut self) {
        if self.user.is_some() {
            self.locked.set(true);
        }
    }

    /// Only the member of staff who is signed in unlocks, with their PIN.
    pub fn unlock(
        &mut self,
        store: &mut dyn DeviceStore,
        clock: &dyn Clock,
        pin: &str,
    ) -> Result<(), LoginError> {
        let badge = self
            .user
            .as_ref()
            .map(|u| u.staff.staff_id.clone())
            .ok_or(LoginError::NotSignedIn)?;
        let now = clock.now();
        authenticate(
            store,
            &now,
            &self.settings,
            &badge,
            pin,
            AuditAction::Unlock,
        )?;
        self.locked.set(false);
        self.last_touch.set(Some(now));
        Ok(())
    }

    pub fn logout(
        &mut self,
        store: &mut dyn DeviceStore,
        clock: &dyn Clock,
    ) -> Result<(), StoreError> {
        if let Some(user) = self.user.take() {
            store.audit(&clock.now(), &user.staff.staff_id, AuditAction::Logout, "")?;
        }
        self.locked.set(false);
        self.last_touch.set(None);
        Ok(())
    }

    /// Who is signed in, if the screen is not locked.
    pub fn active(&self, now: Instant) -> Result<&SignedIn, LoginError> {
        match &self.user {
            Some(_) if self.is_locked(now) => Err(LoginError::NotSignedIn),
            Some(user) => Ok(user),
            None => Err(LoginError::NotSignedIn),
        }
    }

    /// The signed-in member of staff, if their role allows `needed`: every charge-nurse
    /// function asks here, whatever path it was reached by.
    pub fn require(&self, needed: Role, now: Instant) -> Result<&SignedIn, LoginError> {
        let user = self.active(now)?;
        if user.role.includes(needed) {
            Ok(user)
        } else {
            Err(LoginError::NotPermitted {
                needed: needed.as_str(),
            })
        }
    }

    /// Who signed in, even while locked (the lock screen names them).
    pub fn owner(&self) -> Option<&SignedIn> {
        self.user.as_ref()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("line {line}: {why}")]
    Line { line: usize, why: String },
    #[error(transparent)]
    Login(#[from] LoginError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// An admin's staff list, CSV `badge,name,role,pin` (a header line is allowed): every line is
/// checked before any is stored, so a bad file changes nothing. Fields may be quoted, so a name
/// may hold a comma (`"Chen, Jing"`) or a quote (`"Li ""Ann"" Wu"`).
pub fn import_staff(
    store: &mut dyn DeviceStore,
    ids: &dyn IdSource,
    clock: &dyn Clock,
    csv: &str,
    by: &str,
) -> Result<usize, ImportError> {
    let members = staff_rows(csv)?;
    let now = clock.now();
    let count = members.len();
    for (badge, name, role, pin) in members {
        let member = StaffMember {
            practitioner_id: None,
            pin_hash: hash_pin(&pin, ids)?,
            badge,
            name,
            role,
            failed_attempts: 0,
            locked_until: None,
            active: true,
        };
        store.put_staff(&member, &now, by)?;
    }
    Ok(count)
}

/// One checked row of a staff list: badge, name, role, PIN.
type StaffRow = (String, String, String, String);

/// Every member of a staff list, or the first bad line (numbered from 1, as an editor shows
/// it) and what is wrong with it. Blank lines, `#` comments and a first line starting with
/// `badge` (the header) are skipped.
fn staff_rows(list: &str) -> Result<Vec<StaffRow>, ImportError> {
    let text = list.trim_start_matches('\u{feff}');
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .comment(Some(b'#'))
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| ImportError::Line {
            line: e.position().map_or(0, |p| p.line() as usize),
            why: format!("not readable as CSV: {e}"),
        })?;
        let (start, line_no) = record.position().map_or((0, 1), |p| {
            record_start(text, p.byte() as usize, p.line() as usize)
        });
        let raw = text.get(start..).unwrap_or_default().trim_start();
        let fields: Vec<&str> = record.iter().map(str::trim).collect();
        let blank = matches!(fields.as_slice(), [only] if only.is_empty());
        let header = line_no == 1 && raw.starts_with("badge");
        // `#` after spaces too: the reader knows a comment only at the start of a line.
        if blank || header || raw.starts_with('#') {
            continue;
        }
        rows.push(staff_row(&fields, line_no)?);
    }
    Ok(rows)
}

/// Where a record really starts (byte, line): the reader's position is where it began reading,
/// before the blank lines and `#` comment lines it skipped, which a line number must count.
fn record_start(text: &str, mut byte: usize, mut line: usize) -> (usize, usize) {
    let bytes = text.as_bytes();
    while let Some(&b) = bytes.get(byte) {
        match b {
            b'\n' => {
                line += 1;
                byte += 1;
            }
            b'\r' => byte += 1,
            b'#' => match text.get(byte..).and_then(|rest| rest.find('\n')) {
                Some(n) => {
                    line += 1;
                    byte += n + 1;
                }
                None => byte = bytes.len(),
            },
            _ => break,
        }
    }
    (byte, line)
}

/// One line's fields checked: a badge of letters and digits, a name, a known role, a PIN.
fn staff_row(fields: &[&str], line_no: usize) -> Result<StaffRow, ImportError> {
    let [badge, name, role, pin] = fields else {
        return Err(ImportError::Line {
            line: line_no,
            why: format!("expected badge,name,role,pin, got {} fields", fields.len()),
        });
    };
    let bad = |why: &str| ImportError::Line {
        line: line_no,
        why: why.to_string(),
    };
    if badge.is_empty() || !badge.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(bad("the badge must be letters and digits"));
    }
    if name.is_empty() {
        return Err(bad("the name is empty"));
    }
    if Role::parse(role).is_none() {
        return Err(bad("the role must be nurse or charge_nurse"));
    }
    if !valid_pin(pin) {
        return Err(bad("the PIN must be 4 to 8 digits"));
    }
    Ok((
        badge.to_string(),
        name.to_string(),
        role.to_string(),
        pin.to_string(),
    ))
}

/// The demo ward's nurses and charge nurse, each with the PIN of their badge's four digits
/// (N0451 → 0451), shown on the demo login screen.
pub fn seed_demo_staff(
    store: &mut dyn DeviceStore,
    staff: &[(&str, &str, &str)],
    ids: &dyn IdSource,
    clock: &dyn Clock,
) -> Result<(), LoginError> {
    let now = clock.now();
    for &(badge, name, role) in staff {
        if Role::parse(role).is_none() {
            continue;
        }
        let member = StaffMember {
            badge: badge.to_string(),
            name: name.to_string(),
            role: role.to_string(),
            practitioner_id: Some(format!("prac-{}", badge.to_ascii_lowercase())),
            pin_hash: hash_pin(&demo_pin(badge), ids)?,
            failed_attempts: 0,
            locked_until: None,
            active: true,
        };
        store.put_staff(&member, &now, "demo")?;
    }
    Ok(())
}

pub fn demo_pin(badge: &str) -> String {
    badge.chars().filter(char::is_ascii_digit).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(badge: &str, name: &str, role: &str, pin: &str) -> StaffRow {
        (badge.into(), name.into(), role.into(), pin.into())
    }

    fn refusal(list: &str) -> String {
        staff_rows(list).unwrap_err().to_string()
    }

    #[test]
    fn a_quoted_name_may_hold_a_comma_or_a_quote() {
        let list = "badge,name,role,pin\n\
                    N0451,\"Chen, Jing\",nurse,0451\n\
                    C0101,\"Li \"\"Ann\"\" Wu\",charge_nurse,10101\n";
        assert_eq!(
            staff_rows(list).unwrap(),
            vec![
                row("N0451", "Chen, Jing", "nurse", "0451"),
                row("C0101", "Li \"Ann\" Wu", "charge_nurse", "10101"),
            ]
        );
    }

    #[test]
    fn blank_lines_comments_a_header_and_a_byte_order_mark_are_skipped() {
        let list = "\u{feff}badge,name,role,pin\r\n\r\n# ward H5\r\n  # night shift\r\n   \r\n\
                    N0388,刘洋,nurse,0388\r\n";
        assert_eq!(
            staff_rows(list).unwrap(),
            vec![row("N0388", "刘洋", "nurse", "0388")]
        );
    }

    #[test]
    fn a_bad_line_is_named_by_its_number_and_what_is_wrong() {
        assert_eq!(
            refusal("N0451,陈静,nurse,0451\nN0452,\"Chen, Jing\",nurse\n"),
            "line 2: expected badge,name,role,pin, got 3 fields"
        );
        assert_eq!(
            refusal("N0451,Chen, Jing,nurse,0451\n"),
            "line 1: expected badge,name,role,pin, got 5 fields"
        );
        assert_eq!(
            refusal("# staff\n\nN-451,陈静,nurse,0451\n"),
            "line 3: the badge must be letters and digits"
        );
        assert_eq!(
            refusal("N0451,\"  \",nurse,0451"),
            "line 1: the name is empty"
        );
        assert_eq!(
            refusal("N0451,陈静,doctor,0451"),
            "line 1: the role must be nurse or charge_nurse"
        );
        assert_eq!(
            refusal("N0451,陈静,nurse,45"),
            "line 1: the PIN must be 4 to 8 digits"
        );
    }

    #[test]
    fn a_header_is_only_the_first_line() {
        assert_eq!(
            refusal("N0451,陈静,nurse,0451\nbadge,name,role,pin\n"),
            "line 2: the role must be nurse or charge_nurse"
        );
    }
}
