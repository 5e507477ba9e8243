//! Blood groups, components and the ABO/RhD compatibility table of the clinical rules
//! (`clinical-rules.md` §1, recipient = patient, donor = unit).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Abo {
    O,
    A,
    B,
    AB,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rhd {
    Pos,
    Neg,
}

impl Abo {
    pub fn parse(s: &str) -> Option<Abo> {
        match s.trim() {
            "O" => Some(Abo::O),
            "A" => Some(Abo::A),
            "B" => Some(Abo::B),
            "AB" => Some(Abo::AB),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Abo::O => "O",
            Abo::A => "A",
            Abo::B => "B",
            Abo::AB => "AB",
        }
    }

    fn has_a(self) -> bool {
        matches!(self, Abo::A | Abo::AB)
    }

    fn has_b(self) -> bool {
        matches!(self, Abo::B | Abo::AB)
    }
}

impl Rhd {
    pub fn parse(s: &str) -> Option<Rhd> {
        match s.trim() {
            "pos" => Some(Rhd::Pos),
            "neg" => Some(Rhd::Neg),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Rhd::Pos => "pos",
            Rhd::Neg => "neg",
        }
    }
}

/// An ABO/RhD group where either part may be unknown (not typed yet, emergency, or a label
/// special message such as "autologous use only").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct Group {
    pub abo: Option<Abo>,
    pub rhd: Option<Rhd>,
}

impl Group {
    pub fn new(abo: Option<Abo>, rhd: Option<Rhd>) -> Group {
        Group { abo, rhd }
    }

    /// The group as a ward says it: "A RhD+" in English, "A型 RhD阳性" in Chinese.
    pub fn words(&self) -> crate::messages::Text {
        use crate::messages::Text;
        let abo = self.abo.map(Abo::as_str).unwrap_or("?");
        match self.rhd {
            Some(Rhd::Pos) => Text::tr("{abo} RhD+", &[("abo", abo)]),
            Some(Rhd::Neg) => Text::tr("{abo} RhD−", &[("abo", abo)]),
            None => Text::tr("{abo} RhD unknown", &[("abo", abo)]),
        }
    }

    /// Human-readable form such as "A RhD+", the same in both languages (codes, logs).
    pub fn display(&self) -> String {
        let abo = self.abo.map(Abo::as_str).unwrap_or("?");
        match self.rhd {
            Some(Rhd::Pos) => format!("{abo} RhD+"),
            Some(Rhd::Neg) => format!("{abo} RhD−"),
            None => format!("{abo} RhD?"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Component {
    RedCells,
    WholeBlood,
    Plasma,
    Platelets,
    Cryo,
}

impl Component {
    pub fn parse(s: &str) -> Option<Component> {
        match s.trim() {
            "red_cells" => Some(Component::RedCells),
            "whole_blood" => Some(Component::WholeBlood),
            "plasma" => Some(Component::Plasma),
            "platelets" => Some(Component::Platelets),
            "cryo" => Some(Component::Cryo),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Component::RedCells => "red_cells",
            Component::WholeBlood => "whole_blood",
            Component::Plasma => "plasma",
            Component::Platelets => "platelets",
            Component::Cryo => "cryo",
        }
    }

    /// Red cells and whole blood carry red cells into the patient, so they need a crossmatch.
    pub fn needs_crossmatch(self) -> bool {
        matches!(self, Component::RedCells | Component::WholeBlood)
    }
}

/// What the compatibility table says about one (patient, unit, component) triple.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Compatibility {
    pub abo: Verdict,
    pub rhd: Verdict,
}

/// `Stop` and `Warn` name the severity the table assigns to a violation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Verdict {
    #[default]
    Ok,
    Warn,
    Stop,
}

/// The compatibility table of `clinical-rules.md` §1. An unknown patient group is treated as the
/// most restrictive; an unknown unit group can never be shown to be safe, so it fails every rule
/// that needs it.
pub fn compatibility(component: Component, patient: Group, unit: Group) -> Compatibility {
    let abo = match component {
        Component::RedCells => stop_unless(red_cell_abo_ok(patient.abo, unit.abo)),
        Component::WholeBlood => stop_unless(identical_abo(patient.abo, unit.abo)),
        Component::Plasma => stop_unless(plasma_abo_ok(patient.abo, unit.abo)),
        Component::Cryo => warn_unless(plasma_abo_ok(patient.abo, unit.abo)),
        Component::Platelets => warn_unless(identical_abo(patient.abo, unit.abo)),
    };
    let rhd_ok = rhd_ok(patient.rhd, unit.rhd);
    let rhd = match component {
        Component::RedCells | Component::WholeBlood => stop_unless(rhd_ok),
        Component::Platelets => warn_unless(rhd_ok),
        Component::Plasma | Component::Cryo => Verdict::Ok,
    };
    Compatibility { abo, rhd }
}

fn stop_unless(ok: bool) -> Verdict {
    if ok {
        Verdict::Ok
    } else {
        Verdict::Stop
    }
}

fn warn_unless(ok: bool) -> Verdict {
    if ok {
        Verdict::Ok
    } else {
        Verdict::Warn
    }
}

/// Red cells: the unit must carry no A or B antigen the patient lacks (O to all, …);
/// unknown patient: O only.
fn red_cell_abo_ok(patient: Option<Abo>, unit: Option<Abo>) -> bool {
    let Some(unit) = unit else { return false };
    match patient {
        None => unit == Abo::O,
        Some(p) => (!unit.has_a() || p.has_a()) && (!unit.has_b() || p.has_b()),
    }
}

/// Plasma and cryo: the unit must carry no anti-A or anti-B against the patient's cells
/// (AB to all, …); unknown patient: AB only.
fn plasma_abo_ok(patient: Option<Abo>, unit: Option<Abo>) -> bool {
    let Some(unit) = unit else { return false };
    match patient {
        None => unit == Abo::AB,
        Some(p) => (!p.has_a() || unit.has_a()) && (!p.has_b() || unit.has_b()),
    }
}

fn identical_abo(patient: Option<Abo>, unit: Option<Abo>) -> bool {
    matches!((patient, unit), (Some(p), Some(u)) if p == u)
}

/// An RhD-positive (or untyped) unit must not go to an RhD-negative or untyped patient.
fn rhd_ok(patient: Option<Rhd>, unit: Option<Rhd>) -> bool {
    unit == Some(Rhd::Neg) || patient == Some(Rhd::Pos)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Abo::*;

    const ALL: [Abo; 4] = [O, A, B, AB];

    fn g(abo: Option<Abo>, rhd: Option<Rhd>) -> Group {
        Group::new(abo, rhd)
    }

    fn abo_verdict(c: Component, patient: Option<Abo>, unit: Abo) -> Verdict {
        compatibility(c, g(patient, Some(Rhd::Pos)), g(Some(unit), Some(Rhd::Neg))).abo
    }

    #[test]
    fn red_cells_follow_the_donor_antigen_table() {
        let allowed = |p: Abo| -> Vec<Abo> {
            match p {
                O => vec![O],
                A => vec![O, A],
                B => vec![O, B],
                AB => vec![O, A, B, AB],
            }
        };
        for p in ALL {
            for u in ALL {
                let expected = if allowed(p).contains(&u) {
                    Verdict::Ok
                } else {
                    Verdict::Stop
                };
                assert_eq!(
                    abo_verdict(Component::RedCells, Some(p), u),
                    expected,
                    "{p:?} <- {u:?}"
                );
            }
        }
        assert_eq!(abo_verdict(Component::RedCells, None, O), Verdict::Ok);
        for u in [A, B, AB] {
            assert_eq!(abo_verdict(Component::RedCells, None, u), Verdict::Stop);
        }
    }

    #[test]
    fn plasma_follows_the_antibody_table_and_cryo_only_warns() {
        let allowed = |p: Abo| -> Vec<Abo> {
            match p {
                O => vec![O, A, B, AB],
                A => vec![A, AB],
                B => vec![B, AB],
                AB => vec![AB],
            }
        };
        for p in ALL {
            for u in ALL {
                let ok = allowed(p).contains(&u);
                assert_eq!(
                    abo_verdict(Component::Plasma, Some(p), u),
                    if ok { Verdict::Ok } else { Verdict::Stop }
                );
                assert_eq!(
                    abo_verdict(Component::Cryo, Some(p), u),
                    if ok { Verdict::Ok } else { Verdict::Warn }
                );
            }
        }
        assert_eq!(abo_verdict(Component::Plasma, None, AB), Verdict::Ok);
        assert_eq!(abo_verdict(Component::Plasma, None, O), Verdict::Stop);
    }

    #[test]
    fn whole_blood_needs_identical_abo_and_platelets_warn_when_not_identical() {
        for p in ALL {
            for u in ALL {
                let same = p == u;
                assert_eq!(
                    abo_verdict(Component::WholeBlood, Some(p), u),
                    if same { Verdict::Ok } else { Verdict::Stop }
                );
                assert_eq!(
                    abo_verdict(Component::Platelets, Some(p), u),
                    if same { Verdict::Ok } else { Verdict::Warn }
                );
            }
        }
        assert_eq!(abo_verdict(Component::WholeBlood, None, O), Verdict::Stop);
        assert_eq!(abo_verdict(Component::Platelets, None, O), Verdict::Warn);
    }

    #[test]
    fn rhd_positive_units_stop_for_negative_or_unknown_patients_only_for_red_cells() {
        let pos_unit = g(Some(O), Some(Rhd::Pos));
        for patient_rhd in [Some(Rhd::Neg), None] {
            let patient = g(Some(O), patient_rhd);
            assert_eq!(
                compatibility(Component::RedCells, patient, pos_unit).rhd,
                Verdict::Stop
            );
            assert_eq!(
                compatibility(Component::WholeBlood, patient, pos_unit).rhd,
                Verdict::Stop
            );
            assert_eq!(
                compatibility(Component::Platelets, patient, pos_unit).rhd,
                Verdict::Warn
            );
            assert_eq!(
                compatibility(Component::Plasma, patient, pos_unit).rhd,
                Verdict::Ok
            );
            assert_eq!(
                compatibility(Component::Cryo, patient, pos_unit).rhd,
                Verdict::Ok
            );
        }
        let pos_patient = g(Some(O), Some(Rhd::Pos));
        assert_eq!(
            compatibility(Component::RedCells, pos_patient, pos_unit).rhd,
            Verdict::Ok
        );
        let neg_unit = g(Some(O), Some(Rhd::Neg));
        assert_eq!(
            compatibility(Component::RedCells, g(Some(O), None), neg_unit).rhd,
            Verdict::Ok
        );
    }

    #[test]
    fn a_unit_of_unknown_group_is_never_shown_compatible() {
        let unknown = g(None, None);
        let patient = g(Some(AB), Some(Rhd::Pos));
        assert_eq!(
            compatibility(Component::RedCells, patient, unknown).abo,
            Verdict::Stop
        );
        assert_eq!(
            compatibility(Component::Platelets, patient, unknown).abo,
            Verdict::Warn
        );
        let neg_patient = g(Some(AB), Some(Rhd::Neg));
        assert_eq!(
            compatibility(Component::RedCells, neg_patient, unknown).rhd,
            Verdict::Stop
        );
    }
}
