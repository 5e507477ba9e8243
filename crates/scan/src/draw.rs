//! Drawing barcodes onto a grey canvas with rxing's encoders: the other direction of `decode`.
//! The demo's bag labels and wristbands (`app::demo_labels`) and the decode tests draw with it,
//! so what a test proves about a drawn label holds for the labels the demo hands out.

use std::path::Path;

use rxing::{BarcodeFormat, EncodeHints, MultiFormatWriter, Writer};

/// Why a symbol could not be drawn or a canvas saved.
#[derive(Debug, thiserror::Error)]
pub enum DrawError {
    #[error("cannot encode {text:?} as {format:?}: {reason}")]
    Encode {
        text: String,
        format: BarcodeFormat,
        reason: String,
    },
    #[error("the canvas holds {pixels} pixels, not {width}×{height}")]
    WrongSize {
        width: u32,
        height: u32,
        pixels: usize,
    },
    #[error("cannot save the image: {0}")]
    Save(#[from] image::ImageError),
}

/// A white grey frame with symbols drawn at the given places.
#[derive(Debug, Clone, PartialEq)]
pub struct Canvas {
    pub width: u32,
    pub height: u32,
    pub pixels: Vec<u8>,
}

impl Canvas {
    pub fn white(width: u32, height: u32) -> Canvas {
        Canvas {
            width,
            height,
            pixels: vec![255; (width as usize) * (height as usize)],
        }
    }

    /// Draws `text` as `format` in a `width`×`height` box (quiet zone included) with its top left
    /// at (x, y); rxing centres the symbol in the box at the largest whole module width that
    /// fits. Whatever falls outside the canvas is cut off.
    pub fn try_draw(
        &mut self,
        format: BarcodeFormat,
        text: &str,
        (x, y): (u32, u32),
        (width, height): (u32, u32),
    ) -> Result<&mut Self, DrawError> {
        self.try_draw_with(
            format,
            text,
            (x, y),
            (width, height),
            &EncodeHints::default(),
        )
    }

    /// A GS1 DataMatrix (a 2-D wristband): FNC1 first, and every ASCII 29 in `text` an FNC1
    /// between element strings, as a GS1 printer encodes them.
    pub fn try_draw_gs1_data_matrix(
        &mut self,
        text: &str,
        at: (u32, u32),
        size: (u32, u32),
    ) -> Result<&mut Self, DrawError> {
        let hints = EncodeHints {
            DataMatrixCompact: Some(true),
            Gs1Format: Some(true),
            ..EncodeHints::default()
        };
        self.try_draw_with(BarcodeFormat::DATA_MATRIX, text, at, size, &hints)
    }

    fn try_draw_with(
        &mut self,
        format: BarcodeFormat,
        text: &str,
        (x, y): (u32, u32),
        (width, height): (u32, u32),
        hints: &EncodeHints,
    ) -> Result<&mut Self, DrawError> {
        let matrix = encode(format, text, width, height, hints)?;
        for my in 0..matrix.height() {
            for mx in 0..matrix.width() {
                let (px, py) = (x + mx, y + my);
                if px < self.width && py < self.height && matrix.get(mx, my) {
                    self.pixels[(py as usize) * (self.width as usize) + px as usize] = 0;
                }
            }
        }
        Ok(self)
    }

    /// Writes the canvas as an 8-bit grey PNG (or whatever format the file name says).
    pub fn write_png(&self, path: &Path) -> Result<(), DrawError> {
        // The fields are public, so a caller may have resized the buffer.
        let image = image::GrayImage::from_raw(self.width, self.height, self.pixels.clone())
            .ok_or(DrawError::WrongSize {
                width: self.width,
                height: self.height,
                pixels: self.pixels.len(),
            })?;
        image.save(path)?;
        Ok(())
    }
}

/// The width in modules of a 1-D symbol of `text`, quiet zones included: drawing it
/// `modules × n` pixels wide gives bars exactly `n` pixels per module (crisp, no rounding).
pub fn one_d_modules(format: BarcodeFormat, text: &str) -> Result<u32, DrawError> {
    // Asked for a 1-pixel box, rxing's 1-D writers answer with their natural size.
    Ok(encode(format, text, 1, 1, &EncodeHints::default())?.width())
}

fn encode(
    format: BarcodeFormat,
    text: &str,
    width: u32,
    height: u32,
    hints: &EncodeHints,
) -> Result<rxing::common::BitMatrix, DrawError> {
    let fail = |reason: String| DrawError::Encode {
        text: text.to_string(),
        format,
        reason,
    };
    let (w, h) = (
        i32::try_from(width).map_err(|e| fail(e.to_string()))?,
        i32::try_from(height).map_err(|e| fail(e.to_string()))?,
    );
    MultiFormatWriter
        .encode_with_hints(text, &format, w, h, hints)
        .map_err(|e| fail(format!("{e:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_symbol_drawn_at_its_module_multiple_has_whole_module_bars() {
        let text = "=<E0001V00";
        let modules = one_d_modules(BarcodeFormat::CODE_128, text).unwrap();
        assert!(modules > 20, "{modules}");
        let mut canvas = Canvas::white(modules * 2, 10);
        canvas
            .try_draw(BarcodeFormat::CODE_128, text, (0, 0), (modules * 2, 10))
            .unwrap();
        // Every run of one colour along a row is an even number of pixels.
        let row = &canvas.pixels[..(modules * 2) as usize];
        let mut run = 1;
        for pair in row.windows(2) {
            if pair[0] == pair[1] {
                run += 1;
            } else {
                assert_eq!(run % 2, 0, "{row:?}");
                run = 1;
            }
        }
        assert!(row.contains(&0));
    }

    #[test]
    fn text_code_128_cannot_carry_is_an_error_not_a_panic() {
        let mut canvas = Canvas::white(100, 50);
        assert!(canvas
            .try_draw(BarcodeFormat::CODE_128, "", (0, 0), (100, 50))
            .is_err());
    }
}
