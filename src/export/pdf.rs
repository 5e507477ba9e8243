//! Placeholder until the PDF reports land (helper branch `pdf`).

use crate::domain::messages::Lang;
use crate::domain::review::{PeriodReport, TransfusionReview};

#[derive(Debug, thiserror::Error)]
#[error("PDF reports are not built yet")]
pub struct PdfError;

pub fn transfusion_pdf(_: &TransfusionReview, _: Lang) -> Result<Vec<u8>, PdfError> {
    Err(PdfError)
}

pub fn period_pdf(_: &PeriodReport, _: Lang) -> Result<Vec<u8>, PdfError> {
    Err(PdfError)
}
