//! bedside: stops the wrong blood from reaching the wrong patient, and watches the patient while
//! the blood runs in. See ARCHITECTURE.md for the map.

pub mod cli;
pub mod config;
pub mod domain;
pub mod scan;
