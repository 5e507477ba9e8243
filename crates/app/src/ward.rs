//! The charge nurse's side of the handheld: the live ward board, the review of the ward's
//! records, the quality indicators with their drill-down, and the exports. Every action asks the
//! session for the charge-nurse role first, so no screen or command line path reaches them with
//! a nurse's badge.

use bedside_core::audit::AuditAction;
use chrono::{DateTime, Duration, FixedOffset, NaiveDate, TimeZone};

use crate::handheld::{ActionError, Handheld};
use crate::port::DeviceStore;
use crate::session::Role;
use crate::transfuse::{ReactionDraft, RunningTransfusion, Timeline};
use bedside_clock::Instant;
use bedside_core::check::{DispenseStatus, IssueRecord};
use bedside_core::event::{BedsideEvent, StaffRef};
use bedside_core::messages::{Lang, Text};
use bedside_core::quality::{self, Indicator};
use bedside_core::review::{
    Outcome, PeriodReport, Person, ReviewQuery, ReviewRow, TransfusionReview,
};
use bedside_export::Format;
use bedside_fhir::outcome::refused_words;
/// The outbox's counts as the board shows them.
pub use bedside_store::OutboxCounts;
use bedside_store::{quality_record, OutboxRecord, OutboxState};
use bedside_sync::problem::problem_words;

/// One transfusion running on the ward.
#[derive(Debug, Clone)]
pub struct BoardTransfusion {
    pub running: RunningTransfusion,
    pub timeline: Timeline,
    pub minutes: i64,
    /// A round that raised a stop trigger while no reaction report was sent (the app closed
    /// before the report, or the report failed): the charge nurse must follow it up.
    pub unreported_stop: Option<Text>,
    /// The patient's bed, when the blood bank says it.
    pub bed: Option<String>,
}

/// A unit issued to the ward and not yet started, against its start window.
#[derive(Debug, Clone, PartialEq)]
pub struct WaitingUnit {
    pub patient_name: String,
    pub patient_id: String,
    pub din: String,
    pub dispense_id: String,
    pub issued_at: Instant,
    /// Minutes left of the start window (negative once it has passed).
    pub minutes_left: i64,
}

/// A record the blood bank has not accepted yet.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingRecord {
    pub seq: i64,
    pub what: Text,
    pub patient_name: String,
    pub quarantined: bool,
    /// The blood bank's reason (quarantined) or the last failed attempt's error.
    pub reason: Option<Text>,
    pub attempts: i64,
}

#[derive(Debug, Clone)]
pub struct WardBoard {
    pub at: Instant,
    pub running: Vec<BoardTransfusion>,
    pub waiting: Vec<WaitingUnit>,
    /// Transfusions stopped for a suspected reaction in the last 24 hours.
    pub reactions: Vec<ReviewRow>,
    pub outbox: OutboxCounts,
    pub pending: Vec<PendingRecord>,
}

/// A day at midnight in `offset` (the hospital's time), or an RFC 3339 instant.
pub fn parse_day(text: &str, offset: FixedOffset) -> Result<Instant, Text> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text.trim()) {
        return Ok(t);
    }
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .and_then(|t| offset.from_local_datetime(&t).single())
        .ok_or_else(|| {
            Text::tr(
                "`{text}` is not a day: write it as 2026-11-01.",
                &[("text", text)],
            )
        })
}

/// The first day of the month of `at`, and of the next month.
pub fn month_of(at: Instant) -> (Instant, Instant) {
    let first = |y: i32, m: u32| {
        NaiveDate::from_ymd_opt(y, m, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .and_then(|t| at.offset().from_local_datetime(&t).single())
            .unwrap_or(at)
    };
    let (y, m) = (chrono::Datelike::year(&at), chrono::Datelike::month(&at));
    let next = if m == 12 {
        first(y + 1, 1)
    } else {
        first(y, m + 1)
    };
    (first(y, m), next)
}

/// A stop trigger no reaction report followed, in the charge nurse's words.
fn unreported_stop(draft: &ReactionDraft) -> Text {
    let (at, suspected) = (
        draft.stopped_at.format("%H:%M").to_string(),
        draft.suspected.words(),
    );
    Text::tr_with(
        "Stop trigger at {at} ({suspected}): no reaction report was sent",
        &[("at", (&at).into()), ("suspected", (&suspected).into())],
    )
}

/// An outbox record as the board lists it, with the blood bank's reason or the last error.
fn pending_record(r: OutboxRecord) -> PendingRecord {
    PendingRecord {
        seq: r.seq,
        what: event_words(&r),
        patient_name: r.event.patient_name().to_string(),
        quarantined: r.state == OutboxState::Quarantined,
        reason: pending_reason(&r),
        attempts: r.attempts,
    }
}

/// What a record is, in words (the outbox keeps its kind as a code).
fn event_words(record: &OutboxRecord) -> Text {
    BedsideEvent::kind_words(record.event.kind())
}

/// Why a record waits, for the charge nurse: the blood bank's reason for a quarantined one (in
/// our words for a reason code we know, else in the blood bank's own), else what the last
/// attempt ran into. The codes and the technical detail stay with the record.
fn pending_reason(r: &OutboxRecord) -> Option<Text> {
    if r.state == OutboxState::Quarantined || r.reason_code.is_some() {
        return Some(refused_words(
            r.reason_code.as_deref(),
            r.reason_text.as_deref(),
        ));
    }
    r.last_error.as_deref().map(problem_words)
}

impl<S: DeviceStore> Handheld<S> {
    /// The signed-in charge nurse; the action counts as activity for the auto-lock.
    fn charge_nurse(&mut self) -> Result<StaffRef, ActionError> {
        let staff = self.signed_in_charge_nurse()?;
        self.session.touch(self.clock.now());
        Ok(staff)
    }

    /// The signed-in charge nurse, without counting as activity: for what the screen redraws on
    /// its own, which must not keep an unattended handheld unlocked.
    fn signed_in_charge_nurse(&self) -> Result<StaffRef, ActionError> {
        let now = self.clock.now();
        Ok(self.session.require(Role::ChargeNurse, now)?.staff.clone())
    }

    /// The live ward board: what runs (by patient), what waits, what has not reached the blood
    /// bank. The screen redraws it every second, so reading it is not activity for the lock.
    pub fn board(&self) -> Result<WardBoard, ActionError> {
        self.signed_in_charge_nurse()?;
        let now = self.clock.now();
        let issued = self.issued()?;
        let running = self.board_running(&issued, now)?;
        let waiting = self.board_waiting(issued, now)?;
        let reactions = self.store.review_rows(
            &ReviewQuery {
                from: Some(now - Duration::hours(24)),
                outcome: Some(Outcome::Reaction),
                ..ReviewQuery::default()
            },
            50,
        )?;
        // A long offline night queues thousands of rounds: the board lists the first 200.
        let pending: Vec<PendingRecord> = self
            .store
            .pending(200)?
            .into_iter()
            .map(pending_record)
            .collect();
        Ok(WardBoard {
            at: now,
            running,
            waiting,
            reactions,
            outbox: self.store.outbox_counts()?,
            pending,
        })
    }

    /// The running transfusions, what needs the charge nurse first at the top: an unreported
    /// stop, then a missed round.
    fn board_running(
        &self,
        issued: &[IssueRecord],
        now: Instant,
    ) -> Result<Vec<BoardTransfusion>, ActionError> {
        let mut running: Vec<BoardTransfusion> = self
            .running_of(issued)?
            .into_iter()
            .map(|r| BoardTransfusion {
                bed: issued
                    .iter()
                    .find(|i| i.dispense_id == r.transfusion.dispense_id)
                    .and_then(|i| i.patient.bed.clone()),
                unreported_stop: r.stop.as_deref().map(unreported_stop),
                timeline: r.timeline(now, &self.policy),
                minutes: r
                    .monitor
                    .started_at
                    .map_or(0, |s| (now - s).num_minutes().max(0)),
                running: r,
            })
            .collect();
        let urgency = |t: &BoardTransfusion| (t.unreported_stop.is_none(), !t.timeline.overdue);
        running.sort_by(|a, b| {
            (urgency(a), &a.running.transfusion.patient_name)
                .cmp(&(urgency(b), &b.running.transfusion.patient_name))
        });
        Ok(running)
    }

    /// The units issued and not yet hung, the one whose start window closes first at the top.
    fn board_waiting(
        &self,
        issued: Vec<IssueRecord>,
        now: Instant,
    ) -> Result<Vec<WaitingUnit>, ActionError> {
        let window = self.policy.start_within_minutes;
        let mut waiting: Vec<WaitingUnit> = self
            .not_started(issued)?
            .iter()
            .filter(|r| r.status == DispenseStatus::Issued)
            .map(|r| WaitingUnit {
                patient_name: r.patient.name.clone(),
                patient_id: r.patient.mrn.clone(),
                din: r.unit.din.clone(),
                dispense_id: r.dispense_id.clone(),
                issued_at: r.issued_at,
                minutes_left: window - (now - r.issued_at).num_minutes(),
            })
            .collect();
        waiting.sort_by_key(|w| w.minutes_left);
        Ok(waiting)
    }

    /// The ward's transfusions matching `query`, most recent first.
    pub fn review_list(
        &mut self,
        query: &ReviewQuery,
        limit: usize,
    ) -> Result<Vec<ReviewRow>, ActionError> {
        self.charge_nurse()?;
        Ok(self.store.review_rows(query, limit)?)
    }

    /// One transfusion's whole record.
    pub fn review(&mut self, procedure_urn: &str) -> Result<TransfusionReview, ActionError> {
        self.charge_nurse()?;
        self.store.review(procedure_urn)?.ok_or_else(|| {
            ActionError::Refused(Text::tr(
                "No transfusion {id} on this device.",
                &[("id", procedure_urn)],
            ))
        })
    }

    /// The quality indicators of the transfusions issued in `[from, to)`.
    pub fn indicators(
        &mut self,
        from: Instant,
        to: Instant,
    ) -> Result<Vec<Indicator>, ActionError> {
        self.charge_nurse()?;
        Ok(self.period_indicators(from, to)?.1)
    }

    fn period_indicators(
        &self,
        from: Instant,
        to: Instant,
    ) -> Result<(Vec<TransfusionReview>, Vec<Indicator>), ActionError> {
        let reviews = self.store.reviews_in(from, to)?;
        let reported = self.store.reactions_reported(from, to)?;
        let near_misses = self.store.near_misses_in(from, to)?;
        let records: Vec<_> = reviews
            .iter()
            .map(|r| quality_record(r, reported.get(&r.procedure_urn).copied()))
            .collect();
        let indicators = quality::indicators(
            &records,
            &near_misses,
            from,
            to,
            self.clock.now(),
            &self.policy,
        );
        Ok((reviews, indicators))
    }

    /// The period's indicators with every transfusion behind them.
    pub fn period_report(
        &mut self,
        from: Instant,
        to: Instant,
    ) -> Result<PeriodReport, ActionError> {
        let charge = self.charge_nurse()?;
        self.report_of(&charge, from, to).map(|(report, _)| report)
    }

    fn report_of(
        &self,
        charge: &StaffRef,
        from: Instant,
        to: Instant,
    ) -> Result<(PeriodReport, Vec<TransfusionReview>), ActionError> {
        let (reviews, indicators) = self.period_indicators(from, to)?;
        let rows = reviews.iter().map(bedside_export::row_of).collect();
        Ok((
            PeriodReport {
                ward: self.ward.name.clone(),
                from,
                to,
                generated_at: self.clock.now(),
                generated_by: Person {
                    badge: charge.staff_id.clone(),
                    name: charge.name.clone(),
                },
                indicators,
                rows,
            },
            reviews,
        ))
    }

    /// The period's records in `format`, and how many transfusions they hold; audited (who
    /// exported what, when).
    pub fn export_period(
        &mut self,
        from: Instant,
        to: Instant,
        format: Format,
        lang: Lang,
    ) -> Result<(Vec<u8>, usize), ActionError> {
        let charge = self.charge_nurse()?;
        let (bytes, count) = match format {
            Format::Fhir => {
                let count = self.store.review_count(from, to)?;
                let events = self.store.events_of_period(from, to)?;
                (
                    bedside_export::fhir_collection(
                        &events,
                        &self.clock.now(),
                        &self.store.mapping().mrn_system,
                    ),
                    count,
                )
            }
            Format::Csv => {
                let reviews = self.store.reviews_in(from, to)?;
                (
                    bedside_export::csv_transfusions(&reviews, lang),
                    reviews.len(),
                )
            }
            Format::Pdf => {
                let (report, reviews) = self.report_of(&charge, from, to)?;
                let pdf = bedside_export::period_pdf(&report, lang)?;
                (pdf, reviews.len())
            }
        };
        let what = format!(
            "{format} of {count} transfusions, {} .. {}",
            from.to_rfc3339(),
            to.to_rfc3339()
        );
        self.audit_export(&charge, &what, None)?;
        Ok((bytes, count))
    }

    /// One transfusion's record as a PDF, audited on that record.
    pub fn export_record(
        &mut self,
        procedure_urn: &str,
        lang: Lang,
    ) -> Result<Vec<u8>, ActionError> {
        let review = self.review(procedure_urn)?;
        let charge = self.charge_nurse()?;
        let bytes = bedside_export::transfusion_pdf(&review, lang)?;
        self.audit_export(&charge, "pdf record", Some(procedure_urn))?;
        Ok(bytes)
    }

    fn audit_export(
        &mut self,
        charge: &StaffRef,
        what: &str,
        subject: Option<&str>,
    ) -> Result<(), ActionError> {
        let now = self.clock.now();
        match subject {
            Some(urn) => {
                self.store
                    .audit_about(&now, &charge.staff_id, AuditAction::Export, what, urn)?
            }
            None => self
                .store
                .audit(&now, &charge.staff_id, AuditAction::Export, what)?,
        }
        Ok(())
    }
}
