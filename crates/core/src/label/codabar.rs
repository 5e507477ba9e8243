//! Legacy Codabar bag labels (some Chinese blood centres print one Codabar barcode per field).
//! Off by default; a hospital that still receives such bags describes its blood centre's labels
//! in the configuration, one `[[policy.codabar.fields]]` entry per barcode:
//!
//! ```toml
//! [[policy.codabar.fields]]
//! kind = "din"                      # din | blood_group | product_code | expiry
//! pattern = '^(?P<value>\d{10})$'   # regular expression with a named group `value`
//! [[policy.codabar.fields]]
//! kind = "blood_group"
//! pattern = '^0(?P<value>[1-8])$'
//! groups = { "1" = "A pos", "2" = "B pos", "3" = "O pos", "4" = "AB pos", "5" = "A neg", "6" = "B neg", "7" = "O neg", "8" = "AB neg" }
//! [[policy.codabar.fields]]
//! kind = "expiry"
//! pattern = '^9(?P<value>\d{8})$'
//! date_format = "%Y%m%d"            # chrono format; a date alone means 23:59 of that day
//! ```
//!
//! The scanner's start/stop characters (A–D, or T N * E) are removed before matching; the first
//! field whose pattern matches reads the scan.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime};
use regex::Regex;
use serde::Deserialize;

use super::CodabarLabel;
use crate::blood::{Abo, Group, Rhd};

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodabarProfile {
    pub fields: Vec<CodabarField>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodabarField {
    pub kind: CodabarKind,
    /// A regular expression with a named group `value`.
    pub pattern: String,
    /// For `blood_group`: the value → "O pos", "AB neg", … ("O" alone leaves RhD unknown).
    #[serde(default)]
    pub groups: BTreeMap<String, String>,
    /// For `expiry`: a chrono format such as "%Y%m%d" or "%Y%m%d%H%M".
    pub date_format: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CodabarKind {
    Din,
    BloodGroup,
    ProductCode,
    Expiry,
}

impl CodabarProfile {
    pub fn validate(&self) -> Result<(), String> {
        if self.fields.is_empty() {
            return Err(
                "a Codabar profile needs at least one [[policy.codabar.fields]] entry".into(),
            );
        }
        for (i, field) in self.fields.iter().enumerate() {
            let at = |problem: String| format!("fields[{i}] ({:?}): {problem}", field.kind);
            let re =
                Regex::new(&field.pattern).map_err(|e| at(format!("pattern is not valid: {e}")))?;
            if !re.capture_names().any(|n| n == Some("value")) {
                return Err(at("pattern needs a named group `value`".into()));
            }
            match field.kind {
                CodabarKind::BloodGroup if field.groups.is_empty() => {
                    return Err(at("a blood_group field needs its `groups` map".into()))
                }
                CodabarKind::BloodGroup => {
                    for (code, group) in &field.groups {
                        parse_group(group).ok_or_else(|| {
                            at(format!("groups.{code} = \"{group}\" is not like \"A pos\""))
                        })?;
                    }
                }
                CodabarKind::Expiry if field.date_format.is_none() => {
                    return Err(at("an expiry field needs its `date_format`".into()))
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Reads one Codabar scan, or `None` when no field of the profile describes it.
    pub fn read(&self, scan: &str) -> Option<CodabarLabel> {
        let text = strip_start_stop(scan);
        let mut label = CodabarLabel {
            din: None,
            group: None,
            product_code: None,
            expires_at: None,
        };
        for field in &self.fields {
            let Some(value) = Regex::new(&field.pattern)
                .ok()?
                .captures(text)
                .and_then(|c| c.name("value"))
            else {
                continue;
            };
            let value = value.as_str();
            match field.kind {
                CodabarKind::Din => label.din = Some(value.into()),
                CodabarKind::ProductCode => label.product_code = Some(value.into()),
                CodabarKind::BloodGroup => {
                    label.group = Some(parse_group(field.groups.get(value)?)?)
                }
                CodabarKind::Expiry => {
                    label.expires_at = Some(parse_date(value, field.date_format.as_deref()?)?)
                }
            }
            return Some(label);
        }
        None
    }
}

fn strip_start_stop(scan: &str) -> &str {
    let is_guard = |c: char| matches!(c, 'A'..='D' | 'T' | 'N' | '*' | 'E' | 'a'..='d');
    let mut chars = scan.chars();
    match (chars.next(), chars.next_back()) {
        (Some(first), Some(last)) if is_guard(first) && is_guard(last) => &scan[1..scan.len() - 1],
        _ => scan,
    }
}

fn parse_group(text: &str) -> Option<Group> {
    let mut parts = text.split_whitespace();
    let abo = Abo::parse(parts.next()?)?;
    let rhd = match parts.next() {
        None => None,
        Some(r) => Some(Rhd::parse(r)?),
    };
    parts.next().is_none().then_some(Group::new(Some(abo), rhd))
}

fn parse_date(value: &str, format: &str) -> Option<NaiveDateTime> {
    NaiveDateTime::parse_from_str(value, format)
        .ok()
        .or_else(|| {
            NaiveDate::parse_from_str(value, format)
                .ok()?
                .and_hms_opt(23, 59, 0)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROFILE: &str = r#"
        [[fields]]
        kind = "din"
        pattern = '^(?P<value>\d{10})$'
        [[fields]]
        kind = "blood_group"
        pattern = '^0(?P<value>[1-8])$'
        groups = { "1" = "A pos", "7" = "O neg" }
        [[fields]]
        kind = "expiry"
        pattern = '^9(?P<value>\d{8})$'
        date_format = "%Y%m%d"
    "#;

    fn profile() -> CodabarProfile {
        let p: CodabarProfile = toml::from_str(PROFILE).unwrap();
        p.validate().unwrap();
        p
    }

    #[test]
    fn reads_each_field_after_removing_start_and_stop() {
        let p = profile();
        assert_eq!(
            p.read("A0123456789B").unwrap().din.as_deref(),
            Some("0123456789")
        );
        assert_eq!(
            p.read("A07B").unwrap().group,
            Some(Group::new(Some(Abo::O), Some(Rhd::Neg)))
        );
        let expiry = p.read("C920261231D").unwrap().expires_at.unwrap();
        assert_eq!(expiry.to_string(), "2026-12-31 23:59:00");
        assert_eq!(
            p.read("A05B"),
            None,
            "a group code the blood centre did not define"
        );
        assert_eq!(p.read("A920261399B"), None, "not a date");
        assert_eq!(p.read("=%5100"), None);
    }

    #[test]
    fn refuses_profiles_that_cannot_work() {
        let no_value: CodabarProfile =
            toml::from_str("[[fields]]\nkind = \"din\"\npattern = '^\\d+$'\n").unwrap();
        assert!(no_value.validate().unwrap_err().contains("value"));
        let bad_group: CodabarProfile =
            toml::from_str("[[fields]]\nkind = \"blood_group\"\npattern = '(?P<value>.)'\ngroups = { \"1\" = \"X\" }\n").unwrap();
        assert!(bad_group.validate().is_err());
        assert!(
            toml::from_str::<CodabarProfile>("[[fields]]\nkind = \"colour\"\npattern = 'x'\n")
                .is_err()
        );
    }
}
