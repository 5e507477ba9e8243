//! The touch app driven as a nurse would, with Slint's testing backend and its software
//! renderer: sign in, verify and proceed, co-sign refused for the same badge, an observation,
//! a febrile round that stops the transfusion, a check stopped for the wrong patient.
//! Screenshots of each screen in both languages go to target/screenshots/.

mod common;

use std::cell::RefCell;
use std::rc::Rc;

use bedside::app::handheld::Handheld;
use bedside::app::session::{seed_demo_staff, SessionSettings};
use bedside::clock::{RandomIds, SystemClock};
use bedside::domain::messages::Lang;
use bedside::domain::policy::Policy;
use bedside::ui::*;
use common::*;
use i_slint_backend_testing::{ElementHandle, TestingBackend, TestingBackendOptions};
use slint::ComponentHandle;

fn click(window: &AppWindow, label: &str) {
    let found: Vec<_> = ElementHandle::find_by_accessible_label(window, label)
        .filter(|e| e.accessible_role() != Some(i_slint_backend_testing::AccessibleRole::Text))
        .collect();
    assert!(!found.is_empty(), "no element labelled {label:?}");
    found[0].invoke_accessible_default_action();
}

fn type_into(window: &AppWindow, label: &str, text: &str) {
    let found: Vec<_> = ElementHandle::find_by_accessible_label(window, label)
        .filter(|e| e.accessible_role() == Some(i_slint_backend_testing::AccessibleRole::TextInput))
        .collect();
    assert!(!found.is_empty(), "no field labelled {label:?}");
    found[0].set_accessible_value(text);
}

fn screen(window: &AppWindow) -> String {
    window.global::<Nav>().get_screen().to_string()
}

fn snapshot(window: &AppWindow, name: &str) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    let shot = window.window().take_snapshot().unwrap();
    let (w, h) = (shot.width(), shot.height());
    let pixels: Vec<u8> = shot.as_bytes().to_vec();
    let distinct = pixels
        .chunks(4)
        .map(|p| (p[0], p[1], p[2]))
        .collect::<std::collections::HashSet<_>>()
        .len();
    assert!(distinct > 8, "{name}: the screen rendered blank");
    image::save_buffer(
        dir.join(format!("{name}.png")),
        &pixels,
        w,
        h,
        image::ExtendedColorType::Rgba8,
    )
    .unwrap();
}

#[test]
fn a_nurse_signs_in_verifies_observes_and_a_fever_stops_the_transfusion() {
    slint::platform::set_platform(Box::new(TestingBackend::new(TestingBackendOptions {
        mock_time: true,
        threading: false,
        renderer_name: Some("software".into()),
    })))
    .unwrap();
    let bank = demo_bank();
    let (_dir, mut store) = temp_store();
    cycle(&mut store, &settings(&bank.running.base_url));
    seed_demo_staff(&mut store, &RandomIds, &SystemClock::china()).unwrap();
    let zhang_bag = bag_scans(&store, "bdpd-000001");
    let handheld = Handheld::new(
        store,
        Box::new(SystemClock::china()),
        Box::new(RandomIds),
        Policy::default(),
        ward(),
        SessionSettings::default(),
    );
    let state = Rc::new(RefCell::new(UiState::new(handheld)));
    let window = AppWindow::new().unwrap();
    window.window().set_size(slint::PhysicalSize::new(480, 800));
    install(&window, state.clone());

    // Screenshots of the login screen in both languages.
    set_language(&mut state.borrow_mut(), Lang::ZhCn);
    snapshot(&window, "login-zh");
    set_language(&mut state.borrow_mut(), Lang::En);
    snapshot(&window, "login-en");

    // A wrong PIN is refused in words; the right one signs in.
    type_into(&window, "Badge (scan or type)", "N0451");
    for d in ["9", "9", "9", "9"] {
        click(&window, d);
    }
    click(&window, "Sign in");
    assert_eq!(screen(&window), "login");
    let p = window.global::<LoginPage>();
    assert!(
        p.get_error().contains("Wrong PIN"),
        "error {:?} badge {:?} pin {:?}",
        p.get_error(),
        p.get_badge(),
        p.get_pin()
    );
    for d in ["0", "4", "5", "1"] {
        click(&window, d);
    }
    click(&window, "Sign in");
    assert_eq!(screen(&window), "home");
    snapshot(&window, "home-en");

    // Verify 张伟's red cells.
    click(&window, "Start a bedside check");
    assert_eq!(screen(&window), "verify");
    let verify = window.global::<VerifyPage>();
    verify.invoke_scan("ZY26001001".into());
    assert!(verify.get_patient().contains("张伟"));
    for scan in &zhang_bag {
        verify.invoke_scan(scan.into());
    }
    snapshot(&window, "verify-bag-en");
    click(&window, "Check");
    // Co-sign with the same badge is refused.
    // (The review scrolls; its fields are driven through the page's properties.)
    verify.set_cosign_badge("N0451".into());
    verify.set_cosign_pin("0451".into());
    verify.invoke_cosign();
    assert!(
        verify.get_message().contains("someone else"),
        "{}",
        verify.get_message()
    );
    verify.set_cosign_badge("N0388".into());
    verify.set_cosign_pin("0388".into());
    verify.invoke_cosign();
    assert!(verify.get_second_checker().contains("刘洋"));
    assert!(!verify.get_stopped(), "{:?}", verify.get_reasons());
    verify.set_visual_expiry(true);
    verify.set_visual_bag(true);
    verify.set_visual_set(true);
    verify.set_read_aloud(true);
    set_language(&mut state.borrow_mut(), Lang::ZhCn);
    snapshot(&window, "verify-matches-zh");
    set_language(&mut state.borrow_mut(), Lang::En);
    verify.invoke_start();
    assert_eq!(screen(&window), "observe", "{}", verify.get_message());

    // Baseline, then a typo, then a febrile round with rigors.
    let observe = window.global::<ObservePage>();
    type_into(&window, "Temperature °C", "36.8");
    type_into(&window, "Heart rate /min", "80");
    type_into(&window, "Systolic mmHg", "120");
    type_into(&window, "Diastolic mmHg", "75");
    click(&window, "Record observation");
    assert_eq!(observe.get_message(), "");
    type_into(&window, "Temperature °C", "3.7");
    click(&window, "Record observation");
    assert!(
        observe.get_message().contains("3.7"),
        "{}",
        observe.get_message()
    );
    snapshot(&window, "observe-en");
    type_into(&window, "Temperature °C", "38.6");
    type_into(&window, "Heart rate /min", "96");
    click(&window, "Rigors");
    click(&window, "Record observation");
    assert_eq!(screen(&window), "reaction");
    let report = window.global::<ReactionPage>().get_report();
    assert!(report.contains("张伟"), "{report}");
    set_language(&mut state.borrow_mut(), Lang::ZhCn);
    snapshot(&window, "reaction-zh");
    set_language(&mut state.borrow_mut(), Lang::En);
    click(&window, "Send reaction report");
    assert_eq!(screen(&window), "home");
    let kinds: Vec<String> = state
        .borrow()
        .handheld
        .store
        .all_outbox()
        .unwrap()
        .iter()
        .map(|r| r.event.kind().to_string())
        .collect();
    assert_eq!(
        kinds,
        [
            "started",
            "observations_taken",
            "observations_taken",
            "reaction_reported"
        ]
    );

    // The wrong patient: 李秀英's wristband with 张伟's bag stops.
    click(&window, "Start a bedside check");
    verify.invoke_scan("ZY26001002".into());
    for scan in &zhang_bag {
        verify.invoke_scan(scan.into());
    }
    click(&window, "Check");
    assert!(verify.get_stopped());
    let reasons: Vec<String> = slint::Model::iter(&verify.get_reasons())
        .map(|r| r.to_string())
        .collect();
    assert!(reasons.iter().any(|r| r.contains("张伟")), "{reasons:?}");
    snapshot(&window, "verify-stop-en");
    set_language(&mut state.borrow_mut(), Lang::ZhCn);
    snapshot(&window, "verify-stop-zh");
}
