//! Every kind of record a ward's day makes (`common::day`: a reaction, a keyed unit number, a
//! near miss, the green channel's emergency release, an interruption with its repeat check, an
//! end while interrupted, a record the blood bank refused), read by the charge nurse on the touch
//! app (Slint's testing backend): the board, the list, each record, the indicators, each screen
//! in both languages. Slint's platform is per process: one test.

mod common;

use bedside::ui::*;
use common::day::a_day;
use common::ui::*;
use common::*;
use slint::{ComponentHandle, Model};

#[test]
fn every_kind_of_record_reads_in_both_languages_on_the_charge_nurses_screens() {
    testing_platform();
    let ward = Ward::new();
    drop(a_day(&ward));
    let (window, state) = app(&ward);
    let mut shots = Shots::new();
    sign_in(&window, "C0101", "0101");
    assert_eq!(screen(&window), Screen::Board);
    shots.both(&window, &state, "day-board");

    window.global::<BoardPage>().invoke_records();
    assert_eq!(screen(&window), Screen::Records);
    shots.both(&window, &state, "day-records");
    let review = window.global::<ReviewPage>();
    let rows = review.get_rows().row_count();
    assert_eq!(rows, 5, "every transfusion of the day");
    for i in 0..rows {
        review.invoke_open(i as i32);
        assert_eq!(screen(&window), Screen::Record);
        shots.both(&window, &state, &format!("day-record-{}", i + 1));
        window.global::<RecordPage>().invoke_back();
        assert_eq!(screen(&window), Screen::Records);
    }

    review.invoke_back();
    window.global::<BoardPage>().invoke_quality();
    assert_eq!(screen(&window), Screen::Quality);
    shots.both(&window, &state, "day-quality");
    shots.finish(&[
        Screen::Board,
        Screen::Records,
        Screen::Record,
        Screen::Quality,
    ]);
}
