//! The decode pipeline for one frame: a fast first pass that finds every symbol a clean label
//! shows, then retries for hard frames (creases, curved wristbands, glare, dim light), each tried
//! only while the frame's time budget lasts and only until one of them finds something.

use std::collections::HashSet;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Duration, Instant};

use bedside_core::label::{parse_scan, LabelProfile};
use rxing::common::GlobalHistogramBinarizer;
use rxing::multi::{GenericMultipleBarcodeReader, MultipleBarcodeReader};
use rxing::{
    BarcodeFormat, Binarizer, BinaryBitmap, DecodeHints, FilteredImageReader, Luma8Source,
    LuminanceSource, MultiFormatReader, RXingResult, RXingResultMetadataType,
    RXingResultMetadataValue, Reader,
};

use super::binarizer::FastHybridBinarizer;
use super::deskew;
use super::frame::LumaFrame;

/// The symbologies a bedside scan may meet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Symbology {
    /// ISBT 128 bag labels and most wristbands.
    Code128,
    /// ISBT 128 2-D bag labels and 2-D wristbands.
    DataMatrix,
    /// Legacy bag labels of some blood centres.
    Codabar,
    QrCode,
    Pdf417,
}

impl Symbology {
    /// Bag and wristband formats first: the order in which a frame is searched and in which
    /// its symbols are reported.
    pub const BEDSIDE: [Symbology; 5] = [
        Symbology::Code128,
        Symbology::DataMatrix,
        Symbology::Codabar,
        Symbology::QrCode,
        Symbology::Pdf417,
    ];

    /// The formats bedside's labels are printed in (ISBT 128 and GS1 in Code 128, DataMatrix and
    /// QR): the cheap path every pass tries first.
    pub const LABELS: [Symbology; 3] =
        [Symbology::Code128, Symbology::DataMatrix, Symbology::QrCode];

    /// The snake-case name of docs/cli.md.
    pub fn name(self) -> &'static str {
        match self {
            Symbology::Code128 => "code_128",
            Symbology::DataMatrix => "data_matrix",
            Symbology::Codabar => "codabar",
            Symbology::QrCode => "qr_code",
            Symbology::Pdf417 => "pdf_417",
        }
    }

    pub fn from_name(name: &str) -> Option<Symbology> {
        Symbology::BEDSIDE.into_iter().find(|s| s.name() == name)
    }

    fn is_one_d(self) -> bool {
        matches!(self, Symbology::Code128 | Symbology::Codabar)
    }

    fn to_rxing(self) -> BarcodeFormat {
        match self {
            Symbology::Code128 => BarcodeFormat::CODE_128,
            Symbology::DataMatrix => BarcodeFormat::DATA_MATRIX,
            Symbology::Codabar => BarcodeFormat::CODABAR,
            Symbology::QrCode => BarcodeFormat::QR_CODE,
            Symbology::Pdf417 => BarcodeFormat::PDF_417,
        }
    }

    fn from_rxing(format: BarcodeFormat) -> Option<Symbology> {
        Symbology::BEDSIDE
            .into_iter()
            .find(|s| s.to_rxing() == format)
    }
}

/// One decoded symbol. Codabar text comes without its start/stop characters (ZXing's form).
#[derive(Debug, Clone, PartialEq)]
pub struct Symbol {
    pub symbology: Symbology,
    pub text: String,
    /// Where it was found, in frame pixels (corners for 2-D symbols, the scan line for 1-D).
    pub points: Vec<(f32, f32)>,
    /// The AIM symbology identifier of a GS1 symbol (`]C1`, `]d2`, `]Q3`): the text is GS1
    /// element strings even when it does not start with a wristband's AI.
    pub gs1: Option<String>,
}

impl Symbol {
    /// The text as a scanner that sends AIM identifiers would: what `bedside_core::label` reads
    /// as GS1 whatever its first element.
    pub fn framed_text(&self) -> String {
        format!("{}{}", self.gs1.as_deref().unwrap_or(""), self.text)
    }
}

/// How long one frame may take. Checked between passes: a pass that has started runs to its
/// end, so a frame can overrun its budget by one pass.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    deadline: Option<Instant>,
}

impl Budget {
    /// No limit: every pass runs until one finds a symbol (files, validation runs).
    pub fn unlimited() -> Budget {
        Budget { deadline: None }
    }

    /// From now, at most `time` (camera frames, so that the preview stays smooth).
    pub fn within(time: Duration) -> Budget {
        Budget {
            deadline: Instant::now().checked_add(time),
        }
    }

    pub fn is_spent(&self) -> bool {
        self.deadline.is_some_and(|d| Instant::now() >= d)
    }
}

/// What to look for and how hard to try.
#[derive(Debug, Clone, PartialEq)]
pub struct DecodeOptions {
    /// The formats to look for, most likely first.
    pub formats: Vec<Symbology>,
    /// The formats the scan context expects (the cheap path): each pass searches these first,
    /// and the other `formats` only when these gave no symbol that passes its label's check.
    /// A frame with a Code 128 bag label then never pays for the PDF417 search (half of a
    /// first pass with all formats on, for its four rotations).
    pub expected: Vec<Symbology>,
    /// Look at the whole frame in more rows and rotations (slower, finds more).
    pub try_harder: bool,
    /// After the first pass, retry hard frames (other binarizer, inversion, contrast, scale).
    pub retries: bool,
    /// Report every symbol of the frame rather than the first one found.
    pub multiple: bool,
}

impl Default for DecodeOptions {
    fn default() -> Self {
        DecodeOptions {
            formats: Symbology::BEDSIDE.to_vec(),
            expected: Symbology::LABELS.to_vec(),
            try_harder: true,
            retries: true,
            multiple: true,
        }
    }
}

/// The symbols of one frame, and how the search went.
#[derive(Debug, Clone, PartialEq)]
pub struct FrameResult {
    pub symbols: Vec<Symbol>,
    /// Which pass found them (`None` when nothing was found).
    pub found_by: Option<&'static str>,
    /// Passes run, the first included.
    pub passes: usize,
    /// The budget ran out before every pass was tried.
    pub out_of_time: bool,
    /// Symbols decoded but set aside by their label's own check (see `passes_label_check`), in
    /// all passes.
    pub refused: usize,
    /// The symbols returned fail their label's own check: no pass read one that keeps it.
    pub fails_label_check: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Binarization {
    /// Local thresholds: shadows and glare across a label.
    Hybrid,
    /// One threshold from the histogram: low-contrast, blurred 1-D bars.
    GlobalHistogram,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Preprocess {
    None,
    /// Stretch the grey levels between the 1st and 99th percentile to full range.
    StretchContrast,
    /// Light-on-dark prints and screens.
    Invert,
    /// Bars leaning from upright turned back (`deskew`); skipped when they do not lean.
    Deskew,
}

#[derive(Debug, Clone, Copy)]
struct Pass {
    name: &'static str,
    preprocess: Preprocess,
    binarization: Binarization,
    /// rxing's filtered reader: a pyramid of down- and upscaled copies, each also closed.
    filtered: bool,
    /// Every row and both orientations of 1-D symbols, rather than the middle rows.
    harder: bool,
}

const PASSES: &[Pass] = &[
    Pass {
        name: "quick",
        preprocess: Preprocess::None,
        binarization: Binarization::Hybrid,
        filtered: false,
        harder: false,
    },
    Pass {
        name: "hybrid",
        preprocess: Preprocess::None,
        binarization: Binarization::Hybrid,
        filtered: false,
        harder: true,
    },
    Pass {
        name: "global_histogram",
        preprocess: Preprocess::None,
        binarization: Binarization::GlobalHistogram,
        filtered: false,
        harder: true,
    },
    Pass {
        name: "deskewed",
        preprocess: Preprocess::Deskew,
        binarization: Binarization::Hybrid,
        filtered: false,
        harder: true,
    },
    Pass {
        name: "filtered",
        preprocess: Preprocess::None,
        binarization: Binarization::Hybrid,
        filtered: true,
        harder: true,
    },
    Pass {
        name: "stretched",
        preprocess: Preprocess::StretchContrast,
        binarization: Binarization::Hybrid,
        filtered: false,
        harder: true,
    },
    Pass {
        name: "inverted",
        preprocess: Preprocess::Invert,
        binarization: Binarization::Hybrid,
        filtered: false,
        harder: true,
    },
];

/// Finds the barcodes of one frame. Never panics: a decoder failure on a strange frame counts
/// as "nothing found" in that pass.
pub fn decode_frame(frame: &LumaFrame, options: &DecodeOptions, budget: Budget) -> FrameResult {
    let mut result = FrameResult {
        symbols: Vec::new(),
        found_by: None,
        passes: 0,
        out_of_time: false,
        refused: 0,
        fails_label_check: false,
    };
    let mut failing = None;
    // One buffer for every pass that makes its own picture of the frame (stretched, inverted,
    // upright): allocated once per frame, not once per pass.
    let mut scratch = Vec::new();
    let first_passes = if options.try_harder { 2 } else { 1 };
    let passes = if options.retries {
        PASSES
    } else {
        &PASSES[..first_passes]
    };
    for pass in passes {
        if pass.harder && !options.try_harder {
            continue;
        }
        if result.passes > 0 && budget.is_spent() {
            result.out_of_time = true;
            break;
        }
        result.passes += 1;
        let stages = stages(options, pass.harder);
        let found = catch_unwind(AssertUnwindSafe(|| {
            let good_enough = |found: &[RXingResult]| found.iter().any(|r| keeps_check(r, options));
            run_pass(
                frame,
                pass,
                &stages,
                options.multiple,
                &good_enough,
                &mut scratch,
            )
        }))
        .unwrap_or_default();
        let (symbols, refused) = symbols(found, &options.formats);
        result.refused += refused.len();
        if !symbols.is_empty() {
            result.symbols = symbols;
            result.found_by = Some(pass.name);
            return result;
        }
        if failing.is_none() && !refused.is_empty() {
            failing = Some((refused, pass.name));
        }
    }
    // No pass read a symbol that keeps its label's rules. The first pass's symbols that break
    // them are returned after all, flagged: the label may be printed that way, and the label
    // reader then says what is wrong with it ("no barcode" would send the nurse to scan the same
    // label again and again).
    if let Some((symbols, pass)) = failing {
        result.symbols = symbols;
        result.found_by = Some(pass);
        result.fails_label_check = true;
    }
    result
}

/// The searches of a pass in two stages: the expected formats (the cheap path), then the others
/// (run only when the first stage read nothing that passes its label's check).
fn stages(options: &DecodeOptions, harder: bool) -> [Vec<DecodeHints>; 2] {
    let (expected, others): (Vec<Symbology>, Vec<Symbology>) = options
        .formats
        .iter()
        .partition(|s| options.expected.contains(s));
    [searches(&expected, harder), searches(&others, harder)]
}

/// One search per 2-D format and one for all 1-D formats together (their reader scans each row
/// once for all of them), in the order of `formats`. Searching format by format keeps the
/// order deterministic and lets the multi-symbol search look only for that format in the rest
/// of the frame.
fn searches(formats: &[Symbology], harder: bool) -> Vec<DecodeHints> {
    let mut groups: Vec<HashSet<BarcodeFormat>> = Vec::new();
    let mut one_d_group = None;
    for symbology in formats {
        let format = symbology.to_rxing();
        if symbology.is_one_d() {
            match one_d_group {
                Some(i) => {
                    let group: &mut HashSet<BarcodeFormat> = &mut groups[i];
                    group.insert(format);
                }
                None => {
                    one_d_group = Some(groups.len());
                    groups.push(HashSet::from([format]));
                }
            }
        } else if !groups.iter().any(|g| g.contains(&format)) {
            groups.push(HashSet::from([format]));
        }
    }
    groups
        .into_iter()
        .map(|formats| DecodeHints {
            TryHarder: Some(harder),
            PossibleFormats: Some(formats),
            // GS1-128 (a wristband's GSRN and the elements around it): every FNC1 after the
            // first comes out as ASCII 29. Without it a variable-length element runs into the
            // next one, and the patient number read from the wristband can be wrong. ISBT 128
            // bag labels carry no FNC1 and read the same.
            AssumeGs1: Some(true),
            ..DecodeHints::default()
        })
        .collect()
}

fn run_pass(
    frame: &LumaFrame,
    pass: &Pass,
    stages: &[Vec<DecodeHints>],
    multiple: bool,
    good_enough: &dyn Fn(&[RXingResult]) -> bool,
    scratch: &mut Vec<u8>,
) -> Vec<RXingResult> {
    let (mut width, mut height) = (frame.width(), frame.height());
    let mut turn = None;
    let pixels = match pass.preprocess {
        Preprocess::None => frame.pixels(),
        Preprocess::StretchContrast => {
            stretch_contrast(frame.pixels(), scratch);
            scratch
        }
        Preprocess::Invert => {
            scratch.clear();
            scratch.extend(frame.pixels().iter().map(|p| 255 - p));
            scratch
        }
        Preprocess::Deskew => {
            let (w, h) = (width as usize, height as usize);
            let Some(tilt) = deskew::tilt(frame.pixels(), w, h) else {
                return Vec::new();
            };
            let (w, h, back) = deskew::upright(frame.pixels(), w, h, tilt, scratch);
            let (Ok(w), Ok(h)) = (u32::try_from(w), u32::try_from(h)) else {
                return Vec::new();
            };
            (width, height, turn) = (w, h, Some(back));
            scratch
        }
    };
    let Ok(source) = Luma8Source::new_with_slice(pixels, width, height) else {
        return Vec::new();
    };
    let mut found = read(source, pass, stages, multiple, good_enough);
    // Found on the upright picture: its points go back into the frame's pixels.
    if let Some(turn) = turn {
        for point in found.iter_mut().flat_map(|r| r.getPointsMut().iter_mut()) {
            (point.x, point.y) = turn.back(point.x, point.y);
        }
    }
    found
}

fn read<S: LuminanceSource>(
    source: S,
    pass: &Pass,
    stages: &[Vec<DecodeHints>],
    multiple: bool,
    good_enough: &dyn Fn(&[RXingResult]) -> bool,
) -> Vec<RXingResult> {
    match pass.binarization {
        Binarization::Hybrid => read_bitmap(
            &mut BinaryBitmap::new(FastHybridBinarizer::new(source)),
            pass,
            stages,
            multiple,
            good_enough,
        ),
        Binarization::GlobalHistogram => read_bitmap(
            &mut BinaryBitmap::new(GlobalHistogramBinarizer::new(source)),
            pass,
            stages,
            multiple,
            good_enough,
        ),
    }
}

fn read_bitmap<B: Binarizer>(
    bitmap: &mut BinaryBitmap<B>,
    pass: &Pass,
    stages: &[Vec<DecodeHints>],
    multiple: bool,
    good_enough: &dyn Fn(&[RXingResult]) -> bool,
) -> Vec<RXingResult> {
    let mut found = Vec::new();
    for stage in stages {
        for hints in stage {
            found.extend(if pass.filtered {
                let reader = FilteredImageReader::new(MultiFormatReader::default());
                read_with(reader, bitmap, hints, multiple)
            } else {
                read_with(MultiFormatReader::default(), bitmap, hints, multiple)
            });
            if !multiple && !found.is_empty() {
                return found;
            }
        }
        if good_enough(&found) {
            break;
        }
    }
    found
}

fn read_with<R: Reader, B: Binarizer>(
    reader: R,
    bitmap: &mut BinaryBitmap<B>,
    hints: &DecodeHints,
    multiple: bool,
) -> Vec<RXingResult> {
    if multiple {
        GenericMultipleBarcodeReader::new(QuickAfterFirst::new(reader))
            .decode_multiple_with_hints(bitmap, hints)
            .unwrap_or_default()
    } else {
        let mut reader = reader;
        reader
            .decode_with_hints(bitmap, hints)
            .into_iter()
            .collect()
    }
}

/// The multi-symbol search decodes the whole frame, then the parts of it left, above, right and
/// below each symbol found. Only the first decode needs the pass's full effort: the others look
/// for the label's other symbols, printed like the one found, so they scan just the middle
/// rows. (With the full try-harder scan in every part, a hard frame took 10-20 times longer.)
struct QuickAfterFirst<R: Reader> {
    reader: R,
    first_done: bool,
}

impl<R: Reader> QuickAfterFirst<R> {
    fn new(reader: R) -> Self {
        QuickAfterFirst {
            reader,
            first_done: false,
        }
    }
}

impl<R: Reader> Reader for QuickAfterFirst<R> {
    fn decode<B: Binarizer>(
        &mut self,
        image: &mut BinaryBitmap<B>,
    ) -> rxing::common::Result<RXingResult> {
        self.decode_with_hints(image, &DecodeHints::default())
    }

    fn decode_with_hints<B: Binarizer>(
        &mut self,
        image: &mut BinaryBitmap<B>,
        hints: &DecodeHints,
    ) -> rxing::common::Result<RXingResult> {
        if !std::mem::replace(&mut self.first_done, true) {
            return self.reader.decode_with_hints(image, hints);
        }
        let quick = DecodeHints {
            TryHarder: Some(false),
            ..hints.clone()
        };
        self.reader.decode_with_hints(image, &quick)
    }
}

/// Our symbols, deduplicated, in reading order; and those that fail their label's own check.
fn symbols(found: Vec<RXingResult>, formats: &[Symbology]) -> (Vec<Symbol>, Vec<Symbol>) {
    let mut symbols: Vec<Symbol> = Vec::new();
    let mut refused: Vec<Symbol> = Vec::new();
    for result in found {
        let Some((symbology, text, gs1)) = label_text(&result, formats) else {
            continue;
        };
        let keeps = if passes_label_check(gs1.as_deref(), &text) {
            &mut symbols
        } else {
            &mut refused
        };
        if keeps
            .iter()
            .any(|s| s.symbology == symbology && s.text == text)
        {
            continue;
        }
        let points = result.getPoints().iter().map(|p| (p.x, p.y)).collect();
        keeps.push(Symbol {
            symbology,
            text,
            points,
            gs1,
        });
    }
    (in_reading_order(symbols), in_reading_order(refused))
}

/// A decoded symbol of one of `formats` as the label's text: its symbology, its text, and its
/// GS1 symbology identifier when it carries GS1 element strings.
fn label_text(
    result: &RXingResult,
    formats: &[Symbology],
) -> Option<(Symbology, String, Option<String>)> {
    let symbology = Symbology::from_rxing(*result.getBarcodeFormat())?;
    if !formats.contains(&symbology) {
        return None;
    }
    let mut text = result.getText().to_string();
    let mut aim = symbology_identifier(result);
    if symbology == Symbology::Code128 {
        // The leading FNC1 of GS1-128 is its symbology identifier (]C1), not data: the text
        // is the element string with GS between elements, as zxing-cpp gives it.
        if let Some(data) = text.strip_prefix("]C1") {
            text = data.to_string();
            aim = Some("]C1".into());
        }
        // A separator ends no element string. rxing reads a check character of value 102
        // (FNC1's) as a trailing GS when FNC1 is converted: one Code 128 symbol in 103, an
        // ISBT 128 label refused as "unreadable" for nothing.
        text.truncate(text.trim_end_matches('\u{1d}').len());
    }
    let gs1 = aim.filter(|a| is_gs1(a));
    Some((symbology, text, gs1))
}

/// The symbol is one the search may stop at: of a format looked for, passing its label's check.
fn keeps_check(result: &RXingResult, options: &DecodeOptions) -> bool {
    label_text(result, &options.formats)
        .is_some_and(|(_, text, gs1)| passes_label_check(gs1.as_deref(), &text))
}

/// As a person reads a label: row by row from the top, left to right in a row. Two symbols
/// share a row when each one's middle lies within the other's height (an ISBT 128 bag label's
/// DIN and blood group, its product code and expiry).
fn in_reading_order(mut symbols: Vec<Symbol>) -> Vec<Symbol> {
    let extent = |s: &Symbol| {
        s.points.iter().fold(
            (f32::INFINITY, f32::NEG_INFINITY, f32::INFINITY),
            |(top, bottom, left), &(x, y)| (top.min(y), bottom.max(y), left.min(x)),
        )
    };
    symbols.sort_by(|a, b| extent(a).0.total_cmp(&extent(b).0));
    let mut rows: Vec<Vec<Symbol>> = Vec::new();
    for symbol in symbols {
        let (top, bottom, _) = extent(&symbol);
        let middle = (top + bottom) / 2.0;
        let same_row = rows.last().is_some_and(|row| {
            row.iter().any(|other| {
                let (o_top, o_bottom, _) = extent(other);
                let o_middle = (o_top + o_bottom) / 2.0;
                (o_top..=o_bottom).contains(&middle) || (top..=bottom).contains(&o_middle)
            })
        });
        match rows.last_mut() {
            Some(row) if same_row => row.push(symbol),
            _ => rows.push(vec![symbol]),
        }
    }
    rows.into_iter()
        .flat_map(|mut row| {
            row.sort_by(|a, b| extent(a).2.total_cmp(&extent(b).2));
            row
        })
        .collect()
}

fn is_gs1(aim: &str) -> bool {
    matches!(aim, "]C1" | "]d2" | "]Q3")
}

fn symbology_identifier(result: &RXingResult) -> Option<String> {
    match result
        .getRXingResultMetadata()
        .get(&RXingResultMetadataType::SYMBOLOGY_IDENTIFIER)
    {
        Some(RXingResultMetadataValue::SymbologyIdentifier(aim)) => Some(aim.clone()),
        _ => None,
    }
}

/// The symbology's own check (Code 128's mod 103, Reed–Solomon in 2-D) lets through about one
/// damaged read in a hundred with a wrong text. A bag label or a wristband has a second check of
/// its own: an ISBT 128 text must be well-formed data structures (data identifiers, lengths,
/// table codes, dates), a GS1 text known Application Identifiers with their lengths and check
/// digits. A symbol that fails it is likely a misread: the search goes on to the next pass as if
/// nothing had been found, and the symbol is returned only when no pass reads better. Other
/// texts (a hospital's own wristband number, a QR code) have no such check.
fn passes_label_check(aim: Option<&str>, text: &str) -> bool {
    let isbt = text.starts_with(['=', '&']);
    let gs1 = aim.is_some_and(is_gs1);
    if !isbt && !gs1 {
        return true;
    }
    let framed = match aim {
        Some(aim) if gs1 && !isbt => format!("{aim}{text}"),
        _ => text.to_string(),
    };
    parse_scan(&framed, &LabelProfile::default()).is_ok()
}

/// Spreads the grey levels between the darkest and lightest percent of the frame over 0–255, so
/// that a dim or washed-out label has the contrast the binarizers expect; into `out`.
fn stretch_contrast(pixels: &[u8], out: &mut Vec<u8>) {
    let mut histogram = [0usize; 256];
    for &p in pixels {
        histogram[usize::from(p)] += 1;
    }
    let cut = pixels.len() / 100;
    let level = |mut levels: Box<dyn Iterator<Item = usize>>| {
        let mut seen = 0;
        levels
            .find(|&l| {
                seen += histogram[l];
                seen > cut
            })
            .unwrap_or(0)
    };
    let low = level(Box::new(0..256));
    let high = level(Box::new((0..256).rev()));
    out.clear();
    if high <= low {
        out.extend_from_slice(pixels);
        return;
    }
    let span = (high - low) as u32;
    out.extend(pixels.iter().map(|&p| {
        let p = usize::from(p).clamp(low, high) - low;
        ((p as u32 * 255 + span / 2) / span) as u8
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stretch_spreads_a_dim_frame_over_the_full_range() {
        let dim: Vec<u8> = (0..1000).map(|i| 100 + (i % 50) as u8).collect();
        let mut stretched = Vec::new();
        stretch_contrast(&dim, &mut stretched);
        assert_eq!(stretched.iter().min(), Some(&0));
        assert_eq!(stretched.iter().max(), Some(&255));
    }

    #[test]
    fn a_flat_frame_is_left_alone_and_has_no_symbol() {
        let grey = vec![128u8; 64 * 48];
        let mut same = vec![7; 3];
        stretch_contrast(&grey, &mut same);
        assert_eq!(same, grey);
        let frame = LumaFrame::borrowed(&grey, 64, 48).unwrap();
        let result = decode_frame(&frame, &DecodeOptions::default(), Budget::unlimited());
        assert!(result.symbols.is_empty());
        assert_eq!(result.found_by, None);
    }

    /// The one misread of the first degraded-set run: a glared, grainy GS1-128 wristband whose
    /// Code 128 check passed on a wrong text. "03" is no Application Identifier.
    #[test]
    fn a_misread_that_passes_the_symbologys_check_fails_the_labels() {
        let printed = "8019852929\u{1d}8018635591022697339349";
        let misread = "8019852929\u{1d}038731635591022697339349";
        assert!(passes_label_check(Some("]C1"), printed));
        assert!(!passes_label_check(Some("]C1"), misread));
        assert!(!passes_label_check(Some("]d2"), "8018635591022697339348"));
        assert!(passes_label_check(None, "=W00002612345600"));
        assert!(!passes_label_check(None, "=W00002612345661"));
        // No check of its own: a hospital's wristband number, a QR code's text.
        assert!(passes_label_check(None, "MRN0001"));
        assert!(passes_label_check(Some("]Q1"), "https://example.org/x"));
    }

    #[test]
    fn names_are_the_spec_names() {
        for s in Symbology::BEDSIDE {
            assert_eq!(Symbology::from_name(s.name()), Some(s));
        }
    }
}
