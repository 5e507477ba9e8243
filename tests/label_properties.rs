//! Properties of the label readers: no input makes them panic, and formatting a structure then
//! reading it back gives the same structure (so what a printer encodes is what a nurse scans).

use bedside_core::label::gs1::{mod10_check_digit, parse_gs1};
use bedside_core::label::{
    check_character, format_structure, parse_scan, BloodGroupLabel, Din, LabelErrorCode,
    LabelProfile, ProductCode, Structure,
};
use chrono::{NaiveDate, NaiveDateTime};
use proptest::prelude::*;

const FIN_FIRST: &str = "ABCDEFGHIJKLMNPQRSTUVWXYZ123456789";
const FIN_REST: &str = "ABCDEFGHIJKLMNPQRSTUVWXYZ0123456789";

fn din13() -> impl Strategy<Value = String> {
    (
        prop::sample::select(FIN_FIRST.chars().collect::<Vec<_>>()),
        prop::collection::vec(
            prop::sample::select(FIN_REST.chars().collect::<Vec<_>>()),
            2,
        ),
        0u32..100,
        0u32..100,
        0u32..1_000_000,
    )
        .prop_map(|(a, pp, facility, year, seq)| {
            format!(
                "{a}{}{facility:02}{year:02}{seq:06}",
                pp.iter().collect::<String>()
            )
        })
}

fn din() -> impl Strategy<Value = Structure> {
    (din13(), 0u8..4).prop_map(|(din, mode)| {
        let k = check_character(&din).unwrap();
        let checksum = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ*".find(k).unwrap();
        let (flags, keyed) = match mode {
            0 => (Some("00".to_string()), false),
            1 => (Some(format!("{}", 60 + checksum)), false),
            2 => (Some("A1".to_string()), false),
            _ => (None, true),
        };
        Structure::Din(Din {
            din,
            flags,
            check_char: k,
            keyed,
        })
    })
}

/// Blood-group codes are taken from the table by parsing them, so the generator needs no copy.
fn blood_group() -> impl Strategy<Value = Structure> {
    let codes: Vec<String> = include_str!("../data/isbt128/blood_groups.tsv")
        .lines()
        .skip(1)
        .map(|l| l.split('\t').next().unwrap().to_string())
        .collect();
    let phenotypes: Vec<char> = include_str!("../data/isbt128/rh_kell_phenotypes.tsv")
        .lines()
        .skip(1)
        .map(|l| l.chars().next().unwrap())
        .collect();
    (
        prop::sample::select(codes),
        prop::sample::select(phenotypes),
    )
        .prop_map(|(code, r)| {
            let parsed = parse_scan(&format!("=%{code}{r}0"), &LabelProfile::default()).unwrap();
            match &parsed[..] {
                [Structure::BloodGroup(g)] => {
                    assert_eq!((g.code.as_str(), g.phenotype), (code.as_str(), r));
                    Structure::BloodGroup(BloodGroupLabel { ..g.clone() })
                }
                other => panic!("{other:?}"),
            }
        })
}

fn product_code() -> impl Strategy<Value = Structure> {
    "[A-Z][A-Z0-9]{4}[A-Za-z0-9][A-Z0-9][a-z0-9]"
        .prop_map(|code| Structure::ProductCode(ProductCode { product_code: code }))
}

fn instant(with_time: bool) -> impl Strategy<Value = NaiveDateTime> {
    (2000i32..3000, 1u32..367, 0u32..24, 0u32..60).prop_filter_map(
        "a real day",
        move |(y, d, h, m)| {
            let date = NaiveDate::from_yo_opt(y, d)?;
            Some(if with_time {
                date.and_hms_opt(h, m, 0)?
            } else {
                date.and_hms_opt(23, 59, 0)?
            })
        },
    )
}

fn dated() -> impl Strategy<Value = Structure> {
    (any::<bool>(), 0u8..3).prop_flat_map(|(with_time, which)| {
        instant(with_time).prop_map(move |t| match which {
            0 => Structure::Expiry {
                expires_at: t,
                with_time,
            },
            1 => Structure::Collection {
                collected_at: t,
                with_time,
            },
            _ => Structure::Production {
                produced_at: t,
                with_time,
            },
        })
    })
}

/// One structure that may stand in a concatenated scan (a keyed DIN stands alone).
fn scannable() -> impl Strategy<Value = Structure> {
    prop_oneof![
        din().prop_filter("scanned", |s| !matches!(s, Structure::Din(d) if d.keyed)),
        blood_group(),
        product_code(),
        dated()
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn any_text_is_read_as_label_data_or_refused_in_words(text in "\\PC{0,60}") {
        match parse_scan(&text, &LabelProfile::default()) {
            Ok(structures) => prop_assert!(!structures.is_empty(), "{text:?}"),
            Err(e) => prop_assert!(!e.message.en().is_empty() && !e.message.zh().is_empty(), "{text:?}"),
        }
        if let Ok(read) = parse_gs1(&text) {
            prop_assert!(!read.elements.is_empty(), "{text:?} read as no element string");
        }
    }

    #[test]
    fn label_like_text_is_read_as_label_data_or_refused_in_words(text in "(\\]?[A-Za-z]?[0-9]?)?[=&%<>*}{\\\\\\[\"'),;\\-+#\\]$(/,0-9A-Za-z\\x00-\\x1f ]{0,60}") {
        match parse_scan(&text, &LabelProfile::default()) {
            Ok(structures) => prop_assert!(!structures.is_empty()),
            Err(e) => prop_assert!(!e.message.en().is_empty() && !e.message.zh().is_empty()),
        }
    }

    #[test]
    fn a_din_reads_back_as_written(s in din()) {
        let text = format_structure(&s).unwrap();
        prop_assert_eq!(parse_scan(&text, &LabelProfile::default()), Ok(vec![s]));
    }

    #[test]
    fn concatenated_structures_read_back_in_order(structures in prop::collection::vec(scannable(), 1..5)) {
        let text: String = structures.iter().map(|s| format_structure(s).unwrap()).collect();
        prop_assert_eq!(parse_scan(&text, &LabelProfile::default()), Ok(structures.clone()));
        // The same inside a compound message announcing their number.
        let mut compound = vec![Structure::CompoundMessage { count: structures.len() as u8, sequence: "000".into() }];
        compound.extend(structures);
        let text: String = compound.iter().map(|s| format_structure(s).unwrap()).collect();
        prop_assert_eq!(parse_scan(&text, &LabelProfile::default()), Ok(compound));
    }

    #[test]
    fn scanner_framing_does_not_change_what_is_read(s in scannable(), aim in "(\\][Cd][0-9])?", pad in "[ \\t\\r\\n]{0,3}") {
        let text = format!("{aim}{}{pad}", format_structure(&s).unwrap());
        prop_assert_eq!(parse_scan(&text, &LabelProfile::default()), Ok(vec![s]));
    }

    #[test]
    fn a_mistyped_check_character_is_caught(din in din13(), wrong in prop::sample::select("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ*".chars().collect::<Vec<_>>())) {
        let right = check_character(&din).unwrap();
        prop_assume!(wrong != right);
        let err = parse_scan(&format!("{din}{wrong}"), &LabelProfile::default()).unwrap_err();
        prop_assert_eq!(err.code, LabelErrorCode::CheckCharacterMismatch);
    }

    #[test]
    fn gsrn_round_trips_and_a_changed_check_digit_is_caught(data in "[0-9]{17}", delta in 1u32..10) {
        let check = mod10_check_digit(&data).unwrap();
        let gsrn = format!("{data}{check}");
        for text in [format!("(8018){gsrn}"), format!("8018{gsrn}"), format!("]C18018{gsrn}\u{1d}801912")] {
            prop_assert_eq!(parse_gs1(&text).unwrap().gsrn, Some(gsrn.clone()));
        }
        let wrong = format!("{data}{}", (check + delta) % 10);
        prop_assert_eq!(parse_gs1(&format!("(8018){wrong}")).unwrap_err().code, LabelErrorCode::CheckDigitMismatch);
    }
}
