//! The audible alarm: a short tone (and a vibration where the device has a motor) when the check
//! stops and when an observation is missed. The screen's flashing red banner shows either way:
//! it is the alarm on a device with no sound, and a tone is only ever in addition to it.
//!
//! `Alarm` is the port; `DeviceAlarm` the handheld's (the terminal bell when the app runs from
//! one, else it says once that there is no sound device), `Silent` for the Slint testing backend
//! and CI, and `RecordingAlarm` the tests' fake. `AlarmWatch` decides when to ring, so each stop
//! and each missed observation rings once, not at every redraw.

use std::collections::HashSet;
use std::io::{IsTerminal, Write};
use std::sync::{Arc, Mutex};

use bedside_clock::Instant;
use bedside_core::messages::Text;
use bedside_core::observations::{schedule, SlotStatus};
use bedside_core::policy::Policy;
use bedside_core::severity::Severity;
use bedside_core::transition::is_near_miss;

use crate::transfuse::RunningTransfusion;
use crate::verify::VerifyFlow;

/// The words of the flashing banner for `cause`.
pub fn alarm_words(cause: AlarmCause) -> Text {
    match cause {
        AlarmCause::CheckStopped => Text::tr("ALARM: the check stopped. Do not hang this bag. (Tap when seen.)",
            &[],
        ),
        AlarmCause::ObservationMissed => Text::tr("ALARM: an observation was missed. Take the vital signs now. (Tap when seen.)",
            &[],
        ),
        AlarmCause::LateCrossmatchIncompatible => Text::tr("ALARM: an emergency unit's crossmatch came back INCOMPATIBLE: see the red banner. (Tap when seen.)",
            &[],
        ),
    }
}

/// Why the alarm rings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlarmCause {
    /// The bedside check stops: do not hang the bag.
    CheckStopped,
    /// An observation's window closed with nothing taken.
    ObservationMissed,
    /// An emergency unit's crossmatch came back incompatible after its start (§6.3).
    LateCrossmatchIncompatible,
}

/// `[alerts]` of the device's configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertSettings {
    #[serde(default = "yes")]
    pub sound: bool,
    #[serde(default = "yes")]
    pub vibrate: bool,
}

fn yes() -> bool {
    true
}

impl Default for AlertSettings {
    fn default() -> Self {
        AlertSettings {
            sound: true,
            vibrate: true,
        }
    }
}

/// What the device does to draw attention beyond the screen.
pub trait Alarm {
    /// One short tone (and vibration) for `cause`, as far as the device can.
    fn ring(&mut self, cause: AlarmCause);
    /// What the device cannot do, said once (the first ring that found it out); `None` after.
    fn take_notice(&mut self) -> Option<Text>;
}

/// No sound, no vibration: the testing backend, CI, or `[alerts]` turned off.
#[derive(Debug, Default)]
pub struct Silent;

impl Alarm for Silent {
    fn ring(&mut self, _cause: AlarmCause) {}
    fn take_notice(&mut self) -> Option<Text> {
        None
    }
}

/// The tests' fake: keeps every ring.
#[derive(Debug, Clone, Default)]
pub struct RecordingAlarm {
    pub rung: Arc<Mutex<Vec<AlarmCause>>>,
}

impl RecordingAlarm {
    pub fn rings(&self) -> Vec<AlarmCause> {
        self.rung.lock().map(|r| r.clone()).unwrap_or_default()
    }
}

impl Alarm for RecordingAlarm {
    fn ring(&mut self, cause: AlarmCause) {
        if let Ok(mut rung) = self.rung.lock() {
            rung.push(cause);
        }
    }
    fn take_notice(&mut self) -> Option<Text> {
        None
    }
}

/// The handheld's alarm. The only sound it can make without an audio library (and the system
/// packages one needs) is the terminal bell, heard when the app runs from a terminal; a device
/// without one, and every device in CI, has "no sound device", said once. No vibration motor is
/// reachable from a Linux handheld's userland, so a wish to vibrate is said once too.
#[derive(Debug)]
pub struct DeviceAlarm {
    settings: AlertSettings,
    bell: bool,
    noticed: bool,
    notice: Option<Text>,
}

impl DeviceAlarm {
    pub fn new(settings: AlertSettings) -> DeviceAlarm {
        let in_ci = std::env::var_os("CI").is_some();
        DeviceAlarm {
            settings,
            bell: settings.sound && !in_ci && std::io::stderr().is_terminal(),
            noticed: false,
            notice: None,
        }
    }
}

impl Alarm for DeviceAlarm {
    fn ring(&mut self, _cause: AlarmCause) {
        let mut missing = Vec::new();
        if self.bell {
            let mut err = std::io::stderr();
            // A bell that cannot be written is a missing sound device, not a failure to report.
            if err.write_all(b"\x07").and_then(|()| err.flush()).is_err() {
                self.bell = false;
                missing.push("sound");
            }
        } else if self.settings.sound {
            missing.push("sound");
        }
        if self.settings.vibrate {
            missing.push("vibrate");
        }
        if !missing.is_empty() && !self.noticed {
            self.noticed = true;
            self.notice = Some(notice_words(&missing));
        }
    }

    fn take_notice(&mut self) -> Option<Text> {
        self.notice.take()
    }
}

fn notice_words(missing: &[&str]) -> Text {
    match (missing.contains(&"sound"), missing.contains(&"vibrate")) {
        (true, true) => Text::tr(
            "No sound device and no vibration on this handheld: alarms show on the screen only.",
            &[],
        ),
        (true, false) => Text::tr(
            "No sound device on this handheld: alarms show on the screen only.",
            &[],
        ),
        _ => Text::tr(
            "No vibration on this handheld: alarms sound and show on the screen.",
            &[],
        ),
    }
}

/// When to ring: once when a check comes to a stop (again only if its stop reasons change), and
/// once when observations newly fall overdue, whatever the screen redraws meanwhile.
pub struct AlarmWatch {
    pub alarm: Box<dyn Alarm>,
    stop: Vec<String>,
    missed: HashSet<(String, String)>,
    late: HashSet<String>,
    /// The last ring not yet acknowledged on screen: the flashing banner shows it.
    pending: Option<AlarmCause>,
}

impl AlarmWatch {
    pub fn new(alarm: Box<dyn Alarm>) -> AlarmWatch {
        AlarmWatch {
            alarm,
            stop: Vec::new(),
            missed: HashSet::new(),
            late: HashSet::new(),
            pending: None,
        }
    }

    fn ring(&mut self, cause: AlarmCause) {
        self.alarm.ring(cause);
        self.pending = Some(cause);
    }

    /// The alarm the screen shows (flashing) until a nurse taps it.
    pub fn pending(&self) -> Option<AlarmCause> {
        self.pending
    }

    /// Seen: the banner goes; the next stop or missed observation brings it back.
    pub fn acknowledge(&mut self) {
        self.pending = None;
    }

    /// The check as it stands: its stop reason codes (none while it may go on). Rings when it
    /// comes to a stop; returns whether it rang.
    pub fn check(&mut self, stop_codes: &[&str]) -> bool {
        let mut codes: Vec<String> = stop_codes.iter().map(|c| c.to_string()).collect();
        codes.sort();
        let ring = !codes.is_empty() && codes != self.stop;
        self.stop = codes;
        if ring {
            self.ring(AlarmCause::CheckStopped);
        }
        ring
    }

    /// The check whose verdict is on screen (if any) at `now`: its stop reasons that are near
    /// misses, the ones the audit trail keeps (the co-signature or the rest of the label still
    /// to come are steps to do, not a stop). Rings when it comes to a stop.
    pub fn check_flow(&mut self, flow: Option<&VerifyFlow>, now: Instant) -> bool {
        let outcome = flow.map(|f| f.outcome(now));
        let stops: Vec<&str> = outcome
            .iter()
            .flat_map(|o| &o.reasons)
            .filter(|r| r.severity == Severity::Stop && is_near_miss(r.code))
            .map(|r| r.code.as_str())
            .collect();
        self.check(&stops)
    }

    /// The transfusions with an incompatible late crossmatch still to be taken in: rings once
    /// for each newly alerting one; returns whether it rang.
    pub fn late_crossmatches(&mut self, procedures: &[&str]) -> bool {
        let mut new = false;
        for p in procedures {
            new |= self.late.insert(p.to_string());
        }
        if new {
            self.ring(AlarmCause::LateCrossmatchIncompatible);
        }
        new
    }

    /// The running transfusions at `now`: rings once if any observation slot is newly overdue
    /// (one tone for several found together); returns whether it rang.
    pub fn observations(
        &mut self,
        running: &[RunningTransfusion],
        now: Instant,
        policy: &Policy,
    ) -> bool {
        let mut new = false;
        for r in running {
            for slot in schedule(&r.monitor, now, policy) {
                if slot.status == SlotStatus::Overdue {
                    let key = (r.transfusion.procedure_uuid.clone(), slot.label);
                    new |= self.missed.insert(key);
                }
            }
        }
        if new {
            self.ring(AlarmCause::ObservationMissed);
        }
        new
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stop_rings_once_until_its_reasons_change() {
        let fake = RecordingAlarm::default();
        let mut watch = AlarmWatch::new(Box::new(fake.clone()));
        assert!(!watch.check(&[]));
        assert!(watch.check(&["UNIT_FOR_OTHER_PATIENT"]));
        assert!(!watch.check(&["UNIT_FOR_OTHER_PATIENT"]), "a redraw");
        assert!(watch.check(&["UNIT_FOR_OTHER_PATIENT", "UNIT_EXPIRED"]));
        assert!(!watch.check(&[]));
        assert!(
            watch.check(&["UNIT_EXPIRED"]),
            "a new stop after a clear one"
        );
        assert_eq!(fake.rings(), vec![AlarmCause::CheckStopped; 3]);
    }

    #[test]
    fn a_device_with_no_sound_says_so_once() {
        // Under `cargo test` stderr is captured or a pipe in CI: no bell, so no sound device.
        let mut alarm = DeviceAlarm::new(AlertSettings {
            sound: true,
            vibrate: false,
        });
        alarm.bell = false;
        alarm.ring(AlarmCause::CheckStopped);
        let notice = alarm.take_notice().expect("said once");
        assert!(notice.en().contains("No sound device"), "{}", notice.en());
        alarm.ring(AlarmCause::ObservationMissed);
        assert_eq!(alarm.take_notice(), None);
        let mut off = DeviceAlarm::new(AlertSettings {
            sound: false,
            vibrate: false,
        });
        off.ring(AlarmCause::CheckStopped);
        assert_eq!(off.take_notice(), None, "turned off is not missing");
    }

    #[test]
    fn an_incompatible_late_crossmatch_rings_once_per_transfusion() {
        let fake = RecordingAlarm::default();
        let mut watch = AlarmWatch::new(Box::new(fake.clone()));
        assert!(!watch.late_crossmatches(&[]));
        assert!(watch.late_crossmatches(&["urn:uuid:p-1"]));
        assert!(!watch.late_crossmatches(&["urn:uuid:p-1"]), "a redraw");
        assert!(watch.late_crossmatches(&["urn:uuid:p-1", "urn:uuid:p-2"]));
        assert_eq!(
            fake.rings(),
            vec![AlarmCause::LateCrossmatchIncompatible; 2]
        );
        assert_eq!(
            watch.pending(),
            Some(AlarmCause::LateCrossmatchIncompatible)
        );
    }
}
