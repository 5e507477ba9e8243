//! Reading the patient identifier from a wristband scan under the configured profile
//! (`clinical-rules.md` §1, "Wristband profiles").

use regex::Regex;

use crate::label::gs1;
use crate::messages::Text;
use crate::policy::{Policy, WristbandProfile};

/// Whether an identifier read from a wristband is this patient's: equal, to the character, to
/// the medical record number or to the wristband identifier (never a part of either).
pub fn identifies(id: &str, mrn: &str, wristband_id: Option<&str>) -> bool {
    let id = id.trim();
    !id.is_empty() && (id == mrn.trim() || wristband_id.is_some_and(|w| id == w.trim()))
}

/// The identifier a wristband carries, or why it yields none (in both languages).
pub fn patient_identifier(text: &str, policy: &Policy) -> Result<String, Text> {
    match policy.wristband {
        WristbandProfile::Plain => {
            let id = text.trim();
            if id.is_empty() {
                Err(Text::tr("the wristband scan is empty", &[]))
            } else if let Some(what) = not_a_wristband(id) {
                Err(what)
            } else if id.chars().any(char::is_control) {
                Err(Text::tr("the wristband scan holds control characters", &[]))
            } else {
                Ok(id.to_string())
            }
        }
        WristbandProfile::Gs1 => match gs1::parse_gs1(text.trim()) {
            Ok(elements) => elements.gsrn.ok_or_else(|| {
                Text::tr("the GS1 barcode carries no patient number (GSRN, AI 8018): is it a product barcode? Scan the wristband", &[])
            }),
            Err(e) => Err(e.message),
        },
        WristbandProfile::Pattern => {
            let pattern = policy.wristband_pattern.as_deref().unwrap_or_default();
            let re = compile_pattern(pattern).map_err(|e| {
                Text::tr("the hospital's wristband pattern is invalid: {e}",
                    &[("e", &e)],
                )
            })?;
            re.captures(text.trim())
                .and_then(|c| c.name("id"))
                .map(|m| m.as_str().to_string())
                .filter(|id| !id.is_empty())
                .ok_or_else(|| {
                    Text::tr("the wristband text does not match the hospital's wristband format", &[])
                })
        }
    }
}

/// A scan under the plain profile that is plainly not a wristband: a blood-bag label (ISBT 128
/// data identifiers `=` and `&`) or a GS1 element string (AIM identifier `]C1`/`]d2`/`]Q3`, or
/// a bracketed AI) such as a product's GTIN. Taking either as a patient number would let the
/// bag be scanned for the wristband.
fn not_a_wristband(id: &str) -> Option<Text> {
    if id.starts_with('=') || id.starts_with('&') {
        return Some(Text::tr(
            "this is a blood-bag barcode, not a wristband: scan the patient's wristband",
            &[],
        ));
    }
    let gs1_form = [
        "]C1", "]d2", "]Q3", "(01)", "(8018)", "(00)", "(17)", "(10)", "(21)",
    ]
    .iter()
    .any(|p| id.starts_with(p));
    gs1_form.then(|| {
        Text::tr("this is a GS1 barcode, not a wristband under this hospital's profile (plain): scan the patient's wristband",
            &[],
        )
    })
}

/// Compiles a wristband pattern and checks that it names the group `id`.
pub fn compile_pattern(pattern: &str) -> Result<Regex, String> {
    let re = Regex::new(pattern).map_err(|e| format!("not a valid regular expression: {e}"))?;
    if !re.capture_names().any(|n| n == Some("id")) {
        return Err("the pattern needs a named group `id`, e.g. ^(?P<id>ZY\\d{8})\\|".into());
    }
    Ok(re)
}

/// A pattern that only has to match (the emergency ID's), or why it cannot be used.
pub fn compile_pattern_plain(pattern: &str) -> Result<Regex, String> {
    Regex::new(pattern).map_err(|e| format!("not a valid regular expression: {e}"))
}

/// Whether an identifier is a temporary emergency ID (an unidentified patient's wristband,
/// `clinical-rules.md` §6.2). A pattern that does not compile (refused by `Policy::validate`)
/// recognises nothing.
pub fn is_temporary_id(id: &str, policy: &Policy) -> bool {
    compile_pattern_plain(&policy.emergency_id_pattern).is_ok_and(|re| re.is_match(id.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(profile: WristbandProfile, pattern: Option<&str>) -> Policy {
        Policy {
            wristband: profile,
            wristband_pattern: pattern.map(String::from),
            ..Policy::default()
        }
    }

    #[test]
    fn plain_trims_and_rejects_empty() {
        let p = policy(WristbandProfile::Plain, None);
        assert_eq!(
            patient_identifier("  MRN0001\r\n", &p),
            Ok("MRN0001".into())
        );
        assert!(patient_identifier(" \t", &p).is_err());
    }

    #[test]
    fn gs1_accepts_raw_bracketed_and_aim_prefixed_forms() {
        let p = policy(WristbandProfile::Gs1, None);
        for text in [
            "8018995218134138886802",
            "(8018)995218134138886802",
            "]C18018995218134138886802",
            "]d28018995218134138886802\u{1d}801999",
        ] {
            assert_eq!(
                patient_identifier(text, &p),
                Ok("995218134138886802".into()),
                "{text}"
            );
        }
    }

    #[test]
    fn gs1_rejects_a_wrong_check_digit_and_plain_text() {
        let p = policy(WristbandProfile::Gs1, None);
        assert!(patient_identifier("8018995218134138886803", &p).is_err());
        assert!(patient_identifier("ZY58619528", &p).is_err());
    }

    #[test]
    fn pattern_takes_the_id_group() {
        let p = policy(WristbandProfile::Pattern, Some(r"^(?P<id>ZY\d{8})\|"));
        assert_eq!(
            patient_identifier("ZY91140811|张三|M", &p),
            Ok("ZY91140811".into())
        );
        assert!(patient_identifier("XZY91140811|", &p).is_err());
    }
}
