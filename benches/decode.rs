//! `cargo bench --bench decode [-- FOLDER] [--reference TSV] [--failures] [--each] [--single]`:
//! how many images of a barcode set bedside decodes exactly and how fast, per format, beside the
//! zxing-cpp reference measured on the same images (default: the folder's
//! `reference_zxingcpp.tsv`; the folder defaults to `tests/data/barcodes`). This machine's speed
//! varies with what else runs: for a fair ratio, measure the reference again right before
//! (`measure_reference.py` of the folder) and pass it with `--reference`.
//!
//! Timed like the reference: each image is loaded and converted to grey before timing; only the
//! decode of the grey frame is timed, one warm-up call and then the median of 5 calls, single
//! thread; once with the image's own format only and once with all five formats. "Exact" means
//! some returned symbol's text equals the expected text (UTF-8 `.txt`, else `.bin` as
//! ISO-8859-1). zxing-cpp's Codabar texts carry start/stop characters that ZXing's expected texts
//! omit, so its Codabar count is taken with them removed (the reference's own column for it).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use bedside_scan::{decode_frame, load_grey, Budget, DecodeOptions, LumaFrame, Symbology};

const RUNS: usize = 5;

struct Image {
    path: String,
    symbology: Symbology,
    expected: String,
    frame: LumaFrame<'static>,
}

/// One image's outcome in one mode.
#[derive(Clone, Copy)]
struct Outcome {
    exact: bool,
    ms: f64,
}

#[derive(Default)]
struct Reference {
    own: Option<Outcome>,
    all: Option<Outcome>,
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let show_failures = args.iter().any(|a| a == "--failures");
    let show_each = args.iter().any(|a| a == "--each");
    let single = args.iter().any(|a| a == "--single");
    let reference_file = args
        .iter()
        .position(|a| a == "--reference")
        .and_then(|i| args.get(i + 1))
        .map(PathBuf::from);
    let folder = args
        .iter()
        .enumerate()
        .find(|&(i, a)| !a.starts_with("--") && (i == 0 || args[i - 1] != "--reference"))
        .map(|(_, a)| PathBuf::from(a))
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/barcodes"));
    let images = load_set(&folder);
    let reference_file = reference_file.unwrap_or_else(|| folder.join("reference_zxingcpp.tsv"));
    let reference = load_reference(&reference_file);
    println!("zxing-cpp reference: {}", reference_file.display());
    println!(
        "{} images from {} ({}), decode timed on grey frames, median of {RUNS} after a warm-up",
        images.len(),
        folder.display(),
        if cfg!(debug_assertions) {
            "DEBUG build: times are not comparable"
        } else {
            "release build"
        }
    );

    for (mode, own_format_only) in [("own format", true), ("all five formats", false)] {
        let mut ours: BTreeMap<Symbology, Vec<Outcome>> = BTreeMap::new();
        let mut theirs: BTreeMap<Symbology, Vec<Outcome>> = BTreeMap::new();
        let mut found_by: BTreeMap<&str, usize> = BTreeMap::new();
        for image in &images {
            let options = DecodeOptions {
                formats: if own_format_only {
                    vec![image.symbology]
                } else {
                    Symbology::BEDSIDE.to_vec()
                },
                multiple: !single,
                ..DecodeOptions::default()
            };
            let (outcome, result) = measure(image, &options);
            *found_by
                .entry(result.found_by.unwrap_or("none"))
                .or_default() += 1;
            if show_failures && !outcome.exact {
                let texts: Vec<_> = result.symbols.iter().map(|s| &s.text).collect();
                println!("  FAIL ({mode}) {}: got {texts:?}", image.path);
            }
            ours.entry(image.symbology).or_default().push(outcome);
            let reference = reference.get(&image.path);
            let reference = reference.and_then(|r| if own_format_only { r.own } else { r.all });
            if let Some(r) = reference {
                theirs.entry(image.symbology).or_default().push(r);
            }
            if show_each {
                println!(
                    "  {} {}x{} ({mode}): {:.3} ms vs {:.3} ms, {} by {:?} in {} passes",
                    image.path,
                    image.frame.width(),
                    image.frame.height(),
                    outcome.ms,
                    reference.map_or(f64::NAN, |r| r.ms),
                    if outcome.exact { "exact" } else { "MISSED" },
                    result.found_by,
                    result.passes
                );
            }
        }
        print_table(mode, &ours, &theirs);
        println!("passes that found the symbols: {found_by:?}\n");
    }
}

fn measure(image: &Image, options: &DecodeOptions) -> (Outcome, bedside_scan::FrameResult) {
    let mut result = decode_frame(&image.frame, options, Budget::unlimited());
    let mut times = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let start = Instant::now();
        result = decode_frame(&image.frame, options, Budget::unlimited());
        times.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    let exact = result.symbols.iter().any(|s| s.text == image.expected);
    (
        Outcome {
            exact,
            ms: percentile(&mut times, 50.0),
        },
        result,
    )
}

fn print_table(
    mode: &str,
    ours: &BTreeMap<Symbology, Vec<Outcome>>,
    theirs: &BTreeMap<Symbology, Vec<Outcome>>,
) {
    println!("\n### {mode}\n");
    println!(
        "| format | images | exact: bedside | exact: zxing-cpp | median ms: bedside | zxing-cpp | ratio | p95 ms: bedside | zxing-cpp | ratio |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    let mut all_ours = Vec::new();
    let mut all_theirs = Vec::new();
    for (symbology, outcomes) in ours {
        let reference = theirs.get(symbology).cloned().unwrap_or_default();
        print_row(symbology.name(), outcomes, &reference);
        all_ours.extend_from_slice(outcomes);
        all_theirs.extend(reference);
    }
    print_row("**all**", &all_ours, &all_theirs);
}

fn print_row(name: &str, ours: &[Outcome], theirs: &[Outcome]) {
    let exact = |o: &[Outcome]| o.iter().filter(|o| o.exact).count();
    let mut our_ms: Vec<f64> = ours.iter().map(|o| o.ms).collect();
    let mut their_ms: Vec<f64> = theirs.iter().map(|o| o.ms).collect();
    let (our_median, our_p95) = (percentile(&mut our_ms, 50.0), percentile(&mut our_ms, 95.0));
    let (their_median, their_p95) = (
        percentile(&mut their_ms, 50.0),
        percentile(&mut their_ms, 95.0),
    );
    let reference_exact = if theirs.is_empty() {
        "–".to_string()
    } else {
        exact(theirs).to_string()
    };
    println!(
        "| {name} | {} | {} | {reference_exact} | {our_median:.3} | {their_median:.3} | {} | {our_p95:.2} | {their_p95:.2} | {} |",
        ours.len(),
        exact(ours),
        ratio(our_median, their_median),
        ratio(our_p95, their_p95),
    );
}

fn ratio(ours: f64, theirs: f64) -> String {
    if theirs > 0.0 && ours.is_finite() {
        format!("{:.2}×", ours / theirs)
    } else {
        "–".into()
    }
}

/// Nearest-rank percentile; NaN for no values.
fn percentile(values: &mut [f64], p: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(f64::total_cmp);
    let rank = ((p / 100.0) * values.len() as f64).ceil() as usize;
    values[rank.clamp(1, values.len()) - 1]
}

fn load_set(folder: &Path) -> Vec<Image> {
    let manifest = std::fs::read_to_string(folder.join("manifest.tsv"))
        .unwrap_or_else(|e| panic!("{}: {e}", folder.join("manifest.tsv").display()));
    let mut images = Vec::new();
    for line in manifest.lines().skip(1) {
        let columns: Vec<&str> = line.split('\t').collect();
        let [path, format, expected_file, ..] = columns[..] else {
            continue;
        };
        let symbology = Symbology::from_name(format)
            .unwrap_or_else(|| panic!("{path}: unknown format {format}"));
        let frame = load_grey(&folder.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
        images.push(Image {
            path: path.to_string(),
            symbology,
            expected: expected_text(&folder.join(expected_file)),
            frame,
        });
    }
    images
}

/// ZXing's rule: `.txt` as UTF-8; `.bin` as ISO-8859-1 bytes.
fn expected_text(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    if path.extension().is_some_and(|e| e == "bin") {
        bytes.iter().map(|&b| char::from(b)).collect()
    } else {
        String::from_utf8(bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }
}

fn load_reference(file: &Path) -> BTreeMap<String, Reference> {
    let Ok(tsv) = std::fs::read_to_string(file) else {
        eprintln!("{}: cannot read; no reference shown", file.display());
        return BTreeMap::new();
    };
    let mut lines = tsv.lines();
    let header: Vec<&str> = lines.next().unwrap_or("").split('\t').collect();
    let column = |name: &str| header.iter().position(|h| *h == name);
    let columns = (
        column("path"),
        column("format"),
        column("ok_restricted"),
        column("ok_restricted_codabar_unwrapped"),
        column("ms_restricted_median5"),
        column("ok_all"),
        column("format_all"),
        column("ms_all_median5"),
    );
    let (
        Some(path),
        Some(format),
        Some(ok_own),
        Some(ok_own_unwrapped),
        Some(ms_own),
        Some(ok_all),
        Some(format_all),
        Some(ms_all),
    ) = columns
    else {
        eprintln!("{}: unexpected columns; no reference shown", file.display());
        return BTreeMap::new();
    };
    let mut reference = BTreeMap::new();
    for line in lines {
        let cells: Vec<&str> = line.split('\t').collect();
        let cell = |i: usize| cells.get(i).copied().unwrap_or("");
        let ms = |i: usize| cell(i).parse::<f64>().ok();
        let is_codabar = cell(format) == "codabar";
        // With all formats on, a Codabar image counts when zxing-cpp reported it as Codabar and
        // its text matched once the start/stop characters were removed.
        let all_exact = cell(ok_all) == "1"
            || (is_codabar
                && cell(ok_own_unwrapped) == "1"
                && cell(format_all).contains("Codabar"));
        let own_exact = if is_codabar {
            cell(ok_own_unwrapped) == "1"
        } else {
            cell(ok_own) == "1"
        };
        reference.insert(
            cell(path).to_string(),
            Reference {
                own: ms(ms_own).map(|ms| Outcome {
                    exact: own_exact,
                    ms,
                }),
                all: ms(ms_all).map(|ms| Outcome {
                    exact: all_exact,
                    ms,
                }),
            },
        );
    }
    reference
}
