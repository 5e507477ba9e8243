//! Drawing barcode labels for the decode tests: grey frames built with rxing's encoders, so a
//! test can say exactly what a label carries.
#![allow(dead_code)] // each test file uses part of it

use rxing::{BarcodeFormat, MultiFormatWriter, Writer};

/// A white grey frame with symbols drawn at the given places.
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
            pixels: vec![255; (width * height) as usize],
        }
    }

    /// Draws `text` as `format`, `width`×`height` pixels (quiet zone included), top left at (x, y).
    pub fn draw(
        &mut self,
        format: BarcodeFormat,
        text: &str,
        (x, y): (u32, u32),
        (width, height): (u32, u32),
    ) -> &mut Self {
        let matrix = MultiFormatWriter
            .encode(text, &format, width as i32, height as i32)
            .unwrap_or_else(|e| panic!("cannot draw {text:?} as {format:?}: {e:?}"));
        for my in 0..matrix.height() {
            for mx in 0..matrix.width() {
                let (px, py) = (x + mx, y + my);
                if px < self.width && py < self.height && matrix.get(mx, my) {
                    self.pixels[(py * self.width + px) as usize] = 0;
                }
            }
        }
        self
    }

    /// Maps every grey level through `f` (dim light, glare, inversion).
    pub fn map(&mut self, f: impl Fn(u8) -> u8) -> &mut Self {
        for p in &mut self.pixels {
            *p = f(*p);
        }
        self
    }

    pub fn save_png(&self, path: &std::path::Path) {
        image::GrayImage::from_raw(self.width, self.height, self.pixels.clone())
            .unwrap()
            .save(path)
            .unwrap();
    }
}

/// An ISBT 128 bag label as a blood centre prints it: unit number, blood group, product code and
/// expiry, four Code 128 symbols in two rows.
pub fn isbt_bag_label() -> (Canvas, [&'static str; 4]) {
    let texts = ["=W00000912345600", "=%6200", "=<E0001V00", "&>0183652359"];
    let mut canvas = Canvas::white(900, 420);
    canvas
        .draw(BarcodeFormat::CODE_128, texts[0], (20, 30), (400, 120))
        .draw(BarcodeFormat::CODE_128, texts[1], (480, 30), (400, 120))
        .draw(BarcodeFormat::CODE_128, texts[2], (20, 260), (400, 120))
        .draw(BarcodeFormat::CODE_128, texts[3], (480, 260), (400, 120));
    (canvas, texts)
}
