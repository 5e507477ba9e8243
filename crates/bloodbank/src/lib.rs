//! The reference blood-bank service (`bedside bloodbank`): a real FHIR R5 server over its own
//! SQLite database, speaking the contract the handheld syncs with, plus the blood bank's own
//! actions (issue, return, recall) for demos and tests.

pub mod actions;
pub mod auth;
pub mod cli;
pub mod db;
pub mod demo;
#[cfg(feature = "fault-injection")]
pub mod faults;
pub mod search;
pub mod server;
pub mod smart;
pub mod transaction;
