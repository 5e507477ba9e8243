//! The ward tables kept up to date with every bedside event, as it joins the outbox (and once,
//! from the whole outbox, for a store recorded before the tables existed).

use rusqlite::{params, Connection};
use serde::{Deserialize, Serialize};

use crate::{stamp, StoreError};
use bedside_core::event::{
    BedsideEvent, Ended, NearMiss, ObservationRound, ReactionReported, Started,
};
use bedside_core::Instant;

/// The `sync_state` key saying the ward tables hold every outbox event.
pub(super) const PROJECTED: &str = "ward_records_projected";

#[derive(Serialize, Deserialize)]
pub(super) struct StoredReaction {
    pub(super) stopped_at: Instant,
    pub(super) suspected: String,
    pub(super) trigger: String,
    pub(super) actions_taken: String,
    pub(super) serious: bool,
    pub(super) badge: String,
    pub(super) name: String,
}

#[derive(Serialize, Deserialize)]
pub(super) struct StoredAck {
    pub(super) code: String,
    pub(super) reason: String,
}

fn json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "[]".to_string())
}

fn insert_round(
    conn: &Connection,
    procedure_urn: &str,
    round: &ObservationRound,
) -> rusqlite::Result<()> {
    let v = &round.vitals;
    conn.execute(
        "INSERT INTO ward_round (procedure_urn, at, at_epoch, slot, temp_tenths, hr, sbp, dbp, rr,
                                 spo2, symptoms, taken_badge, taken_name)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        params![
            procedure_urn,
            stamp(&round.at),
            round.at.timestamp(),
            round.slot,
            v.temp_tenths,
            v.hr,
            v.sbp,
            v.dbp,
            v.rr,
            v.spo2,
            json(&round.symptoms),
            round.taken_by.staff_id,
            round.taken_by.name,
        ],
    )?;
    Ok(())
}

/// Brings the ward tables up to date with one event; called inside the outbox's transaction.
pub(crate) fn project(conn: &Connection, event: &BedsideEvent) -> rusqlite::Result<()> {
    let urn = event.subject();
    match event {
        BedsideEvent::Started(s) => project_start(conn, urn, s),
        BedsideEvent::ObservationsTaken(o) => insert_round(conn, urn, &o.round),
        BedsideEvent::Ended(e) => project_end(conn, urn, e),
        BedsideEvent::ReactionReported(r) => project_reaction(conn, urn, r),
        BedsideEvent::NearMiss(n) => project_near_miss(conn, n),
    }
}

/// A stopped check: one `ward_near_miss` row (the indicators count them).
fn project_near_miss(conn: &Connection, n: &NearMiss) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT OR IGNORE INTO ward_near_miss (near_miss_urn, detected_at, detected_epoch,
                reasons, patient_scanned, patient_mrn, din, product_code, first_badge,
                second_badge)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            n.adverse_event_uuid,
            stamp(&n.detected_at),
            n.detected_at.timestamp(),
            json(&n.reasons),
            n.patient_scanned,
            n.patient_mrn,
            n.din,
            n.product_code,
            n.first_checker.staff_id,
            n.second_checker.as_ref().map(|s| s.staff_id.as_str()),
        ],
    )?;
    Ok(())
}

/// A new `ward_transfusion` row, running, with its baseline round.
fn project_start(conn: &Connection, urn: &str, s: &Started) -> rusqlite::Result<()> {
    let t = &s.transfusion;
    let period = s.issued_at.unwrap_or(s.started_at);
    let acks: Vec<StoredAck> = s
        .acknowledgements
        .iter()
        .map(|a| StoredAck {
            code: a.code.clone(),
            reason: a.reason.clone(),
        })
        .collect();
    conn.execute(
        "INSERT OR IGNORE INTO ward_transfusion (procedure_urn, dispense_id, patient_id,
                patient_name, din, product_id, component, ward, issued_at, period_epoch,
                started_at, started_epoch, outcome, checked_at, first_badge, first_name,
                second_badge, second_name, scans, keyed_reasons, acknowledgements, emergency)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, 'running', ?13, ?14,
                ?15, ?16, ?17, ?18, ?19, ?20, ?21)",
        params![
            urn,
            t.dispense_id,
            s.patient_mrn.as_ref().unwrap_or(&t.patient_id),
            t.patient_name,
            t.din,
            t.product_id,
            t.component.as_str(),
            t.ward.name,
            s.issued_at.as_ref().map(stamp),
            period.timestamp(),
            stamp(&s.started_at),
            s.started_at.timestamp(),
            stamp(&s.checked_at),
            s.first_checker.staff_id,
            s.first_checker.name,
            s.second_checker.staff_id,
            s.second_checker.name,
            json(&s.scans),
            json(&s.keyed_reasons),
            json(&acks),
            s.emergency.as_ref().map(json),
        ],
    )?;
    if let Some(baseline) = &s.baseline {
        insert_round(conn, urn, baseline)?;
    }
    Ok(())
}

/// The transfusion ended: its outcome, volume and the bag's keeping, with the last round.
fn project_end(conn: &Connection, urn: &str, e: &Ended) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE ward_transfusion SET outcome = 'ended', ended_at = ?2, volume_ml = ?3,
                keep_until = ?4, end_note = ?5
             WHERE procedure_urn = ?1",
        params![
            urn,
            stamp(&e.ended_at),
            e.volume_ml,
            e.bag_keep_until.as_ref().map(stamp),
            e.note
        ],
    )?;
    if let Some(round) = &e.round {
        insert_round(conn, urn, round)?;
    }
    Ok(())
}

/// The transfusion stopped for a suspected reaction, with the round that raised the trigger.
fn project_reaction(conn: &Connection, urn: &str, r: &ReactionReported) -> rusqlite::Result<()> {
    let reaction = StoredReaction {
        stopped_at: r.stopped_at,
        suspected: r.suspected.clone(),
        trigger: r.trigger.clone(),
        actions_taken: r.actions_taken.clone(),
        serious: r.serious,
        badge: r.recorded_by.staff_id.clone(),
        name: r.recorded_by.name.clone(),
    };
    conn.execute(
        "UPDATE ward_transfusion SET outcome = 'reaction', ended_at = ?2, reaction = ?3
             WHERE procedure_urn = ?1",
        params![urn, stamp(&r.stopped_at), json(&reaction)],
    )?;
    // The round that raised the trigger was usually recorded on its own already.
    let already: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM ward_round WHERE procedure_urn = ?1 AND at = ?2)",
        params![urn, stamp(&r.round.at)],
        |row| row.get(0),
    )?;
    if !already {
        insert_round(conn, urn, &r.round)?;
    }
    Ok(())
}

/// Fills the ward tables from the outbox once, for a store recorded before they existed.
pub(crate) fn project_earlier_events(conn: &mut Connection) -> Result<(), StoreError> {
    let done: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sync_state WHERE key = ?1)",
        [PROJECTED],
        |r| r.get(0),
    )?;
    if done {
        return Ok(());
    }
    let tx = conn.transaction()?;
    {
        let history = crate::archive::over_history("SELECT seq, event FROM {outbox}");
        let mut stmt = tx.prepare(&format!("SELECT seq, event FROM ({history}) ORDER BY seq"))?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        for (seq, text) in rows {
            let event: BedsideEvent = serde_json::from_str(&text)
                .map_err(|e| StoreError::Corrupt(format!("outbox record {seq}: {e}")))?;
            project(&tx, &event)?;
        }
        let before: i64 =
            tx.query_row("SELECT COALESCE(MAX(seq), 0) FROM audit", [], |r| r.get(0))?;
        tx.execute(
            "INSERT INTO sync_state (key, value) VALUES (?1, ?2)",
            params![PROJECTED, before.to_string()],
        )?;
    }
    tx.commit()?;
    Ok(())
}
