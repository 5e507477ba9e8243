//! The reference service's command line (`bedside-bloodbank`, and `bedside bloodbank` in a demo
//! build): serve the contract, or act as the blood bank (issue, recall, return, void).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Subcommand};
use serde_json::json;

use crate::actions::{self, EmergencyIssue, Issue, Withdrawal};
use crate::db::BloodBankDb;
use crate::{demo, server};
use bedside_clock::{Clock, SystemClock};
use bedside_core::blood::{Abo, Component, Group, Rhd};

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct BloodbankArgs {
    #[command(subcommand)]
    pub action: Option<Action>,
    /// The service's database (SQLite); created when missing.
    #[arg(long, value_name = "FILE")]
    pub db: Option<PathBuf>,
    /// Address to listen on.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// Seed the demo ward (血液科五病区) into an empty database.
    #[arg(long)]
    pub demo: bool,
    /// Admit only the devices of this JSON file ({"clients":[{"name","token_sha256","scopes"}]}):
    /// a request without a known bearer token is answered 401, one without the scope 403.
    /// Without it the service is open (a demo on loopback).
    #[arg(long, value_name = "FILE")]
    pub clients: Option<PathBuf>,
    /// The address devices use to reach the service, as its `next` links and its SMART token
    /// endpoint name it (a device refuses a next page at another address). Default:
    /// http://LISTEN/fhir, right only when devices use that very address.
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Action {
    /// Issue a unit to a patient on a ward (a new dispense).
    Issue(Box<IssueArgs>),
    /// Recall an issued unit: it must not be used anywhere.
    Recall(WithdrawArgs),
    /// Record that an issued unit came back to the blood bank unused.
    Return(WithdrawArgs),
    /// Void an issue record made in error.
    Void(WithdrawArgs),
    /// Record the crossmatch result of a unit released before it (an emergency release).
    Crossmatch(CrossmatchArgs),
    /// Merge a temporary emergency patient into the identified one (FHIR R5 $merge).
    Merge(MergeArgs),
    /// List the near misses the wards reported (AdverseEvents with actuality potential), one
    /// JSON line each, oldest first.
    NearMisses(ListArgs),
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[arg(long, value_name = "FILE")]
    pub db: PathBuf,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    #[arg(long, value_name = "FILE")]
    pub db: PathBuf,
    /// The temporary patient (`pat-em01`).
    #[arg(long)]
    pub from: String,
    /// The identified patient it is merged into (`pat-1009`).
    #[arg(long)]
    pub into: String,
}

#[derive(Debug, Args)]
pub struct CrossmatchArgs {
    #[arg(long, value_name = "FILE")]
    pub db: PathBuf,
    /// The dispense id (`bdpd-000009`).
    pub dispense: String,
    /// compatible or incompatible.
    #[arg(long)]
    pub result: String,
}

#[derive(Debug, Args)]
pub struct IssueArgs {
    #[arg(long, value_name = "FILE")]
    pub db: PathBuf,
    /// Patient id at the blood bank (`pat-1001`).
    #[arg(long)]
    pub patient: String,
    /// The 13-character DIN (`A999926400199`).
    #[arg(long)]
    pub din: String,
    /// Product description code + collection type + division (`E0001V00`).
    #[arg(long)]
    pub product_code: String,
    /// red_cells, whole_blood, plasma, platelets or cryo.
    #[arg(long)]
    pub component: String,
    /// The unit's group, e.g. "O pos", "AB neg".
    #[arg(long)]
    pub group: String,
    /// Expiry, RFC 3339 with zone (`2026-12-06T23:59:00+08:00`).
    #[arg(long)]
    pub expires: String,
    /// Unit attributes (irradiated, cmv_negative, leukoreduced, washed, hla_matched).
    #[arg(long = "attribute", value_name = "ATTRIBUTE")]
    pub attributes: Vec<String>,
    /// crossmatched, least-incompatible, selected or unmatched.
    #[arg(long, default_value = "crossmatched")]
    pub match_status: String,
    /// When the crossmatch sample expires (RFC 3339).
    #[arg(long)]
    pub sample_expires: Option<String>,
    #[arg(long, default_value = demo::WARD_ID)]
    pub ward: String,
    /// The order (ServiceRequest id) the unit answers.
    #[arg(long)]
    pub order: Option<String>,
    /// Release before the crossmatch is complete, on this doctor's authorisation (绿色通道):
    /// the doctor as the ward reads them, e.g. "李医生 (D2001)".
    #[arg(long, value_name = "DOCTOR")]
    pub emergency_doctor: Option<String>,
    /// When the emergency request reached the blood bank (RFC 3339); default now.
    #[arg(long, requires = "emergency_doctor")]
    pub requested: Option<String>,
}

#[derive(Debug, Args)]
pub struct WithdrawArgs {
    #[arg(long, value_name = "FILE")]
    pub db: PathBuf,
    /// The dispense id (`bdpd-000005`).
    pub dispense: String,
    /// Why, in words the ward will read.
    #[arg(long)]
    pub reason: String,
}

fn clock() -> Arc<dyn Clock> {
    Arc::new(SystemClock::china())
}

fn open(path: &Path) -> Result<BloodBankDb, ExitCode> {
    BloodBankDb::open(path, clock()).map_err(|e| {
        eprintln!("bedside bloodbank: {}: {e}", path.display());
        ExitCode::from(1)
    })
}

fn parse_group(text: &str) -> Option<Group> {
    let mut parts = text.split_whitespace();
    let abo = Abo::parse(parts.next()?)?;
    let rhd = Rhd::parse(parts.next()?)?;
    Some(Group::new(Some(abo), Some(rhd)))
}

fn parse_time(what: &str, text: &str) -> Result<bedside_clock::Instant, ExitCode> {
    chrono::DateTime::parse_from_rfc3339(text).map_err(|_| {
        eprintln!("bedside bloodbank: --{what} '{text}' is not a date-time with a zone, e.g. 2026-12-06T23:59:00+08:00");
        ExitCode::from(2)
    })
}

pub fn run(mut args: BloodbankArgs) -> ExitCode {
    match args.action.take() {
        Some(Action::Issue(a)) => issue(*a),
        Some(Action::Recall(a)) => withdraw(a, Withdrawal::Recall),
        Some(Action::Return(a)) => withdraw(a, Withdrawal::Return),
        Some(Action::Void(a)) => withdraw(a, Withdrawal::Void),
        Some(Action::Crossmatch(a)) => crossmatch(a),
        Some(Action::Merge(a)) => merge(a),
        Some(Action::NearMisses(a)) => near_misses(a),
        None => serve(args),
    }
}

fn serve(args: BloodbankArgs) -> ExitCode {
    let BloodbankArgs {
        db,
        listen,
        demo: demo_ward,
        clients,
        base_url,
        action: _,
    } = args;
    let base_url = base_url.map(|u| u.trim_end_matches('/').to_string());
    if let Some(url) = &base_url {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            eprintln!(
                "bedside bloodbank: --base-url '{url}' is not an http:// or https:// address"
            );
            return ExitCode::from(2);
        }
    }
    let Some(path) = db else {
        eprintln!("bedside bloodbank: --db FILE is required (the service's database; created when missing)");
        return ExitCode::from(2);
    };
    if demo_ward {
        let mut db = match open(&path) {
            Ok(db) => db,
            Err(code) => return code,
        };
        match demo::seed(&mut db) {
            Ok(true) => eprintln!("bedside bloodbank: demo ward {} seeded", demo::WARD_NAME),
            Ok(false) => {
                eprintln!("bedside bloodbank: database already has patients; demo seed skipped")
            }
            Err(r) => {
                eprintln!(
                    "bedside bloodbank: cannot seed the demo ward: {}",
                    r.outcome
                );
                return ExitCode::from(1);
            }
        }
    }
    let clients = match clients
        .as_deref()
        .map(crate::auth::Clients::load)
        .transpose()
    {
        Ok(clients) => clients,
        Err(problem) => {
            eprintln!("bedside bloodbank: {problem}");
            return ExitCode::from(2);
        }
    };
    let result = server::serve_forever(&path, &listen, base_url, clock(), clients, |url, local| {
        eprintln!(
            "bedside bloodbank: serving FHIR R5 at {url} (listening on {local}; Ctrl-C stops)"
        );
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bedside bloodbank: {e}");
            ExitCode::from(1)
        }
    }
}

fn issue(a: IssueArgs) -> ExitCode {
    let Some(component) = Component::parse(&a.component) else {
        eprintln!("bedside bloodbank: --component '{}' is not one of red_cells, whole_blood, plasma, platelets, cryo", a.component);
        return ExitCode::from(2);
    };
    let Some(group) = parse_group(&a.group) else {
        eprintln!(
            "bedside bloodbank: --group '{}' must be like \"O pos\" or \"AB neg\"",
            a.group
        );
        return ExitCode::from(2);
    };
    let expires_at = match parse_time("expires", &a.expires) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let sample_expires_at = match a
        .sample_expires
        .as_deref()
        .map(|s| parse_time("sample-expires", s))
        .transpose()
    {
        Ok(t) => t,
        Err(code) => return code,
    };
    let requested_at = match a
        .requested
        .as_deref()
        .map(|s| parse_time("requested", s))
        .transpose()
    {
        Ok(t) => t,
        Err(code) => return code,
    };
    let mut db = match open(&a.db) {
        Ok(db) => db,
        Err(code) => return code,
    };
    let emergency = a.emergency_doctor.map(|doctor| EmergencyIssue {
        doctor,
        requested_at: requested_at.unwrap_or_else(|| db.now()),
    });
    let issue = Issue {
        patient_id: a.patient,
        ward_id: a.ward,
        din: a.din,
        product_code: a.product_code,
        component,
        group,
        expires_at,
        attributes: a.attributes,
        match_status: a.match_status,
        sample_expires_at,
        issued_at: db.now(),
        service_request_id: a.order,
        emergency,
    };
    match actions::issue(&mut db, &issue) {
        Ok((product, dispense)) => {
            println!("{}", json!({"issued": dispense, "product": product}));
            ExitCode::SUCCESS
        }
        Err(r) => {
            eprintln!(
                "bedside bloodbank: issue refused: {}",
                refusal_text(&r.outcome)
            );
            ExitCode::from(1)
        }
    }
}

fn withdraw(a: WithdrawArgs, kind: Withdrawal) -> ExitCode {
    let mut db = match open(&a.db) {
        Ok(db) => db,
        Err(code) => return code,
    };
    match actions::withdraw(&mut db, &a.dispense, kind, &a.reason) {
        Ok(()) => {
            println!(
                "{}",
                json!({"dispense": a.dispense, "withdrawn": format!("{kind:?}").to_lowercase()})
            );
            ExitCode::SUCCESS
        }
        Err(r) => {
            eprintln!("bedside bloodbank: refused: {}", refusal_text(&r.outcome));
            ExitCode::from(1)
        }
    }
}

fn crossmatch(a: CrossmatchArgs) -> ExitCode {
    let compatible = match a.result.as_str() {
        "compatible" => true,
        "incompatible" => false,
        other => {
            eprintln!("bedside bloodbank: --result '{other}' must be compatible or incompatible");
            return ExitCode::from(2);
        }
    };
    let mut db = match open(&a.db) {
        Ok(db) => db,
        Err(code) => return code,
    };
    match actions::record_crossmatch(&mut db, &a.dispense, compatible) {
        Ok(()) => {
            println!(
                "{}",
                json!({"dispense": a.dispense, "crossmatch": a.result})
            );
            ExitCode::SUCCESS
        }
        Err(r) => {
            eprintln!("bedside bloodbank: refused: {}", refusal_text(&r.outcome));
            ExitCode::from(1)
        }
    }
}

fn merge(a: MergeArgs) -> ExitCode {
    let mut db = match open(&a.db) {
        Ok(db) => db,
        Err(code) => return code,
    };
    match actions::merge_patients(&mut db, &a.from, &a.into) {
        Ok(()) => {
            println!("{}", json!({"merged": a.from, "into": a.into}));
            ExitCode::SUCCESS
        }
        Err(r) => {
            eprintln!("bedside bloodbank: refused: {}", refusal_text(&r.outcome));
            ExitCode::from(1)
        }
    }
}

fn near_misses(a: ListArgs) -> ExitCode {
    let db = match open(&a.db) {
        Ok(db) => db,
        Err(code) => return code,
    };
    let found = match db.of_type("AdverseEvent", None) {
        Ok(found) => found,
        Err(e) => {
            eprintln!("bedside bloodbank: {}: {e}", a.db.display());
            return ExitCode::from(1);
        }
    };
    let mut lines: Vec<serde_json::Value> = found
        .iter()
        .filter(|r| r.json["actuality"] == "potential")
        .map(|r| near_miss_line(&r.id, &r.json))
        .collect();
    lines.sort_by(|x, y| x["recorded"].as_str().cmp(&y["recorded"].as_str()));
    for line in lines {
        println!("{line}");
    }
    ExitCode::SUCCESS
}

/// One near miss as the command lists it: codes and identifiers, as the ward sent them.
fn near_miss_line(id: &str, ae: &serde_json::Value) -> serde_json::Value {
    let codes: Vec<&str> = ae["contributingFactor"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["itemCodeableConcept"]["coding"][0]["code"].as_str())
        .collect();
    let subject = &ae["subject"];
    let unit = &ae["suspectEntity"][0]["instanceReference"];
    json!({
        "id": id,
        "recorded": ae["recordedDate"],
        "reasons": codes,
        "patient": subject["identifier"]["value"],
        "patient_display": subject["display"],
        "din": unit["identifier"]["value"],
        "unit": unit["display"],
        "ward": ae["location"]["reference"],
        "recorder": ae["recorder"]["identifier"]["value"]
            .as_str()
            .or(ae["recorder"]["reference"].as_str()),
    })
}

fn refusal_text(outcome: &serde_json::Value) -> String {
    outcome["issue"][0]["details"]["text"]
        .as_str()
        .unwrap_or("unknown reason")
        .to_string()
}
