//! A ward shift on the touch app (issue 20.5), with Slint's testing backend and a clock the test
//! moves: 陈静 hands 张伟's running transfusion over to 刘洋 from its observation screen (refused
//! to herself first), the ward list names 刘洋.
//!
//! Slint's platform is per process, so this is one test.

mod common;

use std::cell::RefCell;
use std::rc::Rc;

use bedside::ui::*;
use bedside_core::messages::Lang;
use common::ui::*;
use common::*;
use slint::{ComponentHandle, Model};

#[test]
fn a_transfusion_is_handed_over_on_screen() {
    testing_platform();
    let ward = Ward::new();
    let mut h = ward.open();
    started(&mut h); // 张伟's transfusion, by 陈静
    h.logout().unwrap();
    let mut ui = UiState::new(h);
    let labels = ward.dir.path().join("labels");
    std::fs::create_dir_all(&labels).unwrap();
    ui.label_dir = Some(labels);
    let state = Rc::new(RefCell::new(ui));
    let window = AppWindow::new().unwrap();
    window.window().set_size(slint::PhysicalSize::new(480, 800));
    install(&window, state.clone());
    window.show().unwrap();
    switch_language(&window, &mut state.borrow_mut(), Lang::En);
    let mut shots = Shots::new();
    let (home, observe) = (window.global::<HomePage>(), window.global::<ObservePage>());

    sign_in(&window, "N0451", "0451");
    assert_eq!(screen(&window), Screen::Home);
    let row = home.get_running().row_data(0).unwrap();
    assert!(row.nurse.contains("陈静"), "{}", row.nurse);

    // The handover: the receiving nurse's badge and PIN, as a second checker signs.
    home.invoke_open_running(0);
    assert_eq!(screen(&window), Screen::Observe);
    assert!(observe.get_responsible().contains("陈静"));
    click(&window, "Hand over to the next shift");
    assert!(observe.get_handing_over());
    type_into(&window, "Receiving nurse's badge", "N0451");
    type_into(&window, "Receiving nurse's PIN", "0451");
    click(&window, "Hand over to this nurse");
    assert!(
        observe.get_message().contains("another nurse"),
        "{}",
        observe.get_message()
    );
    assert!(observe.get_responsible().contains("陈静"));
    type_into(&window, "Receiving nurse's badge", "N0388");
    type_into(&window, "Receiving nurse's PIN", "0388");
    shots.both(&window, &state, "observe-handover");
    click(&window, "Hand over to this nurse");
    assert!(
        observe.get_responsible().contains("刘洋"),
        "{}",
        observe.get_message()
    );
    assert!(observe.get_message().contains("Handed over to 刘洋"));
    assert!(!observe.get_handing_over());
    click(&window, "Back");
    assert_eq!(screen(&window), Screen::Home);
    let row = home.get_running().row_data(0).unwrap();
    assert!(row.nurse.contains("刘洋"), "{}", row.nurse);
}
