//! Reading barcodes from what a camera or an image file shows: a grey frame in, the symbols on it
//! out. The decoding itself is rxing's; this layer decides which formats to look for first, which
//! retries a hard frame gets (binarizers, inversion, contrast, scale, closing), and when to give
//! up so that the UI stays smooth. The texts it returns go to `domain::label` like keyed scans.

mod binarizer;
pub mod damage;
mod decode;
mod deskew;
pub mod draw;
mod frame;
mod image_file;
pub mod wedge;

pub use decode::{decode_frame, Budget, DecodeOptions, FrameResult, Symbol, Symbology};
pub use draw::{Canvas, DrawError};
pub use frame::{FrameError, LumaFrame};
pub use image_file::{load_grey, scan_image, LoadError, IMAGE_BUDGET};

use bedside_core::messages::Text;

/// Why a scan gave no symbol, with words for the nurse that say what to try.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanProblem {
    /// The frame was read, but no barcode of the looked-for formats was found on it.
    NoBarcode,
    /// The file could not be read at all (missing, no permission, a folder, …).
    UnreadableFile,
    /// The file was read but is not an image this build can decode.
    NotAnImage,
}

impl ScanProblem {
    pub fn code(self) -> &'static str {
        match self {
            ScanProblem::NoBarcode => "NO_BARCODE",
            ScanProblem::UnreadableFile => "UNREADABLE_FILE",
            ScanProblem::NotAnImage => "NOT_AN_IMAGE",
        }
    }

    pub fn message(self) -> Text {
        match self {
            ScanProblem::NoBarcode => Text::tr(
                "No barcode could be read. Add light or tilt the bag away from glare, hold the \
                 handheld steady, and fill the frame with one label about a hand's width away; \
                 smooth a creased bag flat. If it still does not read, key the number in and have \
                 the second checker confirm it.",
                &[],
            ),
            ScanProblem::UnreadableFile => Text::tr(
                "The file could not be read. Check the name and path and that you may read it.",
                &[],
            ),
            ScanProblem::NotAnImage => Text::tr(
                "The file is not an image that can be read (PNG, JPEG, GIF or BMP). Save the \
                 photo in one of these formats and try again.",
                &[],
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bedside_core::messages::Lang;

    #[test]
    fn every_problem_has_a_code_and_advice_in_both_languages() {
        for problem in [
            ScanProblem::NoBarcode,
            ScanProblem::UnreadableFile,
            ScanProblem::NotAnImage,
        ] {
            assert!(problem
                .code()
                .chars()
                .all(|c| c.is_ascii_uppercase() || c == '_'));
            let message = problem.message();
            assert!(message.get(Lang::En).is_ascii() && message.get(Lang::En).len() > 40);
            assert!(message.get(Lang::ZhCn).chars().any(|c| c > '\u{2e80}'));
        }
    }
}
