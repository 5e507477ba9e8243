//! Driving the touch app in tests as a person would: taps and typing found by accessible label,
//! key events, screenshots in both languages (Slint's testing backend, software renderer).

use std::cell::RefCell;
use std::rc::Rc;

use bedside::ui::*;
use bedside_clock::ManualClock;
use bedside_core::messages::Lang;
use chrono::Duration;
use i_slint_backend_testing::{
    AccessibleRole, ElementHandle, ElementQuery, TestingBackend, TestingBackendOptions,
};
use slint::platform::{Key, WindowEvent};
use slint::{ComponentHandle, SharedString};

use super::leaks::{assert_none, check, Leak};

/// The testing backend with the software renderer, once per test process.
pub fn testing_platform() {
    slint::platform::set_platform(Box::new(TestingBackend::new(TestingBackendOptions {
        mock_time: true,
        threading: false,
        renderer_name: Some("software".into()),
    })))
    .unwrap();
}

pub fn click(window: &AppWindow, label: &str) {
    let found: Vec<_> = ElementHandle::find_by_accessible_label(window, label)
        .filter(|e| e.accessible_role() != Some(AccessibleRole::Text))
        .collect();
    assert!(!found.is_empty(), "no element labelled {label:?}");
    found[0].invoke_accessible_default_action();
}

pub fn type_into(window: &AppWindow, label: &str, text: &str) {
    super::leaks::typed(text);
    let found: Vec<_> = ElementHandle::find_by_accessible_label(window, label)
        .filter(|e| e.accessible_role() == Some(AccessibleRole::TextInput))
        .collect();
    assert!(!found.is_empty(), "no field labelled {label:?}");
    found[0].set_accessible_value(text);
}

pub fn screen(window: &AppWindow) -> Screen {
    window.global::<Nav>().get_screen()
}

pub fn press(window: &AppWindow, text: SharedString) {
    window
        .window()
        .dispatch_event(WindowEvent::KeyPressed { text: text.clone() });
    window
        .window()
        .dispatch_event(WindowEvent::KeyReleased { text });
}

/// Keys into the focused scanner field, `gap_ms` apart on the app's clock, then Enter.
pub fn keys(window: &AppWindow, clock: &ManualClock, text: &str, gap_ms: i64) {
    for c in text.chars() {
        press(window, c.to_string().into());
        clock.advance(Duration::milliseconds(gap_ms));
    }
    press(window, Key::Return.into());
}

/// The screenshots a test takes, and what `both` finds on them: the words not in the screen's
/// language, and which screens were shot in both. `finish` asserts both at the test's end.
pub struct Shots {
    pub dir: std::path::PathBuf,
    pub taken: Vec<String>,
    pub leaks: Vec<Leak>,
    /// Each screen shot in both languages, with the shot's name.
    pub screens: Vec<(Screen, String)>,
    finished: bool,
}

impl Shots {
    pub fn new() -> Shots {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        Shots {
            dir,
            taken: Vec::new(),
            leaks: Vec::new(),
            screens: Vec::new(),
            finished: false,
        }
    }

    pub fn one(&mut self, window: &AppWindow, name: &str) {
        let shot = window.window().take_snapshot().unwrap();
        let pixels: Vec<u8> = shot.as_bytes().to_vec();
        let distinct = pixels
            .chunks(4)
            .map(|p| (p[0], p[1], p[2]))
            .collect::<std::collections::HashSet<_>>()
            .len();
        assert!(distinct > 8, "{name}: the screen rendered blank");
        image::save_buffer(
            self.dir.join(format!("{name}.png")),
            &pixels,
            shot.width(),
            shot.height(),
            image::ExtendedColorType::Rgba8,
        )
        .unwrap();
        self.taken.push(name.to_string());
    }

    /// The screen in Chinese, then in English (the test goes on in English); in each, every
    /// visible text is read and its words not in that language kept for `finish`.
    pub fn both(&mut self, window: &AppWindow, state: &Rc<RefCell<UiState>>, name: &str) {
        for (lang, tag) in [(Lang::ZhCn, "zh"), (Lang::En, "en")] {
            switch_language(window, &mut state.borrow_mut(), lang);
            self.one(window, &format!("{name}-{tag}"));
            let place = format!("screen {name} ({:?})", screen(window));
            self.leaks
                .extend(check(lang, &place, &visible_texts(window)));
        }
        self.screens.push((screen(window), name.to_string()));
    }

    /// The test's end: it shot exactly the screens `covers` in both languages (the list
    /// tests/language_leaks.rs adds up over the UI tests to every `Screen`), and no screen
    /// showed a word outside its language.
    pub fn finish(&mut self, covers: &[Screen]) {
        self.finished = true;
        let mut shot: Vec<Screen> = Vec::new();
        for (s, _) in &self.screens {
            if !shot.contains(s) {
                shot.push(*s);
            }
        }
        let missing: Vec<_> = covers.iter().filter(|s| !shot.contains(s)).collect();
        let unlisted: Vec<_> = shot.iter().filter(|s| !covers.contains(s)).collect();
        assert!(
            missing.is_empty() && unlisted.is_empty(),
            "screens said to be shot in both languages but not: {missing:?}; shot but not said: \
             {unlisted:?} (shots: {:?})",
            self.screens
        );
        assert_none("the screens", &self.leaks);
    }
}

impl Drop for Shots {
    /// A UI test that forgets `finish` would check nothing: it fails instead.
    fn drop(&mut self) {
        if !self.finished && !std::thread::panicking() && !self.screens.is_empty() {
            panic!("Shots::finish was not called: the screens' languages went unchecked");
        }
    }
}

/// A height every scroll view's content fits in, so that what a nurse reaches by scrolling is
/// read too (the testing backend finds only what is in view).
const TALL: u32 = 8000;

/// Every text a person sees on the window now, or reaches by scrolling: each visible element's
/// accessible label (a Text's is its text; a button's, field's or checkbox's is its words), a
/// field's content and placeholder, a description. Visible: found by the testing backend's
/// query, which skips items clipped away (an `if` not taken is no item at all; `visible: false`
/// is an empty clip), and neither transparent nor of zero size.
pub fn visible_texts(window: &AppWindow) -> Vec<String> {
    let size = window.window().size();
    window
        .window()
        .set_size(slint::PhysicalSize::new(size.width, TALL));
    let elements = ElementQuery::from_root(window).find_all();
    assert_scroll_views_fit(&elements);
    let texts = elements
        .iter()
        .filter(|e| {
            let s = e.size();
            s.width > 0.0 && s.height > 0.0 && e.computed_opacity() > 0.0
        })
        .flat_map(|e| {
            [
                e.accessible_label(),
                e.accessible_value(),
                e.accessible_placeholder_text(),
                e.accessible_description(),
            ]
        })
        .flatten()
        .map(|s| s.to_string())
        .filter(|s| !s.trim().is_empty())
        .collect();
    window.window().set_size(size);
    texts
}

/// Fails when a scroll view's content is still taller than the view at `TALL`: some text would
/// go unread.
fn assert_scroll_views_fit(elements: &[ElementHandle]) {
    for flickable in elements
        .iter()
        .filter(|e| e.type_name().is_some_and(|t| t == "Flickable"))
    {
        let viewport = flickable.query_descendants().find_first();
        let (outer, inner) = (flickable.size(), viewport.map(|v| v.size()));
        assert!(
            inner.is_none_or(|inner| inner.height <= outer.height + 1.0),
            "a scroll view's content ({inner:?}) is taller than the window made for reading \
             it ({outer:?}): raise TALL"
        );
    }
}

pub fn tick_once(window: &AppWindow, state: &Rc<RefCell<UiState>>) {
    bedside::ui::tick(window, &mut state.borrow_mut());
}

/// The badge typed, the PIN tapped on the pad, Sign in.
pub fn sign_in(window: &AppWindow, badge: &str, pin: &str) {
    type_into(window, "Badge (scan or type)", badge);
    for d in pin.chars() {
        click(window, &d.to_string());
    }
    click(window, "Sign in");
}

/// The touch app on the ward's device store and clock, 480×800, in English (the tests read the
/// English words; `Shots::both` takes both languages).
pub fn app(ward: &super::Ward) -> (AppWindow, Rc<RefCell<UiState>>) {
    app_on(ward, ward.dir.path())
}

/// The app on the device whose store (and key file) is in `dir`, on the ward's clock: another
/// handheld of the same ward.
pub fn app_on(ward: &super::Ward, dir: &std::path::Path) -> (AppWindow, Rc<RefCell<UiState>>) {
    let path = dir.join("device.db");
    let store = bedside_store::Store::open_encrypted(&path, &super::read_key(dir)).unwrap();
    let handheld = bedside_app::handheld::Handheld::new(
        store,
        Box::new(ward.clock.clone()),
        Box::new(bedside_clock::RandomIds),
        bedside_core::policy::Policy::default(),
        super::ward(),
        bedside_app::session::SessionSettings {
            auto_lock_minutes: 24 * 60,
            ..bedside_app::session::SessionSettings::default()
        },
    );
    let state = Rc::new(RefCell::new(UiState::new(handheld)));
    let window = AppWindow::new().unwrap();
    window.window().set_size(slint::PhysicalSize::new(480, 800));
    install(&window, state.clone());
    window.show().unwrap();
    switch_language(&window, &mut state.borrow_mut(), Lang::En);
    (window, state)
}
