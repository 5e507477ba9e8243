//! bedside: stops the wrong blood from reaching the wrong patient, and watches the patient while
//! the blood runs in. See ARCHITECTURE.md for the map.

pub mod app;
pub mod bloodbank;
pub mod cli;
pub mod clock;
pub mod config;
pub mod domain;
pub mod export;
pub mod fhir;
pub mod scan;
pub mod store;
pub mod sync;
pub mod ui;
