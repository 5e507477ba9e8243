//! bedside: stops the wrong blood from reaching the wrong patient, and watches the patient while
//! the blood runs in. This crate is the thin edge: the command line and the touch UI over the
//! library crates in `crates/` (ARCHITECTURE.md has the map), and the demo mode behind the
//! `demo` feature.

pub mod cli;
#[cfg(feature = "demo")]
pub mod demo;
pub mod ui;
