//! The bedside check's screens: wristband, bag scans with the live checklist, the eight matches,
//! co-signature, visual checks, and the scanner (keyboard wedge or a chosen label image).

use slint::{ComponentHandle, ModelRc, SharedString, VecModel};
use std::cell::RefCell;
use std::rc::Rc;

use super::{
    go, on, on_index, on_text, refresh_home, strings, transfuse, AppWindow, CheckItemView,
    ImageChoice, MatchMark, MatchRowView, ObserveMode, Screen, UiState, VerifyPage, VerifyStage,
    WarningView,
};
#[cfg(feature = "demo")]
use crate::demo::labels::draw_demo_labels;
use bedside_app::handheld::ActionError;
use bedside_app::verify::{MatchState, NotReady, ScanSource};
use bedside_core::check::ReasonCode;
use bedside_core::messages::Text;
use bedside_core::severity::Severity;
use bedside_core::transition::Refusal;
use bedside_scan::scan_image;
use bedside_scan::wedge::{Key, WedgeEvent};

/// Demo mode draws the labels of what is issued now (the blood bank may have issued more since);
/// the words for why it could not.
#[cfg(feature = "demo")]
fn draw_labels(state: &mut UiState) -> Option<Text> {
    let dir = state.label_dir.as_ref()?;
    let drawn = state
        .handheld
        .snapshot()
        .map_err(|e| e.to_string())
        .and_then(|snapshot| draw_demo_labels(&snapshot.issued, dir).map_err(|e| e.to_string()));
    match drawn {
        Ok(labels) => {
            state.images = labels
                .into_iter()
                .map(|l| super::LabelImage {
                    caption: l.caption,
                    path: l.path,
                })
                .collect();
            None
        }
        Err(why) => Some(Text::tr(
            "The label images could not be drawn ({why}): scan the labels with the scanner.",
            &[("why", &why)],
        )),
    }
}

/// A build without the demo has no label images to draw.
#[cfg(not(feature = "demo"))]
fn draw_labels(_state: &mut UiState) -> Option<Text> {
    None
}

/// Opens the check: a new one, or (`repeat`) the repeat check of the transfusion on screen.
pub(super) fn begin(window: &AppWindow, state: &mut UiState, repeat: bool) {
    let labels_problem = draw_labels(state);
    let flow = match (&state.running, repeat, state.chosen.clone()) {
        (Some(running), true, _) => state.handheld.begin_repeat_check(running),
        (_, _, Some(chosen)) => state.handheld.begin_check_for(chosen),
        _ => state.handheld.begin_check(),
    };
    match flow {
        Ok(flow) => {
            state.flow = Some(flow);
            let page = window.global::<VerifyPage>();
            page.set_stage(VerifyStage::Wristband);
            page.set_repeat(repeat);
            page.set_patient("".into());
            page.set_message(labels_problem.map(|t| state.t(&t)).unwrap_or_default());
            page.set_ack_reason("".into());
            page.set_show_images(false);
            page.set_chosen(
                state
                    .chosen
                    .as_ref()
                    .map(|p| format!("{} {}", p.name, p.mrn))
                    .unwrap_or_default()
                    .into(),
            );
            for set in [
                VerifyPage::set_visual_expiry,
                VerifyPage::set_visual_bag,
                VerifyPage::set_visual_set,
                VerifyPage::set_read_aloud,
            ] {
                set(&page, false);
            }
            refresh(window, state);
            go(window, Screen::Verify);
        }
        Err(e) => window
            .global::<VerifyPage>()
            .set_message(state.t(&e.message())),
    }
}

pub(super) fn refresh(window: &AppWindow, state: &UiState) {
    let Some(flow) = &state.flow else { return };
    let page = window.global::<VerifyPage>();
    let images: Vec<ImageChoice> = state
        .images
        .iter()
        .map(|i| ImageChoice {
            caption: state.t(&i.caption),
            path: i.path.to_string_lossy().to_string().into(),
        })
        .collect();
    page.set_images(ModelRc::new(VecModel::from(images)));
    let items: Vec<CheckItemView> = flow
        .checklist()
        .into_iter()
        .map(|i| CheckItemView {
            label: state.t(&i.label),
            done: i.value.is_some(),
            value: i.value.map(|v| state.t(&v)).unwrap_or_default(),
        })
        .collect();
    page.set_checklist(ModelRc::new(VecModel::from(items)));
    let outcome = flow.outcome(state.handheld.now());
    let rows: Vec<MatchRowView> = flow
        .eight_matches(&outcome)
        .into_iter()
        .map(|m| {
            let (kind, note) = match &m.state {
                MatchState::Pending => (MatchMark::Pending, String::new()),
                MatchState::Matches => (MatchMark::Ok, String::new()),
                MatchState::Warning(t) => (MatchMark::Warn, t.get(state.lang).to_string()),
                MatchState::Mismatch(t) => (MatchMark::Stop, t.get(state.lang).to_string()),
                MatchState::ReadAloud => (MatchMark::Aloud, String::new()),
            };
            MatchRowView {
                label: state.t(&m.label),
                expected: state.t(&m.expected),
                found: state.t(&m.found),
                state: kind,
                note: note.into(),
            }
        })
        .collect();
    page.set_matches(ModelRc::new(VecModel::from(rows)));
    let warnings: Vec<WarningView> = flow
        .warnings(state.handheld.now())
        .into_iter()
        .map(|(_, text, reason)| WarningView {
            text: state.t(&text),
            acknowledged: reason.is_some(),
            reason: reason.unwrap_or_default().into(),
        })
        .collect();
    page.set_warnings(ModelRc::new(VecModel::from(warnings)));
    let stop = |r: &&bedside_core::check::Reason| r.severity == Severity::Stop;
    // Before the co-signature the engine stops for the missing second checker: that is a step
    // still to do, not a reason to abandon the bag.
    let blocking: Vec<SharedString> = outcome
        .reasons
        .iter()
        .filter(stop)
        .filter(|r| r.code != ReasonCode::SecondCheckerRequired)
        .map(|r| state.t(&r.message))
        .collect();
    let stops: Vec<SharedString> = outcome
        .reasons
        .iter()
        .filter(stop)
        .map(|r| state.t(&r.message))
        .collect();
    page.set_stopped(!blocking.is_empty());
    page.set_reasons(strings(if blocking.is_empty() { stops } else { blocking }));
    page.set_second_checker(
        flow.second_checker()
            .map(|s| format!("{} {}", s.name, s.staff_id))
            .unwrap_or_default()
            .into(),
    );
    super::massive::show(window, state);
}

/// A scanned text, from the wedge or an image: the wristband first, then the bag.
fn take_scan(window: &AppWindow, state: &mut UiState, text: &str) {
    let page = window.global::<VerifyPage>();
    let UiState { flow, handheld, .. } = state;
    let Some(flow) = flow.as_mut() else {
        return;
    };
    let result = if page.get_stage() == VerifyStage::Wristband {
        handheld.scan_wristband(flow, text).map(|name| {
            page.set_patient(name.into());
            page.set_stage(VerifyStage::Bag);
        })
    } else {
        handheld.scan_bag(flow, text, ScanSource::Scanner)
    };
    let message = result.err().map(|e| state.t(&e.message()));
    page.set_message(message.unwrap_or_default());
    super::massive::cosign_if_open(window, state);
    refresh(window, state);
}

/// The start (or restart), judged again at its own instant, stops (or could not be recorded):
/// back to the check with the reasons, against the cache as the start saw it.
pub(super) fn refused(window: &AppWindow, state: &mut UiState, error: &ActionError) {
    let mut message = error.message();
    if let Some(flow) = state.flow.as_mut() {
        if let Err(e) = state.handheld.renew_check(flow) {
            message = Text::join(&[message, e.message()], "\n");
        }
    }
    let message = state.t(&message);
    // The matches and warnings as the start saw them; a stop keeps Start withheld, a warning
    // that appeared since the check is acknowledged on its row, then Start again.
    refresh(window, state);
    match error {
        ActionError::CheckStopped { refusal, .. }
            if !matches!(refusal, Refusal::Unacknowledged(_)) =>
        {
            show_refusal(window, message)
        }
        _ => {
            let page = window.global::<VerifyPage>();
            page.set_stage(VerifyStage::Review);
            page.set_message(message);
            go(window, Screen::Verify);
        }
    }
}

fn show_refusal(window: &AppWindow, message: SharedString) {
    let page = window.global::<VerifyPage>();
    page.set_stage(VerifyStage::Review);
    page.set_stopped(true);
    page.set_reasons(strings(
        message.split('\n').map(SharedString::from).collect(),
    ));
    page.set_message(message);
    go(window, Screen::Verify);
}

fn typed_refusal() -> Text {
    Text::tr("That was typed, not scanned: a scan must come from the scanner or a label image. If the barcode cannot be read, use \"Key the DIN\" below with a reason.",
        &[],
    )
}

fn wedge_event(window: &AppWindow, state: &mut UiState, event: WedgeEvent) {
    match event {
        WedgeEvent::Scan(text) => take_scan(window, state, &text),
        WedgeEvent::Typed(_) => {
            let page = window.global::<VerifyPage>();
            page.set_message(state.t(&typed_refusal()));
        }
    }
}

/// Lets keys left without Enter time out as typed.
pub(super) fn tick(window: &AppWindow, state: &mut UiState) {
    let now = state.handheld.now();
    if let Some(event) = state.wedge.tick(now) {
        wedge_event(window, state, event);
    }
}

pub(super) fn install(window: &AppWindow, state: Rc<RefCell<UiState>>) {
    let weak = window.as_weak();
    let verify = window.global::<VerifyPage>();
    verify.on_key(on_text(&weak, &state, key_pressed));
    // Scans that reach the app already assembled (a scanner service, the tests' harness).
    verify.on_scan(on_text(&weak, &state, take_scan));
    verify.on_scan_image(on_text(&weak, &state, scan_image_file));
    verify.on_key_din(on(&weak, &state, key_din));
    verify.on_acknowledge(on_index(&weak, &state, acknowledge_warning));
    verify.on_next(on(&weak, &state, |w, s| {
        w.global::<VerifyPage>().set_stage(VerifyStage::Review);
        refresh(w, s);
    }));
    verify.on_cosign(on(&weak, &state, cosign));
    verify.on_start(on(&weak, &state, start_checked));
    verify.on_cancel(on(&weak, &state, cancel));
}

/// A key from a keyboard-wedge scanner (or the keyboard): the wedge tells keys from scans.
fn key_pressed(window: &AppWindow, state: &mut UiState, text: &str) {
    let key = match text {
        "\n" | "\r" | "\t" => Key::Enter,
        // Arrows, function keys and the like arrive as private-use characters.
        t if t
            .chars()
            .all(|c| !c.is_control() && !('\u{f700}'..='\u{f8ff}').contains(&c)) =>
        {
            Key::Text(t.to_string())
        }
        _ => return,
    };
    let now = state.handheld.now();
    if let Some(event) = state.wedge.key(key, now) {
        wedge_event(window, state, event);
    }
}

fn scan_image_file(window: &AppWindow, state: &mut UiState, path: &str) {
    match scan_image(std::path::Path::new(path)) {
        Ok(texts) => {
            window.global::<VerifyPage>().set_show_images(false);
            for text in texts {
                take_scan(window, state, &text);
            }
        }
        Err(problem) => {
            let message = state.t(&problem.message());
            window.global::<VerifyPage>().set_message(message);
        }
    }
}

/// The nurse keyed the unit number (the scan failed), with her reason.
fn key_din(window: &AppWindow, state: &mut UiState) {
    let page = window.global::<VerifyPage>();
    let Some(flow) = state.flow.as_mut() else {
        return;
    };
    let result = state.handheld.scan_bag(
        flow,
        page.get_keyed_din().as_str(),
        ScanSource::Keyed {
            reason: page.get_keyed_reason().to_string(),
        },
    );
    match result {
        Ok(()) => {
            page.set_keyed_din("".into());
            page.set_message("".into());
        }
        Err(e) => page.set_message(state.t(&e.message())),
    }
    refresh(window, state);
}

fn acknowledge_warning(window: &AppWindow, state: &mut UiState, index: usize) {
    let page = window.global::<VerifyPage>();
    let now = state.handheld.now();
    let Some(flow) = state.flow.as_mut() else {
        return;
    };
    let Some((code, _, _)) = flow.warnings(now).into_iter().nth(index) else {
        return;
    };
    match state
        .handheld
        .acknowledge(flow, code, &page.get_ack_reason())
    {
        Ok(()) => {
            page.set_ack_reason("".into());
            page.set_message("".into());
        }
        Err(e) => page.set_message(state.t(&e.message())),
    }
    refresh(window, state);
}

fn cosign(window: &AppWindow, state: &mut UiState) {
    let page = window.global::<VerifyPage>();
    let Some(flow) = state.flow.as_mut() else {
        return;
    };
    let result = state.handheld.cosign(
        flow,
        page.get_cosign_badge().as_str(),
        page.get_cosign_pin().as_str(),
    );
    page.set_cosign_pin("".into());
    match result {
        Ok(_) => page.set_message("".into()),
        Err(e) => page.set_message(e.text(state.lang).into()),
    }
    refresh(window, state);
}

/// Start pressed: the visual checks and the read-aloud confirmed, the check judged ready.
fn start_checked(window: &AppWindow, state: &mut UiState) {
    let page = window.global::<VerifyPage>();
    let Some(flow) = state.flow.as_mut() else {
        return;
    };
    flow.confirm_visual(0, page.get_visual_expiry());
    flow.confirm_visual(1, page.get_visual_bag());
    flow.confirm_visual(2, page.get_visual_set());
    flow.confirm_read_aloud(page.get_read_aloud());
    match flow.ready(state.handheld.now()) {
        Ok(ready) if flow.is_repeat() => {
            let Some(running) = state.running.as_mut() else {
                return;
            };
            // The restart judges the check again at this instant.
            match state.handheld.restart(running, &ready) {
                Ok(()) => {
                    state.flow = None;
                    transfuse::show(window, state, ObserveMode::Running);
                }
                Err(e) => refused(window, state, &e),
            }
        }
        Ok(ready) => {
            // The check passed: the baseline comes next, then the start, which judges the
            // check again at its own instant. The flow stays until the start is recorded.
            transfuse::ask_baseline(window, state, ready);
        }
        Err(NotReady::Stopped(reasons)) | Err(NotReady::Missing(reasons)) => {
            page.set_message(state.t(&Text::join(&reasons, "\n")));
        }
    }
}

fn cancel(window: &AppWindow, state: &mut UiState) {
    // A stop was kept in the audit trail when the scan that caused it was taken.
    let repeat = state.flow.take().is_some_and(|f| f.is_repeat());
    state.ready = None;
    if repeat {
        transfuse::show(window, state, ObserveMode::Running);
    } else {
        refresh_home(window, state);
        go(window, Screen::Home);
    }
}
