//! One grey (luma, 8 bits a pixel) camera frame, row after row. A camera's Y plane can be
//! borrowed as it is; an image file's pixels are owned.

use std::borrow::Cow;

#[derive(Debug, Clone)]
pub struct LumaFrame<'a> {
    pixels: Cow<'a, [u8]>,
    width: u32,
    height: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("a frame needs at least one pixel (got {width}×{height})")]
    Empty { width: u32, height: u32 },
    #[error("a {width}×{height} frame needs {expected} bytes of grey pixels, got {actual}")]
    WrongSize {
        width: u32,
        height: u32,
        expected: u64,
        actual: usize,
    },
}

impl<'a> LumaFrame<'a> {
    /// A frame over pixels the caller keeps (e.g. a camera buffer), without copying them.
    pub fn borrowed(pixels: &'a [u8], width: u32, height: u32) -> Result<Self, FrameError> {
        Self::new(Cow::Borrowed(pixels), width, height)
    }

    pub fn owned(
        pixels: Vec<u8>,
        width: u32,
        height: u32,
    ) -> Result<LumaFrame<'static>, FrameError> {
        LumaFrame::new(Cow::Owned(pixels), width, height)
    }

    fn new(pixels: Cow<'a, [u8]>, width: u32, height: u32) -> Result<Self, FrameError> {
        if width == 0 || height == 0 {
            return Err(FrameError::Empty { width, height });
        }
        let expected = u64::from(width) * u64::from(height);
        if pixels.len() as u64 != expected {
            return Err(FrameError::WrongSize {
                width,
                height,
                expected,
                actual: pixels.len(),
            });
        }
        Ok(LumaFrame {
            pixels,
            width,
            height,
        })
    }

    pub fn pixels(&self) -> &[u8] {
        &self.pixels
    }

    pub fn width(&self) -> u32 {
        self.width
    }

    pub fn height(&self) -> u32 {
        self.height
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_frames_whose_pixels_do_not_match_the_size() {
        assert!(LumaFrame::borrowed(&[0; 6], 3, 2).is_ok());
        assert!(matches!(
            LumaFrame::borrowed(&[0; 5], 3, 2),
            Err(FrameError::WrongSize { .. })
        ));
        assert!(matches!(
            LumaFrame::owned(Vec::new(), 0, 0),
            Err(FrameError::Empty { .. })
        ));
    }
}
