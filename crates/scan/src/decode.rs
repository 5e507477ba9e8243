//! The decode pipeline for one frame: a fast first pass that finds every symbol a clean label
//! shows, then retries for hard frames (creases, curved wristbands, glare, dim light), each tried
//! only while the frame's time budget lasts and only until one of them finds something.

use std::collections::HashSet;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Duration, Instant};

use rxing::common::GlobalHistogramBinarizer;
use rxing::multi::{GenericMultipleBarcodeReader, MultipleBarcodeReader};
use rxing::{
    BarcodeFormat, Binarizer, BinaryBitmap, DecodeHints, FilteredImageReader, Luma8LuminanceSource,
    Luma8Source, LuminanceSource, MultiFormatReader, RXingResult, Reader,
};

use super::binarizer::FastHybridBinarizer;
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

    /// The snake-case name of spec/cli.md.
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
    };
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
        let searches = searches(options, pass.harder);
        let found = catch_unwind(AssertUnwindSafe(|| {
            run_pass(frame, pass, &searches, options.multiple)
        }))
        .unwrap_or_default();
        let symbols = symbols(found, &options.formats);
        if !symbols.is_empty() {
            result.symbols = symbols;
            result.found_by = Some(pass.name);
            break;
        }
    }
    result
}

/// One search per 2-D format and one for all 1-D formats together (their reader scans each row
/// once for all of them), in the order of `options.formats`. Searching format by format keeps the
/// order deterministic and lets the multi-symbol search look only for that format in the rest
/// of the frame.
fn searches(options: &DecodeOptions, harder: bool) -> Vec<DecodeHints> {
    let mut groups: Vec<HashSet<BarcodeFormat>> = Vec::new();
    let mut one_d_group = None;
    for symbology in &options.formats {
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
    searches: &[DecodeHints],
    multiple: bool,
) -> Vec<RXingResult> {
    let (width, height) = (frame.width(), frame.height());
    match pass.preprocess {
        Preprocess::None => match Luma8Source::new_with_slice(frame.pixels(), width, height) {
            Ok(source) => read(source, pass, searches, multiple),
            Err(_) => Vec::new(),
        },
        preprocess => {
            let pixels = match preprocess {
                Preprocess::StretchContrast => stretch_contrast(frame.pixels()),
                _ => frame.pixels().iter().map(|p| 255 - p).collect(),
            };
            match Luma8LuminanceSource::new(pixels, width, height) {
                Ok(source) => read(source, pass, searches, multiple),
                Err(_) => Vec::new(),
            }
        }
    }
}

fn read<S: LuminanceSource>(
    source: S,
    pass: &Pass,
    searches: &[DecodeHints],
    multiple: bool,
) -> Vec<RXingResult> {
    match pass.binarization {
        Binarization::Hybrid => read_bitmap(
            &mut BinaryBitmap::new(FastHybridBinarizer::new(source)),
            pass,
            searches,
            multiple,
        ),
        Binarization::GlobalHistogram => read_bitmap(
            &mut BinaryBitmap::new(GlobalHistogramBinarizer::new(source)),
            pass,
            searches,
            multiple,
        ),
    }
}

fn read_bitmap<B: Binarizer>(
    bitmap: &mut BinaryBitmap<B>,
    pass: &Pass,
    searches: &[DecodeHints],
    multiple: bool,
) -> Vec<RXingResult> {
    let mut found = Vec::new();
    for hints in searches {
        found.extend(if pass.filtered {
            let reader = FilteredImageReader::new(MultiFormatReader::default());
            read_with(reader, bitmap, hints, multiple)
        } else {
            read_with(MultiFormatReader::default(), bitmap, hints, multiple)
        });
        if !multiple && !found.is_empty() {
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

/// Our symbols, deduplicated, in the order of `formats` and then top to bottom, left to right.
fn symbols(found: Vec<RXingResult>, formats: &[Symbology]) -> Vec<Symbol> {
    let mut symbols: Vec<Symbol> = Vec::new();
    for result in found {
        let Some(symbology) = Symbology::from_rxing(*result.getBarcodeFormat()) else {
            continue;
        };
        if !formats.contains(&symbology) {
            continue;
        }
        let mut text = result.getText().to_string();
        if symbology == Symbology::Code128 {
            // The leading FNC1 of GS1-128 is its symbology identifier (]C1), not data: the text
            // is the element string with GS between elements, as zxing-cpp gives it.
            if let Some(data) = text.strip_prefix("]C1") {
                text = data.to_string();
            }
            // A separator ends no element string. rxing reads a check character of value 102
            // (FNC1's) as a trailing GS when FNC1 is converted: one Code 128 symbol in 103, an
            // ISBT 128 label refused as "unreadable" for nothing.
            text.truncate(text.trim_end_matches('\u{1d}').len());
        }
        if symbols
            .iter()
            .any(|s| s.symbology == symbology && s.text == text)
        {
            continue;
        }
        let points = result.getPoints().iter().map(|p| (p.x, p.y)).collect();
        symbols.push(Symbol {
            symbology,
            text,
            points,
        });
    }
    let rank = |s: &Symbology| formats.iter().position(|f| f == s).unwrap_or(usize::MAX);
    symbols.sort_by(|a, b| {
        rank(&a.symbology)
            .cmp(&rank(&b.symbology))
            .then(top_left(a).total_cmp(&top_left(b)))
    });
    symbols
}

fn top_left(symbol: &Symbol) -> f32 {
    symbol
        .points
        .iter()
        .map(|&(x, y)| y * 1e5 + x)
        .fold(f32::INFINITY, f32::min)
}

/// Spreads the grey levels between the darkest and lightest percent of the frame over 0–255, so
/// that a dim or washed-out label has the contrast the binarizers expect.
fn stretch_contrast(pixels: &[u8]) -> Vec<u8> {
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
    if high <= low {
        return pixels.to_vec();
    }
    let span = (high - low) as u32;
    pixels
        .iter()
        .map(|&p| {
            let p = usize::from(p).clamp(low, high) - low;
            ((p as u32 * 255 + span / 2) / span) as u8
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stretch_spreads_a_dim_frame_over_the_full_range() {
        let dim: Vec<u8> = (0..1000).map(|i| 100 + (i % 50) as u8).collect();
        let stretched = stretch_contrast(&dim);
        assert_eq!(stretched.iter().min(), Some(&0));
        assert_eq!(stretched.iter().max(), Some(&255));
    }

    #[test]
    fn a_flat_frame_is_left_alone_and_has_no_symbol() {
        let grey = vec![128u8; 64 * 48];
        assert_eq!(stretch_contrast(&grey), grey);
        let frame = LumaFrame::borrowed(&grey, 64, 48).unwrap();
        let result = decode_frame(&frame, &DecodeOptions::default(), Budget::unlimited());
        assert!(result.symbols.is_empty());
        assert_eq!(result.found_by, None);
    }

    #[test]
    fn names_are_the_spec_names() {
        for s in Symbology::BEDSIDE {
            assert_eq!(Symbology::from_name(s.name()), Some(s));
        }
    }
}
