//! `cargo run --release -p bedside-scan --example degraded_set -- OUT_FOLDER [--seed N] [--count N]`
//!
//! Makes a set of ISBT 128 bag-label and GS1 wristband images the way a ward damages them
//! (blur, noise, glare, a label far away, askew, at an angle, washed out), with a manifest in the
//! form of `tests/data/barcodes/manifest.tsv` (plus a `damage` column) for `benches/decode`.
//! About a third are clean, the rest damaged once, some twice. The same seed gives the same set.

use std::fmt::Write as _;
use std::path::PathBuf;

use bedside_core::blood::{Abo, Group, Rhd};
use bedside_core::label::checkchar::checksum;
use bedside_core::label::code_of_group;
use bedside_scan::damage::{self, Rng};
use bedside_scan::draw::{one_d_modules, Canvas};
use rxing::BarcodeFormat;

const GS: char = '\u{1d}';

struct Label {
    format: &'static str,
    /// What the decoder must return.
    expected: String,
    canvas: Canvas,
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .map(|v| {
                v.parse::<u64>()
                    .unwrap_or_else(|_| usage(&format!("{flag} {v}")))
            })
    };
    let seed = value("--seed").unwrap_or(1);
    let count = value("--count").unwrap_or(300) as usize;
    let Some(out) = args
        .iter()
        .enumerate()
        .find(|&(i, a)| !a.starts_with("--") && (i == 0 || !args[i - 1].starts_with("--")))
        .map(|(_, a)| PathBuf::from(a))
    else {
        usage("no output folder")
    };
    std::fs::create_dir_all(out.join("images")).unwrap_or_else(|e| fail(&out, e));
    let mut rng = Rng::seeded(seed);
    let mut manifest = String::from("path\tformat\texpected_text_file\tmetadata_file\tdamage\n");
    for i in 0..count {
        let label = label(&mut rng, i);
        let (canvas, damage) = damaged(&label.canvas, &mut rng, i);
        let name = format!("images/{i:04}");
        let png = out.join(format!("{name}.png"));
        canvas.write_png(&png).unwrap_or_else(|e| fail(&png, e));
        let txt = out.join(format!("{name}.txt"));
        std::fs::write(&txt, &label.expected).unwrap_or_else(|e| fail(&txt, e));
        let _ = writeln!(
            manifest,
            "{name}.png\t{}\t{name}.txt\t\t{damage}",
            label.format
        );
    }
    let path = out.join("manifest.tsv");
    std::fs::write(&path, manifest).unwrap_or_else(|e| fail(&path, e));
    println!("{count} images (seed {seed}) in {}", out.display());
}

fn usage(problem: &str) -> ! {
    eprintln!("degraded_set: {problem}\nusage: degraded_set OUT_FOLDER [--seed N] [--count N]");
    std::process::exit(2)
}

fn fail(path: &std::path::Path, e: impl std::fmt::Display) -> ! {
    eprintln!("degraded_set: {}: {e}", path.display());
    std::process::exit(1)
}

fn digits(rng: &mut Rng, n: usize) -> String {
    (0..n)
        .map(|_| char::from(b'0' + rng.below(10) as u8))
        .collect()
}

/// GS1 mod-10 check digit of `data`.
fn gs1_check_digit(data: &str) -> char {
    let sum: u32 = data
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    char::from(b'0' + ((10 - sum % 10) % 10) as u8)
}

/// The element strings of a GS1 wristband: the GSRN (AI 8018), often with a variable-length
/// element before or after it (a lot, AI 10; a service relation instance, AI 8019), so that a
/// dropped separator would run one into the other.
fn wristband_elements(rng: &mut Rng) -> Vec<String> {
    let body = digits(rng, 17);
    let gsrn = format!("8018{body}{}", gs1_check_digit(&body));
    let variable = |rng: &mut Rng| {
        if rng.unit() < 0.5 {
            let n = 2 + rng.below(6);
            format!("10{}", digits(rng, n))
        } else {
            let n = 1 + rng.below(9);
            format!("8019{}", digits(rng, n))
        }
    };
    match rng.below(3) {
        0 => vec![gsrn, variable(rng)],
        1 => vec![variable(rng), gsrn],
        _ => vec![gsrn],
    }
}

fn isbt_text(rng: &mut Rng) -> String {
    match rng.below(4) {
        0 => {
            let din = format!("W{}26{}", digits(rng, 4), digits(rng, 6));
            // No flag, a container of a set, or (type 3) the DIN's own MOD 37-2 checksum + 60.
            let flags = match rng.below(3) {
                0 => "00".to_string(),
                1 => format!("0{}", 1 + rng.below(4)),
                _ => format!(
                    "{}",
                    60 + checksum(&din).expect("a DIN is digits and letters")
                ),
            };
            format!("={din}{flags}")
        }
        1 => {
            let groups = [
                (Abo::O, Rhd::Pos),
                (Abo::O, Rhd::Neg),
                (Abo::A, Rhd::Pos),
                (Abo::A, Rhd::Neg),
                (Abo::B, Rhd::Pos),
                (Abo::AB, Rhd::Pos),
            ];
            let (abo, rhd) = groups[rng.below(groups.len())];
            let code = code_of_group(Group::new(Some(abo), Some(rhd))).unwrap_or("51");
            format!("=%{code}00")
        }
        2 => {
            let products = ["E0001V00", "E0291V00", "E3863V00", "E4579V00", "E7644V00"];
            format!("=<{}", products[rng.below(products.len())])
        }
        _ => format!(
            "&>02{}{:03}{:02}{:02}",
            6 + rng.below(2),
            1 + rng.below(365),
            rng.below(24),
            rng.below(60)
        ),
    }
}

fn label(rng: &mut Rng, i: usize) -> Label {
    let margin = 20 + rng.below(40) as u32;
    match i % 5 {
        // GS1-128 wristband.
        0 | 1 => {
            let elements = wristband_elements(rng);
            let encoded: String = elements.iter().map(|e| format!("\u{f1}{e}")).collect();
            let expected = elements.join(&GS.to_string());
            one_d(rng, &encoded, expected, margin)
        }
        // ISBT 128 bag label symbols.
        2 | 3 => {
            let text = isbt_text(rng);
            one_d(rng, &text.clone(), text, margin)
        }
        // 2-D: a GS1 DataMatrix wristband or an ISBT 128 DataMatrix.
        _ => {
            let module = 3 + rng.below(4) as u32;
            let side = module * 26 + 2 * margin;
            let mut canvas = Canvas::white(side, side);
            let size = (side - 2 * margin, side - 2 * margin);
            let expected = if rng.unit() < 0.5 {
                let expected = wristband_elements(rng).join(&GS.to_string());
                canvas
                    .try_draw_gs1_data_matrix(&expected, (margin, margin), size)
                    .expect("a GS1 wristband fits a DataMatrix");
                expected
            } else {
                let text = isbt_text(rng);
                canvas
                    .try_draw(BarcodeFormat::DATA_MATRIX, &text, (margin, margin), size)
                    .expect("an ISBT 128 data structure fits a DataMatrix");
                text
            };
            Label {
                format: "data_matrix",
                expected,
                canvas,
            }
        }
    }
}

fn one_d(rng: &mut Rng, encoded: &str, expected: String, margin: u32) -> Label {
    let modules = one_d_modules(BarcodeFormat::CODE_128, encoded).expect("Code 128 text");
    let module = 2 + rng.below(2) as u32;
    let height = 50 + rng.below(60) as u32;
    let mut canvas = Canvas::white(modules * module + 2 * margin, height + 2 * margin);
    canvas
        .try_draw(
            BarcodeFormat::CODE_128,
            encoded,
            (margin, margin),
            (modules * module, height),
        )
        .expect("a label's Code 128 text");
    Label {
        format: "code_128",
        expected,
        canvas,
    }
}

/// Every third image clean; the others one damage of each kind in turn, and every other
/// damaged one a second, milder one on top.
fn damaged(canvas: &Canvas, rng: &mut Rng, i: usize) -> (Canvas, String) {
    if i.is_multiple_of(3) {
        return (canvas.clone(), "clean".into());
    }
    let kind = (i / 3 * 2 + i % 3) % 7;
    let (mut out, mut name) = one_damage(canvas, rng, kind, 1.0);
    if rng.unit() < 0.5 {
        let second = [0, 1][rng.below(2)];
        let (again, more) = one_damage(&out, rng, second, 0.5);
        out = again;
        name = format!("{name}+{more}");
    }
    (out, name)
}

fn one_damage(canvas: &Canvas, rng: &mut Rng, kind: usize, strength: f64) -> (Canvas, String) {
    match kind {
        0 => {
            let sigma = rng.range(0.8, 2.2) * strength.max(0.6);
            (damage::blur(canvas, sigma), format!("blur{sigma:.1}"))
        }
        1 => {
            let sd = rng.range(15.0, 55.0) * strength;
            (damage::noise(canvas, sd, rng), format!("noise{sd:.0}"))
        }
        2 => {
            let light = rng.range(150.0, 260.0);
            let radius = rng.range(0.15, 0.4);
            (
                damage::glare(canvas, light, radius, rng),
                format!("glare{light:.0}"),
            )
        }
        3 => {
            let factor = rng.range(0.3, 0.6);
            (
                damage::downscale(canvas, factor),
                format!("downscale{factor:.2}"),
            )
        }
        4 => {
            let degrees = rng.range(-40.0, 40.0);
            (
                damage::rotate(canvas, degrees),
                format!("rotate{degrees:.0}"),
            )
        }
        5 => {
            let amount = rng.range(0.05, 0.2);
            (
                damage::perspective(canvas, amount, rng),
                format!("perspective{amount:.2}"),
            )
        }
        _ => {
            let low = 60 + rng.below(60) as u8;
            let high = low + 25 + rng.below(40) as u8;
            (
                damage::noise(&damage::low_contrast(canvas, low, high), 4.0, rng),
                format!("contrast{low}-{high}"),
            )
        }
    }
}
