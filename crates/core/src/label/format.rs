//! Structures back to the barcode text they are read from: what a label printer (or a test)
//! encodes, so that reading what we wrote gives back what we meant.

use chrono::{Datelike, NaiveDateTime, Timelike};

use super::Structure;

pub fn format_structure(s: &Structure) -> Option<String> {
    Some(match s {
        Structure::Din(d) => match &d.flags {
            Some(flags) => format!("={}{}", d.din, flags),
            None => format!("{}{}", d.din, d.check_char),
        },
        Structure::BloodGroup(g) => format!("=%{}{}0", g.code, g.phenotype),
        Structure::ProductCode(p) => format!("=<{}", p.product_code),
        Structure::Expiry {
            expires_at,
            with_time,
        } => dated("=>", "&>", expires_at, *with_time)?,
        Structure::Collection {
            collected_at,
            with_time,
        } => dated("=*", "&*", collected_at, *with_time)?,
        Structure::Production {
            produced_at,
            with_time,
        } => dated("=}", "&}", produced_at, *with_time)?,
        Structure::CompoundMessage { count, sequence } => format!("=+{count:02}{sequence}"),
        Structure::Gs1(g) => g
            .elements
            .iter()
            .map(|(ai, v)| format!("({ai}){v}"))
            .collect(),
        Structure::Codabar(_) => return None,
        Structure::Other(o) => format!("{}{}", o.data_identifier, o.data),
    })
}

/// `cyyjjj` (date only) or `cyyjjjhhmm`; years 2000–2999 are what `c` can say.
fn dated(
    date_only_id: &str,
    with_time_id: &str,
    t: &NaiveDateTime,
    with_time: bool,
) -> Option<String> {
    let offset = t
        .year()
        .checked_sub(2000)
        .filter(|y| (0..1000).contains(y))?;
    let cyyjjj = format!("{}{:02}{:03}", offset / 100, offset % 100, t.ordinal());
    Some(if with_time {
        format!("{with_time_id}{cyyjjj}{:02}{:02}", t.hour(), t.minute())
    } else {
        format!("{date_only_id}{cyyjjj}")
    })
}
