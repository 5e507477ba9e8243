//! `cargo run --release -p bedside-scan --example pass_profile -- FOLDER`: where the first pass
//! spends its time on a set's images (a `manifest.tsv` folder, e.g. one made by `degraded_set`):
//! each format's search alone, then all formats searched in one stage and along the cheap path
//! (`DecodeOptions::expected` first). Median and total milliseconds, mean of 3 calls per image.

use std::time::Instant;

use bedside_scan::{decode_frame, load_grey, Budget, DecodeOptions, LumaFrame, Symbology};

fn main() {
    let Some(folder) = std::env::args().nth(1) else {
        eprintln!("usage: pass_profile FOLDER");
        std::process::exit(2);
    };
    let manifest = match std::fs::read_to_string(format!("{folder}/manifest.tsv")) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("cannot read {folder}/manifest.tsv: {e}");
            std::process::exit(1);
        }
    };
    let frames: Vec<LumaFrame> = manifest
        .lines()
        .skip(1)
        .filter_map(|line| {
            let path = format!("{folder}/{}", line.split('\t').next()?);
            load_grey(path.as_ref())
                .map_err(|e| eprintln!("skipped {path}: {e}"))
                .ok()
        })
        .collect();
    let first_pass = |formats: Vec<Symbology>, expected: Vec<Symbology>| DecodeOptions {
        formats,
        expected,
        try_harder: false,
        retries: false,
        multiple: true,
    };
    let all = Symbology::BEDSIDE.to_vec();
    let mut rows: Vec<(String, DecodeOptions)> = Symbology::BEDSIDE
        .iter()
        .map(|s| (s.name().to_string(), first_pass(vec![*s], vec![*s])))
        .collect();
    rows.push((
        "all, one stage".into(),
        first_pass(all.clone(), all.clone()),
    ));
    rows.push((
        "all, cheap path".into(),
        first_pass(all, Symbology::LABELS.to_vec()),
    ));
    println!("{} images from {folder}, first pass only", frames.len());
    println!("| search | median ms | total ms |\n|---|---|---|");
    for (name, options) in rows {
        let mut times: Vec<f64> = frames.iter().map(|f| mean_ms(f, &options)).collect();
        times.sort_by(f64::total_cmp);
        let median = times.get(times.len() / 2).copied().unwrap_or(f64::NAN);
        let total: f64 = times.iter().sum();
        println!("| {name} | {median:.3} | {total:.1} |");
    }
}

fn mean_ms(frame: &LumaFrame, options: &DecodeOptions) -> f64 {
    decode_frame(frame, options, Budget::unlimited());
    let start = Instant::now();
    for _ in 0..3 {
        decode_frame(frame, options, Budget::unlimited());
    }
    start.elapsed().as_secs_f64() * 1000.0 / 3.0
}
