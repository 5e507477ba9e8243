use super::*;
use chrono::{DateTime, FixedOffset};
use std::collections::BTreeSet;

fn dt(s: &str) -> Instant {
    DateTime::parse_from_rfc3339(s).expect("test time")
}

/// A time on the test day, `hh:mm` in +08:00.
fn t(hm: &str) -> Instant {
    dt(&format!("2026-11-22T{hm}:00+08:00"))
}

fn vitals(temp_c: f64, hr: i32, sbp: i32, rr: i32, spo2: i32) -> Vitals {
    Vitals {
        temp_tenths: Some(Vitals::temp_c_to_tenths(temp_c)),
        hr: Some(hr),
        sbp: Some(sbp),
        dbp: Some(70),
        rr: Some(rr),
        spo2: Some(spo2),
    }
}

fn normal() -> Vitals {
    vitals(36.8, 78, 122, 16, 98)
}

fn obs(hm: &str, vitals: Vitals) -> Observation {
    Observation {
        at: t(hm),
        vitals,
        symptoms: Vec::new(),
    }
}

fn codes(alerts: &[Alert]) -> Vec<&'static str> {
    alerts.iter().map(|a| a.code.as_str()).collect()
}

fn triggers(v: Vitals, base: Option<Vitals>) -> Vec<&'static str> {
    let p = Policy::default();
    let b = base.map(|v| obs("10:00", v));
    codes(&reaction_triggers(&obs("10:20", v), b.as_ref(), &p))
}

fn running(observations: Vec<Observation>) -> Transfusion {
    Transfusion {
        component: Component::RedCells,
        issued_at: t("09:50"),
        started_at: Some(t("10:00")),
        ended_at: None,
        baseline: Some(obs("09:55", normal())),
        observations,
        pauses: Vec::new(),
    }
}

fn labels_with(slots: &[Slot], want: SlotStatus) -> Vec<String> {
    slots
        .iter()
        .filter(|s| s.status == want)
        .map(|s| s.label.clone())
        .collect()
}

fn overdue_labels(slots: &[Slot]) -> Vec<String> {
    labels_with(slots, SlotStatus::Overdue)
}

// --- temperatures ---

mod golden;
mod pauses;
mod schedule;
mod triggers;
