//! A hardware scanner in keyboard-wedge mode types the barcode as a burst of key presses ending
//! in Enter (or Tab). A nurse typing over a failed scan produces the same characters, slowly.
//! The bedside check must only take what was scanned, so every key is timed here and a text
//! counts as a scan only when it came as a burst: at least `min_chars` characters, no gap
//! between two keys longer than `max_gap`. Anything else is reported as typed, so the screen can
//! point to the labelled keyed-entry fallback (DIN + check character + reason) instead.
//!
//! Pure: the caller passes the time of each key (from the injected clock), so the rule is tested
//! at any pace.

use chrono::Duration;

use bedside_clock::Instant;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WedgeSettings {
    /// Shorter texts are typed, whatever their pace (no bag or wristband barcode is this short).
    pub min_chars: usize,
    /// The longest pause between two keys of one scan. Scanners send a key every 1–10 ms;
    /// the fastest typists need 60 ms or more between keys.
    pub max_gap: Duration,
}

impl Default for WedgeSettings {
    fn default() -> Self {
        WedgeSettings {
            min_chars: 6,
            max_gap: Duration::milliseconds(35),
        }
    }
}

/// A key as the window delivers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Key {
    Text(String),
    /// Enter or Tab: the scanner's terminator.
    Enter,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WedgeEvent {
    /// A complete burst: the barcode's text, without the terminator.
    Scan(String),
    /// Characters that came too slowly (or too few) to be a scan. Never used as a scan.
    Typed(String),
}

#[derive(Debug, Clone)]
pub struct Wedge {
    settings: WedgeSettings,
    buffer: String,
    /// Whether every gap inside `buffer` was short enough.
    burst: bool,
    last_key: Option<Instant>,
}

impl Wedge {
    pub fn new(settings: WedgeSettings) -> Wedge {
        Wedge {
            settings,
            buffer: String::new(),
            burst: true,
            last_key: None,
        }
    }

    /// One key at `at`. Returns what ended with it, if anything: Enter ends a scan or a typed
    /// text; a pause longer than `max_gap` before a key ends the text before it as typed (a scan
    /// that follows a few stray keys is still a scan).
    pub fn key(&mut self, key: Key, at: Instant) -> Option<WedgeEvent> {
        let gap_ok = self
            .last_key
            .is_none_or(|last| at - last <= self.settings.max_gap && at >= last);
        self.last_key = Some(at);
        match key {
            Key::Enter => {
                let text = std::mem::take(&mut self.buffer);
                let burst = self.burst && gap_ok;
                self.burst = true;
                self.last_key = None;
                if text.is_empty() {
                    None
                } else if burst && text.chars().count() >= self.settings.min_chars {
                    Some(WedgeEvent::Scan(text))
                } else {
                    Some(WedgeEvent::Typed(text))
                }
            }
            Key::Text(chars) => {
                let ended = if gap_ok || self.buffer.is_empty() {
                    None
                } else {
                    Some(WedgeEvent::Typed(std::mem::take(&mut self.buffer)))
                };
                self.buffer.push_str(&chars);
                // Several characters in one event come from an input method, not a scanner.
                self.burst = chars.chars().count() <= 1 && (self.burst || ended.is_some());
                ended
            }
        }
    }

    /// Called on a timer: text left without a terminator for longer than `max_gap` is typed.
    pub fn tick(&mut self, now: Instant) -> Option<WedgeEvent> {
        let last = self.last_key?;
        if self.buffer.is_empty() || now - last <= self.settings.max_gap {
            return None;
        }
        self.last_key = None;
        self.burst = true;
        Some(WedgeEvent::Typed(std::mem::take(&mut self.buffer)))
    }

    /// Whether keys are waiting for their terminator.
    pub fn is_pending(&self) -> bool {
        !self.buffer.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t0() -> Instant {
        chrono::FixedOffset::east_opt(8 * 3600)
            .unwrap()
            .with_ymd_and_hms(2026, 11, 23, 3, 0, 0)
            .unwrap()
    }

    fn feed(w: &mut Wedge, text: &str, start: Instant, gap_ms: i64) -> Vec<WedgeEvent> {
        let mut at = start;
        let mut out = Vec::new();
        for c in text.chars() {
            out.extend(w.key(Key::Text(c.to_string()), at));
            at += Duration::milliseconds(gap_ms);
        }
        out.extend(w.key(Key::Enter, at));
        out
    }

    #[test]
    fn a_fast_burst_is_a_scan_and_slow_typing_is_not() {
        let mut w = Wedge::new(WedgeSettings::default());
        assert_eq!(
            feed(&mut w, "=W000025123456", t0(), 4),
            vec![WedgeEvent::Scan("=W000025123456".into())]
        );
        // Each slow key is reported as typed at once, so the screen can say so while typing.
        let slow = feed(&mut w, "=W000025123456", t0() + Duration::seconds(5), 120);
        assert!(
            slow.iter().all(|e| matches!(e, WedgeEvent::Typed(_))),
            "{slow:?}"
        );
        let typed: String = slow
            .into_iter()
            .map(|e| match e {
                WedgeEvent::Typed(t) | WedgeEvent::Scan(t) => t,
            })
            .collect();
        assert_eq!(typed, "=W000025123456");
    }

    #[test]
    fn stray_keys_before_a_scan_are_typed_and_the_scan_still_counts() {
        let mut w = Wedge::new(WedgeSettings::default());
        let mut events = feed(&mut w, "", t0(), 0);
        events.extend(w.key(Key::Text("x".into()), t0()));
        events.extend(feed(&mut w, "%5100", t0() + Duration::seconds(1), 3));
        // Too short to be a scan even at scanner speed.
        assert_eq!(
            events,
            vec![
                WedgeEvent::Typed("x".into()),
                WedgeEvent::Typed("%5100".into())
            ]
        );
        let events = feed(&mut w, "=<E0869V00", t0() + Duration::seconds(2), 3);
        assert_eq!(events, vec![WedgeEvent::Scan("=<E0869V00".into())]);
    }

    #[test]
    fn one_slow_key_in_the_middle_makes_the_whole_text_typed() {
        let mut w = Wedge::new(WedgeSettings::default());
        let mut events = Vec::new();
        for (i, c) in "W00002512".chars().enumerate() {
            let at = t0()
                + Duration::milliseconds(if i < 4 {
                    i as i64 * 3
                } else {
                    500 + i as i64 * 3
                });
            events.extend(w.key(Key::Text(c.to_string()), at));
        }
        events.extend(w.key(Key::Enter, t0() + Duration::milliseconds(530)));
        // The five keys after the pause are a burst, but shorter than any barcode.
        assert_eq!(
            events,
            vec![
                WedgeEvent::Typed("W000".into()),
                WedgeEvent::Typed("02512".into())
            ]
        );
    }

    #[test]
    fn unterminated_keys_are_typed_after_the_timer() {
        let mut w = Wedge::new(WedgeSettings::default());
        assert_eq!(w.key(Key::Text("1".into()), t0()), None);
        assert!(w.is_pending());
        assert_eq!(w.tick(t0() + Duration::milliseconds(10)), None);
        assert_eq!(
            w.tick(t0() + Duration::milliseconds(100)),
            Some(WedgeEvent::Typed("1".into()))
        );
        assert!(!w.is_pending());
    }

    #[test]
    fn pasted_text_is_not_a_scan() {
        let mut w = Wedge::new(WedgeSettings::default());
        assert_eq!(w.key(Key::Text("=W000025123456".into()), t0()), None);
        assert_eq!(
            w.key(Key::Enter, t0()),
            Some(WedgeEvent::Typed("=W000025123456".into()))
        );
    }
}
