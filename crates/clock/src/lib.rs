//! Time and randomness, injected: every rule, timer and stamp in bedside asks a `Clock`, and every
//! client-made identifier comes from an `IdSource`, so tests can stand at any instant and replay
//! the same identifiers.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Mutex;

use chrono::{FixedOffset, TimeZone, Utc};

pub use bedside_core::Instant;
pub use uuid::Uuid;

pub trait Clock: Send + Sync {
    fn now(&self) -> Instant;
}

/// The device's wall clock, shown in the hospital's zone (China: +08:00, no daylight saving).
#[derive(Debug, Clone, Copy)]
pub struct SystemClock {
    pub offset: FixedOffset,
}

impl SystemClock {
    pub fn china() -> SystemClock {
        SystemClock {
            offset: FixedOffset::east_opt(8 * 3600).expect("valid offset"),
        }
    }
}

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Utc::now().with_timezone(&self.offset)
    }
}

/// A clock that stands still until a test moves it.
#[derive(Debug)]
pub struct ManualClock {
    millis: AtomicI64,
    offset: FixedOffset,
}

impl ManualClock {
    pub fn at(instant: Instant) -> ManualClock {
        ManualClock {
            millis: AtomicI64::new(instant.timestamp_millis()),
            offset: *instant.offset(),
        }
    }
    pub fn advance(&self, by: chrono::Duration) {
        self.millis
            .fetch_add(by.num_milliseconds(), Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Instant {
        let ms = self.millis.load(Ordering::SeqCst);
        self.offset
            .timestamp_millis_opt(ms)
            .single()
            .expect("manual clock within chrono's range")
    }
}

pub trait IdSource: Send + Sync {
    fn new_uuid(&self) -> Uuid;

    /// A number in [0, 1) for jitter (the sync's back-off), from the same source as the
    /// identifiers: the low 52 bits of a fresh UUID, which are random bits of a version-4 UUID.
    /// A test source makes it reproducible.
    fn fraction(&self) -> f64 {
        let bits = (self.new_uuid().as_u128() & ((1u128 << 52) - 1)) as u64;
        bits as f64 / (1u64 << 52) as f64
    }
}

/// Random version-4 UUIDs from the operating system's generator.
#[derive(Debug, Default, Clone, Copy)]
pub struct RandomIds;

impl IdSource for RandomIds {
    fn new_uuid(&self) -> Uuid {
        Uuid::new_v4()
    }
}

/// Reproducible version-4 UUIDs for tests: a counter in the random bits.
#[derive(Debug, Default)]
pub struct SequentialIds {
    next: Mutex<u64>,
}

impl IdSource for SequentialIds {
    fn new_uuid(&self) -> Uuid {
        let mut next = self.next.lock().unwrap_or_else(|p| p.into_inner());
        *next += 1;
        let mut bytes = [0u8; 16];
        bytes[8..].copy_from_slice(&next.to_be_bytes());
        uuid::Builder::from_random_bytes(bytes).into_uuid()
    }
}

/// `urn:uuid:…`, the form every client record identifier takes on the wire.
pub fn urn(uuid: &Uuid) -> String {
    format!("urn:uuid:{uuid}")
}

/// A shared clock is a clock: a test keeps one handle to move time while the app reads another.
impl<C: Clock + ?Sized> Clock for std::sync::Arc<C> {
    fn now(&self) -> Instant {
        (**self).now()
    }
}
