//! GS1 element strings, as printed on patient wristbands (GSRN, AI 8018): the raw form with
//! FNC1 sent as ASCII 29, the bracketed human-readable form, with an optional AIM identifier.

use super::isbt128::{error, strip_framing};
use super::{Gs1Elements, LabelError, LabelErrorCode::*};

const GS: char = '\u{1d}';

/// (application identifier, fixed length or None for variable, maximum length, has check digit)
const AIS: &[(&str, Option<usize>, usize, bool)] = &[
    ("00", Some(18), 18, true),
    ("01", Some(14), 14, true),
    ("10", None, 20, false),
    ("11", Some(6), 6, false),
    ("17", Some(6), 6, false),
    ("21", None, 20, false),
    ("8017", Some(18), 18, true),
    ("8018", Some(18), 18, true),
    ("8019", None, 10, false),
];

/// AIM symbology identifiers that announce GS1 data (GS1-128, GS1 DataMatrix, GS1 QR, DataBar).
const GS1_AIMS: &[&str] = &["]C1", "]d2", "]Q3", "]e0"];

/// An ISBT 128 identifier (`=`, `&`) wins over the AIM prefix: some scanners report GS1
/// symbology for any DataMatrix.
pub fn looks_like_gs1(aim: Option<&str>, body: &str) -> bool {
    if body.starts_with(['=', '&']) {
        return false;
    }
    aim.is_some_and(|a| GS1_AIMS.contains(&a))
        || body.starts_with('(')
        || (body.len() > 14
            && ["8017", "8018", "8019"]
                .iter()
                .any(|ai| body.starts_with(ai)))
}

pub fn parse_gs1(text: &str) -> Result<Gs1Elements, LabelError> {
    let (_, body) = strip_framing(text);
    if body.is_empty() {
        return Err(error(
            Empty,
            "The wristband scan is empty: scan it again.",
            "腕带扫描内容为空，请重新扫描。",
            &[],
        ));
    }
    if let Some(c) = body
        .chars()
        .find(|c| *c != GS && (!c.is_ascii() || c.is_ascii_control()))
    {
        return Err(error(
            InvalidCharacter,
            "The wristband scan holds a character GS1 does not allow (U+{c}): scan it again.",
            "腕带扫描内容含有GS1不允许的字符（U+{c}）：请重新扫描。",
            &[("c", &format!("{:04X}", c as u32))],
        ));
    }
    let elements = if body.starts_with('(') {
        bracketed(body)?
    } else {
        raw(body)?
    };
    for (ai, value) in &elements {
        check_element(ai, value)?;
    }
    let gsrn = elements
        .iter()
        .find(|(ai, _)| ai == "8018")
        .map(|(_, v)| v.clone());
    Ok(Gs1Elements { gsrn, elements })
}

fn bracketed(body: &str) -> Result<Vec<(String, String)>, LabelError> {
    let mut elements = Vec::new();
    let mut rest = body;
    while let Some(after_open) = rest.strip_prefix('(') {
        let close = after_open.find(')').ok_or_else(|| malformed(body))?;
        let ai = &after_open[..close];
        if ai.is_empty() || !ai.bytes().all(|b| b.is_ascii_digit()) {
            return Err(malformed(body));
        }
        let value_and_rest = &after_open[close + 1..];
        let end = value_and_rest.find('(').unwrap_or(value_and_rest.len());
        elements.push((
            ai.to_string(),
            value_and_rest[..end].trim_end_matches(GS).to_string(),
        ));
        rest = &value_and_rest[end..];
    }
    if !rest.is_empty() || elements.is_empty() {
        return Err(malformed(body));
    }
    Ok(elements)
}

fn raw(body: &str) -> Result<Vec<(String, String)>, LabelError> {
    let mut elements = Vec::new();
    let mut rest = body.trim_start_matches(GS);
    while !rest.is_empty() {
        let Some(&(ai, fixed, max, _)) = AIS.iter().find(|(ai, ..)| rest.starts_with(ai)) else {
            return Err(error(
                UnknownDataIdentifier,
                "The wristband carries a GS1 element this app does not know ({rest}): check the wristband printer's settings.",
                "腕带含有本系统不识别的GS1元素（{rest}）：请检查腕带打印设置。",
                &[("rest", rest.get(..4).unwrap_or(rest))],
            ));
        };
        let after = &rest[ai.len()..];
        let len = match fixed {
            Some(n) => n.min(after.len()),
            None => after.find(GS).unwrap_or(after.len()).min(max + 1),
        };
        elements.push((ai.to_string(), after[..len].to_string()));
        rest = after[len..].trim_start_matches(GS);
    }
    Ok(elements)
}

fn check_element(ai: &str, value: &str) -> Result<(), LabelError> {
    let Some(&(_, fixed, max, check_digit)) = AIS.iter().find(|(known, ..)| *known == ai) else {
        // The bracketed form delimits unknown elements, so they are kept as they are.
        return Ok(());
    };
    let wrong_length = match fixed {
        Some(n) => value.len() != n,
        None => value.is_empty() || value.len() > max,
    };
    if wrong_length {
        return Err(error(
            InvalidLength,
            "GS1 element ({ai}) has {len} characters, not {want}: scan the wristband again.",
            "GS1元素（{ai}）长度为 {len}，应为 {want}：请重新扫描腕带。",
            &[
                ("ai", ai),
                ("len", &value.len().to_string()),
                ("want", &fixed.map_or(format!("1–{max}"), |n| n.to_string())),
            ],
        ));
    }
    if check_digit {
        if !value.bytes().all(|b| b.is_ascii_digit()) {
            return Err(error(
                InvalidCharacter,
                "GS1 element ({ai}) must be digits only: scan the wristband again.",
                "GS1元素（{ai}）只能是数字：请重新扫描腕带。",
                &[("ai", ai)],
            ));
        }
        let (data, check) = value.split_at(value.len() - 1);
        if mod10_check_digit(data).map(|d| d.to_string()) != Some(check.to_string()) {
            return Err(error(
                CheckDigitMismatch,
                "The wristband number {value} fails its check digit: the barcode is damaged or misprinted. Print a new wristband.",
                "腕带号码 {value} 校验位错误，条码损坏或打印有误。请重新打印腕带。",
                &[("value", value)],
            ));
        }
    }
    Ok(())
}

/// The GS1 mod-10 check digit of `data` (weights 3, 1, 3, … from the right).
pub fn mod10_check_digit(data: &str) -> Option<u32> {
    let mut sum = 0;
    for (i, b) in data.bytes().rev().enumerate() {
        let digit = u32::from(b.checked_sub(b'0').filter(|d| *d <= 9)?);
        sum += digit * if i % 2 == 0 { 3 } else { 1 };
    }
    Some((10 - sum % 10) % 10)
}

fn malformed(body: &str) -> LabelError {
    error(
        InvalidCharacter,
        "'{body}' is not a well-formed GS1 element string: scan the wristband again.",
        "“{body}”不是有效的GS1元素串：请重新扫描腕带。",
        &[("body", body)],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_digit_follows_gs1() {
        // GS1's own example GTIN-13 629104150021 → 3.
        assert_eq!(mod10_check_digit("629104150021"), Some(3));
        assert_eq!(mod10_check_digit("99521813413888680"), Some(2));
        assert_eq!(mod10_check_digit("12a"), None);
    }

    #[test]
    fn reads_raw_and_bracketed_forms_with_following_elements() {
        let raw = parse_gs1("8018252144816090904342\u{1d}801999").unwrap();
        assert_eq!(raw.gsrn.as_deref(), Some("252144816090904342"));
        assert_eq!(raw.elements[1], ("8019".into(), "99".into()));
        let bracketed = parse_gs1("(8018)252144816090904342(8019)99").unwrap();
        assert_eq!(bracketed, raw);
    }

    #[test]
    fn refuses_wrong_lengths_digits_and_unknown_raw_elements() {
        assert_eq!(
            parse_gs1("(8018)25214481609090434").unwrap_err().code,
            InvalidLength
        );
        assert_eq!(
            parse_gs1("(8018)25214481609090434X").unwrap_err().code,
            InvalidCharacter
        );
        assert_eq!(
            parse_gs1("8018252144816090904343").unwrap_err().code,
            CheckDigitMismatch
        );
        assert_eq!(parse_gs1("99123").unwrap_err().code, UnknownDataIdentifier);
        assert_eq!(parse_gs1("(80").unwrap_err().code, InvalidCharacter);
    }
}
