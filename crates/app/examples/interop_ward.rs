//! The demo flow's bedside records, driven through the app's controllers (`Handheld`, exactly
//! what the touch UI calls) on a configured device, for `scripts/interop.sh`: the command line
//! has `bedside sync` but no check, start, round, end or reaction, so this does those and the
//! script does the rest (the blood bank, `bedside sync`, the checks of what arrived).
//!
//! ```text
//! cargo run -p bedside-app --example interop_ward -- units --config DEVICE.toml
//! cargo run -p bedside-app --example interop_ward -- start --config DEVICE.toml
//! cargo run -p bedside-app --example interop_ward -- finish-offline --config DEVICE.toml
//! ```
//!
//! - `units`: the units the device's cache holds after a pull, and any it could not map.
//! - `outbox`: the device's outbox counts (sent, waiting, quarantined).
//! - `start`: 陈静 (N0451) and 刘洋 (N0388) check 张伟's red cells against 李秀英's wristband
//!   (a near miss: the check stops and the AdverseEvent is queued), then check and start 张伟's
//!   and 李秀英's units with a baseline, and take one round on each.
//! - `finish-offline`: 张伟's transfusion ends (end round); 李秀英's round shows a fever with
//!   rigors, so it stops and the reaction is reported. Then one sync cycle in which every
//!   transaction POST is lost before it reaches the blood bank (the reads get through): the end's
//!   bundle is built on the Procedure's version of that moment and kept, to be sent again, as
//!   after a Wi-Fi drop.
//!
//! Each prints one JSON line; the exit code is 1 when a step of the flow failed.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use bedside_app::device::Device;
use bedside_app::handheld::{Ended, Handheld};
use bedside_app::transfuse::{Judgement, RunningTransfusion};
use bedside_app::verify::ScanSource;
use bedside_clock::{RandomIds, SystemClock};
use bedside_core::observations::Vitals;
use bedside_sync::http::{Answer, BloodBankHttp, NetError, Transport};
use bedside_sync::{Sync, SyncSettings};

const ZHANG_WEI: (&str, &str) = ("bdpd-000001", "ZY26001001");
const LI_XIUYING: (&str, &str) = ("bdpd-000002", "ZY26001002");

type Failure = Box<dyn std::error::Error>;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let config = match args.as_slice() {
        [_, flag, path] if flag == "--config" => PathBuf::from(path),
        _ => {
            eprintln!("usage: interop_ward units|start|finish-offline|outbox --config DEVICE.toml");
            std::process::exit(2);
        }
    };
    let result = match args[0].as_str() {
        "units" => units(&config),
        "outbox" => outbox(&config),
        "start" => start(&config),
        "finish-offline" => finish_offline(&config),
        other => {
            eprintln!("interop_ward: unknown step {other}");
            std::process::exit(2);
        }
    };
    match result {
        Ok(line) => println!("{line}"),
        Err(e) => {
            println!("{}", json!({"ok": false, "error": e.to_string()}));
            eprintln!("interop_ward {}: {e}", args[0]);
            std::process::exit(1);
        }
    }
}

/// The app as it opens on the configured device, 陈静 signed in, and its link's settings.
fn open(config: &Path) -> Result<(Handheld, SyncSettings), Failure> {
    let device = Device::configured(config)?;
    let settings = device.settings.clone();
    let mut h = device.into_handheld();
    h.login("N0451", "0451")
        .map_err(|e| format!("sign-in of N0451: {e:?}"))?;
    Ok((h, settings))
}

fn units(config: &Path) -> Result<Value, Failure> {
    let device = Device::open(config)?;
    let (records, problems) = device.store.cached()?.issue_records();
    let units: Vec<Value> = records
        .iter()
        .map(|r| {
            json!({"dispense": r.dispense_id, "status": format!("{:?}", r.status),
                   "din": r.unit.din, "product_code": r.unit.product_code,
                   "component": format!("{:?}", r.unit.component),
                   "patient_mrn": r.patient.mrn, "patient": r.patient.name,
                   "requirements": r.patient.requirements})
        })
        .collect();
    let problems: Vec<Value> = problems
        .iter()
        .map(|p| json!({"dispense": p.dispense_id, "din": p.din, "problem": p.problem.en()}))
        .collect();
    Ok(
        json!({"ok": problems.is_empty(), "units": units, "problems": problems,
              "cache_synced_at": device.store.cache_synced_at()?.map(|t| t.to_rfc3339())}),
    )
}

/// The device's outbox: what was confirmed, what waits, what was quarantined and why.
fn outbox(config: &Path) -> Result<Value, Failure> {
    let device = Device::open(config)?;
    let c = device.store.outbox_counts()?;
    Ok(
        json!({"ok": true, "queued": c.queued, "sending": c.sending, "sent": c.sent,
              "quarantined": c.quarantined, "archived": c.archived}),
    )
}

/// The four ISBT 128 barcodes printed on the bag of a cached dispense, as a scanner reads them.
fn bag_scans(h: &Handheld, dispense: &str) -> Result<Vec<String>, Failure> {
    let (records, _) = h.store.cached()?.issue_records();
    let r = records
        .iter()
        .find(|r| r.dispense_id == dispense)
        .ok_or_else(|| format!("{dispense} is not among the cached units"))?;
    let group = bedside_core::label::code_of_group(r.unit.group)
        .ok_or_else(|| format!("{dispense}: no ISBT 128 code for its group"))?;
    Ok(vec![
        format!("={}00", r.unit.din),
        format!("=%{group}00"),
        format!("=<{}", r.unit.product_code),
        format!("&>0{}", r.unit.expires_at.format("%y%j%H%M")),
    ])
}

fn vitals(temp_tenths: i32) -> Vitals {
    Vitals {
        temp_tenths: Some(temp_tenths),
        hr: Some(78),
        sbp: Some(122),
        dbp: Some(74),
        rr: Some(16),
        spo2: Some(98),
    }
}

/// A wrong wristband with 张伟's bag: the check stops and the near miss is queued.
fn near_miss(h: &mut Handheld) -> Result<Value, Failure> {
    let mut flow = h.begin_check()?;
    h.scan_wristband(&mut flow, LI_XIUYING.1)?;
    for s in bag_scans(h, ZHANG_WEI.0)? {
        h.scan_bag(&mut flow, &s, ScanSource::Scanner)?;
    }
    let outcome = flow.outcome(h.now());
    let codes: Vec<&str> = outcome.reasons.iter().map(|r| r.code.as_str()).collect();
    Ok(json!({"verdict": format!("{:?}", outcome.verdict), "reasons": codes}))
}

/// The two-person check of `dispense` against `wristband`, then the start with a baseline.
fn check_and_start(
    h: &mut Handheld,
    (dispense, wristband): (&str, &str),
    baseline: i32,
) -> Result<RunningTransfusion, Failure> {
    let mut flow = h.begin_check()?;
    h.scan_wristband(&mut flow, wristband)?;
    for s in bag_scans(h, dispense)? {
        h.scan_bag(&mut flow, &s, ScanSource::Scanner)?;
    }
    h.cosign(&mut flow, "N0388", "0388")
        .map_err(|e| format!("second checker N0388: {e:?}"))?;
    for i in 0..3 {
        flow.confirm_visual(i, true);
    }
    flow.confirm_read_aloud(true);
    let ready = flow.ready(h.now()).map_err(|why| {
        let reasons: Vec<String> = flow
            .outcome(h.now())
            .reasons
            .iter()
            .map(|r| format!("{}: {}", r.code.as_str(), r.message.en()))
            .collect();
        format!("{dispense}: the check does not let it start: {why:?} {reasons:?}")
    })?;
    Ok(h.start(&ready, Some((vitals(baseline), vec![])))?)
}

fn start(config: &Path) -> Result<Value, Failure> {
    let (mut h, _) = open(config)?;
    let stopped = near_miss(&mut h)?;
    let mut zhang = check_and_start(&mut h, ZHANG_WEI, 366)?;
    let mut li = check_and_start(&mut h, LI_XIUYING, 365)?;
    let zhang_round = h.observe(&mut zhang, vitals(368), vec![])?;
    let li_round = h.observe(&mut li, vitals(367), vec![])?;
    Ok(json!({
        "ok": stopped["verdict"] == "Stop"
            && matches!(zhang_round.judgement, Judgement::Watch(_))
            && matches!(li_round.judgement, Judgement::Watch(_)),
        "near_miss": stopped,
        "started": {
            "zhang_wei": zhang.transfusion.procedure_uuid,
            "li_xiuying": li.transfusion.procedure_uuid,
        },
        "outbox": format!("{:?}", h.outbox()?),
    }))
}

/// The blood bank's reads get through; every transaction POST is lost on the way.
struct PostsLost(BloodBankHttp);

impl Transport for PostsLost {
    fn base_url(&self) -> &str {
        self.0.base_url()
    }
    fn get(&self, path_or_url: &str, if_none_match: Option<&str>) -> Result<Answer, NetError> {
        self.0.get(path_or_url, if_none_match)
    }
    fn post_transaction(&self, _bundle: &str) -> Result<Answer, NetError> {
        Err(NetError(
            "interop: the Wi-Fi dropped before the transaction reached the blood bank".into(),
        ))
    }
}

fn running(h: &Handheld, dispense: &str) -> Result<RunningTransfusion, Failure> {
    h.running()?
        .into_iter()
        .find(|r| r.transfusion.dispense_id == dispense)
        .ok_or_else(|| format!("no running transfusion of {dispense} on this device").into())
}

fn finish_offline(config: &Path) -> Result<Value, Failure> {
    let (mut h, mut settings) = open(config)?;
    let mut zhang = running(&h, ZHANG_WEI.0)?;
    let mut li = running(&h, LI_XIUYING.0)?;
    let ended = match h.end(&mut zhang, 280, Some((vitals(367), vec![])))? {
        Ended::Normally { .. } => true,
        Ended::Reaction { .. } => false,
    };
    let Judgement::Stop(draft) = h
        .observe(&mut li, vitals(390), vec!["rigors".into()])?
        .judgement
    else {
        return Err("a fever of 39.0 °C with rigors did not stop the transfusion".into());
    };
    h.report_reaction(&li, &draft, draft.report.zh(), draft.serious)?;
    // One cycle with the POSTs lost: the end's bundle is built (its If-Match the Procedure's
    // version now) and kept for the next cycle, which sends the same bytes.
    settings.attempts = 1;
    let http = PostsLost(BloodBankHttp::for_settings(&settings)?);
    let summary = Sync {
        store: &mut h.store,
        http: &http,
        settings: &settings,
        clock: &SystemClock::china(),
        ids: &RandomIds,
        sleep: &std::thread::sleep,
    }
    .run_cycle()?;
    Ok(json!({
        "ok": ended && summary.unsent > 0,
        "ended_normally": ended,
        "reaction": draft.trigger,
        "offline_cycle": serde_json::to_value(&summary)?,
        "procedures": {
            "zhang_wei": zhang.transfusion.procedure_uuid,
            "li_xiuying": li.transfusion.procedure_uuid,
        },
    }))
}
