//! The charge nurse's exports: the vital-sign chart as pure layout (`chart`, shared with the
//! touch screen) and the PDFs of one transfusion and of the ward's period report (`pdf`).

pub mod chart;
pub mod pdf;

pub use pdf::{period_pdf, transfusion_pdf, PdfError};
