//! Barcode decoding as the handheld sees it: photos of ZXing's black-box set (creased, blurred,
//! tilted, dim) decode to exactly ZXing's expected text, a bag label gives up all its symbols,
//! and hard or empty frames end cleanly. Speed is measured by `cargo bench --bench decode`, not
//! here.

mod drawing;

use std::path::{Path, PathBuf};
use std::time::Duration;

use bedside_scan::{decode_frame, load_grey, Budget, DecodeOptions, LumaFrame, Symbology};
use rxing::BarcodeFormat;

fn data(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/barcodes")
        .join(path)
}

/// ZXing's rule: `NAME.txt` as UTF-8, else `NAME.bin` as ISO-8859-1.
fn expected_text(image: &str) -> String {
    let txt = data(image).with_extension("txt");
    match std::fs::read_to_string(&txt) {
        Ok(text) => text,
        Err(_) => std::fs::read(data(image).with_extension("bin"))
            .unwrap()
            .into_iter()
            .map(char::from)
            .collect(),
    }
}

fn decoded_texts(frame: &LumaFrame, options: &DecodeOptions) -> Vec<(Symbology, String)> {
    decode_frame(frame, options, Budget::unlimited())
        .symbols
        .into_iter()
        .map(|s| (s.symbology, s.text))
        .collect()
}

/// A few images per format, the hard ones among them: a blurred and tilted warehouse label
/// (code128-2/09, /37), a curved Code 128 (code128-2/12), a Codabar at an angle (codabar-1/12),
/// DataMatrix and QR photographed in perspective and poor light (datamatrix-2, qrcode-3,
/// qrcode-5), the large PDF417 zxing-cpp misses (pdf417-2/22) and one whose text is not UTF-8
/// (pdf417-2/24).
const SAMPLE: &[(&str, Symbology)] = &[
    ("code128-1/1.png", Symbology::Code128),
    ("code128-2/09.png", Symbology::Code128),
    ("code128-2/12.png", Symbology::Code128),
    ("code128-2/37.png", Symbology::Code128),
    ("code128-3/1.png", Symbology::Code128),
    ("codabar-1/01.png", Symbology::Codabar),
    ("codabar-1/12.png", Symbology::Codabar),
    ("datamatrix-1/GUID.png", Symbology::DataMatrix),
    ("datamatrix-2/13.png", Symbology::DataMatrix),
    ("datamatrix-3/abcd-144x8.png", Symbology::DataMatrix),
    ("qrcode-3/21.png", Symbology::QrCode),
    ("qrcode-5/16.png", Symbology::QrCode),
    ("pdf417-2/22.png", Symbology::Pdf417),
    ("pdf417-2/24.png", Symbology::Pdf417),
];

#[test]
fn photos_of_each_format_decode_to_exactly_the_expected_text() {
    let mut misses = Vec::new();
    for &(image, symbology) in SAMPLE {
        let frame = load_grey(&data(image)).unwrap();
        let expected = (symbology, expected_text(image));
        let found = decoded_texts(&frame, &DecodeOptions::default());
        if !found.contains(&expected) {
            misses.push(format!("{image}: expected {expected:?}, got {found:?}"));
        }
    }
    assert!(misses.is_empty(), "{}", misses.join("\n"));
}

#[test]
fn codabar_is_reported_without_its_start_and_stop_characters() {
    let frame = load_grey(&data("codabar-1/01.png")).unwrap();
    let found = decoded_texts(&frame, &DecodeOptions::default());
    assert_eq!(found, [(Symbology::Codabar, "1234567890".to_string())]);
}

#[test]
fn a_bag_label_gives_up_every_symbol() {
    let (label, texts) = drawing::isbt_bag_label();
    let frame = LumaFrame::borrowed(&label.pixels, label.width, label.height).unwrap();
    let mut found: Vec<String> = decoded_texts(&frame, &DecodeOptions::default())
        .into_iter()
        .map(|(symbology, text)| {
            assert_eq!(symbology, Symbology::Code128);
            text
        })
        .collect();
    found.sort();
    let mut expected = texts.map(String::from);
    expected.sort();
    assert_eq!(found, expected);
}

#[test]
fn a_label_with_a_1d_and_a_2d_symbol_gives_both_in_reading_order() {
    let mut label = drawing::Canvas::white(700, 300);
    label
        .draw(BarcodeFormat::QR_CODE, "MRN0001", (20, 20), (200, 200))
        .draw(
            BarcodeFormat::CODE_128,
            "=W00000912345600",
            (260, 60),
            (420, 120),
        );
    let frame = LumaFrame::borrowed(&label.pixels, label.width, label.height).unwrap();
    assert_eq!(
        decoded_texts(&frame, &DecodeOptions::default()),
        [
            (Symbology::QrCode, "MRN0001".to_string()),
            (Symbology::Code128, "=W00000912345600".to_string()),
        ]
    );
}

#[test]
fn a_dim_low_contrast_label_and_a_light_on_dark_one_still_read() {
    let mut dim = drawing::Canvas::white(500, 160);
    dim.draw(BarcodeFormat::CODE_128, "=%6200", (20, 20), (460, 120))
        .map(|p| if p == 0 { 96 } else { 120 });
    let mut inverted = drawing::Canvas::white(500, 160);
    inverted
        .draw(
            BarcodeFormat::DATA_MATRIX,
            "=W00000912345600",
            (150, 10),
            (140, 140),
        )
        .map(|p| 255 - p);
    for (name, label, text) in [
        ("dim", &dim, "=%6200"),
        ("inverted", &inverted, "=W00000912345600"),
    ] {
        let frame = LumaFrame::borrowed(&label.pixels, label.width, label.height).unwrap();
        let found = decoded_texts(&frame, &DecodeOptions::default());
        assert!(
            found.iter().any(|(_, t)| t == text),
            "{name} label: got {found:?}"
        );
    }
}

#[test]
fn a_frame_without_barcode_finds_nothing_and_says_so() {
    let (width, height) = (320u32, 240u32);
    let noise: Vec<u8> = (0..width * height)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    for pixels in [vec![255u8; (width * height) as usize], noise] {
        let frame = LumaFrame::borrowed(&pixels, width, height).unwrap();
        let result = decode_frame(&frame, &DecodeOptions::default(), Budget::unlimited());
        assert!(result.symbols.is_empty());
        assert_eq!(result.found_by, None);
        assert!(!result.out_of_time);
    }
}

#[test]
fn a_spent_budget_still_gets_the_quick_pass_and_then_stops() {
    let (label, texts) = drawing::isbt_bag_label();
    let frame = LumaFrame::borrowed(&label.pixels, label.width, label.height).unwrap();
    let clean = decode_frame(
        &frame,
        &DecodeOptions::default(),
        Budget::within(Duration::ZERO),
    );
    assert_eq!(clean.symbols.len(), texts.len());

    let blank = vec![255u8; 320 * 240];
    let frame = LumaFrame::borrowed(&blank, 320, 240).unwrap();
    let result = decode_frame(
        &frame,
        &DecodeOptions::default(),
        Budget::within(Duration::ZERO),
    );
    assert_eq!(result.passes, 1);
    assert!(result.out_of_time);
}

#[test]
fn only_the_asked_for_formats_are_reported() {
    let frame = load_grey(&data("qrcode-5/16.png")).unwrap();
    let options = DecodeOptions {
        formats: vec![Symbology::Code128, Symbology::DataMatrix],
        ..DecodeOptions::default()
    };
    assert_eq!(decoded_texts(&frame, &options), []);
}

/// A GS1-128 wristband whose first element has a variable length (a lot number, AI 10) before
/// the patient's GSRN (AI 8018): the FNC1 between them is read as ASCII 29, so the wristband
/// reader finds the GSRN; run together, the lot would swallow the patient number.
#[test]
fn a_gs1_128_wristband_keeps_its_element_separator() {
    use bedside_core::policy::{Policy, WristbandProfile};
    use bedside_core::wristband::patient_identifier;
    let mut canvas = bedside_scan::draw::Canvas::white(900, 240);
    canvas
        .try_draw(
            rxing::BarcodeFormat::CODE_128,
            "\u{f1}10LOT42\u{f1}8018252144816090904342",
            (20, 20),
            (860, 200),
        )
        .unwrap();
    let frame = LumaFrame::borrowed(&canvas.pixels, canvas.width, canvas.height).unwrap();
    let texts = decoded_texts(&frame, &DecodeOptions::default());
    assert_eq!(
        texts,
        [(
            Symbology::Code128,
            "10LOT42\u{1d}8018252144816090904342".to_string()
        )]
    );
    let gs1 = Policy {
        wristband: WristbandProfile::Gs1,
        ..Policy::default()
    };
    assert_eq!(
        patient_identifier(&texts[0].1, &gs1).unwrap(),
        "252144816090904342"
    );
}

/// One Code 128 symbol in 103 has a check character of value 102, FNC1's: such a label must
/// read as printed, not with a stray separator that makes the check refuse it as unreadable.
#[test]
fn a_code_128_label_whose_check_character_is_fnc1s_value_reads_as_printed() {
    // Expiry labels of 4 December 2026 whose check character is 102.
    for text in [
        "&>0263380040",
        "&>0263380152",
        "&>0263390410",
        "&>0263390522",
        "&>0263380609",
    ] {
        let width = bedside_scan::draw::one_d_modules(BarcodeFormat::CODE_128, text).unwrap() * 3;
        let mut canvas = bedside_scan::Canvas::white(width + 60, 120);
        canvas
            .try_draw(BarcodeFormat::CODE_128, text, (30, 10), (width, 100))
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("label.png");
        canvas.write_png(&path).unwrap();
        assert_eq!(
            bedside_scan::scan_image(&path).unwrap(),
            vec![text.to_string()]
        );
    }
}
