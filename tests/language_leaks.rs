//! Every word in its reader's language, beyond the screens (each UI test's `Shots::both` checks
//! those): the charge nurse's PDFs (read back with pdftotext) and CSVs of a ward's morning, in
//! both languages, and a record made in English read in Chinese.

mod common;

use bedside_core::messages::Lang;
use bedside_export::Format;
use chrono::Duration;
use common::leaks::{check, is_data, leaks};
use common::*;

#[test]
fn the_check_catches_a_leak_either_way_and_lets_data_and_codes_pass() {
    assert_eq!(leaks(Lang::ZhCn, "已开始 started"), ["started"]);
    assert_eq!(
        leaks(Lang::ZhCn, "原因：no_second_checker"),
        ["no_second_checker"]
    );
    assert!(leaks(
        Lang::ZhCn,
        "血袋号 W000026123456 · E0001V00 · A型 RhD阳性 · 200 ml"
    )
    .is_empty());
    assert_eq!(leaks(Lang::En, "Unit expired：return it"), ["："]);
    assert_eq!(leaks(Lang::En, "Patient 张三"), ["张三"]);
    is_data("张三");
    assert!(leaks(Lang::En, "Patient 张三").is_empty());
}

/// The text of a PDF as a reader sees it (pdftotext, poppler-utils).
fn pdf_text(dir: &std::path::Path, name: &str, pdf: &[u8]) -> String {
    let path = dir.join(format!("{name}.pdf"));
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .args([path.to_str().unwrap(), "-"])
        .output()
        .expect("`pdftotext` is missing: install the Debian package poppler-utils");
    assert!(
        out.status.success(),
        "pdftotext: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Every font of the PDF is embedded as a subset (pdffonts' `emb` and `sub` columns): the CJK
/// font's twenty thousand glyphs are not carried in every record.
fn embeds_only_used_glyphs(pdf: &std::path::Path) {
    let out = std::process::Command::new("pdffonts")
        .arg(pdf)
        .output()
        .expect("`pdffonts` is missing: install the Debian package poppler-utils");
    let listing = String::from_utf8_lossy(&out.stdout);
    let fonts: Vec<&str> = listing.lines().skip(2).collect();
    assert!(!fonts.is_empty(), "{listing}");
    for font in fonts {
        let cols: Vec<&str> = font.split_whitespace().collect();
        let n = cols.len();
        assert!(
            n >= 5 && cols[n - 5..n - 2] == ["yes", "yes", "yes"],
            "{font}"
        );
    }
}

/// The ward's names, beds and what its nurses wrote, as the records hold them: data in either
/// language.
fn ward_data_is_data(h: &mut bedside_app::handheld::Handheld, records: &[String]) {
    is_data(bedside_bloodbank::demo::WARD_NAME);
    for (_, name, _) in bedside_bloodbank::demo::STAFF {
        is_data(name);
    }
    for r in &h.snapshot().unwrap().issued {
        is_data(&r.patient.name);
        r.patient.bed.as_deref().map(is_data);
    }
    for id in records {
        let review = h.review(id).unwrap();
        is_data(&review.ward);
        if let Some(reaction) = &review.reaction {
            // The report the nurse checked and sent, in her words.
            reaction.actions_taken.lines().for_each(is_data);
        }
    }
}

#[test]
fn the_wards_pdfs_and_csvs_read_wholly_in_each_language() {
    let ward = Ward::new();
    // The morning's records were made on a handheld set to Chinese; the charge nurse reads
    // them in both languages.
    let (mut h, zhang, li) = a_morning(&ward);
    h.login("C0101", "0101").unwrap();
    let records = [zhang, li];
    ward_data_is_data(&mut h, &records);
    let now = h.now();
    let (from, to) = (now - Duration::days(1), now + Duration::hours(1));
    let dir = tempfile::tempdir().unwrap();
    let mut found = Vec::new();
    for lang in [Lang::ZhCn, Lang::En] {
        let tag = lang.code();
        for (i, id) in records.iter().enumerate() {
            let pdf = h.export_record(id, lang).unwrap();
            let name = format!("record-{i}-{tag}");
            let text = pdf_text(dir.path(), &name, &pdf);
            embeds_only_used_glyphs(&dir.path().join(format!("{name}.pdf")));
            assert!(text.contains("张伟") || text.contains("李秀英"), "{text}");
            found.extend(check(lang, &format!("record {i} PDF"), &lines(&text)));
        }
        let (pdf, _) = h.export_period(from, to, Format::Pdf, lang).unwrap();
        let text = pdf_text(dir.path(), &format!("period-{tag}"), &pdf);
        found.extend(check(lang, "period PDF", &lines(&text)));
        let (csv, count) = h.export_period(from, to, Format::Csv, lang).unwrap();
        assert_eq!(count, 2);
        let csv = String::from_utf8(csv).unwrap();
        found.extend(check(lang, "CSV", &lines(&csv)));
    }
    assert!(
        found.is_empty(),
        "words not in the reader's language:\n{}",
        found.join("\n")
    );
}

fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::to_string)
        .filter(|l| !l.trim().is_empty())
        .collect()
}
