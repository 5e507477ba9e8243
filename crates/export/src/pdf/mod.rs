//! The charge nurse's PDF exports: the record of one transfusion and the ward's quality report
//! for a period. A4 portrait, every word in the chosen language, Chinese in the embedded
//! WenQuanYi Micro Hei (subset to the glyphs used, text extractable).
//!
//! The pages are laid out first as a plain list of drawing operations per page (so long tables
//! break across pages with their header repeated, and every page knows the page count for its
//! footer; `layout`), then written with krilla in one pass (`render`). The two reports are
//! `transfusion` and `period`; `vitals_chart` draws the chart of `crate::chart` on the page.

use bedside_core::messages::{tr, Lang, Text};

mod format;
mod layout;
mod metrics;
mod period;
mod render;
mod transfusion;
mod vitals_chart;

pub use period::period_pdf;
pub use transfusion::transfusion_pdf;

/// WenQuanYi Micro Hei (index 0 of the collection), compiled in: the binary needs no files.
static FONT: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../assets/fonts/wqy-microhei.ttc"
));

#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("the embedded font (WenQuanYi Micro Hei) could not be read")]
    Font,
    #[error("the PDF could not be written: {0}")]
    Write(String),
}

impl PdfError {
    /// What the charge nurse reads; the technical detail stays in `Display` for the IT log.
    pub fn message(&self) -> Text {
        match self {
            PdfError::Font => Text::tr(
                "The PDF could not be made: this app's font is missing. Nothing was saved; call the ward's IT support.",
                &[],
            ),
            PdfError::Write(_) => Text::tr(
                "The PDF could not be made. Nothing was saved; try again, or export the CSV instead and call the ward's IT support.",
                &[],
            ),
        }
    }
}

const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
const LEFT: f32 = 42.0;
const RIGHT: f32 = PAGE_W - 42.0;
const TOP: f32 = 46.0;
/// Lowest baseline of the body; the footer sits below it.
const BOTTOM: f32 = PAGE_H - 52.0;
const WIDTH: f32 = RIGHT - LEFT;

const BLACK: [u8; 3] = [0, 0, 0];
const GREY: [u8; 3] = [100, 100, 100];
const RULE: [u8; 3] = [170, 170, 170];
const STRIPE: [u8; 3] = [242, 242, 242];
const ACCENT: [u8; 3] = [150, 20, 30];

/// The words of a msgid in `lang`, from the catalogue.
fn in_lang(lang: Lang) -> impl Fn(&'static str) -> &'static str {
    move |msgid| tr(lang, msgid)
}
