//! The ISBT 128 tables of `data/isbt128/`, compiled into the binary and read once. Keeping the
//! TSVs as the source (rather than copying their rows into Rust) means an update of the tables
//! is a data change that the vector tests check.

use std::collections::HashMap;
use std::sync::OnceLock;

use regex::Regex;

const DATA_STRUCTURES: &str = include_str!("../../../../data/isbt128/data_structures.tsv");
const BLOOD_GROUPS: &str = include_str!("../../../../data/isbt128/blood_groups.tsv");
const PHENOTYPES: &str = include_str!("../../../../data/isbt128/rh_kell_phenotypes.tsv");
const COLLECTION_TYPES: &str = include_str!("../../../../data/isbt128/collection_types.tsv");

/// How long a structure's content is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Length {
    Fixed(usize),
    /// `&#`: `aall` then `ll` characters.
    PatientId,
    /// `&$`: `nn` then 14·nn digits.
    Dimensions,
    /// `&%`: `nnn` then 10·nnn digits.
    RedCellAntigens,
    /// Nationally or locally defined: the rest of the scan.
    Rest,
}

#[derive(Debug)]
pub struct StructureDef {
    pub kind: &'static str,
    /// The literal identifier (`=%`, `&,1`, …); for the DIN only `=`.
    pub identifier: String,
    pub length: Length,
    /// The content pattern of the table, anchored; `None` where the content is opaque.
    pub content: Option<Regex>,
}

#[derive(Debug)]
pub struct BloodGroupRow {
    pub special_message: bool,
    pub abo: String,
    pub rhd: String,
    pub special: String,
    pub collection: String,
    pub label: String,
}

#[derive(Debug)]
pub struct Tables {
    pub structures: Vec<StructureDef>,
    pub blood_groups: HashMap<String, BloodGroupRow>,
    pub phenotypes: HashMap<char, String>,
    pub collection_types: HashMap<char, String>,
}

pub fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(load)
}

impl Tables {
    pub fn structure(&self, identifier: &str) -> Option<&StructureDef> {
        self.structures.iter().find(|s| s.identifier == identifier)
    }

    pub fn din(&self) -> &StructureDef {
        self.structures
            .iter()
            .find(|s| s.kind == "din")
            .expect("data_structures.tsv has the DIN")
    }
}

fn rows(tsv: &'static str) -> impl Iterator<Item = Vec<&'static str>> {
    tsv.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split('\t').collect())
}

fn load() -> Tables {
    let mut structures = Vec::new();
    for row in rows(DATA_STRUCTURES) {
        let (kind, ascii, length, regex) = (row[2], row[4], row[5], row[7]);
        let identifier: String = if kind == "din" {
            "=".into()
        } else {
            ascii
                .split_whitespace()
                .filter_map(|n| n.parse::<u8>().ok())
                .map(char::from)
                .collect()
        };
        let length = match (kind, length) {
            ("patient_identification_number", _) => Length::PatientId,
            ("dimensions", _) => Length::Dimensions,
            ("red_cell_antigens_with_test_history", _) => Length::RedCellAntigens,
            (_, "var") => Length::Rest,
            (_, n) => Length::Fixed(n.parse().expect("content_length is a number or var")),
        };
        let content = match length {
            Length::Fixed(_) if !regex.is_empty() => {
                Some(Regex::new(&format!("^(?:{regex})$")).expect("content_regex compiles"))
            }
            _ => None,
        };
        // `&a..&z` is one row for 26 identifiers; it is matched by rule, not by literal.
        if kind != "non_iccbba" {
            structures.push(StructureDef {
                kind,
                identifier,
                length,
                content,
            });
        }
    }
    let blood_groups = rows(BLOOD_GROUPS)
        .map(|r| {
            (
                r[0].to_string(),
                BloodGroupRow {
                    special_message: r[1] == "special_message",
                    abo: r[2].into(),
                    rhd: r[3].into(),
                    special: r[4].into(),
                    collection: r[5].into(),
                    label: r[6].into(),
                },
            )
        })
        .collect();
    let phenotypes = rows(PHENOTYPES)
        .filter_map(|r| r[0].chars().next().map(|c| (c, r[1..6].join(","))))
        .collect();
    let collection_types = rows(COLLECTION_TYPES)
        .filter_map(|r| r[0].chars().next().map(|c| (c, r[1].to_string())))
        .collect();
    Tables {
        structures,
        blood_groups,
        phenotypes,
        collection_types,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_row_is_loaded() {
        let t = tables();
        assert_eq!(t.structures.len(), 42, "43 rows less the &a..&z rule");
        assert_eq!(t.blood_groups.len(), 218);
        assert_eq!(t.phenotypes.len(), 36);
        assert_eq!(t.collection_types.len(), 29);
        assert_eq!(t.structure("&,4").unwrap().kind, "single_european_code");
        assert_eq!(
            t.structure("=\"").unwrap().kind,
            "special_testing_hla_drb1_retired"
        );
        assert_eq!(
            t.structure("='").unwrap().kind,
            "staff_member_identification_number"
        );
        assert!(t.blood_groups["Mx"].special_message && !t.blood_groups.contains_key("MX"));
    }
}
