//! Every word in its reader's language (issue 19), beyond the screens each UI test shoots
//! (`Shots::both` reads every visible text in both languages): the charge nurse's exports of a
//! ward's day — each transfusion record's PDF, the period report's PDF, the CSV — read back
//! (`pdftotext` for the PDFs) in Chinese and in English; a record made on the app in English
//! read in Chinese, on the screen and in its exports, and one made in Chinese read in English;
//! and every screen of the app shot in both languages by some UI test.

mod common;

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::rc::Rc;

use bedside::ui::*;
use bedside_app::handheld::Handheld;
use bedside_core::messages::Lang;
use bedside_core::review::ReviewQuery;
use bedside_export::Format;
use chrono::Duration;
use common::day::{a_day, start};
use common::leaks::{assert_none, check, csv_cells, leaks, pdf_blocks, typed, Leak};
use common::ui::*;
use common::*;
use slint::{ComponentHandle, Model};

const LANGS: [Lang; 2] = [Lang::ZhCn, Lang::En];

#[test]
fn the_check_catches_a_leak_either_way_and_lets_data_and_codes_pass() {
    assert_eq!(leaks(Lang::ZhCn, "已开始 started"), ["started"]);
    assert_eq!(
        leaks(Lang::ZhCn, "原因：no_second_checker"),
        ["no_second_checker"]
    );
    assert_eq!(leaks(Lang::ZhCn, "REACTION_RECORD：1"), ["REACTION_RECORD"]);
    assert_eq!(leaks(Lang::ZhCn, "红细胞 red cells"), ["red", "cells"]);
    assert_eq!(
        leaks(Lang::ZhCn, "A unit"),
        ["A", "unit"],
        "A is a group only before 型 or Rh"
    );
    assert_eq!(
        leaks(Lang::ZhCn, "原因 unknown-product"),
        ["unknown", "product"]
    );
    assert_eq!(leaks(Lang::ZhCn, "15-minute 观察"), ["minute"]);
    for fine in [
        "血袋号 A999926400101 · 产品 E0001V00 · 工号 N1001",
        "患者 pat-1002，医嘱 YZ-EM260001，SpO2 95",
        "O型 RhD阴性，AB型 RhD阳性，ABO血型",
        "体温 38.6 °C，心率 112 次/min，血压 120/75 mmHg，SpO2 95 %，已输 200 ml",
        "ISBT 128 条码，DIN 手工输入",
        "中文 / English",
        "已保存 /tmp/x1/exports/bedside-20261204.pdf",
        "记录号 urn:uuid:9a4cd796-d6b9-4126-96e8-b2bcd4010820",
        "张伟 3床 血液科五病区 李医生 (D2001)",
    ] {
        assert_eq!(leaks(Lang::ZhCn, fine), Vec::<String>::new(), "{fine}");
    }
    assert_eq!(leaks(Lang::En, "Unit expired：return it"), ["："]);
    assert_eq!(leaks(Lang::En, "Component 红细胞 (red cells)"), ["红细胞"]);
    assert_eq!(leaks(Lang::En, "Rate 20 滴/分"), ["滴", "分"]);
    assert_eq!(leaks(Lang::En, "Heart rate /分钟"), ["分钟"], "not a path");
    for fine in [
        "Patient 张伟, bed 3床, ward 血液科五病区",
        "Nurses 陈静 and 孙红; 无名氏（男） authorised by 李医生 (D2001)",
        "中文 / English",
    ] {
        assert_eq!(leaks(Lang::En, fine), Vec::<String>::new(), "{fine}");
    }
    // Data is only what the demo seeds or a person typed.
    assert_eq!(leaks(Lang::En, "Reason 患者外出"), ["患者外出"]);
    typed("患者外出");
    assert!(leaks(Lang::En, "Reason 患者外出").is_empty());
    assert_eq!(leaks(Lang::En, "Reason 患者外出检查"), ["检查"]);
}

/// The screens of the app (`enum Screen` in ui/app.slint) against the screens the UI tests say,
/// in `Shots::finish`, they shot in both languages (which `finish` asserts as they run).
#[test]
fn every_screen_is_shot_in_both_languages_by_a_ui_test() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let slint = std::fs::read_to_string(root.join("ui/app.slint")).unwrap();
    let enum_at = slint
        .find("export enum Screen {")
        .expect("enum Screen in ui/app.slint");
    let body = &slint[enum_at..];
    let body = &body[body.find('{').unwrap() + 1..body.find('}').unwrap()];
    let screens: BTreeSet<String> = body
        .split(',')
        .map(|s| s.trim().replace('-', "_"))
        .filter(|s| !s.is_empty())
        .collect();
    let mut shot = BTreeSet::new();
    for entry in std::fs::read_dir(root.join("tests")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if !(name.starts_with("ui_") && name.ends_with(".rs")) {
            continue;
        }
        let source = std::fs::read_to_string(&path).unwrap();
        let Some(at) = source.find("shots.finish(&[") else {
            panic!("{name} does not check its screens' languages (Shots::finish)");
        };
        let list = &source[at..at + source[at..].find("])").unwrap()];
        for s in list.split("Screen::").skip(1) {
            let variant: String = s.chars().take_while(char::is_ascii_alphanumeric).collect();
            shot.insert(variant.to_ascii_lowercase());
        }
    }
    let missing: Vec<_> = screens.difference(&shot).collect();
    assert!(
        missing.is_empty(),
        "screens no UI test shoots in both languages: {missing:?}"
    );
}

/// Every record's PDF, the period's PDF and its CSV, in `lang`, with their leaks.
fn exports(h: &mut Handheld, lang: Lang) -> Vec<Leak> {
    let (from, to) = (h.now() - Duration::days(1), h.now() + Duration::hours(1));
    let mut found = Vec::new();
    for row in h.review_list(&ReviewQuery::default(), 100).unwrap() {
        let pdf = h.export_record(&row.procedure_urn, lang).unwrap();
        let place = format!("record PDF of {} ({})", row.patient_name, row.din);
        found.extend(check(lang, &place, &pdf_blocks(&pdf)));
    }
    let (csv, _) = h.export_period(from, to, Format::Csv, lang).unwrap();
    found.extend(check(lang, "period CSV", &csv_cells(&csv)));
    let (pdf, _) = h.export_period(from, to, Format::Pdf, lang).unwrap();
    found.extend(check(lang, "period report PDF", &pdf_blocks(&pdf)));
    found
}

#[test]
fn the_wards_pdfs_and_csv_are_in_the_readers_language() {
    let ward = Ward::new();
    let mut h = a_day(&ward);
    let rows = h.review_list(&ReviewQuery::default(), 100).unwrap();
    assert_eq!(rows.len(), 5, "every transfusion of the day is a record");
    let found: Vec<Leak> = LANGS.into_iter().flat_map(|l| exports(&mut h, l)).collect();
    assert_none("the exports", &found);
}

/// The observation screen of the running transfusion of `din`, opened from the ward list.
fn open_running(window: &AppWindow, state: &Rc<RefCell<UiState>>, din: &str) {
    tick_once(window, state);
    let home = window.global::<HomePage>();
    let index = home
        .get_running()
        .iter()
        .position(|r| r.title.contains(din))
        .expect("listed as running");
    home.invoke_open_running(index as i32);
}

/// A nurse on the app in `lang` (through the pages' own callbacks: the buttons' words are the
/// language's): the first unit stops for a fever and its prefilled report is sent; the second
/// is interrupted for `reason`, typed, and ended while interrupted.
fn record_on_the_app(
    window: &AppWindow,
    state: &Rc<RefCell<UiState>>,
    lang: Lang,
    units: [(&str, &str); 2],
    reason: &str,
) {
    // Signing in goes by the English words of the buttons; the work is done in `lang`.
    switch_language(window, &mut state.borrow_mut(), Lang::En);
    sign_in(window, "N0451", "0451");
    switch_language(window, &mut state.borrow_mut(), lang);
    let dins: Vec<String> = units
        .iter()
        .map(|(dispense, mrn)| {
            let h = &mut state.borrow_mut().handheld;
            start(h, dispense, mrn).transfusion.din
        })
        .collect();
    let observe = window.global::<ObservePage>();
    open_running(window, state, &dins[0]);
    observe.set_temp("39.5".into());
    observe.set_hr("118".into());
    observe.invoke_record();
    assert_eq!(
        screen(window),
        Screen::Reaction,
        "{}",
        observe.get_message()
    );
    window.global::<ReactionPage>().invoke_submit();
    assert_eq!(screen(window), Screen::Home);

    open_running(window, state, &dins[1]);
    typed(reason);
    observe.set_interrupt_reason(reason.into());
    observe.invoke_interrupt();
    assert_ne!(observe.get_interrupted(), "", "{}", observe.get_message());
    observe.invoke_end();
    observe.set_volume("120".into());
    observe.invoke_record();
    assert_eq!(screen(window), Screen::Ended, "{}", observe.get_message());
    window.global::<EndedPage>().invoke_done();
    window.global::<HomePage>().invoke_logout();
}

/// The charge nurse reads, in `lang`, the records of `names`: each on the record screen (every
/// visible text), as a PDF, and the CSV of the day.
fn read_on_the_app(
    window: &AppWindow,
    state: &Rc<RefCell<UiState>>,
    lang: Lang,
    names: [&str; 2],
) -> Vec<Leak> {
    switch_language(window, &mut state.borrow_mut(), Lang::En);
    sign_in(window, "C0101", "0101");
    switch_language(window, &mut state.borrow_mut(), lang);
    window.global::<BoardPage>().invoke_records();
    assert_eq!(screen(window), Screen::Records);
    let review = window.global::<ReviewPage>();
    let mut found = Vec::new();
    for name in names {
        let rows: Vec<RecordRowView> = review.get_rows().iter().collect();
        let at = rows.iter().position(|r| r.title.contains(name)).unwrap();
        review.invoke_open(at as i32);
        assert_eq!(screen(window), Screen::Record);
        let place = format!("record screen of {name}");
        found.extend(check(lang, &place, &visible_texts(window)));
        let pdf = state
            .borrow_mut()
            .handheld
            .export_record(&rows[at].id, lang)
            .unwrap();
        found.extend(check(
            lang,
            &format!("record PDF of {name}"),
            &pdf_blocks(&pdf),
        ));
        window.global::<RecordPage>().invoke_back();
    }
    let csv = {
        let h = &mut state.borrow_mut().handheld;
        let (from, to) = (h.now() - Duration::days(1), h.now() + Duration::hours(1));
        h.export_period(from, to, Format::Csv, lang).unwrap().0
    };
    found.extend(check(lang, "period CSV", &csv_cells(&csv)));
    window.global::<ReviewPage>().invoke_back();
    window.global::<BoardPage>().invoke_logout();
    found
}

#[test]
fn a_record_made_in_one_language_reads_fully_in_the_other() {
    testing_platform();
    let ward = Ward::new();
    let (window, state) = app(&ward);
    record_on_the_app(
        &window,
        &state,
        Lang::En,
        [(LI_XIUYING, "ZY26001002"), (ZHANG_WEI, "ZY26001001")],
        "CT scan",
    );
    let mut found = read_on_the_app(&window, &state, Lang::ZhCn, ["李秀英", "张伟"]);
    record_on_the_app(
        &window,
        &state,
        Lang::ZhCn,
        [("bdpd-000006", "ZY26001006"), ("bdpd-000008", "ZY26001008")],
        "患者外出做CT",
    );
    found.extend(read_on_the_app(&window, &state, Lang::En, ["杨静", "黄丽"]));
    assert_none("records read in the other language", &found);
}
