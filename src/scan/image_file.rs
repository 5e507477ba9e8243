//! Image files (PNG, JPEG, GIF, BMP) to grey frames, the way ZXing's test loader and the
//! zxing-cpp reference measurement read them: transparent pixels count as white, colour becomes
//! grey with the ITU-R 601 weights.

use std::path::Path;

use image::DynamicImage;

use super::frame::LumaFrame;
use super::ScanProblem;

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
