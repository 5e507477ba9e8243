//! `cargo bench -p bedside-scan --bench decode [-- FOLDER...] [--stored-reference] [--all-only] [--failures] [--each] [--single]`:
//! how many images of a barcode set bedside decodes exactly, how many it misreads and how fast,
//! beside zxing-cpp measured in the same run on the same images (`scripts/zxing_reference.py`
//! through `python3`, or `$BEDSIDE_PYTHON`, with the PyPI wheel `zxing-cpp`). A folder holds a
//! `manifest.tsv` (`tests/data/barcodes`, the default, or a set made by the `degraded_set`
//! example). `--stored-reference` reads the folder's `reference_zxingcpp.tsv` instead of running
//! zxing-cpp (its times are then from another run: the ratio is only indicative).
//!
//! Timed like the reference: each image is loaded and converted to grey before timing; only the
//! decode of the grey frame is timed, one warm-up call and then the median of 5 calls, single
//! thread; once with the image's own format only and once with all five formats. "Exact" means
//! some returned symbol's text equals the expected text (UTF-8 `.txt`, else `.bin` as
//! ISO-8859-1); a "misread" is a returned symbol whose text is not the expected one. zxing-cpp's
//! Codabar texts carry start/stop characters that ZXing's expected texts omit, so its Codabar
//! count is taken with them removed (the reference's own column for it).
//!
//! The last lines are the three figures of the decoder's goal, with all formats on: images
//! decoded (bedside against zxing-cpp), median time ratio, misreads.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use bedside_scan::{decode_frame, load_grey, Budget, DecodeOptions, LumaFrame, Symbology};

const RUNS: usize = 5;

struct Image {
    path: String,
    symbology: Symbology,
    expected: String,
    /// The damage the `degraded_set` example did ("clean", "blur1.4+noise20", …), if any.
    damage: Option<String>,
    frame: LumaFrame<'static>,
}

/// One image's outcome in one mode.
#[derive(Clone, Copy)]
struct Outcome {
    exact: bool,
    misread: bool,
    ms: f64,
}

#[derive(Default)]
struct Reference {
    own: Option<Outcome>,
    all: Option<Outcome>,
}

/// Sums over every folder, with all formats on: the goal's figures.
#[derive(Default)]
struct Totals {
    images: usize,
    ours: Vec<Outcome>,
    theirs: Vec<Outcome>,
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let show_failures = args.iter().any(|a| a == "--failures");
    let show_each = args.iter().any(|a| a == "--each");
    let single = args.iter().any(|a| a == "--single");
    let stored_reference = args.iter().any(|a| a == "--stored-reference");
    let all_only = args.iter().any(|a| a == "--all-only");
    let mut folders: Vec<PathBuf> = args
        .iter()
        .filter(|a| !a.starts_with("--"))
        .map(PathBuf::from)
        .collect();
    if folders.is_empty() {
        folders.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/barcodes"));
    }
    let mut totals = Totals::default();
    for folder in &folders {
        let images = load_set(folder);
        let reference = if stored_reference {
            let file = folder.join("reference_zxingcpp.tsv");
            println!("zxing-cpp: stored measurement {}", file.display());
            load_reference(&file)
        } else {
            measure_reference(folder)
        };
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
            if own_format_only && all_only {
                continue;
            }
            let mut ours: BTreeMap<Symbology, Vec<Outcome>> = BTreeMap::new();
            let mut theirs: BTreeMap<Symbology, Vec<Outcome>> = BTreeMap::new();
            let mut by_damage: BTreeMap<String, (usize, usize, usize)> = BTreeMap::new();
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
                if show_failures && (!outcome.exact || outcome.misread) {
                    let texts: Vec<_> = result.symbols.iter().map(|s| &s.text).collect();
                    println!(
                        "  {} ({mode}) {} [{}]: got {texts:?}, {} refused by the label check",
                        if outcome.misread { "MISREAD" } else { "FAIL" },
                        image.path,
                        image.damage.as_deref().unwrap_or(""),
                        result.refused
                    );
                }
                ours.entry(image.symbology).or_default().push(outcome);
                let reference = reference.get(&image.path);
                let reference = reference.and_then(|r| if own_format_only { r.own } else { r.all });
                if let Some(r) = reference {
                    theirs.entry(image.symbology).or_default().push(r);
                }
                if let Some(damage) = &image.damage {
                    let kind: String = damage
                        .split('+')
                        .next()
                        .unwrap_or("")
                        .chars()
                        .take_while(|c| c.is_ascii_alphabetic())
                        .collect();
                    let row = by_damage.entry(kind).or_default();
                    row.0 += 1;
                    row.1 += usize::from(outcome.exact);
                    row.2 += usize::from(reference.is_some_and(|r| r.exact));
                }
                if !own_format_only {
                    totals.images += 1;
                    totals.ours.push(outcome);
                    totals.theirs.extend(reference);
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
            if !by_damage.is_empty() {
                println!(
                    "\n| damage | images | exact: bedside | exact: zxing-cpp |\n|---|---|---|---|"
                );
                for (kind, (n, ours, theirs)) in &by_damage {
                    println!("| {kind} | {n} | {ours} | {theirs} |");
                }
            }
            println!("passes that found the symbols: {found_by:?}\n");
        }
    }
    print_goal(&totals);
}

/// The decoder's goal in three figures: ≥ 8 % more images than zxing-cpp, median time ≤ 0.6×
/// zxing-cpp's, zero misreads; all formats on, every folder together.
fn print_goal(totals: &Totals) {
    let exact = |o: &[Outcome]| o.iter().filter(|o| o.exact).count();
    let misread = |o: &[Outcome]| o.iter().filter(|o| o.misread).count();
    let median = |o: &[Outcome]| percentile(&mut o.iter().map(|o| o.ms).collect::<Vec<_>>(), 50.0);
    let (ours, theirs) = (exact(&totals.ours), exact(&totals.theirs));
    println!("## goal, all five formats on, {} images", totals.images);
    if totals.theirs.len() != totals.ours.len() {
        println!("(zxing-cpp measured on {} of them)", totals.theirs.len());
    }
    println!(
        "decoded:  bedside {ours}, zxing-cpp {theirs}: {:+.1} % (goal ≥ +8 %)",
        if theirs > 0 {
            (ours as f64 / theirs as f64 - 1.0) * 100.0
        } else {
            f64::NAN
        }
    );
    let (our_median, their_median) = (median(&totals.ours), median(&totals.theirs));
    println!(
        "median:   bedside {our_median:.3} ms, zxing-cpp {their_median:.3} ms: {} (goal ≤ 0.60×)",
        ratio(our_median, their_median)
    );
    println!(
        "misreads: bedside {}, zxing-cpp {} (goal 0)",
        misread(&totals.ours),
        misread(&totals.theirs)
    );
}

/// zxing-cpp on the same images, now: `scripts/zxing_reference.py` writes its TSV.
fn measure_reference(folder: &Path) -> BTreeMap<String, Reference> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/zxing_reference.py");
    let python = std::env::var("BEDSIDE_PYTHON").unwrap_or_else(|_| "python3".into());
    let out = std::env::temp_dir().join(format!("bedside-zxing-{}.tsv", std::process::id()));
    println!(
        "zxing-cpp: measuring {} now ({python} {})",
        folder.display(),
        script.display()
    );
    let status = std::process::Command::new(&python)
        .arg(&script)
        .arg(folder.join("manifest.tsv"))
        .arg(&out)
        .status();
    match status {
        Ok(status) if status.success() => {}
        Ok(status) => {
            eprintln!(
                "zxing-cpp could not be measured ({status}): install it with \
                 `pip install zxing-cpp==3.1.1 pillow numpy` (or set BEDSIDE_PYTHON to a \
                 Python that has it), or pass --stored-reference"
            );
            std::process::exit(1);
        }
        Err(e) => {
            eprintln!("cannot start {python}: {e}; set BEDSIDE_PYTHON or pass --stored-reference");
            std::process::exit(1);
        }
    }
    let reference = load_reference(&out);
    if let Err(e) = std::fs::remove_file(&out) {
        eprintln!("{}: {e} (left behind)", out.display());
    }
    reference
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
    let misread = result.symbols.iter().any(|s| s.text != image.expected);
    (
        Outcome {
            exact,
            misread,
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
        let damage = columns.get(4).map(|d| d.to_string());
        let symbology = Symbology::from_name(format)
            .unwrap_or_else(|| panic!("{path}: unknown format {format}"));
        let frame = load_grey(&folder.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
        images.push(Image {
            path: path.to_string(),
            symbology,
            expected: expected_text(&folder.join(expected_file)),
            damage,
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
        column("misread_all"),
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
        misread_all,
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
                    misread: false,
                    ms,
                }),
                all: ms(ms_all).map(|ms| Outcome {
                    exact: all_exact,
                    // A stored measurement from before the column: not known, not counted.
                    misread: misread_all.is_some_and(|i| cell(i) == "1"),
                    ms,
                }),
            },
        );
    }
    reference
}
