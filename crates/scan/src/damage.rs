//! What a ward does to a label before the camera sees it: blur (a shaking hand, a lens too
//! close), sensor noise (a dim room), glare (a lamp on a glossy refrigerated bag), a label far
//! away (downscaled), a bag held askew (rotation) or at an angle (perspective), a washed-out
//! print. The decode bench's degraded sets and the decode tests damage drawn labels with these;
//! every one is deterministic for a given `Rng` seed, so a set can be made again.

use super::draw::Canvas;

/// A small seeded generator (SplitMix64): the same seed gives the same damage on any machine.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn seeded(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [low, high).
    pub fn range(&mut self, low: f64, high: f64) -> f64 {
        low + (high - low) * self.unit()
    }

    /// Uniform in 0..n.
    pub fn below(&mut self, n: usize) -> usize {
        (self.unit() * n as f64) as usize % n.max(1)
    }

    /// Standard normal (Box–Muller).
    pub fn normal(&mut self) -> f64 {
        let u1 = self.unit().max(1e-12);
        let u2 = self.unit();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

fn at(canvas: &Canvas, x: i64, y: i64) -> f64 {
    if x < 0 || y < 0 || x >= i64::from(canvas.width) || y >= i64::from(canvas.height) {
        return 255.0;
    }
    f64::from(canvas.pixels[y as usize * canvas.width as usize + x as usize])
}

/// Bilinear sample; outside the canvas is white paper.
fn sample(canvas: &Canvas, x: f64, y: f64) -> f64 {
    let (x0, y0) = (x.floor(), y.floor());
    let (fx, fy) = (x - x0, y - y0);
    let (x0, y0) = (x0 as i64, y0 as i64);
    let top = at(canvas, x0, y0) * (1.0 - fx) + at(canvas, x0 + 1, y0) * fx;
    let bottom = at(canvas, x0, y0 + 1) * (1.0 - fx) + at(canvas, x0 + 1, y0 + 1) * fx;
    top * (1.0 - fy) + bottom * fy
}

fn clamp_u8(v: f64) -> u8 {
    v.round().clamp(0.0, 255.0) as u8
}

/// Gaussian blur of standard deviation `sigma` pixels (separable, edges repeated).
pub fn blur(canvas: &Canvas, sigma: f64) -> Canvas {
    let radius = (sigma * 3.0).ceil().max(1.0) as i64;
    let kernel: Vec<f64> = (-radius..=radius)
        .map(|i| (-(i * i) as f64 / (2.0 * sigma * sigma)).exp())
        .collect();
    let total: f64 = kernel.iter().sum();
    let (w, h) = (canvas.width as i64, canvas.height as i64);
    let pass = |source: &[f64], horizontal: bool| -> Vec<f64> {
        let mut out = vec![0.0; source.len()];
        for y in 0..h {
            for x in 0..w {
                let mut sum = 0.0;
                for (k, weight) in kernel.iter().enumerate() {
                    let d = k as i64 - radius;
                    let (sx, sy) = if horizontal {
                        ((x + d).clamp(0, w - 1), y)
                    } else {
                        (x, (y + d).clamp(0, h - 1))
                    };
                    sum += weight * source[(sy * w + sx) as usize];
                }
                out[(y * w + x) as usize] = sum / total;
            }
        }
        out
    };
    let grey: Vec<f64> = canvas.pixels.iter().map(|&p| f64::from(p)).collect();
    let blurred = pass(&pass(&grey, true), false);
    Canvas {
        width: canvas.width,
        height: canvas.height,
        pixels: blurred.into_iter().map(clamp_u8).collect(),
    }
}

/// Additive Gaussian sensor noise of standard deviation `sd` grey levels.
pub fn noise(canvas: &Canvas, sd: f64, rng: &mut Rng) -> Canvas {
    Canvas {
        pixels: canvas
            .pixels
            .iter()
            .map(|&p| clamp_u8(f64::from(p) + sd * rng.normal()))
            .collect(),
        ..canvas.clone()
    }
}

/// A lamp's reflection: a bright blob of `strength` grey levels (255 washes the middle out
/// completely) centred at a random place, `radius` a fraction of the shorter side.
pub fn glare(canvas: &Canvas, strength: f64, radius: f64, rng: &mut Rng) -> Canvas {
    let (w, h) = (f64::from(canvas.width), f64::from(canvas.height));
    let (cx, cy) = (rng.range(0.2, 0.8) * w, rng.range(0.2, 0.8) * h);
    let r = radius * w.min(h);
    let mut out = canvas.clone();
    for y in 0..canvas.height {
        for x in 0..canvas.width {
            let d2 = (f64::from(x) - cx).powi(2) + (f64::from(y) - cy).powi(2);
            let light = strength * (-d2 / (2.0 * r * r)).exp();
            let i = y as usize * canvas.width as usize + x as usize;
            out.pixels[i] = clamp_u8(f64::from(canvas.pixels[i]) + light);
        }
    }
    out
}

/// A washed-out print or a dim room: grey levels squeezed into `low..=high`.
pub fn low_contrast(canvas: &Canvas, low: u8, high: u8) -> Canvas {
    let span = f64::from(high.saturating_sub(low));
    Canvas {
        pixels: canvas
            .pixels
            .iter()
            .map(|&p| clamp_u8(f64::from(low) + f64::from(p) * span / 255.0))
            .collect(),
        ..canvas.clone()
    }
}

/// The label further away: `factor` (0–1) of the size, each new pixel the mean of the area it
/// covers, as a camera's sensor sees it.
pub fn downscale(canvas: &Canvas, factor: f64) -> Canvas {
    let width = ((f64::from(canvas.width) * factor).round() as u32).max(1);
    let height = ((f64::from(canvas.height) * factor).round() as u32).max(1);
    let (sx, sy) = (
        f64::from(canvas.width) / f64::from(width),
        f64::from(canvas.height) / f64::from(height),
    );
    let mut pixels = Vec::with_capacity(width as usize * height as usize);
    for y in 0..height {
        let (y0, y1) = (
            (f64::from(y) * sy) as i64,
            (f64::from(y + 1) * sy).ceil() as i64,
        );
        for x in 0..width {
            let (x0, x1) = (
                (f64::from(x) * sx) as i64,
                (f64::from(x + 1) * sx).ceil() as i64,
            );
            let mut sum = 0.0;
            let mut n = 0.0;
            for yy in y0..y1 {
                for xx in x0..x1 {
                    sum += at(canvas, xx, yy);
                    n += 1.0;
                }
            }
            pixels.push(clamp_u8(sum / n));
        }
    }
    Canvas {
        width,
        height,
        pixels,
    }
}

/// The label turned by `degrees` about its centre, on a canvas grown to hold all of it.
pub fn rotate(canvas: &Canvas, degrees: f64) -> Canvas {
    let (sin, cos) = degrees.to_radians().sin_cos();
    let (w, h) = (f64::from(canvas.width), f64::from(canvas.height));
    // Less a hair before rounding up: cos 90° is 6e-17, not 0.
    let width = (w * cos.abs() + h * sin.abs() - 1e-9).ceil() as u32;
    let height = (w * sin.abs() + h * cos.abs() - 1e-9).ceil() as u32;
    let (cx, cy) = (w / 2.0, h / 2.0);
    let (ncx, ncy) = (f64::from(width) / 2.0, f64::from(height) / 2.0);
    let mut pixels = Vec::with_capacity(width as usize * height as usize);
    for y in 0..height {
        for x in 0..width {
            let (dx, dy) = (f64::from(x) - ncx, f64::from(y) - ncy);
            let sx = cos * dx + sin * dy + cx;
            let sy = -sin * dx + cos * dy + cy;
            pixels.push(clamp_u8(sample(canvas, sx, sy)));
        }
    }
    Canvas {
        width,
        height,
        pixels,
    }
}

/// The label seen at an angle: each corner moved inwards by up to `strength` (a fraction of
/// the side) at random, the picture between them mapped by the homography of the four corners.
pub fn perspective(canvas: &Canvas, strength: f64, rng: &mut Rng) -> Canvas {
    let (w, h) = (f64::from(canvas.width), f64::from(canvas.height));
    let mut jitter = |x: f64, y: f64, sx: f64, sy: f64| {
        (
            x + sx * rng.range(0.0, strength) * w,
            y + sy * rng.range(0.0, strength) * h,
        )
    };
    let destination = [
        jitter(0.0, 0.0, 1.0, 1.0),
        jitter(w, 0.0, -1.0, 1.0),
        jitter(w, h, -1.0, -1.0),
        jitter(0.0, h, 1.0, -1.0),
    ];
    let source = [(0.0, 0.0), (w, 0.0), (w, h), (0.0, h)];
    // Each output pixel looks up where it came from: the homography from the moved corners
    // back to the original ones.
    let Some(back) = homography(&destination, &source) else {
        return canvas.clone();
    };
    let mut out = canvas.clone();
    for y in 0..canvas.height {
        for x in 0..canvas.width {
            let (px, py) = (f64::from(x) + 0.5, f64::from(y) + 0.5);
            let d = back[6] * px + back[7] * py + 1.0;
            let sx = (back[0] * px + back[1] * py + back[2]) / d - 0.5;
            let sy = (back[3] * px + back[4] * py + back[5]) / d - 0.5;
            out.pixels[y as usize * canvas.width as usize + x as usize] =
                clamp_u8(sample(canvas, sx, sy));
        }
    }
    out
}

/// The 3×3 homography (h33 = 1) mapping four points onto four others, by Gaussian elimination
/// of the 8 linear equations; `None` when the points are degenerate.
fn homography(from: &[(f64, f64); 4], to: &[(f64, f64); 4]) -> Option<[f64; 8]> {
    let mut m = [[0.0f64; 9]; 8];
    for (i, (&(x, y), &(u, v))) in from.iter().zip(to).enumerate() {
        m[2 * i] = [x, y, 1.0, 0.0, 0.0, 0.0, -u * x, -u * y, u];
        m[2 * i + 1] = [0.0, 0.0, 0.0, x, y, 1.0, -v * x, -v * y, v];
    }
    for col in 0..8 {
        let pivot = (col..8).max_by(|&a, &b| m[a][col].abs().total_cmp(&m[b][col].abs()))?;
        if m[pivot][col].abs() < 1e-12 {
            return None;
        }
        m.swap(col, pivot);
        for row in 0..8 {
            if row != col {
                let f = m[row][col] / m[col][col];
                let pivot_row = m[col];
                for (cell, pivot_cell) in m[row].iter_mut().zip(pivot_row).skip(col) {
                    *cell -= f * pivot_cell;
                }
            }
        }
    }
    let mut h = [0.0; 8];
    for (i, value) in h.iter_mut().enumerate() {
        *value = m[i][8] / m[i][i];
    }
    Some(h)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checker() -> Canvas {
        let mut c = Canvas::white(40, 30);
        for y in 0..30 {
            for x in 0..40 {
                if (x / 5 + y / 5) % 2 == 0 {
                    c.pixels[y * 40 + x] = 0;
                }
            }
        }
        c
    }

    #[test]
    fn the_same_seed_gives_the_same_damage() {
        let a = noise(&checker(), 20.0, &mut Rng::seeded(7));
        let b = noise(&checker(), 20.0, &mut Rng::seeded(7));
        let c = noise(&checker(), 20.0, &mut Rng::seeded(8));
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn blur_softens_edges_and_keeps_the_mean() {
        let sharp = checker();
        let soft = blur(&sharp, 1.5);
        let mean = |c: &Canvas| c.pixels.iter().map(|&p| f64::from(p)).sum::<f64>();
        assert!((mean(&sharp) - mean(&soft)).abs() / mean(&sharp) < 0.05);
        assert!(soft.pixels.iter().any(|&p| p > 40 && p < 215));
    }

    #[test]
    fn geometry_keeps_or_grows_the_canvas_as_it_should() {
        let c = checker();
        assert_eq!(rotate(&c, 0.0), c);
        let turned = rotate(&c, 90.0);
        assert_eq!((turned.width, turned.height), (30, 40));
        let small = downscale(&c, 0.5);
        assert_eq!((small.width, small.height), (20, 15));
        let seen = perspective(&c, 0.0, &mut Rng::seeded(1));
        assert_eq!(seen, c);
        let tilted = perspective(&c, 0.2, &mut Rng::seeded(1));
        assert_eq!((tilted.width, tilted.height), (40, 30));
        assert_ne!(tilted, c);
    }
}
