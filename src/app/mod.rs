//! Use cases above the store and the sync: what the nurse's actions record. Controllers of the
//! touch app (issue 5) build on these.

pub mod demo;
pub mod demo_labels;
pub mod handheld;
pub mod observe;
pub mod record;
pub mod session;
pub mod verify;
