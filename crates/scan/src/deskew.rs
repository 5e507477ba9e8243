//! A bag held askew: ZXing's 1-D readers scan rows (and, trying harder, columns), so bars tilted
//! more than about 15° from upright are crossed by no row that meets them all. Both rxing and
//! zxing-cpp miss such a label. The bars' edges all point one way, so the image's dominant
//! gradient direction (its structure tensor) says how far they lean; turning the frame back by
//! that angle stands them upright for the ordinary readers.

/// Below this tilt the readers cope on their own.
const MIN_TILT_DEGREES: f64 = 6.0;
/// How strongly the edges agree on one direction (0: every way, 1: all one way). Bars of a 1-D
/// symbol agree; a 2-D symbol, text or a bare frame does not, and is left alone.
const MIN_COHERENCE: f64 = 0.35;

/// The tilt in degrees (counter-clockwise positive, as an image is shown: y down) by which the
/// dominant edges of the frame lean from upright or level, in −45°..45°, when the edges agree
/// on one direction and lean enough to matter.
pub fn tilt(pixels: &[u8], width: usize, height: usize) -> Option<f64> {
    if width < 8 || height < 8 || pixels.len() < width * height {
        return None;
    }
    // Every second pixel of every second row is plenty for one angle.
    let (mut jxx, mut jyy, mut jxy) = (0.0f64, 0.0f64, 0.0f64);
    for y in (1..height - 1).step_by(2) {
        let (up, row, down) = (
            &pixels[(y - 1) * width..y * width],
            &pixels[y * width..(y + 1) * width],
            &pixels[(y + 1) * width..(y + 2) * width],
        );
        for x in (1..width - 1).step_by(2) {
            // Scharr's kernel: the most even in every direction of the 3×3 ones, which the
            // thin bars' edges need (a plain difference leans the angle by several degrees).
            let p = |r: &[u8], i: usize| f64::from(r[i]);
            let gx = 3.0 * (p(up, x + 1) - p(up, x - 1))
                + 10.0 * (p(row, x + 1) - p(row, x - 1))
                + 3.0 * (p(down, x + 1) - p(down, x - 1));
            let gy = 3.0 * (p(down, x - 1) - p(up, x - 1))
                + 10.0 * (p(down, x) - p(up, x))
                + 3.0 * (p(down, x + 1) - p(up, x + 1));
            jxx += gx * gx;
            jyy += gy * gy;
            jxy += gx * gy;
        }
    }
    let energy = jxx + jyy;
    if energy <= 0.0 {
        return None;
    }
    let coherence = ((jxx - jyy).powi(2) + 4.0 * jxy * jxy).sqrt() / energy;
    if coherence < MIN_COHERENCE {
        return None;
    }
    // The gradients' direction; bars upright have level gradients (0°), bars lying flat
    // vertical ones (90°): either way the readers see them once turned to the nearest axis.
    let gradient = 0.5 * (2.0 * jxy).atan2(jxx - jyy).to_degrees();
    let tilt = (gradient + 45.0).rem_euclid(90.0) - 45.0;
    (tilt.abs() >= MIN_TILT_DEGREES).then_some(tilt)
}

/// The frame turned by `-tilt` about its centre on a canvas grown to hold all of it (outside is
/// white paper), into `out`; its width and height, and the map from its pixels back to the
/// frame's.
pub fn upright(
    pixels: &[u8],
    width: usize,
    height: usize,
    tilt: f64,
    out: &mut Vec<u8>,
) -> (usize, usize, Turn) {
    let (sin, cos) = tilt.to_radians().sin_cos();
    let (w, h) = (width as f64, height as f64);
    let scale = if width.max(height) <= SCALE_UP_TO {
        2.0
    } else {
        1.0
    };
    let new_width = ((w * cos.abs() + h * sin.abs()) * scale - 1e-9).ceil() as usize;
    let new_height = ((w * sin.abs() + h * cos.abs()) * scale - 1e-9).ceil() as usize;
    let turn = Turn {
        sin: sin / scale,
        cos: cos / scale,
        centre: (w / 2.0, h / 2.0),
        new_centre: (new_width as f64 / 2.0, new_height as f64 / 2.0),
    };
    out.clear();
    out.reserve(new_width * new_height);
    for y in 0..new_height {
        for x in 0..new_width {
            let (sx, sy) = turn.back(x as f32, y as f32);
            out.push(bilinear(
                pixels,
                width,
                height,
                f64::from(sx),
                f64::from(sy),
            ));
        }
    }
    (new_width, new_height, turn)
}

/// Up to this size the upright canvas has twice the frame's resolution: a bar edge that crossed
/// pixels at an angle is spread over more of them, and bars two pixels thin keep their widths
/// through the resampling (at 1× a label turned 32° or more was lost again). A larger frame's
/// bars are wide enough already.
const SCALE_UP_TO: usize = 1000;

/// From the upright canvas's pixels back to the frame's.
#[derive(Debug, Clone, Copy)]
pub struct Turn {
    sin: f64,
    cos: f64,
    centre: (f64, f64),
    new_centre: (f64, f64),
}

impl Turn {
    pub fn back(&self, x: f32, y: f32) -> (f32, f32) {
        let (dx, dy) = (
            f64::from(x) - self.new_centre.0,
            f64::from(y) - self.new_centre.1,
        );
        // The upright canvas is the frame turned by −tilt: going back turns by +tilt.
        let sx = self.cos * dx - self.sin * dy + self.centre.0;
        let sy = self.sin * dx + self.cos * dy + self.centre.1;
        (sx as f32, sy as f32)
    }
}

fn bilinear(pixels: &[u8], width: usize, height: usize, x: f64, y: f64) -> u8 {
    let at = |x: i64, y: i64| -> f64 {
        if x < 0 || y < 0 || x >= width as i64 || y >= height as i64 {
            255.0
        } else {
            f64::from(pixels[y as usize * width + x as usize])
        }
    };
    let (x0, y0) = (x.floor(), y.floor());
    let (fx, fy) = (x - x0, y - y0);
    let (x0, y0) = (x0 as i64, y0 as i64);
    let top = at(x0, y0) * (1.0 - fx) + at(x0 + 1, y0) * fx;
    let bottom = at(x0, y0 + 1) * (1.0 - fx) + at(x0 + 1, y0 + 1) * fx;
    (top * (1.0 - fy) + bottom * fy).round().clamp(0.0, 255.0) as u8
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::damage;
    use crate::draw::Canvas;

    fn bars() -> Canvas {
        let mut c = Canvas::white(200, 120);
        for y in 20..100 {
            for x in 20..180 {
                if (x / 4) % 3 == 0 {
                    c.pixels[y * 200 + x] = 0;
                }
            }
        }
        c
    }

    #[test]
    fn upright_bars_need_no_turn_and_leaning_bars_are_measured() {
        let c = bars();
        assert_eq!(tilt(&c.pixels, 200, 120), None);
        for degrees in [-35.0, -20.0, 12.0, 30.0] {
            let leaning = damage::rotate(&c, degrees);
            let measured = tilt(
                &leaning.pixels,
                leaning.width as usize,
                leaning.height as usize,
            )
            .unwrap();
            assert!(
                (measured + degrees).abs() < 2.0 || (measured - degrees).abs() < 2.0,
                "{degrees}° measured as {measured}°"
            );
        }
    }

    #[test]
    fn turning_back_stands_the_bars_upright() {
        let leaning = damage::rotate(&bars(), 25.0);
        let (w, h) = (leaning.width as usize, leaning.height as usize);
        let t = tilt(&leaning.pixels, w, h).unwrap();
        let mut out = Vec::new();
        let (uw, uh, turn) = upright(&leaning.pixels, w, h, t, &mut out);
        assert_eq!(tilt(&out, uw, uh), None);
        // The upright canvas's centre is the frame's centre.
        let (cx, cy) = turn.back(uw as f32 / 2.0, uh as f32 / 2.0);
        assert!((cx - w as f32 / 2.0).abs() < 0.01 && (cy - h as f32 / 2.0).abs() < 0.01);
    }

    #[test]
    fn a_blank_or_tiny_frame_has_no_tilt() {
        assert_eq!(tilt(&[255; 64 * 64], 64, 64), None);
        assert_eq!(tilt(&[0; 4], 2, 2), None);
        assert_eq!(tilt(&[0; 10], 8, 8), None);
    }
}
