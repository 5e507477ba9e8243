//! The JSON shape of a parsed structure, as `docs/cli.md` fixes it for `bedside label`.

use chrono::NaiveDateTime;
use serde_json::{json, Map, Value};

use super::{FlagType, Structure};
use crate::blood::{Abo, Rhd};

/// Local wall-clock time, minute precision, no zone: `2018-12-31T23:59`.
pub fn minute(t: &NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M").to_string()
}

pub fn structure_json(s: &Structure) -> Value {
    let mut v = match s {
        Structure::Din(d) => json!({
            "din": d.din,
            "facility": d.facility(),
            "year": d.year(),
            "sequence": d.sequence(),
            "flags": d.flags,
            "flag_type": d.flag_type(),
            "check_char": d.check_char.to_string(),
            "keyed": d.keyed,
        }),
        Structure::BloodGroup(g) => json!({
            "code": g.code,
            "abo": g.abo.map(Abo::as_str),
            "rhd": g.rhd.map(Rhd::as_str),
            "phenotype": g.phenotype.to_string(),
            "special": g.special,
            "intended_use": g.intended_use,
            "message": g.message,
        }),
        Structure::ProductCode(p) => json!({
            "product_code": p.product_code,
            "description_code": p.product_code.get(..5),
            "collection_type": p.product_code.get(5..6),
            "collection_type_meaning": p.product_code.chars().nth(5)
                .and_then(|t| super::tables::tables().collection_types.get(&t)),
        }),
        Structure::Expiry { expires_at, .. } => json!({ "expires_at": minute(expires_at) }),
        Structure::Collection { collected_at, .. } => {
            json!({ "collected_at": minute(collected_at) })
        }
        Structure::Production { produced_at, .. } => json!({ "produced_at": minute(produced_at) }),
        Structure::CompoundMessage { count, sequence } => {
            json!({ "count": count, "sequence": sequence })
        }
        Structure::Gs1(g) => json!({
            "gsrn": g.gsrn,
            "elements": g.elements.iter().map(|(ai, value)| json!({"ai": ai, "value": value})).collect::<Vec<_>>(),
        }),
        Structure::Codabar(c) => json!({
            "din": c.din,
            "abo": c.group.and_then(|g| g.abo).map(Abo::as_str),
            "rhd": c.group.and_then(|g| g.rhd).map(Rhd::as_str),
            "product_code": c.product_code,
            "expires_at": c.expires_at.as_ref().map(minute),
        }),
        Structure::Other(o) => {
            let mut map = Map::new();
            map.insert("data_identifier".into(), json!(o.data_identifier));
            map.insert("data".into(), json!(o.data));
            for (name, value) in &o.fields {
                map.insert(name.clone(), json!(value));
            }
            Value::Object(map)
        }
    };
    if let Value::Object(map) = &mut v {
        map.insert("kind".into(), json!(s.kind()));
    }
    v
}

impl super::Din {
    pub fn facility(&self) -> &str {
        self.din.get(..5).unwrap_or_default()
    }
    pub fn year(&self) -> &str {
        self.din.get(5..7).unwrap_or_default()
    }
    pub fn sequence(&self) -> &str {
        self.din.get(7..13).unwrap_or_default()
    }

    /// What the flag characters mean (ST-001 Table 3).
    pub fn flag_type(&self) -> Option<FlagType> {
        let flags = self.flags.as_deref()?;
        Some(match flags.parse::<u8>() {
            Ok(0) => FlagType::None,
            Ok(14) => FlagType::Reserved,
            Ok(1..=19) => FlagType::Type1,
            Ok(20..=59) => FlagType::Type2Local,
            Ok(60..=96) => FlagType::Type3Checksum,
            _ => FlagType::Reserved,
        })
    }
}
