//! The pure core: every rule of the bedside check and of transfusion monitoring, as functions of
//! their inputs and `now`. Nothing here reads a file, a socket, a clock or the screen; a test
//! (`tests/domain_is_pure.rs`) keeps it so.

pub mod audit;
pub mod blood;
pub mod check;
pub mod event;
pub mod label;
pub mod massive;
pub mod messages;
pub mod observations;
pub mod policy;
pub mod quality;
pub mod retrospective;
pub mod review;
pub mod severity;
pub mod transition;
pub mod wristband;

/// An instant as bedside keeps and shows it: a point in time with the hospital's UTC offset.
pub type Instant = chrono::DateTime<chrono::FixedOffset>;
