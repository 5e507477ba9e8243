//! `bedside export`: the charge nurse's exports from the command line, under the same role check
//! as the app: the badge must belong to a charge nurse, whose PIN is read from stdin.

use bedside_core::Instant;

use super::error::{CliError, CliResult};
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use chrono::FixedOffset;
use clap::Args;

use bedside_app::config::Config;
use bedside_app::handheld::Handheld;
use bedside_app::session::SessionSettings;
use bedside_clock::{Clock, RandomIds, SystemClock};
use bedside_core::event::WardRef;
use bedside_core::messages::Lang;
use bedside_export::Format;
use bedside_store::Store;

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The device's configuration (its [device] store and [bloodbank] ward).
    #[arg(long, value_name = "FILE")]
    pub config: PathBuf,
    /// First day (YYYY-MM-DD, hospital time) or instant (RFC 3339) of the period.
    #[arg(long)]
    pub from: String,
    /// Day after the last (YYYY-MM-DD) or instant (RFC 3339): the period is [from, to).
    #[arg(long)]
    pub to: String,
    /// csv (UTF-8 with BOM), pdf (the period's quality report) or fhir (a collection Bundle).
    #[arg(long, default_value = "csv")]
    pub format: String,
    /// One transfusion's record as a PDF instead of the period (its record id, urn:uuid:…).
    #[arg(long, value_name = "ID")]
    pub record: Option<String>,
    /// The charge nurse's badge; the PIN is read from the first line of stdin.
    #[arg(long)]
    pub badge: String,
    /// Where to write the export.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Language of the headings: zh-CN or en (default: the configuration's).
    #[arg(long)]
    pub lang: Option<String>,
}

fn parse_instant(text: &str, offset: FixedOffset) -> Result<Instant, String> {
    bedside_app::ward::parse_day(text, offset).map_err(|t| t.en().to_string())
}

struct Request {
    from: Instant,
    to: Instant,
    format: Format,
    lang: Lang,
    store_path: PathBuf,
    ward: WardRef,
    config: Config,
}

fn request(args: &ExportArgs, clock: &SystemClock) -> Result<Request, String> {
    let config = Config::load(&args.config).map_err(|e| e.to_string())?;
    let offset = *clock.now().offset();
    let from = parse_instant(&args.from, offset)?;
    let to = parse_instant(&args.to, offset)?;
    if to <= from {
        return Err(format!(
            "--to {} is not after --from {}",
            args.to, args.from
        ));
    }
    let format: Format = args.format.parse()?;
    if args.record.is_some() && format != Format::Pdf {
        return Err("--record exports one transfusion as a PDF: use --format pdf".into());
    }
    let lang = match &args.lang {
        Some(l) => super::parse_lang(l)?,
        None => config.language,
    };
    let store_path = config
        .device
        .store
        .clone()
        .ok_or_else(|| format!("{} has no [device] store = \"…\"", args.config.display()))?;
    let ward = config.bloodbank.as_ref().map_or_else(
        || WardRef {
            location_id: String::new(),
            name: String::new(),
        },
        |bb| bb.ward_ref(),
    );
    Ok(Request {
        from,
        to,
        format,
        lang,
        store_path,
        ward,
        config,
    })
}

fn read_pin() -> Result<String, String> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| format!("cannot read the PIN from stdin: {e}"))?;
    let pin = line.trim().to_string();
    if pin.is_empty() {
        return Err("no PIN on stdin: the charge nurse's PIN is read from its first line".into());
    }
    Ok(pin)
}

fn write(out: &Path, bytes: &[u8]) -> Result<(), String> {
    // Written beside the target first, so a half-written export never carries the final name.
    let partial = out.with_extension("partial");
    std::fs::write(&partial, bytes)
        .and_then(|()| std::fs::rename(&partial, out))
        .map_err(|e| format!("cannot write {}: {e}", out.display()))
}

pub fn run(args: &ExportArgs) -> CliResult {
    let clock = SystemClock::china();
    let req = request(args, &clock).map_err(CliError::Usage)?;
    let result = (|| -> Result<serde_json::Value, String> {
        let pin = read_pin()?;
        let key = req.config.device.store_key().map_err(|e| e.to_string())?;
        let mut store = Store::open_encrypted(&req.store_path, &key).map_err(|e| e.to_string())?;
        store.set_mapping(req.config.mapping.clone());
        bedside_app::config_audit::audit_configuration(&mut store, &args.config, &clock.now())
            .map_err(|e| e.to_string())?;
        let mut handheld = Handheld::new(
            store,
            Box::new(clock),
            Box::new(RandomIds),
            req.config.policy.clone(),
            req.ward.clone(),
            SessionSettings::default(),
        );
        handheld
            .login(&args.badge, &pin)
            .map_err(|e| e.message().get(req.lang).to_string())?;
        let refuse = |e: bedside_app::handheld::ActionError| e.message().get(req.lang).to_string();
        let (bytes, count) = match &args.record {
            Some(id) => (handheld.export_record(id, req.lang).map_err(refuse)?, 1),
            None => handheld
                .export_period(req.from, req.to, req.format, req.lang)
                .map_err(refuse)?,
        };
        write(&args.out, &bytes)?;
        handheld.logout().map_err(|e| {
            format!(
                "{} is written, but the sign-out could not be recorded in the audit trail: {}",
                args.out.display(),
                e.message().get(req.lang)
            )
        })?;
        Ok(serde_json::json!({
            "format": req.format.to_string(),
            "from": req.from.to_rfc3339(),
            "to": req.to.to_rfc3339(),
            "record": args.record,
            "transfusions": count,
            "bytes": bytes.len(),
            "out": args.out.display().to_string(),
        }))
    })();
    let summary = result.map_err(CliError::Failed)?;
    println!("{summary}");
    Ok(ExitCode::SUCCESS)
}
