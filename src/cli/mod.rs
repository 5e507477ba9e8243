//! The command line of `docs/cli.md`: the engine without the UI, for hospital validation teams,
//! scripts and tests. Each subcommand prints one JSON object per input (JSON Lines) and returns
//! the process exit code: 0 all inputs processed, 1 an input could not be read, 2 bad usage.

mod audit_cmd;
mod check_cmd;
mod decode_cmd;
pub mod error;
mod export_cmd;
mod key_cmd;
mod label_cmd;
mod mapping_cmd;
pub mod scenario;
mod sync_cmd;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use error::{CliError, CliResult};

use bedside_app::config::Config;
use bedside_core::messages::Lang;

#[derive(Debug, Parser)]
#[command(
    name = "bedside",
    version,
    about = "Bedside blood-transfusion verification: the right blood to the right patient.",
    long_about = "Bedside blood-transfusion verification: the right blood to the right patient.\n\n\
        With no subcommand, bedside opens the touch app. The subcommands run the same engine \
        without the UI and print JSON Lines on stdout (see docs/cli.md).\n\n\
        Exit codes: 0 every input processed, 1 an input could not be read, 2 bad usage."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Open the app on the blood bank, ward, policy and language of this configuration file
    /// (TOML; see README). Without it, the app opens in demo mode.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Parse scanned label texts (ISBT 128, keyed-in DIN + check character, GS1 wristband).
    #[command(
        long_about = "Parse scanned label texts: ISBT 128 data structures (one or several \
        concatenated), a keyed-in DIN with its check character, or a GS1 wristband element string.\n\n\
        Prints one JSON line per input: {\"input\",\"ok\",\"structures\"} or {\"input\",\"ok\":false,\"error\":{\"code\",\"message\"}}.\n\
        With `-`, inputs come from stdin, one JSON string literal per line (e.g. \"=%5100\\r\\n\"), so \
        that control characters a scanner sends can be written as escapes."
    )]
    Label(LabelArgs),
    /// Run the clinical rules on scenario files (bedside check or observations).
    #[command(
        long_about = "Run the clinical rules of spec/clinical-rules.md on scenario files. \
        A file holds one JSON scenario object or an array of them, of kind \"bedside_check\" or \
        \"observations\".\n\n\
        Prints one JSON line per scenario: {\"id\",\"verdict\",\"reasons\":[…]} for a bedside check, \
        {\"id\",\"alerts\":[…]} for observations. A file that cannot be read or is not valid JSON \
        is reported on stderr and makes the exit code 1; the other files are still processed."
    )]
    Check(CheckArgs),
    /// The reference blood-bank service (FHIR R5), and the blood bank's actions on units.
    #[command(
        long_about = "Without an action: serve the reference blood bank over HTTP \
        (`bedside bloodbank --db FILE --listen 127.0.0.1:8080 [--demo]`), FHIR R5 as in docs/fhir-contract.md.\n\n\
        Actions change the same database, whether the service runs or not: \
        `issue` a unit to a patient, `recall` it, `return` it, `void` an issue made in error."
    )]
    #[cfg(feature = "demo")]
    Bloodbank(Box<bedside_bloodbank::cli::BloodbankArgs>),
    /// One sync cycle with the blood bank: pull what was issued, push the outbox.
    #[command(
        long_about = "One sync cycle with the blood bank named in the configuration's [bloodbank] \
        section, on the store named by [device] store: pull what was issued to the ward, then send \
        every unsent bedside record.\n\n\
        Prints one JSON line: {\"pulled\",\"pull_complete\",\"pushed\",\"retried\",\"quarantined\",\"held\",\"unsent\",\"warnings\",\"errors\"}.\n\
        Exit codes: 0 the cycle finished, 1 the blood bank could not be reached or the store failed \
        (nothing is lost: unsent records stay queued), 2 bad configuration."
    )]
    Sync(SyncArgs),
    /// Find and decode the barcodes in image files (PNG, JPEG, GIF, BMP) and parse their texts.
    #[command(
        long_about = "Find and decode the barcodes in image files (PNG, JPEG, GIF, BMP): Code 128, \
        DataMatrix, Codabar, QR Code and PDF417, every symbol of each image, and parse each text \
        as `bedside label` does.\n\n\
        Prints one JSON line per file: {\"file\",\"ok\",\"symbols\":[{\"format\",\"text\",\"label\"}],\"ms\"}, \
        or {\"file\",\"ok\":false,\"error\":{\"code\",\"message\"},\"ms\"} with code NO_BARCODE \
        (the image was read; exit code unaffected), UNREADABLE_FILE or NOT_AN_IMAGE (reported on \
        stderr too; exit code 1, the other files are still decoded). `ms` is the time to read and \
        decode the file."
    )]
    Decode(DecodeArgs),
    /// The device's staff directory: `import` a CSV (badge,name,role,pin) checked line by line.
    Staff(StaffArgs),
    /// The device's audit trail: `verify` its hash chain.
    Audit(audit_cmd::AuditArgs),
    /// The device's store: `encrypt` a store made before encryption at rest, with the key of
    /// [device] store_key_file.
    Store(StoreArgs),
    /// The charge nurse's exports of the ward's records: CSV, PDF or FHIR, for a period.
    #[command(
        long_about = "Export the ward's transfusions issued in [--from, --to) from the device's \
        store: --format csv (UTF-8 with BOM, one row per transfusion; opens in Excel and WPS), pdf \
        (the period's quality indicators and transfusions; or, with --record ID, one transfusion's \
        record with its vital-sign chart) or fhir (a FHIR R5 collection Bundle). Charge nurses \
        only: --badge names one, whose PIN is read from the first line of stdin. The export is \
        audited.\n\n\
        Prints one JSON line: {\"format\",\"from\",\"to\",\"record\",\"transfusions\",\"bytes\",\"out\"}.\n\
        Exit codes: 0 written, 1 refused (wrong PIN, not a charge nurse, unknown record) or the \
        store or file failed, 2 bad usage or configuration."
    )]
    Export(export_cmd::ExportArgs),
    /// How the blood bank's resources map to what the check reads: `check` a Bundle or resource.
    Mapping(MappingArgs),
    /// A new SMART Backend Services key for this device: the private key to a new file, the
    /// public JWK to stdout for the blood bank.
    #[command(
        long_about = "Make a new ES384 (P-384) key for SMART Backend Services. The private key         is written to --out (PKCS#8 PEM, readable by its owner only; an existing file is never         overwritten): name it in [bloodbank] private_key_file, with key_id = --kid. The public         key is printed as one JSON line, the JWK the hospital's IT registers with the blood bank         under the device's client_id (for the reference service: the client's \"jwks\" in         --clients). To rotate: make a new key with a new --kid, register it beside the old one,         switch the configuration, then retire the old key.\n\n        Exit codes: 0 written, 1 the file exists or cannot be written, 2 bad usage."
    )]
    DeviceKey {
        /// The key's id (`kid`), e.g. handheld-3-2026.
        #[arg(long)]
        kid: String,
        /// Where to write the private key.
        #[arg(long, value_name = "FILE")]
        out: std::path::PathBuf,
    },
}

#[derive(Debug, Args)]
pub struct MappingArgs {
    #[command(subcommand)]
    pub action: MappingAction,
}

#[derive(Debug, Subcommand)]
pub enum MappingAction {
    /// Read FHIR R5 files (a Bundle of any type, or one resource) through the configuration's
    /// [mapping] as the device reads its cache, and say which dispenses, units (products) and
    /// patients map and why not.
    #[command(
        long_about = "Read FHIR R5 files (a Bundle of any type, or one resource) through \
        the configuration's [mapping] exactly as the device reads what it pulled, and say which \
        dispenses, units (BiologicallyDerivedProduct) and patients map, and why not, in words a \
        blood-bank IT person can act on.\n\n\
        Prints one JSON line per file: {\"file\",\"ok\",\"resources\",\"all_map\",\"dispenses\":[…],\"units\":[…],\"patients\":[…]}, \
        each entry {\"id\",\"maps\":true,…} or {\"id\",\"maps\":false,\"problem\"}.\n\
        Exit codes: 0 everything maps, 1 something does not or a file cannot be read, 2 bad usage or configuration."
    )]
    Check {
        #[arg(required = true, value_name = "FILE.json")]
        files: Vec<PathBuf>,
        #[command(flatten)]
        common: Common,
    },
}

#[derive(Debug, Args)]
pub struct StoreArgs {
    #[command(subcommand)]
    pub action: StoreAction,
}

#[derive(Debug, Subcommand)]
pub enum StoreAction {
    /// Encrypt a plaintext device store in place of the old one. The plaintext file is kept
    /// beside it as `<store>.plaintext` for the IT team to check and then destroy securely.
    /// Prints {"encrypted": bool, "plaintext_kept": path}.
    Encrypt {
        #[arg(long, value_name = "FILE")]
        config: PathBuf,
    },
}

#[derive(Debug, Args)]
pub struct StaffArgs {
    #[command(subcommand)]
    pub action: StaffAction,
}

#[derive(Debug, Subcommand)]
pub enum StaffAction {
    /// Store the staff list in the device's store ([device] store of the configuration). Every
    /// line is checked first; a bad line changes nothing. PINs are kept only as Argon2id hashes.
    Import {
        #[arg(value_name = "STAFF.csv")]
        file: PathBuf,
        #[arg(long, value_name = "FILE")]
        config: PathBuf,
    },
}

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// Configuration file with [bloodbank] url, ward and [device] store.
    #[arg(long, value_name = "FILE")]
    pub config: PathBuf,
}

#[derive(Debug, Args)]
pub struct Common {
    /// Configuration file (TOML) with the hospital's [policy]; defaults apply without it.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Language of the messages: zh-CN or en (default: the configuration's, else zh-CN).
    #[arg(long, value_name = "LANG", value_parser = parse_lang)]
    pub lang: Option<Lang>,
}

#[derive(Debug, Args)]
pub struct LabelArgs {
    /// Scanned texts, or a single `-` to read JSON string literals from stdin, one per line.
    #[arg(required = true, value_name = "TEXT")]
    pub texts: Vec<String>,
    #[command(flatten)]
    pub common: Common,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Scenario files (JSON).
    #[arg(required = true, value_name = "SCENARIO.json")]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub common: Common,
}

#[derive(Debug, Args)]
pub struct DecodeArgs {
    /// Image files.
    #[arg(required = true, value_name = "IMAGE")]
    pub files: Vec<PathBuf>,
    /// Give up on an image after about this many milliseconds (default: try every retry), as the
    /// camera does to keep its preview smooth.
    #[arg(long, value_name = "MS")]
    pub budget_ms: Option<u64>,
    #[command(flatten)]
    pub common: Common,
}

fn staff_import(file: &std::path::Path, config_path: &std::path::Path) -> CliResult {
    let config = Config::load(config_path).map_err(CliError::usage)?;
    let Some(store_path) = &config.device.store else {
        return Err(CliError::Usage(format!(
            "{} has no [device] store = \"…\"",
            config_path.display()
        )));
    };
    let csv = std::fs::read_to_string(file)
        .map_err(|e| CliError::Failed(format!("cannot read {}: {e}", file.display())))?;
    let key = config.device.store_key().map_err(CliError::failed)?;
    let mut store =
        bedside_store::Store::open_encrypted(store_path, &key).map_err(CliError::failed)?;
    let clock = bedside_clock::SystemClock::china();
    bedside_app::config_audit::audit_configuration(
        &mut store,
        config_path,
        &bedside_clock::Clock::now(&clock),
    )
    .map_err(CliError::failed)?;
    let imported = bedside_app::session::import_staff(
        &mut store,
        &bedside_clock::RandomIds,
        &clock,
        &csv,
        "admin-import",
    )
    .map_err(|e| CliError::Failed(format!("{}: {e}", file.display())))?;
    println!("{}", serde_json::json!({ "imported": imported }));
    Ok(ExitCode::SUCCESS)
}

fn store_encrypt(config_path: &std::path::Path) -> CliResult {
    use bedside_store::{Store, StoreError};
    let config = Config::load(config_path).map_err(CliError::usage)?;
    let Some(path) = &config.device.store else {
        return Err(CliError::Usage(format!(
            "{} has no [device] store = \"…\"",
            config_path.display()
        )));
    };
    let key = config.device.store_key().map_err(CliError::usage)?;
    if !path.exists() {
        return Err(CliError::Failed(format!(
            "there is no store at {}",
            path.display()
        )));
    }
    match Store::open_encrypted(path, &key) {
        Ok(_) => {
            println!(
                "{}",
                serde_json::json!({ "encrypted": false, "already": true })
            );
            return Ok(ExitCode::SUCCESS);
        }
        Err(StoreError::WrongKey { .. }) => {}
        Err(e) => return Err(CliError::failed(e)),
    }
    let with_suffix = |suffix: &str| {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        std::path::PathBuf::from(name)
    };
    let (copy, kept) = (with_suffix(".encrypting"), with_suffix(".plaintext"));
    if kept.exists() {
        return Err(CliError::Failed(format!(
            "{} exists already; it was left as it is",
            kept.display()
        )));
    }
    // A copy left by an interrupted earlier run goes; one that cannot go stops the command.
    match std::fs::remove_file(&copy) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            return Err(CliError::Failed(format!(
                "{} is left from an earlier run and cannot be removed: {e}",
                copy.display()
            )))
        }
        _ => {}
    }
    Store::encrypt_copy(path, &copy, &key).map_err(CliError::failed)?;
    // The plaintext store is renamed, never deleted; then the checked copy takes its place.
    std::fs::rename(path, &kept)
        .and_then(|()| std::fs::rename(&copy, path))
        .map_err(|e| {
            CliError::Failed(format!(
                "the encrypted copy {} is made but could not take the store's place: {e}",
                copy.display()
            ))
        })?;
    println!(
        "{}",
        serde_json::json!({ "encrypted": true, "plaintext_kept": kept.display().to_string() })
    );
    Ok(ExitCode::SUCCESS)
}

fn parse_lang(s: &str) -> Result<Lang, String> {
    Lang::parse(s).ok_or_else(|| format!("`{s}` is not a language: use zh-CN or en"))
}

/// Runs a subcommand and says once, after its name, why it could not do its work.
pub fn run(command: Command) -> ExitCode {
    let name = command.name();
    match dispatch(command) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("bedside {name}: {e}");
            e.exit_code()
        }
    }
}

impl Command {
    /// The subcommand as the nurse or IT person typed it, to head its messages.
    fn name(&self) -> &'static str {
        match self {
            #[cfg(feature = "demo")]
            Command::Bloodbank(_) => "bloodbank",
            Command::Sync(_) => "sync",
            Command::Audit(_) => "audit verify",
            Command::Export(_) => "export",
            Command::Staff(_) => "staff import",
            Command::Store(_) => "store encrypt",
            Command::Label(_) => "label",
            Command::Check(_) => "check",
            Command::Decode(_) => "decode",
            Command::Mapping(_) => "mapping check",
            Command::DeviceKey { .. } => "device-key",
        }
    }
}

fn dispatch(command: Command) -> CliResult {
    match command {
        #[cfg(feature = "demo")]
        Command::Bloodbank(args) => Ok(bedside_bloodbank::cli::run(*args)),
        Command::Sync(args) => sync_cmd::run(&args.config),
        Command::Audit(args) => audit_cmd::run(args),
        Command::Export(args) => export_cmd::run(&args),
        Command::Staff(StaffArgs {
            action: StaffAction::Import { file, config },
        }) => staff_import(&file, &config),
        Command::Store(StoreArgs {
            action: StoreAction::Encrypt { config },
        }) => store_encrypt(&config),
        Command::Label(args) => run_engine(&args.common, |config, lang, out| {
            label_cmd::run(&args.texts, config, lang, out)
        }),
        Command::Check(args) => run_engine(&args.common, |config, lang, out| {
            check_cmd::run(&args.files, config, lang, out)
        }),
        Command::Decode(args) => run_engine(&args.common, |config, lang, out| {
            decode_cmd::run(&args.files, args.budget_ms, config, lang, out)
        }),
        Command::Mapping(MappingArgs {
            action: MappingAction::Check { files, common },
        }) => run_engine(&common, |config, lang, out| {
            mapping_cmd::run(&files, config, lang, out)
        }),
        Command::DeviceKey { kid, out } => key_cmd::run(&kid, &out),
    }
}

/// The engine's subcommands: configuration, language, JSON Lines on stdout.
fn run_engine(
    common: &Common,
    command: impl FnOnce(
        &Config,
        Lang,
        &mut std::io::BufWriter<std::io::StdoutLock<'static>>,
    ) -> ExitCode,
) -> CliResult {
    let config = match &common.config {
        None => Config::default(),
        Some(path) => Config::load(path).map_err(CliError::usage)?,
    };
    let lang = common.lang.unwrap_or(config.language);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let status = command(&config, lang, &mut out);
    match out.flush() {
        // A reader that stopped reading (`| head`) is not an error of ours.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(status),
        Err(e) => Err(CliError::Failed(format!("cannot write the output: {e}"))),
        Ok(()) => Ok(status),
    }
}

/// Writes one JSON line; a closed stdout (e.g. `| head`) ends the command quietly.
fn emit(out: &mut impl Write, value: &serde_json::Value) -> std::io::Result<()> {
    serde_json::to_writer(&mut *out, value)?;
    out.write_all(b"\n")
}
