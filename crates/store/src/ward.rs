//! The ward's records (migration 006): every bedside event, as it joins the outbox, also updates
//! one row per transfusion and one per round, so that the charge nurse's board, review, indicators
//! and exports read a year of a busy ward with indexed queries instead of parsing the outbox.

mod project;

pub(crate) use project::{project, project_earlier_events};
use project::{StoredAck, StoredReaction, PROJECTED};

use bedside_core::Instant;
use std::collections::HashMap;

use chrono::DateTime;
use rusqlite::{params, OptionalExtension, Row};
use serde::Deserialize;

use super::{Store, StoreError};
use crate::archive::over_history;
use bedside_core::blood::Component;
use bedside_core::event::BedsideEvent;
use bedside_core::observations::{Observation, Pause, Vitals};
use bedside_core::quality::{
    CheckRecord, EmergencyRecord, NearMissRecord, Override, ReactionRecord, TransfusionRecord,
};
use bedside_core::review::*;

fn parse_time(text: &str, what: &str) -> Result<Instant, StoreError> {
    DateTime::parse_from_rfc3339(text).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

fn parse_opt_time(text: Option<String>, what: &str) -> Result<Option<Instant>, StoreError> {
    text.map(|t| parse_time(&t, what)).transpose()
}

fn parse_json<T: for<'de> Deserialize<'de>>(text: &str, what: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

/// The columns of `ward_transfusion` read into a [`TransfusionRow`], in this order.
const TRANSFUSION_COLUMNS: &str = "procedure_urn, dispense_id, patient_id, patient_name, din,
    product_id, component, ward, issued_at, started_at, ended_at, outcome, volume_ml, keep_until,
    end_note, checked_at, first_badge, first_name, second_badge, second_name, scans,
    keyed_reasons, acknowledgements, reaction, emergency";
/// How many they are: a query selecting more reads its own columns from this index on.
const TRANSFUSION_COLUMN_COUNT: usize = 25;

/// One `ward_transfusion` row as stored (text not yet parsed).
struct TransfusionRow {
    columns: [Option<String>; TRANSFUSION_COLUMN_COUNT],
}

impl TransfusionRow {
    fn read(row: &Row) -> rusqlite::Result<TransfusionRow> {
        let mut columns: [Option<String>; TRANSFUSION_COLUMN_COUNT] = Default::default();
        for (i, c) in columns.iter_mut().enumerate() {
            *c = match row.get_ref(i)? {
                rusqlite::types::ValueRef::Integer(n) => Some(n.to_string()),
                rusqlite::types::ValueRef::Null => None,
                other => Some(String::from_utf8_lossy(other.as_bytes()?).into_owned()),
            };
        }
        Ok(TransfusionRow { columns })
    }

    fn text(&self, i: usize) -> String {
        self.columns[i].clone().unwrap_or_default()
    }

    /// The review of this row, without rounds, interruptions, sync state or audit.
    fn review(&self) -> Result<TransfusionReview, StoreError> {
        let urn = self.text(0);
        let what = |field: &str| format!("ward record {urn} {field}");
        let component = Component::parse(&self.text(6))
            .ok_or_else(|| StoreError::Corrupt(what("component")))?;
        let outcome = match self.text(11).as_str() {
            "running" => Outcome::Running,
            "ended" => Outcome::Ended,
            "reaction" => Outcome::Reaction,
            _ => return Err(StoreError::Corrupt(what("outcome"))),
        };
        let acks: Vec<StoredAck> = parse_json(&self.text(22), &what("acknowledgements"))?;
        let reaction = self.columns[23]
            .as_deref()
            .map(|t| parse_json::<StoredReaction>(t, &what("reaction")))
            .transpose()?
            .map(|r| ReactionDetail {
                stopped_at: r.stopped_at,
                suspected: r.suspected,
                trigger: r.trigger,
                actions_taken: r.actions_taken,
                serious: r.serious,
                recorded_by: Person {
                    badge: r.badge,
                    name: r.name,
                },
            });
        Ok(TransfusionReview {
            procedure_urn: urn.clone(),
            dispense_id: self.text(1),
            patient_id: self.text(2),
            patient_name: self.text(3),
            din: self.text(4),
            product_id: self.text(5),
            component,
            ward: self.text(7),
            issued_at: parse_opt_time(self.columns[8].clone(), &what("issued_at"))?,
            started_at: parse_time(&self.text(9), &what("started_at"))?,
            ended_at: parse_opt_time(self.columns[10].clone(), &what("ended_at"))?,
            outcome,
            volume_ml: self.columns[12].as_deref().and_then(|v| v.parse().ok()),
            keep_until: parse_opt_time(self.columns[13].clone(), &what("keep_until"))?,
            end_note: self.columns[14].clone(),
            check: CheckDetail {
                at: parse_time(&self.text(15), &what("checked_at"))?,
                first: Person {
                    badge: self.text(16),
                    name: self.text(17),
                },
                second: Person {
                    badge: self.text(18),
                    name: self.text(19),
                },
                scans: parse_json(&self.text(20), &what("scans"))?,
                keyed_reasons: parse_json(&self.text(21), &what("keyed_reasons"))?,
                acknowledgements: acks.into_iter().map(|a| (a.code, a.reason)).collect(),
                emergency: self.columns[24]
                    .as_deref()
                    .map(|t| parse_json(t, &what("emergency")))
                    .transpose()?,
            },
            rounds: Vec::new(),
            interruptions: Vec::new(),
            handovers: Vec::new(),
            reaction,
            sync: SyncState::default(),
            audit: Vec::new(),
        })
    }
}

const ROUND_COLUMNS: &str =
    "procedure_urn, at, slot, temp_tenths, hr, sbp, dbp, rr, spo2, symptoms, taken_badge, taken_name";

/// (transfusion, time as stored, symptoms as stored, the round with those two still to fill).
type RawRound = (String, String, String, Round);

fn read_round(r: &Row) -> rusqlite::Result<RawRound> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(9)?,
        Round {
            at: DateTime::default(),
            slot: r.get(2)?,
            vitals: Vitals {
                temp_tenths: r.get(3)?,
                hr: r.get(4)?,
                sbp: r.get(5)?,
                dbp: r.get(6)?,
                rr: r.get(7)?,
                spo2: r.get(8)?,
            },
            symptoms: Vec::new(),
            taken_by: Person {
                badge: r.get(10)?,
                name: r.get(11)?,
            },
        },
    ))
}

/// Per transfusion: (sent, unsent, quarantined) record counts.
type SyncCounts = HashMap<String, (u32, u32, u32)>;

impl Store {
    /// Where the transfusions selected by `which` (a `ward_transfusion` WHERE clause with `?1`,
    /// `?2`) stand with the blood bank.
    fn sync_counts(&self, which: &str, a: i64, b: i64) -> Result<SyncCounts, StoreError> {
        let history = over_history(&format!(
            "SELECT procedure_urn, state FROM {{outbox}}
             WHERE procedure_urn IN (SELECT procedure_urn FROM ward_transfusion WHERE {which})"
        ));
        let mut stmt = self.conn.prepare(&format!(
            "SELECT procedure_urn, SUM(state = 'sent'), SUM(state IN ('queued', 'sending')),
                    SUM(state = 'quarantined')
             FROM ({history}) GROUP BY procedure_urn"
        ))?;
        let rows = stmt.query_map(params![a, b], |r| {
            Ok((
                r.get::<_, String>(0)?,
                (
                    r.get::<_, u32>(1)?,
                    r.get::<_, u32>(2)?,
                    r.get::<_, u32>(3)?,
                ),
            ))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The rounds of the transfusions a `ward_round` WHERE clause selects, by transfusion.
    fn rounds_of(&self, which: &str, params: impl rusqlite::Params) -> RoundsResult {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {ROUND_COLUMNS} FROM ward_round WHERE {which} ORDER BY procedure_urn, at_epoch"
        ))?;
        let mut by_urn: HashMap<String, Vec<Round>> = HashMap::new();
        let rows = stmt.query_map(params, read_round)?;
        for row in rows {
            let (urn, at, symptoms, mut round) = row?;
            let what = format!("round of {urn}");
            round.at = parse_time(&at, &what)?;
            round.symptoms = parse_json(&symptoms, &what)?;
            by_urn.entry(urn).or_default().push(round);
        }
        Ok(by_urn)
    }

    /// The ward's transfusions matching `query`, most recent first, at most `limit`.
    pub fn review_rows(
        &self,
        query: &ReviewQuery,
        limit: usize,
    ) -> Result<Vec<ReviewRow>, StoreError> {
        let from = query.from.map_or(i64::MIN, |t| t.timestamp());
        let to = query.to.map_or(i64::MAX, |t| t.timestamp());
        let patient = query.patient.as_deref().map(str::trim).unwrap_or("");
        let unit = query.unit.as_deref().map(str::trim).unwrap_or("");
        let outcome = query.outcome.map(|o| match o {
            // An interruption is not a stored outcome: it is a running one with an open pause.
            Outcome::Interrupted => "running",
            other => other.code(),
        });
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {TRANSFUSION_COLUMNS},
                    (SELECT COUNT(*) FROM ward_round r WHERE r.procedure_urn = t.procedure_urn),
                    EXISTS (SELECT 1 FROM interruption i WHERE i.procedure_urn = t.procedure_urn
                            AND i.restarted_at IS NULL)
             FROM ward_transfusion t
             WHERE started_epoch >= ?1 AND started_epoch < ?2
               AND (?3 = '' OR patient_id = ?3 OR instr(patient_name, ?3) > 0)
               AND (?4 = '' OR instr(upper(din), upper(?4)) > 0)
               AND (?5 IS NULL OR outcome = ?5)
             ORDER BY started_epoch DESC, procedure_urn LIMIT ?6"
        ))?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = stmt
            .query_map(params![from, to, patient, unit, outcome, limit], |r| {
                Ok((
                    TransfusionRow::read(r)?,
                    r.get::<_, u32>(TRANSFUSION_COLUMN_COUNT)?,
                    r.get::<_, bool>(TRANSFUSION_COLUMN_COUNT + 1)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let sync = self.sync_counts("started_epoch >= ?1 AND started_epoch < ?2", from, to)?;
        let mut out = Vec::with_capacity(rows.len());
        for (row, rounds, paused) in rows {
            let r = row.review()?;
            let outcome = if paused && r.outcome == Outcome::Running {
                Outcome::Interrupted
            } else {
                r.outcome
            };
            if query.outcome == Some(Outcome::Running) && outcome == Outcome::Interrupted {
                continue;
            }
            if query.outcome == Some(Outcome::Interrupted) && outcome != Outcome::Interrupted {
                continue;
            }
            let (_, unsent, quarantined) = sync.get(&r.procedure_urn).copied().unwrap_or_default();
            out.push(ReviewRow {
                procedure_urn: r.procedure_urn,
                patient_id: r.patient_id,
                patient_name: r.patient_name,
                din: r.din,
                component: r.component,
                started_at: r.started_at,
                ended_at: r.ended_at,
                outcome,
                rounds,
                unsent,
                quarantined,
            });
        }
        Ok(out)
    }

    /// One transfusion with everything the device knows of it.
    pub fn review(&self, procedure_urn: &str) -> Result<Option<TransfusionReview>, StoreError> {
        let row = self
            .conn
            .query_row(
                &format!(
                    "SELECT {TRANSFUSION_COLUMNS} FROM ward_transfusion WHERE procedure_urn = ?1"
                ),
                [procedure_urn],
                TransfusionRow::read,
            )
            .optional()?;
        let Some(row) = row else {
            return Ok(None);
        };
        let mut review = row.review()?;
        review.rounds = self
            .rounds_of("procedure_urn = ?1", [procedure_urn])?
            .remove(procedure_urn)
            .unwrap_or_default();
        review.interruptions = self.interruptions(procedure_urn)?;
        review.handovers = self.handovers(procedure_urn)?;
        if review.outcome == Outcome::Running
            && review
                .interruptions
                .iter()
                .any(|i| i.restarted_at.is_none())
        {
            review.outcome = Outcome::Interrupted;
        }
        review.sync = self.sync_state(procedure_urn)?;
        review.audit = self.audit_trail_of(procedure_urn)?;
        Ok(Some(review))
    }

    fn interruptions(&self, procedure_urn: &str) -> Result<Vec<Interruption>, StoreError> {
        Ok(self
            .interruptions_of("procedure_urn = ?1", [procedure_urn])?
            .remove(procedure_urn)
            .unwrap_or_default())
    }

    /// The interruptions of the transfusions an `interruption` WHERE clause selects, by
    /// transfusion, each in the order they happened.
    fn interruptions_of(
        &self,
        which: &str,
        params: impl rusqlite::Params,
    ) -> Result<HashMap<String, Vec<Interruption>>, StoreError> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT procedure_urn, interrupted_at, reason, interrupted_by, restarted_at,
                    restarted_by, second_checker
             FROM interruption WHERE {which} ORDER BY procedure_urn, seq"
        ))?;
        let rows = stmt
            .query_map(params, |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, Option<String>>(4)?,
                    r.get::<_, Option<String>>(5)?,
                    r.get::<_, Option<String>>(6)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let mut by_urn: HashMap<String, Vec<Interruption>> = HashMap::new();
        for (urn, at, reason, by, restarted_at, restarted_by, second) in rows {
            let what = format!("interruption of {urn}");
            let interruption = Interruption {
                at: parse_time(&at, &what)?,
                reason,
                by,
                restarted_at: parse_opt_time(restarted_at, &what)?,
                restarted_by,
                second_checker: second,
            };
            by_urn.entry(urn).or_default().push(interruption);
        }
        Ok(by_urn)
    }

    fn sync_state(&self, procedure_urn: &str) -> Result<SyncState, StoreError> {
        let mut state = SyncState::default();
        let history = over_history(
            "SELECT seq, state, kind, reason_code, reason_text FROM {outbox}
             WHERE procedure_urn = ?1",
        );
        let mut stmt = self.conn.prepare(&format!(
            "SELECT state, kind, reason_code, reason_text FROM ({history}) ORDER BY seq"
        ))?;
        let rows = stmt.query_map([procedure_urn], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, Option<String>>(3)?,
            ))
        })?;
        for row in rows {
            let (s, kind, code, text) = row?;
            match s.as_str() {
                "sent" => state.sent += 1,
                "quarantined" => {
                    state.refused += 1;
                    state.quarantined.push(RefusedRecord {
                        kind,
                        reason_code: code,
                        reason_text: text,
                    });
                }
                _ => state.unsent += 1,
            }
        }
        Ok(state)
    }

    /// The audit rows about one transfusion: by subject, and for rows written before audit rows
    /// had one, by the transfusion's id in their text.
    fn audit_trail_of(&self, procedure_urn: &str) -> Result<Vec<AuditLine>, StoreError> {
        let before: i64 = self
            .conn
            .query_row(
                "SELECT value FROM sync_state WHERE key = ?1",
                [PROJECTED],
                |r| r.get::<_, String>(0),
            )
            .optional()?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let mut stmt = self.conn.prepare(
            "SELECT seq, at, actor, action, detail FROM audit WHERE subject = ?1
             UNION ALL
             SELECT seq, at, actor, action, detail FROM audit
             WHERE seq <= ?2 AND instr(detail, ?1) > 0
             ORDER BY seq",
        )?;
        let rows = stmt
            .query_map(params![procedure_urn, before], crate::audit::audit_entry)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Every transfusion issued (started, when the issue time is unknown) in `[from, to)`, with
    /// its rounds, interruptions and sync counts: what the indicators and the period's exports read.
    pub fn reviews_in(
        &self,
        from: Instant,
        to: Instant,
    ) -> Result<Vec<TransfusionReview>, StoreError> {
        let (a, b) = (from.timestamp(), to.timestamp());
        let which = "period_epoch >= ?1 AND period_epoch < ?2";
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {TRANSFUSION_COLUMNS} FROM ward_transfusion WHERE {which}
             ORDER BY period_epoch, procedure_urn"
        ))?;
        let rows = stmt
            .query_map(params![a, b], TransfusionRow::read)?
            .collect::<Result<Vec<_>, _>>()?;
        let mut rounds = self.rounds_of(
            &format!("procedure_urn IN (SELECT procedure_urn FROM ward_transfusion WHERE {which})"),
            params![a, b],
        )?;
        let mut interruptions = self.interruptions_of(
            &format!("procedure_urn IN (SELECT procedure_urn FROM ward_transfusion WHERE {which})"),
            params![a, b],
        )?;
        let sync = self.sync_counts(which, a, b)?;
        rows.iter()
            .map(|row| {
                let mut review = row.review()?;
                review.rounds = rounds.remove(&review.procedure_urn).unwrap_or_default();
                review.interruptions = interruptions
                    .remove(&review.procedure_urn)
                    .unwrap_or_default();
                let (sent, unsent, quarantined) =
                    sync.get(&review.procedure_urn).copied().unwrap_or_default();
                review.sync = SyncState {
                    sent,
                    unsent,
                    refused: quarantined,
                    quarantined: Vec::new(),
                };
                Ok(review)
            })
            .collect()
    }

    /// When each transfusion's reaction report reached the blood bank.
    pub fn reactions_reported(
        &self,
        from: Instant,
        to: Instant,
    ) -> Result<HashMap<String, Instant>, StoreError> {
        // From the period's transfusions stopped for a reaction to their outbox rows (CROSS JOIN
        // keeps that order: the other way round reads the whole outbox), archived or not.
        let mut stmt = self.conn.prepare(&over_history(
            "SELECT o.procedure_urn, o.sent_at
             FROM ward_transfusion t CROSS JOIN {outbox} o
             WHERE t.period_epoch >= ?1 AND t.period_epoch < ?2 AND t.outcome = 'reaction'
               AND o.procedure_urn = t.procedure_urn AND o.kind = 'reaction_reported'
               AND o.state = 'sent' AND o.sent_at IS NOT NULL",
        ))?;
        let rows = stmt
            .query_map(params![from.timestamp(), to.timestamp()], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(urn, at)| Ok((urn.clone(), parse_time(&at, &format!("sent_at of {urn}"))?)))
            .collect()
    }

    /// The checks stopped for a wrong-blood reason in `[from, to)`, oldest first.
    pub fn near_misses_in(
        &self,
        from: Instant,
        to: Instant,
    ) -> Result<Vec<NearMissRecord>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT near_miss_urn, detected_at, reasons FROM ward_near_miss
             WHERE detected_epoch >= ?1 AND detected_epoch < ?2
             ORDER BY detected_epoch, near_miss_urn",
        )?;
        let rows = stmt
            .query_map(params![from.timestamp(), to.timestamp()], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(id, at, reasons)| {
                let what = format!("near miss {id}");
                Ok(NearMissRecord {
                    at: parse_time(&at, &what)?,
                    reasons: parse_json(&reasons, &what)?,
                    id,
                })
            })
            .collect()
    }
}

type RoundsResult = Result<HashMap<String, Vec<Round>>, StoreError>;

/// A reviewed transfusion as the quality indicators count it.
pub fn quality_record(
    review: &TransfusionReview,
    reported_at: Option<Instant>,
) -> TransfusionRecord {
    let observation = |r: &Round| Observation {
        at: r.at,
        vitals: r.vitals.clone(),
        symptoms: r.symptoms.clone(),
    };
    let baseline = review.rounds.iter().find(|r| r.slot == "baseline");
    TransfusionRecord {
        id: review.procedure_urn.clone(),
        patient_mrn: review.patient_id.clone(),
        din: review.din.clone(),
        component: review.component,
        issued_at: review.issued_at.unwrap_or(review.started_at),
        started_at: Some(review.started_at),
        ended_at: review.ended_at,
        check: Some(CheckRecord {
            at: review.check.at,
            first: review.check.first.badge.clone(),
            second: Some(review.check.second.badge.clone()),
            proceeded: true,
            all_scanned: review.check.keyed_reasons.is_empty(),
            overrides: review
                .check
                .acknowledgements
                .iter()
                .map(|(code, reason)| Override {
                    code: code.clone(),
                    reason: reason.clone(),
                })
                .collect(),
        }),
        baseline: baseline.map(observation),
        observations: review
            .rounds
            .iter()
            .filter(|r| r.slot != "baseline")
            .map(observation)
            .collect(),
        pauses: review
            .interruptions
            .iter()
            .map(|i| Pause {
                from: i.at,
                until: i.restarted_at,
            })
            .collect(),
        reaction: review.reaction.as_ref().map(|r| ReactionRecord {
            suspected_at: r.stopped_at,
            reported_at,
        }),
        unsent_records: review.sync.unsent,
        emergency: review.check.emergency.as_ref().map(|e| EmergencyRecord {
            requested_at: e.requested_at,
        }),
    }
}

impl Store {
    /// Every event of the transfusions issued (or started) in `[from, to)`, in recording order.
    pub fn events_of_period(
        &self,
        from: Instant,
        to: Instant,
    ) -> Result<Vec<BedsideEvent>, StoreError> {
        let history = over_history(
            "SELECT seq, event FROM {outbox} WHERE procedure_urn IN
                 (SELECT procedure_urn FROM ward_transfusion
                  WHERE period_epoch >= ?1 AND period_epoch < ?2
                  UNION ALL
                  SELECT near_miss_urn FROM ward_near_miss
                  WHERE detected_epoch >= ?1 AND detected_epoch < ?2)",
        );
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT seq, event FROM ({history}) ORDER BY seq"))?;
        let rows = stmt
            .query_map(params![from.timestamp(), to.timestamp()], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(seq, text)| {
                serde_json::from_str(&text)
                    .map_err(|e| StoreError::Corrupt(format!("outbox record {seq}: {e}")))
            })
            .collect()
    }
}

impl Store {
    /// How many transfusions were issued (or started) in `[from, to)`.
    pub fn review_count(&self, from: Instant, to: Instant) -> Result<usize, StoreError> {
        let n: i64 = self.conn.query_row(
            "SELECT COUNT(*) FROM ward_transfusion WHERE period_epoch >= ?1 AND period_epoch < ?2",
            params![from.timestamp(), to.timestamp()],
            |r| r.get(0),
        )?;
        Ok(usize::try_from(n).unwrap_or(0))
    }
}
