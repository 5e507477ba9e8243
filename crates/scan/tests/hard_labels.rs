//! Labels as a ward's camera sees them: askew, several on one bag, GS1 wristbands in 2-D. Each
//! test draws the label, damages it the way the decode bench's degraded sets do, and reads it
//! back through the same `decode_frame` the handheld uses.

use bedside_core::policy::{Policy, WristbandProfile};
use bedside_core::wristband::patient_identifier;
use bedside_scan::damage::{self, Rng};
use bedside_scan::draw::one_d_modules;
use bedside_scan::{decode_frame, Budget, Canvas, DecodeOptions, LumaFrame, Symbology};
use rxing::BarcodeFormat;

fn texts(canvas: &Canvas) -> (Vec<(Symbology, String)>, Option<&'static str>) {
    let frame = LumaFrame::borrowed(&canvas.pixels, canvas.width, canvas.height).unwrap();
    let result = decode_frame(&frame, &DecodeOptions::default(), Budget::unlimited());
    let texts = result
        .symbols
        .into_iter()
        .map(|s| (s.symbology, s.text))
        .collect();
    (texts, result.found_by)
}

fn code_128(canvas: &mut Canvas, text: &str, at: (u32, u32), module: u32, height: u32) {
    let width = one_d_modules(BarcodeFormat::CODE_128, text).unwrap() * module;
    canvas
        .try_draw(BarcodeFormat::CODE_128, text, at, (width, height))
        .unwrap();
}

/// Neither rxing nor zxing-cpp reads a 1-D symbol turned 30°: no row crosses all its bars. The
/// deskew pass stands the bars upright again.
#[test]
fn a_bag_label_held_askew_is_read() {
    let din = "=W00002612345600";
    let mut label = Canvas::white(420, 160);
    code_128(&mut label, din, (30, 30), 2, 100);
    for degrees in [-32.0, 25.0, 38.0] {
        let askew = damage::rotate(&label, degrees);
        let (texts, found_by) = texts(&askew);
        assert_eq!(
            texts,
            [(Symbology::Code128, din.to_string())],
            "turned {degrees}°"
        );
        assert_eq!(found_by, Some("deskewed"), "turned {degrees}°");
    }
}

/// An ISBT 128 bag label carries four symbols in two rows: DIN and blood group above, product
/// code and expiry below. One photo, slightly askew and grainy, gives all four as a person
/// reads them.
#[test]
fn a_bag_label_photo_gives_every_symbol_in_reading_order() {
    let (din, group, product, expiry) =
        ("=W00002612345600", "=%5100", "=<E0001V00", "&>0263352359");
    let mut label = Canvas::white(900, 420);
    code_128(&mut label, din, (30, 30), 2, 110);
    code_128(&mut label, group, (560, 30), 2, 110);
    code_128(&mut label, product, (30, 250), 2, 110);
    code_128(&mut label, expiry, (560, 250), 2, 110);
    let photo = damage::noise(&damage::rotate(&label, 3.0), 12.0, &mut Rng::seeded(3));
    let (texts, _) = texts(&photo);
    let texts: Vec<&str> = texts.iter().map(|(_, t)| t.as_str()).collect();
    assert_eq!(texts, [din, group, product, expiry]);
}

/// A GS1 DataMatrix wristband with a variable-length lot (AI 10) before the GSRN: the FNC1
/// between them comes out as ASCII 29, so the wristband reader finds the patient's number.
#[test]
fn a_gs1_data_matrix_wristband_keeps_its_element_separator() {
    let elements = "10LOT42\u{1d}8018252144816090904342";
    let mut band = Canvas::white(200, 200);
    band.try_draw_gs1_data_matrix(elements, (20, 20), (160, 160))
        .unwrap();
    let (texts, _) = texts(&damage::blur(&band, 0.8));
    assert_eq!(texts, [(Symbology::DataMatrix, elements.to_string())]);
    let gs1 = Policy {
        wristband: WristbandProfile::Gs1,
        ..Policy::default()
    };
    assert_eq!(
        patient_identifier(&texts[0].1, &gs1).unwrap(),
        "252144816090904342"
    );
    // Its symbology identifier travels with it, so a reader under any profile knows it is GS1.
    let frame = LumaFrame::borrowed(&band.pixels, band.width, band.height).unwrap();
    let symbol = &decode_frame(&frame, &DecodeOptions::default(), Budget::unlimited()).symbols[0];
    assert_eq!(symbol.gs1.as_deref(), Some("]d2"));
    assert_eq!(symbol.framed_text(), format!("]d2{elements}"));
}

/// A label that breaks its own rules is read again by every other pass before it is returned,
/// flagged: a DIN whose type-3 flags do not match its checksum is what a misread looks like, and
/// a better read of the same frame wins. Read that way by every pass, it is a misprinted label,
/// and the label reader (not "no barcode") tells the nurse what is wrong with it.
#[test]
fn a_symbol_that_fails_its_labels_own_check_is_returned_only_when_no_pass_reads_better() {
    let mut label = Canvas::white(420, 160);
    // =W000026123456 with flags 61: its MOD 37-2 checksum is not 1.
    let misprinted = "=W00002612345661";
    code_128(&mut label, misprinted, (30, 30), 2, 100);
    let frame = LumaFrame::borrowed(&label.pixels, label.width, label.height).unwrap();
    let result = decode_frame(&frame, &DecodeOptions::default(), Budget::unlimited());
    assert_eq!(result.passes, 7, "every pass looked for a better read");
    assert!(result.fails_label_check);
    assert_eq!(result.symbols.len(), 1);
    assert_eq!(result.symbols[0].text, misprinted);
    assert!(bedside_core::label::parse_scan(misprinted, &Default::default()).is_err());

    let mut good = Canvas::white(420, 160);
    code_128(&mut good, "=W00002612345600", (30, 30), 2, 100);
    let frame = LumaFrame::borrowed(&good.pixels, good.width, good.height).unwrap();
    let result = decode_frame(&frame, &DecodeOptions::default(), Budget::unlimited());
    assert_eq!((result.passes, result.fails_label_check), (1, false));
}
