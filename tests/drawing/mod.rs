//! Drawing barcode labels for the decode tests: grey frames built with rxing's encoders (through
//! `bedside_scan::Canvas`, which the demo's labels use too), so a test can say exactly what a
//! label carries. Here drawing failures panic, as a test wants.
#![allow(dead_code)] // each test file uses part of it

use std::ops::{Deref, DerefMut};

use rxing::BarcodeFormat;

/// The library's canvas with test-style methods that panic instead of returning errors.
pub struct Canvas(bedside_scan::Canvas);

impl Deref for Canvas {
    type Target = bedside_scan::Canvas;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl DerefMut for Canvas {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

impl Canvas {
    pub fn white(width: u32, height: u32) -> Canvas {
        Canvas(bedside_scan::Canvas::white(width, height))
    }

    /// Draws `text` as `format`, `width`×`height` pixels (quiet zone included), top left at (x, y).
    pub fn draw(
        &mut self,
        format: BarcodeFormat,
        text: &str,
        at: (u32, u32),
        size: (u32, u32),
    ) -> &mut Self {
        if let Err(e) = self.0.try_draw(format, text, at, size) {
            panic!("{e}");
        }
        self
    }

    /// Maps every grey level through `f` (dim light, glare, inversion).
    pub fn map(&mut self, f: impl Fn(u8) -> u8) -> &mut Self {
        for p in &mut self.0.pixels {
            *p = f(*p);
        }
        self
    }

    pub fn save_png(&self, path: &std::path::Path) {
        self.0.write_png(path).unwrap();
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
