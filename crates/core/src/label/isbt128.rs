//! ISBT 128 data structures (ST-001) read by the rules of `spec/isbt128.md`.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use super::tables::{tables, Length, StructureDef};
use super::{
    checkchar, gs1, BloodGroupLabel, Din, LabelError, LabelErrorCode, LabelProfile, OtherStructure,
    ProductCode, Structure,
};
use crate::blood::{Abo, Rhd};
use crate::messages::Text;

use LabelErrorCode::*;

pub fn error(code: LabelErrorCode, message: Text) -> LabelError {
    LabelError { code, message }
}

/// Scanner framing: surrounding whitespace, then one AIM symbology identifier (`]` letter digit).
pub fn strip_framing(text: &str) -> (Option<&str>, &str) {
    let t = text.trim_matches(|c| matches!(c, ' ' | '\t' | '\r' | '\n'));
    let b = t.as_bytes();
    if b.len() >= 3 && b[0] == b']' && b[1].is_ascii_alphabetic() && b[2].is_ascii_digit() {
        (Some(&t[..3]), &t[3..])
    } else {
        (None, t)
    }
}

pub fn parse_scan(text: &str, profile: &LabelProfile) -> Result<Vec<Structure>, LabelError> {
    let (aim, body) = strip_framing(text);
    if body.is_empty() {
        return Err(error(
            Empty,
            Text::tr("The scan is empty: scan the barcode again.", &[]),
        ));
    }
    if gs1::looks_like_gs1(aim, body) {
        return gs1::parse_gs1(text).map(|g| vec![Structure::Gs1(g)]);
    }
    check_characters(body)?;
    if body.starts_with(['=', '&']) {
        return read_structures(body);
    }
    if let Some(profile) = &profile.codabar {
        if let Some(label) = profile.read(body) {
            return Ok(vec![Structure::Codabar(label)]);
        }
    }
    keyed_din(body)
}

fn check_characters(body: &str) -> Result<(), LabelError> {
    if let Some(c) = body
        .chars()
        .find(|c| !c.is_ascii() || c.is_ascii_control() || *c == ' ')
    {
        let shown = if c == ' ' {
            "space".to_string()
        } else {
            format!("U+{:04X}", c as u32)
        };
        return Err(error(InvalidCharacter, Text::tr("The scan holds a character no label has ({c}): scan again; if it repeats, check the scanner's settings.", &[("c", &shown)])));
    }
    Ok(())
}

/// Reads concatenated structures one after another.
fn read_structures(body: &str) -> Result<Vec<Structure>, LabelError> {
    let mut structures = Vec::new();
    let mut kinds_in_compound = false;
    let mut rest = body;
    while !rest.is_empty() {
        if !rest.starts_with(['=', '&']) {
            return Err(error(InvalidLength, Text::tr("The barcode is longer than its data structure ('{rest}' is left over): scan it again.", &[("rest", rest)])));
        }
        // The DIN's identifier is `=` plus its first data character, which is also content:
        // `identify` gives it an identifier of length 1.
        let (def, id_len) = identify(rest)?;
        let content_len = content_length(def, &rest[id_len..])?;
        let Some(content) = rest.get(id_len..id_len + content_len) else {
            return Err(too_short(def.kind));
        };
        let structure = build(def, &rest[..id_len], content)?;
        if matches!(structure, Structure::CompoundMessage { .. }) {
            kinds_in_compound = true;
        }
        if kinds_in_compound && def.kind == "non_iccbba" {
            return Err(error(UnknownDataIdentifier, Text::tr("A local data structure ({id}) may not stand inside a compound message: this label is not valid.", &[("id", &rest[..id_len])])));
        }
        structures.push(structure);
        rest = &rest[id_len + content_len..];
    }
    check_compound_counts(&structures)?;
    Ok(structures)
}

/// Finds the structure a scan position starts with and the length of its identifier.
fn identify(rest: &str) -> Result<(&'static StructureDef, usize), LabelError> {
    let t = tables();
    let b = rest.as_bytes();
    let unknown = || {
        error(UnknownDataIdentifier, Text::tr("'{id}' does not start any ISBT 128 data structure: scan the barcode again, or scan a different barcode of the label.", &[("id", rest.get(..2).unwrap_or(rest))]))
    };
    let Some(&second) = b.get(1) else {
        return Err(unknown());
    };
    if b[0] == b'='
        && (second.is_ascii_uppercase() && second != b'O' || (b'1'..=b'9').contains(&second))
    {
        return Ok((t.din(), 1));
    }
    if b[0] == b'&' && second.is_ascii_lowercase() {
        return Ok((&NON_ICCBBA, 2));
    }
    if b[0] == b'&' && second == b',' {
        return rest
            .get(..3)
            .and_then(|id| t.structure(id))
            .map(|d| (d, 3))
            .ok_or_else(unknown);
    }
    rest.get(..2)
        .and_then(|id| t.structure(id))
        .map(|d| (d, 2))
        .ok_or_else(unknown)
}

static NON_ICCBBA: StructureDef = StructureDef {
    kind: "non_iccbba",
    identifier: String::new(),
    length: Length::Rest,
    content: None,
};

fn content_length(def: &StructureDef, after_id: &str) -> Result<usize, LabelError> {
    let digits = |from: usize, n: usize| -> Result<usize, LabelError> {
        let field = after_id
            .get(from..from + n)
            .ok_or_else(|| too_short(def.kind))?;
        field.parse::<usize>().map_err(|_| not_allowed(def.kind))
    };
    let len = match def.length {
        Length::Fixed(n) => n,
        Length::PatientId => 4 + digits(2, 2)?,
        Length::Dimensions => 2 + 14 * digits(0, 2)?,
        Length::RedCellAntigens => 3 + 10 * digits(0, 3)?,
        Length::Rest => after_id.len(),
    };
    if len == 0 || after_id.len() < len {
        return Err(too_short(def.kind));
    }
    Ok(len)
}

fn too_short(kind: &str) -> LabelError {
    error(InvalidLength, Text::tr("The {kind} barcode is too short: part of it was not read. Scan it again, holding the scanner steady.", &[("kind", kind)]))
}

fn not_allowed(kind: &str) -> LabelError {
    error(InvalidCharacter, Text::tr("The {kind} barcode holds characters its format does not allow. Scan it again; if letters came out lower-case, is Caps Lock on?", &[("kind", kind)]))
}

fn build(def: &StructureDef, identifier: &str, content: &str) -> Result<Structure, LabelError> {
    if def.kind == "non_iccbba" {
        return Ok(Structure::Other(OtherStructure {
            kind: "non_iccbba".into(),
            data_identifier: identifier.into(),
            data: content.into(),
            fields: vec![],
        }));
    }
    if def.kind == "din" {
        return din(content);
    }
    if let Some(pattern) = &def.content {
        // Blood groups are looked up before their pattern: `=%DEMO` is an unknown group.
        if def.kind != "blood_group" && !pattern.is_match(content) {
            return Err(not_allowed(def.kind));
        }
    }
    let dated = |with_time: bool| date_time(content, with_time);
    Ok(match def.kind {
        "blood_group" => Structure::BloodGroup(blood_group(content)?),
        "product_code" => Structure::ProductCode(ProductCode {
            product_code: content.into(),
        }),
        "expiry" => Structure::Expiry {
            expires_at: dated(content.len() == 10)?,
            with_time: content.len() == 10,
        },
        "collection" => Structure::Collection {
            collected_at: dated(content.len() == 10)?,
            with_time: content.len() == 10,
        },
        "production" => Structure::Production {
            produced_at: dated(content.len() == 10)?,
            with_time: content.len() == 10,
        },
        "compound_message" => Structure::CompoundMessage {
            count: content[..2]
                .parse()
                .map_err(|_| not_allowed("compound_message"))?,
            sequence: content[2..].into(),
        },
        kind => Structure::Other(other(kind, identifier, content)?),
    })
}

fn other(kind: &str, identifier: &str, content: &str) -> Result<OtherStructure, LabelError> {
    let mut fields = Vec::new();
    match kind {
        "patient_identification_number" => {
            let id = &content[4..];
            if !content[..4].bytes().all(|b| b.is_ascii_digit())
                || !id.bytes().all(|b| b.is_ascii_alphanumeric())
            {
                return Err(not_allowed(kind));
            }
            fields.push(("location".into(), content[..2].into()));
            fields.push(("id".into(), id.into()));
        }
        "dimensions" | "red_cell_antigens_with_test_history"
            if !content.bytes().all(|b| b.is_ascii_digit()) =>
        {
            return Err(not_allowed(kind));
        }
        "patient_date_of_birth" => {
            gregorian(&content[2..10])?;
            fields.push(("location".into(), content[..2].into()));
            fields.push((
                "birth_date".into(),
                format!("{}-{}-{}", &content[2..6], &content[6..8], &content[8..10]),
            ));
        }
        "expiration_month_year" => {
            gregorian(&format!("{}01", content))?;
        }
        "flexible_date_time" => {
            gregorian(&content[4..12])?;
            clock(&content[12..16])?;
        }
        _ => {}
    }
    Ok(OtherStructure {
        kind: kind.into(),
        data_identifier: identifier.into(),
        data: content.into(),
        fields,
    })
}

/// DS001 content: the 13 DIN characters and two flag characters.
fn din(content: &str) -> Result<Structure, LabelError> {
    if !tables()
        .din()
        .content
        .as_ref()
        .is_some_and(|re| re.is_match(content))
    {
        return Err(not_allowed("din"));
    }
    let (din, flags) = content.split_at(13);
    let checksum = checkchar::checksum(din).ok_or_else(|| not_allowed("din"))?;
    if let Ok(n @ 60..=96) = flags.parse::<u32>() {
        if n != 60 + checksum {
            return Err(error(CheckCharacterMismatch, Text::tr("The unit number barcode {din} fails its own check (flags {flags}): the label may be damaged. Scan it again; if it repeats, call the blood bank.", &[("din", din), ("flags", flags)])));
        }
    }
    Ok(Structure::Din(Din {
        din: din.into(),
        flags: Some(flags.into()),
        check_char: checkchar::check_character(din).unwrap_or('?'),
        keyed: false,
    }))
}

/// A DIN typed in from the eye-readable box: 13 characters and the check character K.
fn keyed_din(body: &str) -> Result<Vec<Structure>, LabelError> {
    let din_pattern = |s: &str| {
        s.len() == 13
            && tables()
                .din()
                .content
                .as_ref()
                .is_some_and(|re| re.is_match(&format!("{s}00")))
    };
    if body.bytes().any(|b| b.is_ascii_lowercase()) {
        return Err(error(InvalidCharacter, Text::tr("Lower-case letters in '{text}': type the unit number in capitals exactly as printed (is Caps Lock off?).", &[("text", body)])));
    }
    match body.len() {
        14 => {
            let (din, k) = body.split_at(13);
            if !din_pattern(din) || !k.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'*') {
                return Err(error(InvalidCharacter, Text::tr("'{text}' is not a unit number: type the 13 characters and the boxed check character exactly as printed.", &[("text", body)])));
            }
            let expected = checkchar::check_character(din).unwrap_or('?');
            if k.starts_with(expected) {
                Ok(vec![Structure::Din(Din { din: din.into(), flags: None, check_char: expected, keyed: true })])
            } else {
                Err(error(CheckCharacterMismatch, Text::tr("The unit number {din} does not match the check character {k}: one character was mistyped. Re-read the number and the boxed character on the label, or scan the barcode.", &[("din", din), ("k", k)])))
            }
        }
        13 if din_pattern(body) => Err(error(InvalidLength, Text::tr("The unit number {text} needs its check character: type the boxed character printed after it.", &[("text", body)]))),
        _ => Err(error(InvalidLength, Text::tr("'{text}' is neither an ISBT 128 barcode nor a unit number with its check character: scan the bag's barcode again.", &[("text", body)]))),
    }
}

fn blood_group(content: &str) -> Result<BloodGroupLabel, LabelError> {
    let t = tables();
    let (gg, r, e) = (
        &content[..2],
        content.as_bytes()[2] as char,
        content.as_bytes()[3] as char,
    );
    let Some(row) = t.blood_groups.get(gg) else {
        return Err(error(UnknownBloodGroup, Text::tr("The blood-group barcode code '{gg}' is not an ISBT 128 blood group: do not guess the group; scan it again or call the blood bank.", &[("gg", gg)])));
    };
    if !t.phenotypes.contains_key(&r) || e != '0' {
        return Err(not_allowed("blood_group"));
    }
    let nonempty = |s: &str| (!s.is_empty()).then(|| s.to_string());
    Ok(BloodGroupLabel {
        code: gg.into(),
        abo: Abo::parse(&row.abo),
        rhd: Rhd::parse(&row.rhd),
        phenotype: r,
        special: nonempty(&row.special),
        intended_use: nonempty(&row.collection),
        message: row.special_message.then(|| row.label.clone()),
    })
}

/// `cyyjjj` or `cyyjjjhhmm`; a date alone means the end of that day (23:59).
fn date_time(content: &str, with_time: bool) -> Result<NaiveDateTime, LabelError> {
    let n =
        |r: std::ops::Range<usize>| content[r].parse::<i32>().map_err(|_| invalid_date(content));
    let year = 2000 + 100 * n(0..1)? + n(1..3)?;
    let day = n(3..6)?;
    let date = u32::try_from(day)
        .ok()
        .and_then(|d| NaiveDate::from_yo_opt(year, d))
        .ok_or_else(|| invalid_date(content))?;
    let time = if with_time {
        clock(&content[6..10])?
    } else {
        NaiveTime::from_hms_opt(23, 59, 0).unwrap_or_default()
    };
    Ok(date.and_time(time))
}

fn clock(hhmm: &str) -> Result<NaiveTime, LabelError> {
    let h = hhmm.get(..2).and_then(|s| s.parse().ok());
    let m = hhmm.get(2..4).and_then(|s| s.parse().ok());
    match (h, m) {
        (Some(h), Some(m)) => NaiveTime::from_hms_opt(h, m, 0).ok_or_else(|| invalid_date(hhmm)),
        _ => Err(invalid_date(hhmm)),
    }
}

fn gregorian(yyyymmdd: &str) -> Result<NaiveDate, LabelError> {
    NaiveDate::parse_from_str(yyyymmdd, "%Y%m%d").map_err(|_| invalid_date(yyyymmdd))
}

fn invalid_date(text: &str) -> LabelError {
    error(InvalidDate, Text::tr("The date in the barcode ({text}) is not a real date or time: scan it again; if it repeats, read the printed date and call the blood bank.", &[("text", text)]))
}

/// A compound message (`=+aabbb`) announces how many structures follow it.
fn check_compound_counts(structures: &[Structure]) -> Result<(), LabelError> {
    for (i, s) in structures.iter().enumerate() {
        if let Structure::CompoundMessage { count, .. } = s {
            let following = structures.len() - i - 1;
            if following != usize::from(*count) {
                return Err(error(InvalidLength, Text::tr("The label's compound barcode announces {count} data structures but holds {found}: part of it was not read. Scan it again.", &[("count", &count.to_string()), ("found", &following.to_string())])));
            }
        }
    }
    Ok(())
}
