//! GS1 element strings, as printed on patient wristbands (GSRN, AI 8018): the raw form with
//! FNC1 sent as ASCII 29, the bracketed human-readable form, with an optional AIM identifier.

use super::isbt128::{error, strip_framing};
use super::{Gs1Elements, LabelError, LabelErrorCode::*};
use crate::messages::Text;

const GS: char = '\u{1d}';

/// A GS1 Application Identifier, or a run of them with the same data format: the data's length
/// (`min == max` for a fixed length), whether it is digits only, and which digits carry a
/// mod-10 check digit (start, length; the check digit last). From the GS1 General
/// Specifications' AI table (as in GS1's syntax dictionary). Every AI is known, so a damaged or
/// misread symbol whose text starts an element with no AI at all is refused, not guessed.
struct Ai {
    first: u16,
    last: u16,
    /// 2, 3 or 4 digits.
    digits: usize,
    min: usize,
    max: usize,
    numeric: bool,
    check: Option<(usize, usize)>,
}

const fn ai(first: u16, last: u16, digits: usize, min: usize, max: usize, numeric: bool) -> Ai {
    Ai {
        first,
        last,
        digits,
        min,
        max,
        numeric,
        check: None,
    }
}

const fn checked(code: u16, digits: usize, len: usize, check: (usize, usize), max: usize) -> Ai {
    Ai {
        first: code,
        last: code,
        digits,
        min: len,
        max,
        numeric: max == len,
        check: Some(check),
    }
}

/// The measures (310n–369n): six digits, n decimals 0–5.
const MEASURES: &[u16] = &[
    310, 311, 312, 313, 314, 315, 316, 320, 321, 322, 323, 324, 325, 326, 327, 328, 329, 330, 331,
    332, 333, 334, 335, 336, 337, 340, 341, 342, 343, 344, 345, 346, 347, 348, 349, 350, 351, 352,
    353, 354, 355, 356, 357, 360, 361, 362, 363, 364, 365, 366, 367, 368, 369,
];

const AIS: &[Ai] = &[
    checked(0, 2, 18, (0, 18), 18),
    checked(1, 2, 14, (0, 14), 14),
    checked(2, 2, 14, (0, 14), 14),
    ai(10, 10, 2, 1, 20, false),
    ai(11, 13, 2, 6, 6, true),
    ai(15, 17, 2, 6, 6, true),
    ai(20, 20, 2, 2, 2, true),
    ai(21, 22, 2, 1, 20, false),
    ai(235, 235, 3, 1, 28, false),
    ai(240, 241, 3, 1, 30, false),
    ai(242, 242, 3, 1, 6, true),
    ai(243, 243, 3, 1, 20, false),
    ai(250, 251, 3, 1, 30, false),
    checked(253, 3, 13, (0, 13), 30),
    ai(254, 254, 3, 1, 20, false),
    checked(255, 3, 13, (0, 13), 25),
    ai(30, 30, 2, 1, 8, true),
    ai(37, 37, 2, 1, 8, true),
    ai(3900, 3909, 4, 1, 15, true),
    ai(3910, 3919, 4, 4, 18, true),
    ai(3920, 3929, 4, 1, 15, true),
    ai(3930, 3939, 4, 4, 18, true),
    ai(3940, 3943, 4, 4, 4, true),
    ai(3950, 3955, 4, 6, 6, true),
    ai(400, 401, 3, 1, 30, false),
    checked(402, 3, 17, (0, 17), 17),
    ai(403, 403, 3, 1, 30, false),
    checked(410, 3, 13, (0, 13), 13),
    checked(411, 3, 13, (0, 13), 13),
    checked(412, 3, 13, (0, 13), 13),
    checked(413, 3, 13, (0, 13), 13),
    checked(414, 3, 13, (0, 13), 13),
    checked(415, 3, 13, (0, 13), 13),
    checked(416, 3, 13, (0, 13), 13),
    checked(417, 3, 13, (0, 13), 13),
    ai(420, 420, 3, 1, 20, false),
    ai(421, 421, 3, 4, 12, false),
    ai(422, 422, 3, 3, 3, true),
    ai(423, 423, 3, 1, 15, true),
    ai(424, 424, 3, 3, 3, true),
    ai(425, 425, 3, 1, 15, true),
    ai(426, 426, 3, 3, 3, true),
    ai(427, 427, 3, 1, 3, false),
    ai(4300, 4301, 4, 1, 35, false),
    ai(4302, 4306, 4, 1, 70, false),
    ai(4307, 4307, 4, 2, 2, false),
    ai(4308, 4308, 4, 1, 30, false),
    ai(4309, 4309, 4, 20, 20, true),
    ai(4310, 4311, 4, 1, 35, false),
    ai(4312, 4316, 4, 1, 70, false),
    ai(4317, 4317, 4, 2, 2, false),
    ai(4318, 4318, 4, 1, 20, false),
    ai(4319, 4319, 4, 1, 30, false),
    ai(4320, 4320, 4, 1, 35, false),
    ai(4321, 4323, 4, 1, 1, true),
    ai(4324, 4325, 4, 10, 10, true),
    ai(4326, 4326, 4, 6, 6, true),
    ai(4330, 4333, 4, 6, 7, false),
    ai(7001, 7001, 4, 13, 13, true),
    ai(7002, 7002, 4, 1, 30, false),
    ai(7003, 7003, 4, 10, 10, true),
    ai(7004, 7004, 4, 1, 4, true),
    ai(7005, 7005, 4, 1, 12, false),
    ai(7006, 7006, 4, 6, 6, true),
    ai(7007, 7007, 4, 6, 12, true),
    ai(7008, 7008, 4, 1, 3, false),
    ai(7009, 7009, 4, 1, 10, false),
    ai(7010, 7010, 4, 1, 2, false),
    ai(7011, 7011, 4, 6, 10, true),
    ai(7020, 7022, 4, 1, 20, false),
    ai(7023, 7023, 4, 1, 30, false),
    ai(7030, 7039, 4, 4, 30, false),
    ai(7040, 7040, 4, 4, 4, false),
    ai(710, 715, 3, 1, 20, false),
    ai(7230, 7239, 4, 3, 30, false),
    ai(7240, 7240, 4, 1, 20, false),
    ai(7241, 7241, 4, 2, 2, true),
    ai(7242, 7242, 4, 1, 25, false),
    ai(8001, 8001, 4, 14, 14, true),
    ai(8002, 8002, 4, 1, 20, false),
    checked(8003, 4, 14, (1, 13), 30),
    ai(8004, 8004, 4, 1, 30, false),
    ai(8005, 8005, 4, 6, 6, true),
    checked(8006, 4, 18, (0, 14), 18),
    ai(8007, 8007, 4, 1, 34, false),
    ai(8008, 8008, 4, 8, 12, true),
    ai(8009, 8009, 4, 1, 50, false),
    ai(8010, 8010, 4, 1, 30, false),
    ai(8011, 8011, 4, 1, 12, true),
    ai(8012, 8012, 4, 1, 20, false),
    ai(8013, 8013, 4, 1, 25, false),
    checked(8017, 4, 18, (0, 18), 18),
    checked(8018, 4, 18, (0, 18), 18),
    ai(8019, 8019, 4, 1, 10, true),
    ai(8020, 8020, 4, 1, 25, false),
    checked(8026, 4, 18, (0, 14), 18),
    ai(8030, 8030, 4, 1, 90, false),
    ai(8110, 8110, 4, 1, 70, false),
    ai(8111, 8111, 4, 4, 4, true),
    ai(8112, 8112, 4, 1, 70, false),
    ai(8200, 8200, 4, 1, 70, false),
    ai(90, 90, 2, 1, 30, false),
    ai(91, 99, 2, 1, 90, false),
];

/// The AI that `text` starts with, and its format.
fn find_ai(text: &str) -> Option<(&str, &'static Ai)> {
    let measure = |code: &str| -> Option<&'static Ai> {
        // 310n–369n: one entry per family, checked here rather than 53 rows of the table.
        const MEASURE: Ai = ai(0, 0, 4, 6, 6, true);
        let family: u16 = code.get(..3)?.parse().ok()?;
        let decimals = code.as_bytes().get(3)?;
        (MEASURES.contains(&family) && (b'0'..=b'5').contains(decimals)).then_some(&MEASURE)
    };
    for digits in 2..=4 {
        let code = text.get(..digits)?;
        if !code.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        if digits == 4 {
            if let Some(format) = measure(code) {
                return Some((code, format));
            }
        }
        let value: u16 = code.parse().ok()?;
        if let Some(format) = AIS
            .iter()
            .find(|a| a.digits == digits && (a.first..=a.last).contains(&value))
        {
            return Some((code, format));
        }
    }
    None
}

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
            Text::tr("The wristband scan is empty: scan it again.", &[]),
        ));
    }
    if let Some(c) = body
        .chars()
        .find(|c| *c != GS && (!c.is_ascii() || c.is_ascii_control()))
    {
        return Err(error(
            InvalidCharacter,
            Text::tr(
                "The wristband scan holds a character GS1 does not allow (U+{c}): scan it again.",
                &[("c", &format!("{:04X}", c as u32))],
            ),
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
        let Some((ai, format)) = find_ai(rest) else {
            return Err(error(UnknownDataIdentifier, Text::tr("The wristband carries a GS1 element this app does not know ({rest}): check the wristband printer's settings.", &[("rest", rest.get(..4).unwrap_or(rest))])));
        };
        let after = &rest[ai.len()..];
        // A fixed length ends the element by itself; any other ends at the separator.
        let len = if format.min == format.max {
            format.max.min(after.len())
        } else {
            after.find(GS).unwrap_or(after.len())
        };
        let value = after.get(..len).ok_or_else(|| malformed(body))?;
        elements.push((ai.to_string(), value.to_string()));
        rest = after[len..].trim_start_matches(GS);
    }
    Ok(elements)
}

fn check_element(ai: &str, value: &str) -> Result<(), LabelError> {
    let Some((_, format)) = find_ai(ai).filter(|(code, _)| *code == ai) else {
        // The bracketed form delimits unknown elements, so they are kept as they are.
        return Ok(());
    };
    let wrong_length = value.len() < format.min || value.len() > format.max;
    if wrong_length {
        return Err(error(
            InvalidLength,
            Text::tr(
                "GS1 element ({ai}) has {len} characters, not {want}: scan the wristband again.",
                &[
                    ("ai", ai),
                    ("len", &value.len().to_string()),
                    (
                        "want",
                        &if format.min == format.max {
                            format.max.to_string()
                        } else {
                            format!("{}–{}", format.min, format.max)
                        },
                    ),
                ],
            ),
        ));
    }
    if format.numeric && !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(error(
            InvalidCharacter,
            Text::tr(
                "GS1 element ({ai}) must be digits only: scan the wristband again.",
                &[("ai", ai)],
            ),
        ));
    }
    if let Some((start, len)) = format.check {
        let digits = value.get(start..start + len).unwrap_or("");
        let (data, check) = digits.split_at(digits.len().saturating_sub(1));
        if mod10_check_digit(data).map(|d| d.to_string()).as_deref() != Some(check) {
            return Err(error(CheckDigitMismatch, Text::tr("The wristband number {value} fails its check digit: the barcode is damaged or misprinted. Print a new wristband.", &[("value", value)])));
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
        Text::tr(
            "'{body}' is not a well-formed GS1 element string: scan the wristband again.",
            &[("body", body)],
        ),
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
        assert_eq!(parse_gs1("03123").unwrap_err().code, UnknownDataIdentifier);
        assert_eq!(
            parse_gs1("0387316355910226973393").unwrap_err().code,
            UnknownDataIdentifier
        );
        assert_eq!(parse_gs1("(80").unwrap_err().code, InvalidCharacter);
    }
}
