//! The retrospective crossmatch at the device (`clinical-rules.md` §6.3): after every pull, a
//! crossmatch result that arrived for an emergency unit already started here is recorded on its
//! transfusion, and an incompatible one stays an alert on every screen until a nurse takes it in.
//! An incompatible result for a unit another handheld started alerts here too (the charge
//! nurse's handheld, a nurse away from hers), until someone on this device takes it in.

use chrono::Duration;

use bedside_clock::Instant;
use bedside_core::audit::AuditAction;
use bedside_core::check::IssueRecord;
use bedside_core::event::BedsideEvent;
use bedside_core::messages::{Arg, Text};
use bedside_core::retrospective::{
    incompatible_alert, incompatible_elsewhere, incompatible_elsewhere_alert, late_results,
    EmergencyUnit,
};
use bedside_store::StoreError;

use crate::handheld::{ActionError, Handheld};
use crate::port::DeviceStore;

/// How far back a started emergency unit is watched for its crossmatch result.
const WATCH_DAYS: i64 = 14;

/// Who records a result the blood bank sent (no nurse acted).
pub const BLOOD_BANK_ACTOR: &str = "blood-bank";

/// An incompatible late result a nurse has not taken in yet.
#[derive(Debug, Clone, PartialEq)]
pub struct LateAlert {
    pub procedure_urn: String,
    pub message: Text,
}

impl LateAlert {
    /// The results could not be read or recorded: said on the screen, never shown as "none".
    pub fn unreadable(e: &StoreError) -> LateAlert {
        LateAlert {
            procedure_urn: String::new(),
            // The store's words in the reader's language; its technical detail is not hers.
            message: Text::tr_with("Late crossmatch results of emergency units cannot be read on this device ({e}). Phone the blood bank for them and tell IT.",
                &[("e", Arg::Words(&e.message()))],
            ),
        }
    }
}

/// Records the new late results and returns the alerts still open, oldest first. The result is
/// written before the alert is returned, so an alert always stands on a recorded result.
pub fn record_late_crossmatches(
    store: &mut dyn DeviceStore,
    now: Instant,
) -> Result<Vec<LateAlert>, StoreError> {
    let (mut units, acknowledged) = emergency_units(store, now)?;
    let (issued, _) = store.cached()?.issue_records();
    for late in late_results(&units, &issued) {
        let detail = format!("{} {}", late.result.code(), late.unit.din);
        store.audit_about(
            &now,
            BLOOD_BANK_ACTOR,
            AuditAction::LateCrossmatch,
            &detail,
            &late.unit.procedure_urn,
        )?;
        // Written: the unit now stands on it, as a fresh read of its trail would say.
        if let Some(u) = units
            .iter_mut()
            .find(|u| u.procedure_urn == late.unit.procedure_urn)
        {
            u.recorded = Some(late.result.code().to_string());
        }
    }
    let mut alerts = alerts_of(&units, &acknowledged);
    alerts.extend(alerts_elsewhere(store, &issued, now)?);
    Ok(alerts)
}

/// The incompatible late results no nurse has taken in yet, this device's transfusions' first,
/// oldest first (reads only).
pub fn open_alerts(store: &dyn DeviceStore, now: Instant) -> Result<Vec<LateAlert>, StoreError> {
    let (units, acknowledged) = emergency_units(store, now)?;
    let mut alerts = alerts_of(&units, &acknowledged);
    // The other handhelds' units come from the cache: a cache that cannot be read is said beside
    // this device's own alerts, never instead of them.
    let elsewhere = store
        .cached()
        .and_then(|cache| alerts_elsewhere(store, &cache.issue_records().0, now));
    match elsewhere {
        Ok(more) => alerts.extend(more),
        Err(e) => alerts.push(LateAlert::unreadable(&e)),
    }
    Ok(alerts)
}

/// The incompatible results of emergency units another handheld started, as the blood bank
/// marked them, that no one has taken in on this device. Nothing is recorded here: the
/// transfusion's own record is on the handheld that started it.
fn alerts_elsewhere(
    store: &dyn DeviceStore,
    issued: &[IssueRecord],
    now: Instant,
) -> Result<Vec<LateAlert>, StoreError> {
    let taken_in = store.subjects_audited(AuditAction::LateCrossmatchAcknowledged)?;
    let here = store.started_dispenses()?;
    let since = now - Duration::days(WATCH_DAYS);
    Ok(incompatible_elsewhere(issued, &here, since)
        .iter()
        .filter(|u| !taken_in.contains(&u.procedure_urn))
        .map(|u| LateAlert {
            procedure_urn: u.procedure_urn.clone(),
            message: incompatible_elsewhere_alert(u),
        })
        .collect())
}

fn alerts_of(units: &[EmergencyUnit], acknowledged: &[String]) -> Vec<LateAlert> {
    units
        .iter()
        .filter(|u| u.recorded.as_deref() == Some("incompatible"))
        .filter(|u| !acknowledged.contains(&u.procedure_urn))
        .map(|u| LateAlert {
            procedure_urn: u.procedure_urn.clone(),
            message: incompatible_alert(u),
        })
        .collect()
}

impl<S: DeviceStore> Handheld<S> {
    /// The late-crossmatch alerts every screen shows (the link records the results); a store
    /// that cannot be read is itself an alert, never "no alert".
    pub fn late_crossmatch_alerts(&self) -> Vec<LateAlert> {
        open_alerts(&self.store, self.clock.now())
            .unwrap_or_else(|e| vec![LateAlert::unreadable(&e)])
    }

    /// The signed-in nurse has read the alert and acted on it.
    pub fn acknowledge_late_crossmatch(&mut self, procedure_urn: &str) -> Result<(), ActionError> {
        let nurse = self.nurse()?;
        let now = self.clock.now();
        acknowledge(&mut self.store, procedure_urn, &nurse.staff_id, now)?;
        Ok(())
    }
}

/// A nurse has read the alert and acted on it: kept in the transfusion's trail.
pub fn acknowledge(
    store: &mut dyn DeviceStore,
    procedure_urn: &str,
    by: &str,
    now: Instant,
) -> Result<(), StoreError> {
    store.audit_about(
        &now,
        by,
        AuditAction::LateCrossmatchAcknowledged,
        "",
        procedure_urn,
    )
}

/// The emergency units started on this device in the watch window, each with the result its
/// trail has recorded; and the transfusions whose alert was taken in.
fn emergency_units(
    store: &dyn DeviceStore,
    now: Instant,
) -> Result<(Vec<EmergencyUnit>, Vec<String>), StoreError> {
    let mut units = Vec::new();
    let mut acknowledged = Vec::new();
    let events =
        store.events_of_period(now - Duration::days(WATCH_DAYS), now + Duration::days(1))?;
    for event in events {
        let BedsideEvent::Started(started) = event else {
            continue;
        };
        let Some(emergency) = &started.emergency else {
            continue;
        };
        let t = &started.transfusion;
        let trail = store
            .review(&t.procedure_uuid)?
            .map(|r| r.audit)
            .unwrap_or_default();
        let recorded = trail
            .iter()
            .filter(|line| line.action == AuditAction::LateCrossmatch.code())
            .filter_map(|line| line.detail.split_whitespace().next())
            .next_back()
            .map(str::to_string);
        if trail
            .iter()
            .any(|line| line.action == AuditAction::LateCrossmatchAcknowledged.code())
        {
            acknowledged.push(t.procedure_uuid.clone());
        }
        units.push(EmergencyUnit {
            procedure_urn: t.procedure_uuid.clone(),
            dispense_id: t.dispense_id.clone(),
            din: t.din.clone(),
            patient_name: t.patient_name.clone(),
            crossmatch_at_start: emergency.crossmatch_at_start.clone(),
            recorded,
        });
    }
    Ok((units, acknowledged))
}
