//! Image files (PNG, JPEG, GIF, BMP) to grey frames, the way ZXing's test loader and the
//! zxing-cpp reference measurement read them: transparent pixels count as white, colour becomes
//! grey with the ITU-R 601 weights.

use std::path::Path;
use std::time::Duration;

use image::DynamicImage;

use super::decode::{decode_frame, Budget, DecodeOptions};
use super::frame::LumaFrame;
use super::ScanProblem;

/// How long `scan_image` may search one picture. A file is chosen by hand, so it may take far
/// longer than a camera frame (tens of milliseconds), but a nurse should not wait for a photo
/// that holds no barcode: every retry pass of a phone photo fits well within this.
pub const IMAGE_BUDGET: Duration = Duration::from_secs(3);

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read the file: {0}")]
    Unreadable(#[from] std::io::Error),
    #[error("not an image that can be read: {0}")]
    NotAnImage(image::ImageError),
}

impl LoadError {
    pub fn problem(&self) -> ScanProblem {
        match self {
            LoadError::Unreadable(_) => ScanProblem::UnreadableFile,
            LoadError::NotAnImage(_) => ScanProblem::NotAnImage,
        }
    }
}

/// Reads an image file into a grey frame.
pub fn load_grey(path: &Path) -> Result<LumaFrame<'static>, LoadError> {
    let bytes = std::fs::read(path)?;
    let image = image::load_from_memory(&bytes).map_err(LoadError::NotAnImage)?;
    Ok(grey(image))
}

/// "Scans" a picture file, as if the handheld's scanner had read what it shows (demo mode's
/// labels, a photo of a real label): every barcode text on it in reading order (top to bottom,
/// left to right on one level), a GS1 symbol's with its AIM identifier as a scanner set to send
/// them would, each to be read like a keyboard-wedge scan. A file that cannot be read, is not an
/// image, or shows no barcode of the bag and wristband formats gives the matching
/// `ScanProblem`; no file makes it panic (decoder panics count as "nothing found").
pub fn scan_image(path: &Path) -> Result<Vec<String>, ScanProblem> {
    let frame = load_grey(path).map_err(|e| e.problem())?;
    let result = decode_frame(
        &frame,
        &DecodeOptions::default(),
        Budget::within(IMAGE_BUDGET),
    );
    if result.symbols.is_empty() {
        return Err(ScanProblem::NoBarcode);
    }
    Ok(result.symbols.iter().map(|s| s.framed_text()).collect())
}

fn grey(image: DynamicImage) -> LumaFrame<'static> {
    let (width, height) = (image.width(), image.height());
    let pixels = match image {
        DynamicImage::ImageLuma8(grey) => grey.into_raw(),
        other if !other.color().has_alpha() => other
            .to_rgb8()
            .pixels()
            .map(|p| luma(p.0[0], p.0[1], p.0[2]))
            .collect(),
        other => other
            .to_rgba8()
            .pixels()
            .map(|p| {
                let [r, g, b, a] = p.0;
                luma(on_white(r, a), on_white(g, a), on_white(b, a))
            })
            .collect(),
    };
    LumaFrame::owned(pixels, width, height).expect("an image's pixel count matches its size")
}

fn on_white(channel: u8, alpha: u8) -> u8 {
    let (c, a) = (u32::from(channel), u32::from(alpha));
    ((c * a + 255 * (255 - a) + 127) / 255) as u8
}

/// ITU-R 601 luma in Pillow's fixed-point form, so that our grey equals the reference's.
fn luma(r: u8, g: u8, b: u8) -> u8 {
    ((u32::from(r) * 19595 + u32::from(g) * 38470 + u32::from(b) * 7471 + 0x8000) >> 16) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transparent_is_white_and_colour_becomes_grey() {
        assert_eq!(on_white(0, 0), 255);
        assert_eq!(on_white(0, 255), 0);
        assert_eq!(luma(255, 255, 255), 255);
        assert_eq!(luma(0, 0, 0), 0);
        assert_eq!(luma(255, 0, 0), 76);
    }
}
