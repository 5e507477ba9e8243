//! Use cases above the store and the sync: the controllers of the touch app. Each is plain Rust
//! with no Slint in it, so a test drives a whole flow without a window; `handheld` is the one
//! entry the UI calls, and it asks the session (role, lock) before every action.

pub mod alarm;
pub mod config;
pub mod config_audit;
pub mod device;
pub mod handheld;
pub mod handover;
pub mod interruption;
pub mod late_crossmatch;
pub mod link;
pub mod massive;
pub mod observe;
pub mod patient_merge;
pub mod port;
pub mod record;
pub mod session;
pub mod transfuse;
pub mod verify;
pub mod ward;
