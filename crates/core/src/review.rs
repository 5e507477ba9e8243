//! A transfusion as the charge nurse reviews it (and as the exports print it): the check that let
//! it start, every round of vital signs, interruptions, the end or the reaction, where its
//! records stand with the blood bank, and its audit trail. Plain data, filled by the store from
//! what the device recorded; the screens, the CSV and the PDF all read this one shape.

use crate::Instant;

use crate::blood::Component;
use crate::messages::{tr_noop, Text};
use crate::observations::suspected_words;
use crate::observations::Vitals;
use crate::quality::Indicator;

/// A member of staff as recorded: badge and name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub badge: String,
    pub name: String,
}

impl Person {
    /// `陈静 (N0451)`.
    pub fn label(&self) -> String {
        if self.name.is_empty() {
            self.badge.clone()
        } else {
            format!("{} ({})", self.name, self.badge)
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    Running,
    Interrupted,
    Ended,
    Reaction,
}

impl Outcome {
    pub fn code(self) -> &'static str {
        match self {
            Outcome::Running => "running",
            Outcome::Interrupted => "interrupted",
            Outcome::Ended => "ended",
            Outcome::Reaction => "reaction",
        }
    }

    pub fn parse(code: &str) -> Option<Outcome> {
        [
            Outcome::Running,
            Outcome::Interrupted,
            Outcome::Ended,
            Outcome::Reaction,
        ]
        .into_iter()
        .find(|o| o.code() == code)
    }

    pub fn words(self) -> Text {
        let msgid = match self {
            Outcome::Running => tr_noop("running"),
            Outcome::Interrupted => tr_noop("interrupted"),
            Outcome::Ended => tr_noop("completed"),
            Outcome::Reaction => tr_noop("stopped: reaction"),
        };
        Text::tr(msgid, &[])
    }
}

/// The two-person check that let the transfusion start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckDetail {
    pub at: Instant,
    pub first: Person,
    pub second: Person,
    /// The texts as scanned, in order: wristband first, then the bag's labels.
    pub scans: Vec<String>,
    /// Why a unit number was keyed in instead of scanned (empty when everything was scanned).
    pub keyed_reasons: Vec<String>,
    /// Warnings acknowledged to go on: (code, reason given).
    pub acknowledgements: Vec<(String, String)>,
    /// The doctor's authorisation when the unit was released in an emergency (§6).
    pub emergency: Option<crate::event::EmergencyStart>,
}

/// One round of vital signs.
#[derive(Debug, Clone, PartialEq)]
pub struct Round {
    pub at: Instant,
    /// `baseline`, `15min`, `60min`, …, `end`, `unscheduled`, `reaction`.
    pub slot: String,
    pub vitals: Vitals,
    pub symptoms: Vec<String>,
    pub taken_by: Person,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interruption {
    pub at: Instant,
    pub reason: String,
    pub by: String,
    pub restarted_at: Option<Instant>,
    pub restarted_by: Option<String>,
    pub second_checker: Option<String>,
}

/// A running transfusion handed over by the nurse signed in (`from`) to the next shift's nurse
/// (`to`), who is responsible for it from `at`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handover {
    pub at: Instant,
    pub from: Person,
    pub to: Person,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReactionDetail {
    pub stopped_at: Instant,
    pub suspected: String,
    pub trigger: String,
    pub actions_taken: String,
    pub serious: bool,
    pub recorded_by: Person,
}

/// Where the transfusion's records stand with the blood bank.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncState {
    pub sent: u32,
    pub unsent: u32,
    /// Records the blood bank refused (quarantined).
    pub refused: u32,
    /// Each refused record. Read with one record's review; a period's reviews carry only the
    /// count.
    pub quarantined: Vec<RefusedRecord>,
}

/// A record the blood bank refused, as the outbox keeps it: codes, and the blood bank's words.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RefusedRecord {
    /// The event's kind (`observations_taken`).
    pub kind: String,
    /// The contract's `outcome-reason` code, or the HTTP status the refusal came with.
    pub reason_code: Option<String>,
    /// The blood bank's own words.
    pub reason_text: Option<String>,
}

/// An audit row's detail as a person reads it: a bedside event's row keeps the bundle's id and
/// the event itself as JSON (for the hash chain and the IT team), which the record's other
/// sections already say in words; only the id is shown.
pub fn audit_detail_shown(detail: &str) -> &str {
    match detail.find(" {") {
        Some(at) if detail.trim_end().ends_with('}') => &detail[..at],
        _ if detail.trim_start().starts_with('{') => "",
        _ => detail,
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditLine {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub detail: String,
}

/// One transfusion, everything the device knows of it.
#[derive(Debug, Clone, PartialEq)]
pub struct TransfusionReview {
    pub procedure_urn: String,
    pub dispense_id: String,
    /// The hospital number (MRN), or the blood bank's Patient id for older records.
    pub patient_id: String,
    pub patient_name: String,
    pub din: String,
    pub product_id: String,
    pub component: Component,
    pub ward: String,
    pub issued_at: Option<Instant>,
    pub started_at: Instant,
    pub ended_at: Option<Instant>,
    pub outcome: Outcome,
    pub volume_ml: Option<u32>,
    pub keep_until: Option<Instant>,
    pub end_note: Option<String>,
    pub check: CheckDetail,
    /// Baseline first, in time order.
    pub rounds: Vec<Round>,
    pub interruptions: Vec<Interruption>,
    /// In the order they happened.
    pub handovers: Vec<Handover>,
    pub reaction: Option<ReactionDetail>,
    pub sync: SyncState,
    pub audit: Vec<AuditLine>,
}

/// What a reaction record keeps when the nurse sent the report as the app drafted it: the draft's
/// facts (patient, unit, times, triggers, vital signs) are the record's own, so only this code is
/// kept and the report reads in the reader's language.
pub const REACTION_REPORT_AS_DRAFTED: &str = "REACTION_REPORT_AS_DRAFTED";

/// A reaction report's actions in words: the standard actions for a report sent as drafted,
/// else the nurse's own words as she wrote them.
pub fn reaction_report_words(stored: &str) -> Text {
    if stored.trim() == REACTION_REPORT_AS_DRAFTED {
        Text::tr(
            "Actions: transfusion stopped; line kept open with 0.9% saline; doctor informed; bag and giving set kept; samples sent to the blood bank.",
            &[],
        )
    } else {
        Text::same(stored)
    }
}

/// The code an end's note starts with when the transfusion ended while interrupted; the
/// interruption's reason (the nurse's words) follows.
pub const ENDED_WHILE_INTERRUPTED: &str = "ENDED_WHILE_INTERRUPTED";

/// The note an end keeps when it ended while interrupted: a code and the nurse's reason.
pub fn ended_while_interrupted_note(reason: &str) -> String {
    format!("{ENDED_WHILE_INTERRUPTED}: {reason}")
}

/// An end's note in words. Records made before the code kept an English sentence
/// ("ended while interrupted (…)"): those read back too; any other note is the nurse's.
pub fn end_note_words(note: &str) -> Text {
    let reason = note
        .strip_prefix(ENDED_WHILE_INTERRUPTED)
        .and_then(|r| r.strip_prefix(": "))
        .or_else(|| {
            note.strip_prefix("ended while interrupted (")
                .and_then(|r| r.strip_suffix(')'))
        });
    match reason {
        Some(reason) => Text::tr("ended while interrupted ({reason})", &[("reason", reason)]),
        None => Text::same(note),
    }
}

/// A crossmatch result as stored (`compatible`, `incompatible`, `not_required`) in words.
pub fn crossmatch_words(code: &str) -> Text {
    let msgid = match code {
        "compatible" => tr_noop("compatible"),
        "incompatible" => tr_noop("incompatible"),
        "not_required" => tr_noop("not required"),
        _ => tr_noop("not done"),
    };
    Text::tr(msgid, &[])
}

/// A transfusion's emergency release as its record reads (`clinical-rules.md` §6).
pub fn emergency_words(e: &crate::event::EmergencyStart) -> Text {
    let crossmatch = crossmatch_words(&e.crossmatch_at_start);
    let requested = e
        .requested_at
        .map_or_else(|| Text::same("—"), Text::date_time);
    Text::tr_with(
        "EMERGENCY RELEASE before the crossmatch, authorised by {doctor} (requested {requested}); crossmatch at the start: {xm}",
        &[
            ("doctor", (&e.authorised_by).into()),
            ("requested", (&requested).into()),
            ("xm", (&crossmatch).into()),
        ],
    )
}

/// A round's schedule slot in words: `baseline`, `15 min`, `60 min`, `end`, …
pub fn slot_name(slot: &str) -> Text {
    let msgid = match slot {
        "baseline" => tr_noop("baseline"),
        "end" => tr_noop("end"),
        "unscheduled" => tr_noop("unscheduled"),
        "reaction" => tr_noop("reaction"),
        other => match other
            .strip_suffix("min")
            .filter(|m| m.parse::<u32>().is_ok())
        {
            Some(m) => return Text::tr("{m} min", &[("m", m)]),
            None => return Text::same(other),
        },
    };
    Text::tr(msgid, &[])
}

/// One line of a transfusion's timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct TimelineEntry {
    pub at: Instant,
    pub what: Text,
}

impl TransfusionReview {
    /// What happened, in time order: issue, check, start, each round, interruptions, the end.
    pub fn timeline(&self) -> Vec<TimelineEntry> {
        let mut lines = Vec::new();
        let mut push = |at: Instant, what: Text| lines.push(TimelineEntry { at, what });
        if let Some(at) = self.issued_at {
            push(at, Text::tr("issued by the blood bank", &[]));
        }
        let first = self.check.first.label();
        let second = self.check.second.label();
        push(
            self.check.at,
            Text::tr(
                "checked by {first} and {second}",
                &[("first", &first), ("second", &second)],
            ),
        );
        push(self.started_at, Text::tr("transfusion started", &[]));
        for r in &self.rounds {
            let slot = slot_name(&r.slot);
            push(
                r.at,
                Text::tr_with("observations ({slot})", &[("slot", (&slot).into())]),
            );
        }
        for i in &self.interruptions {
            let reason = Text::same(&i.reason);
            push(
                i.at,
                Text::tr_with("interrupted: {reason}", &[("reason", (&reason).into())]),
            );
            if let Some(at) = i.restarted_at {
                push(at, Text::tr("restarted after a repeat check", &[]));
            }
        }
        for h in &self.handovers {
            push(
                h.at,
                Text::tr(
                    "handed over by {from} to {to}",
                    &[("from", &h.from.label()), ("to", &h.to.label())],
                ),
            );
        }
        if let Some(r) = &self.reaction {
            push(
                r.stopped_at,
                Text::tr_with(
                    "stopped: {suspected}",
                    &[("suspected", (&suspected_words(&r.suspected)).into())],
                ),
            );
        } else if let Some(at) = self.ended_at {
            let volume = self
                .volume_ml
                .map_or("—".to_string(), |v| format!("{v} ml"));
            push(
                at,
                Text::tr("ended, {volume} given", &[("volume", &volume)]),
            );
        }
        lines.sort_by_key(|l| l.at);
        lines
    }

    /// The nurse responsible for the transfusion: the one it was last handed over to, else the
    /// nurse who started it (the first checker).
    pub fn responsible(&self) -> &Person {
        self.handovers.last().map_or(&self.check.first, |h| &h.to)
    }

    /// Minutes from start to end (or to `now` while it runs).
    pub fn minutes(&self, now: Instant) -> i64 {
        (self.ended_at.unwrap_or(now) - self.started_at).num_minutes()
    }
}

/// One row of the review list (a transfusion without its rounds and audit).
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewRow {
    pub procedure_urn: String,
    pub patient_id: String,
    pub patient_name: String,
    pub din: String,
    pub component: Component,
    pub started_at: Instant,
    pub ended_at: Option<Instant>,
    pub outcome: Outcome,
    pub rounds: u32,
    pub unsent: u32,
    pub quarantined: u32,
}

/// What the review list is filtered by; every field optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReviewQuery {
    /// Started at or after.
    pub from: Option<Instant>,
    /// Started before.
    pub to: Option<Instant>,
    /// A patient id or part of a name.
    pub patient: Option<String>,
    /// A DIN or part of one.
    pub unit: Option<String>,
    pub outcome: Option<Outcome>,
}

/// A period of the ward's work: the indicators and the transfusions behind them.
#[derive(Debug, Clone, PartialEq)]
pub struct PeriodReport {
    pub ward: String,
    /// Transfusions issued (started, when the issue time is unknown) in `[from, to)`.
    pub from: Instant,
    pub to: Instant,
    pub generated_at: Instant,
    pub generated_by: Person,
    pub indicators: Vec<Indicator>,
    pub rows: Vec<ReviewRow>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::messages::Lang;

    #[test]
    fn an_end_while_interrupted_is_kept_as_a_code_and_read_in_either_language() {
        let note = ended_while_interrupted_note("CT scan");
        assert!(note.starts_with("ENDED_WHILE_INTERRUPTED"));
        let words = end_note_words(&note);
        assert_eq!(words.get(Lang::En), "ended while interrupted (CT scan)");
        assert!(
            words.get(Lang::ZhCn).starts_with("中断"),
            "{}",
            words.get(Lang::ZhCn)
        );
        // A record from before the code reads the same.
        assert_eq!(end_note_words("ended while interrupted (CT scan)"), words);
        assert_eq!(end_note_words("bag leaked").get(Lang::ZhCn), "bag leaked");
    }

    fn at(s: &str) -> Instant {
        chrono::DateTime::parse_from_rfc3339(s).unwrap()
    }

    #[test]
    fn timeline_is_in_time_order_and_says_the_reaction_not_the_end() {
        let person = |b: &str| Person {
            badge: b.into(),
            name: String::new(),
        };
        let review = TransfusionReview {
            procedure_urn: "urn:uuid:p".into(),
            dispense_id: "d".into(),
            patient_id: "MRN1".into(),
            patient_name: "张伟".into(),
            din: "W000012345678".into(),
            product_id: "E0001V00".into(),
            component: Component::RedCells,
            ward: "ward".into(),
            issued_at: Some(at("2026-11-23T08:00:00+08:00")),
            started_at: at("2026-11-23T08:20:00+08:00"),
            ended_at: Some(at("2026-11-23T08:40:00+08:00")),
            outcome: Outcome::Reaction,
            volume_ml: None,
            keep_until: None,
            end_note: None,
            check: CheckDetail {
                at: at("2026-11-23T08:18:00+08:00"),
                first: person("N1"),
                second: person("N2"),
                scans: vec![],
                keyed_reasons: vec![],
                acknowledgements: vec![],
                emergency: None,
            },
            rounds: vec![Round {
                at: at("2026-11-23T08:35:00+08:00"),
                slot: "15min".into(),
                vitals: Vitals::default(),
                symptoms: vec![],
                taken_by: person("N1"),
            }],
            interruptions: vec![],
            handovers: vec![],
            reaction: Some(ReactionDetail {
                stopped_at: at("2026-11-23T08:40:00+08:00"),
                suspected: "FNHTR".into(),
                trigger: "fever".into(),
                actions_taken: "stopped".into(),
                serious: false,
                recorded_by: person("N1"),
            }),
            sync: SyncState::default(),
            audit: vec![],
        };
        let lines: Vec<String> = review
            .timeline()
            .iter()
            .map(|l| l.what.en().to_string())
            .collect();
        assert_eq!(
            lines,
            [
                "issued by the blood bank",
                "checked by N1 and N2",
                "transfusion started",
                "observations (15 min)",
                "stopped: FNHTR"
            ]
        );
        assert_eq!(review.minutes(at("2026-11-23T09:00:00+08:00")), 20);
    }
}
