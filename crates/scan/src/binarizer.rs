//! ZXing's hybrid binarizer (local thresholds from 8×8 blocks averaged over their 5×5
//! neighbourhood), computed a machine word at a time. rxing's own version sets the black matrix
//! one bit at a time, which is about half the time of decoding a small 2-D symbol; this one gives
//! the same matrix in a fraction of that. Rows for the 1-D readers come from the global
//! histogram, as in ZXing.

use std::borrow::Cow;
use std::cell::OnceCell;

use rxing::common::{
    BitArray, BitFieldBaseType, BitMatrix, GlobalHistogramBinarizer, LineOrientation, Result,
    BIT_FIELD_BASE_BITS,
};
use rxing::{Binarizer, LuminanceSource};

const BLOCK: usize = 8;
const BLOCK_POWER: usize = 3;
/// Below 5 blocks in either direction there is no 5×5 neighbourhood: use the global histogram.
const MINIMUM_DIMENSION: usize = BLOCK * 5;
/// A block whose grey levels span no more than this is taken as all light or all dark.
const MIN_DYNAMIC_RANGE: u8 = 24;

pub struct FastHybridBinarizer<LS: LuminanceSource> {
    global: GlobalHistogramBinarizer<LS>,
    matrix: OnceCell<BitMatrix>,
}

impl<LS: LuminanceSource> FastHybridBinarizer<LS> {
    pub fn new(source: LS) -> Self {
        FastHybridBinarizer {
            global: GlobalHistogramBinarizer::new(source),
            matrix: OnceCell::new(),
        }
    }

    fn compute_matrix(&self) -> Result<BitMatrix> {
        let source = self.global.get_luminance_source();
        let (width, height) = (source.get_width(), source.get_height());
        if width < MINIMUM_DIMENSION || height < MINIMUM_DIMENSION {
            return self.global.get_black_matrix().cloned();
        }
        let luma = source.get_matrix();
        let thresholds = block_thresholds(&luma, width, height);
        threshold_matrix(&luma, width, height, &thresholds)
    }
}

impl<LS: LuminanceSource> Binarizer for FastHybridBinarizer<LS> {
    type Source = LS;

    fn get_luminance_source(&self) -> &LS {
        self.global.get_luminance_source()
    }

    fn get_black_row(&self, y: usize) -> Result<Cow<'_, BitArray>> {
        self.global.get_black_row(y)
    }

    fn get_black_row_from_matrix(&self, y: usize) -> Result<Cow<'_, BitArray>> {
        match self.matrix.get() {
            Some(matrix) => Ok(Cow::Owned(matrix.getRow(y as u32))),
            None => self.get_black_row(y),
        }
    }

    fn get_black_matrix(&self) -> Result<&BitMatrix> {
        if let Some(matrix) = self.matrix.get() {
            return Ok(matrix);
        }
        let matrix = self.compute_matrix()?;
        Ok(self.matrix.get_or_init(|| matrix))
    }

    fn get_black_line(&self, l: usize, lt: LineOrientation) -> Result<Cow<'_, BitArray>> {
        self.global.get_black_line(l, lt)
    }

    fn create_binarizer(&self, source: LS) -> Self {
        FastHybridBinarizer::new(source)
    }

    fn get_width(&self) -> usize {
        self.global.get_width()
    }

    fn get_height(&self) -> usize {
        self.global.get_height()
    }
}

/// Block grid of a frame: blocks start every 8 pixels, the last one flush with the edge (so it
/// may overlap its neighbour).
struct Grid {
    columns: usize,
    rows: usize,
}

impl Grid {
    fn of(width: usize, height: usize) -> Grid {
        Grid {
            columns: width.div_ceil(BLOCK),
            rows: height.div_ceil(BLOCK),
        }
    }
}

fn block_start(index: usize, size: usize) -> usize {
    (index << BLOCK_POWER).min(size - BLOCK)
}

/// Each block's threshold: the average black point of the 5×5 blocks around it (ZXing's rule,
/// neighbourhood clamped at the edges).
fn block_thresholds(luma: &[u8], width: usize, height: usize) -> Vec<u32> {
    let grid = Grid::of(width, height);
    let black = black_points(luma, width, height, &grid);
    let mut thresholds = vec![0u32; grid.rows * grid.columns];
    for by in 0..grid.rows {
        let top = by.clamp(2, grid.rows - 3);
        for bx in 0..grid.columns {
            let left = bx.clamp(2, grid.columns - 3);
            let mut sum = 0;
            for row in top - 2..=top + 2 {
                sum += black[row * grid.columns + left - 2..=row * grid.columns + left + 2]
                    .iter()
                    .sum::<u32>();
            }
            thresholds[by * grid.columns + bx] = sum / 25;
        }
    }
    thresholds
}

/// ZXing's black point of each block: its mean grey, or for a flat block an estimate from its
/// neighbours (a flat block is taken as background). Each block row is first reduced column by
/// column over its 8 pixel rows (which vectorises), then block by block.
fn black_points(luma: &[u8], width: usize, height: usize, grid: &Grid) -> Vec<u32> {
    let mut points = vec![0u32; grid.rows * grid.columns];
    let mut sums = vec![0u16; width];
    let mut mins = vec![0u8; width];
    let mut maxs = vec![0u8; width];
    for by in 0..grid.rows {
        let y0 = block_start(by, height);
        let first = &luma[y0 * width..(y0 + 1) * width];
        for (((sum, min), max), &p) in sums.iter_mut().zip(&mut mins).zip(&mut maxs).zip(first) {
            (*sum, *min, *max) = (u16::from(p), p, p);
        }
        for y in y0 + 1..y0 + BLOCK {
            let row = &luma[y * width..(y + 1) * width];
            for (((sum, min), max), &p) in sums.iter_mut().zip(&mut mins).zip(&mut maxs).zip(row) {
                *sum += u16::from(p);
                *min = (*min).min(p);
                *max = (*max).max(p);
            }
        }
        for bx in 0..grid.columns {
            let x0 = block_start(bx, width);
            let (sum, min, max) = reduce_block(
                sums[x0..x0 + BLOCK].try_into().unwrap_or(&[0; BLOCK]),
                mins[x0..x0 + BLOCK].try_into().unwrap_or(&[0; BLOCK]),
                maxs[x0..x0 + BLOCK].try_into().unwrap_or(&[0; BLOCK]),
            );
            let mut point = sum >> (2 * BLOCK_POWER);
            if max - min <= MIN_DYNAMIC_RANGE {
                point = u32::from(min) / 2;
                if by > 0 && bx > 0 {
                    let above = points[(by - 1) * grid.columns + bx];
                    let left = points[by * grid.columns + bx - 1];
                    let above_left = points[(by - 1) * grid.columns + bx - 1];
                    let neighbours = (above + 2 * left + above_left) / 4;
                    if u32::from(min) < neighbours {
                        point = neighbours;
                    }
                }
            }
            points[by * grid.columns + bx] = point;
        }
    }
    points
}

/// Sum, minimum and maximum of one block from its eight columns' (fixed size: no bounds checks).
fn reduce_block(sums: &[u16; BLOCK], mins: &[u8; BLOCK], maxs: &[u8; BLOCK]) -> (u32, u8, u8) {
    let sum = sums.iter().map(|&s| u32::from(s)).sum();
    let min = mins.iter().fold(u8::MAX, |a, &b| a.min(b));
    let max = maxs.iter().fold(u8::MIN, |a, &b| a.max(b));
    (sum, min, max)
}

/// A pixel is black when its grey is at most the threshold of a block that covers it (where the
/// last block overlaps its neighbour, the higher threshold wins, as in ZXing, whose blocks each
/// set their black pixels).
fn threshold_matrix(
    luma: &[u8],
    width: usize,
    height: usize,
    thresholds: &[u32],
) -> Result<BitMatrix> {
    let grid = Grid::of(width, height);
    let mut matrix = BitMatrix::new(width as u32, height as u32)?;
    let words = width.div_ceil(BIT_FIELD_BASE_BITS);
    let mut row_threshold = vec![0u8; words * BIT_FIELD_BASE_BITS];
    // One byte per pixel (1 = black), padded with white to whole words.
    let mut is_black = vec![0u8; words * BIT_FIELD_BASE_BITS];
    let mut bits = BitArray::with_size(width);
    let last_row_start = block_start(grid.rows - 1, height);
    let mut thresholds_of_rows = None;
    for y in 0..height {
        // The block rows covering y: its own, and the flush-with-the-edge last one.
        let own = (y >> BLOCK_POWER).min(grid.rows - 1);
        let covering = (
            own,
            if y >= last_row_start {
                grid.rows - 1
            } else {
                own
            },
        );
        if thresholds_of_rows != Some(covering) {
            thresholds_of_rows = Some(covering);
            row_threshold.fill(0);
            for by in [covering.0, covering.1] {
                for bx in 0..grid.columns {
                    // `<=` a threshold of 255 or more makes every pixel black.
                    let t = thresholds[by * grid.columns + bx].min(255) as u8;
                    let x0 = block_start(bx, width);
                    for slot in &mut row_threshold[x0..x0 + BLOCK] {
                        *slot = (*slot).max(t);
                    }
                }
            }
        }
        let row = &luma[y * width..(y + 1) * width];
        for ((black, &p), &t) in is_black.iter_mut().zip(row).zip(&row_threshold) {
            *black = u8::from(p <= t);
        }
        for (w, word) in is_black.chunks_exact(BIT_FIELD_BASE_BITS).enumerate() {
            bits.setBulk(w * BIT_FIELD_BASE_BITS, pack(word));
        }
        matrix.setRow(y as u32, &bits);
    }
    Ok(matrix)
}

/// Packs one word's worth of 0/1 bytes into its bits, bit i from byte i: eight bytes at a time,
/// a multiplication moves each byte's low bit into the top byte without carries.
fn pack(bytes: &[u8]) -> BitFieldBaseType {
    const GATHER: u64 = 0x0102_0408_1020_4080;
    bytes
        .chunks_exact(8)
        .enumerate()
        .fold(0, |word, (i, eight)| {
            let eight = u64::from_le_bytes(eight.try_into().unwrap_or([0; 8]));
            word | ((((eight.wrapping_mul(GATHER)) >> 56) as BitFieldBaseType) << (8 * i))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rxing::common::HybridBinarizer;
    use rxing::Luma8LuminanceSource;

    fn frame(width: usize, height: usize, seed: u32) -> Vec<u8> {
        let mut state = seed;
        (0..width * height)
            .map(|i| {
                state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                // Bars, a gradient and noise, with flat patches.
                let x = i % width;
                let y = i / width;
                let bar = if (x / 3 + y / 11).is_multiple_of(2) {
                    40
                } else {
                    200
                };
                let flat = (x / 17 + y / 13).is_multiple_of(5);
                if flat {
                    (y % 256) as u8
                } else {
                    (bar + (state >> 28) as i32 - 8 + (x as i32 / 8)).clamp(0, 255) as u8
                }
            })
            .collect()
    }

    #[test]
    fn gives_exactly_zxings_hybrid_matrix() {
        for (width, height) in [
            (40, 40),
            (64, 48),
            (241, 173),
            (100, 57),
            (333, 41),
            (30, 90),
        ] {
            let pixels = frame(width, height, (width * height) as u32);
            let source = || Luma8LuminanceSource::new(pixels.clone(), width as u32, height as u32);
            let ours = FastHybridBinarizer::new(source().unwrap());
            let theirs = HybridBinarizer::new(source().unwrap());
            let (ours, theirs) = (
                ours.get_black_matrix().unwrap(),
                theirs.get_black_matrix().unwrap(),
            );
            for y in 0..height as u32 {
                assert_eq!(
                    ours.getRow(y).getBitArray(),
                    theirs.getRow(y).getBitArray(),
                    "{width}×{height}, row {y}"
                );
            }
        }
    }
}
