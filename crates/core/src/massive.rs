//! Massive transfusion (大量输血, `clinical-rules.md` §6.4): many units in quick succession for one
//! patient. The second checker stays signed in for the protocol, for a limited time; every unit
//! is still fully scanned and checked; the units given are counted per component against the
//! hospital's ratio (red cells : plasma : platelets).

use chrono::Duration;

use crate::blood::Component;
use crate::check::component_text;
use crate::event::StaffRef;
use crate::messages::{Arg, Text};
use crate::policy::Policy;
use crate::wristband;
use crate::Instant;

/// An open protocol for one patient.
#[derive(Debug, Clone, PartialEq)]
pub struct Protocol {
    /// The patient's MRN, as the blood bank's records say it.
    pub patient_mrn: String,
    pub patient_name: String,
    /// Who checks every unit with the nurse while the protocol is open.
    pub second_checker: StaffRef,
    pub opened_by: String,
    pub opened_at: Instant,
}

impl Protocol {
    /// When the kept second checker must sign in again.
    pub fn ends_at(&self, policy: &Policy) -> Instant {
        self.opened_at + Duration::minutes(policy.massive_transfusion_session_minutes)
    }

    /// Whether the kept second checker may still sign at `now`: from the opening (a clock gone
    /// back is not in it) to the end of the session.
    pub fn open_at(&self, now: Instant, policy: &Policy) -> bool {
        now >= self.opened_at && now < self.ends_at(policy)
    }

    /// The kept second checker, for a check of this patient (`wristband_id` as read) at `now`:
    /// none for another patient, before the opening (a clock gone back) or after the session.
    pub fn second_checker_for(
        &self,
        wristband_id: &str,
        now: Instant,
        policy: &Policy,
    ) -> Option<&StaffRef> {
        let same_patient = wristband::identifies(wristband_id, &self.patient_mrn, None);
        (same_patient && self.open_at(now, policy)).then_some(&self.second_checker)
    }
}

/// The units started under a protocol, per component.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub red_cells: u32,
    pub whole_blood: u32,
    pub plasma: u32,
    pub platelets: u32,
    pub cryo: u32,
}

impl Totals {
    pub fn of(components: impl IntoIterator<Item = Component>) -> Totals {
        let mut t = Totals::default();
        for c in components {
            let n = match c {
                Component::RedCells => &mut t.red_cells,
                Component::WholeBlood => &mut t.whole_blood,
                Component::Plasma => &mut t.plasma,
                Component::Platelets => &mut t.platelets,
                Component::Cryo => &mut t.cryo,
            };
            *n = n.saturating_add(1);
        }
        t
    }

    /// The units in words, the ratio given (red cells and whole blood : plasma and whole blood
    /// : platelets) against the hospital's, and which component lags behind it.
    pub fn words(&self, policy: &Policy) -> Text {
        let [r, p, l] = policy.massive_transfusion_ratio;
        let cells = self.red_cells + self.whole_blood;
        let plasma = self.plasma + self.whole_blood;
        // Behind by at least one whole unit of what the ratio asks for the red cells given.
        let behind = |given: u32, share: u32| {
            r > 0
                && u64::from(given) * u64::from(r) + u64::from(r)
                    <= u64::from(cells) * u64::from(share)
        };
        let mut lagging = Vec::new();
        if behind(plasma, p) {
            lagging.push(component_text(Component::Plasma));
        }
        if behind(self.platelets, l) {
            lagging.push(component_text(Component::Platelets));
        }
        let lag = if lagging.is_empty() {
            Text::same("")
        } else {
            Text::tr_with(
                " — {components} behind the target: ask the blood bank",
                &[("components", (&Text::list(&lagging)).into())],
            )
        };
        Text::tr_with("Red cells {r_n} · plasma {p_n} · platelets {l_n} · cryo {c_n} (whole blood {w_n}); given {cells} : {plasma} : {l_n}, target {r} : {p} : {l}{lag}",
            &[
                ("r_n", Arg::Same(&self.red_cells.to_string())),
                ("p_n", Arg::Same(&self.plasma.to_string())),
                ("l_n", Arg::Same(&self.platelets.to_string())),
                ("c_n", Arg::Same(&self.cryo.to_string())),
                ("w_n", Arg::Same(&self.whole_blood.to_string())),
                ("cells", Arg::Same(&cells.to_string())),
                ("plasma", Arg::Same(&plasma.to_string())),
                ("r", Arg::Same(&r.to_string())),
                ("p", Arg::Same(&p.to_string())),
                ("l", Arg::Same(&l.to_string())),
                ("lag", (&lag).into()),
            ],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Component::*;

    fn at(s: &str) -> Instant {
        chrono::DateTime::parse_from_rfc3339(s).unwrap()
    }

    fn protocol() -> Protocol {
        Protocol {
            patient_mrn: "ZY26001009".into(),
            patient_name: "周建国".into(),
            second_checker: StaffRef {
                staff_id: "N0388".into(),
                name: "刘洋".into(),
                practitioner_id: None,
            },
            opened_by: "N0451".into(),
            opened_at: at("2026-12-04T03:00:00+08:00"),
        }
    }

    #[test]
    fn the_kept_second_checker_signs_for_this_patient_within_the_session_only() {
        let p = protocol();
        let policy = Policy::default();
        let at_1h = at("2026-12-04T04:00:00+08:00");
        assert_eq!(
            p.second_checker_for("ZY26001009", at_1h, &policy)
                .map(|s| s.staff_id.as_str()),
            Some("N0388")
        );
        assert!(
            p.second_checker_for("ZY26001001", at_1h, &policy).is_none(),
            "another patient"
        );
        let two_hours = at("2026-12-04T05:00:00+08:00");
        assert!(
            p.second_checker_for("ZY26001009", two_hours, &policy)
                .is_none(),
            "session over"
        );
        let before = at("2026-12-04T02:59:00+08:00");
        assert!(
            p.second_checker_for("ZY26001009", before, &policy)
                .is_none(),
            "clock went back"
        );
    }

    #[test]
    fn the_units_are_counted_against_the_ratio_and_a_lagging_component_is_named() {
        let policy = Policy::default();
        let even = Totals::of([
            RedCells, RedCells, RedCells, RedCells, Plasma, Plasma, Plasma, Plasma, Platelets,
        ]);
        let said = even.words(&policy);
        assert!(
            said.zh().contains("已输 4 : 4 : 1，目标 4 : 4 : 1"),
            "{}",
            said.zh()
        );
        assert!(!said.en().contains("behind"), "{}", said.en());

        let lagging = Totals::of([RedCells, RedCells, RedCells, RedCells, Plasma, Plasma]);
        let said = lagging.words(&policy);
        assert!(
            said.en().contains("plasma and platelets behind the target"),
            "{}",
            said.en()
        );
        assert!(
            said.zh().contains("血浆、血小板落后于目标比例"),
            "{}",
            said.zh()
        );

        let early = Totals::of([RedCells, Plasma]);
        assert!(
            !early.words(&policy).en().contains("behind"),
            "one platelet unit is due at four red cells"
        );
    }
}
