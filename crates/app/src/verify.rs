//! The bedside check as a nurse walks through it (三查八对): the patient's wristband, the bag's
//! barcodes with a live checklist, one screen of the eight matches computed by the engine, the
//! visual checks, the second checker's signature, warnings acknowledged with a reason. Plain
//! Rust: the touch UI shows what this returns and reports taps. The verdict is always the
//! domain's `check`; this module only gathers its inputs and lays out its answer.

use bedside_clock::Instant;
use bedside_core::check::{
    CacheSnapshot, CheckInput, CheckOutcome, DispenseStatus, IssueRecord, ReasonCode,
};
use bedside_core::event::{Acknowledgement, NearMiss, StaffRef, WardRef};
use bedside_core::label::{check_character, parse_scan, Structure};
use bedside_core::messages::{tr_noop, Text};
use bedside_core::policy::Policy;
use bedside_core::severity::Severity;
use bedside_core::transition::{check_for, clear_to_hang, is_near_miss, Purpose, Refusal};
use bedside_core::wristband;

mod matches;
pub use matches::{MatchRow, MatchState};

/// How a bag barcode reached the handheld. Keyed entry is the labelled fallback only.
#[derive(Debug, Clone, PartialEq)]
pub enum ScanSource {
    Scanner,
    Image,
    /// A DIN typed with its check character, because the barcode would not read.
    Keyed {
        reason: String,
    },
}

/// One of the checklist items the bag must yield before the check can run.
#[derive(Debug, Clone, PartialEq)]
pub struct ChecklistItem {
    pub label: Text,
    /// What was read, in words; `None` while still missing.
    pub value: Option<Text>,
}

/// The three checks (三查) made by eye.
pub const VISUAL_CHECKS: [&str; 3] = [
    tr_noop("Expiry on the bag read aloud and in date"),
    tr_noop("Bag intact: no haemolysis, clots or leaks"),
    tr_noop("Blood administration set with filter ready"),
];

/// A patient with units issued to the ward and not yet hung.
#[derive(Debug, Clone, PartialEq)]
pub struct WaitingPatient {
    pub mrn: String,
    /// The identifier the wristband carries when it is not the MRN.
    pub wristband_id: Option<String>,
    pub name: String,
    /// The bed, when the blood bank says it.
    pub bed: Option<String>,
    pub units: usize,
}

/// The ward's patients with units issued and waiting, to choose from (the wristband scan
/// still decides who the patient is).
pub fn patients_waiting(issued: &[IssueRecord]) -> Vec<WaitingPatient> {
    let mut out: Vec<WaitingPatient> = Vec::new();
    for r in issued.iter().filter(|r| r.status == DispenseStatus::Issued) {
        match out.iter_mut().find(|p| p.mrn == r.patient.mrn) {
            Some(p) => p.units += 1,
            None => out.push(WaitingPatient {
                mrn: r.patient.mrn.clone(),
                wristband_id: r.patient.wristband_id.clone(),
                name: r.patient.name.clone(),
                bed: r.patient.bed.clone(),
                units: 1,
            }),
        }
    }
    out
}

/// Why the flow cannot go on yet, in words.
#[derive(Debug, Clone, PartialEq)]
pub enum NotReady {
    Stopped(Vec<Text>),
    Missing(Vec<Text>),
}

#[derive(Debug, Clone)]
pub struct VerifyFlow {
    policy: Policy,
    first_checker: StaffRef,
    /// The cache as it was when the check began; the start judges again against the cache then.
    snapshot: CacheSnapshot,
    /// The patient chosen from the ward list, whose wristband must be the one scanned.
    chosen: Option<WaitingPatient>,
    wristband_scan: Option<String>,
    bag_scans: Vec<String>,
    keyed_reasons: Vec<String>,
    second_checker: Option<StaffRef>,
    visual: [bool; 3],
    read_aloud: bool,
    acknowledgements: Vec<Acknowledgement>,
    /// A repeat check before restarting an interrupted transfusion: what it must find.
    repeat_of: Option<RepeatOf>,
    /// The stop reasons already kept in the audit trail as a near miss, so each is kept once.
    near_miss_recorded: Vec<String>,
}

impl VerifyFlow {
    /// The check repeated before an interrupted transfusion goes on (`Purpose::Restart`).
    pub fn repeat(
        first_checker: StaffRef,
        snapshot: CacheSnapshot,
        policy: Policy,
        interrupted: RepeatOf,
    ) -> VerifyFlow {
        let mut flow = VerifyFlow::new(first_checker, snapshot, policy);
        flow.repeat_of = Some(interrupted);
        flow
    }

    pub fn is_repeat(&self) -> bool {
        self.repeat_of.is_some()
    }

    pub fn new(first_checker: StaffRef, snapshot: CacheSnapshot, policy: Policy) -> VerifyFlow {
        VerifyFlow {
            policy,
            first_checker,
            snapshot,
            chosen: None,
            wristband_scan: None,
            bag_scans: Vec::new(),
            keyed_reasons: Vec::new(),
            second_checker: None,
            visual: [false; 3],
            read_aloud: false,
            acknowledgements: Vec::new(),
            repeat_of: None,
            near_miss_recorded: Vec::new(),
        }
    }

    /// The check is for this patient, chosen from the ward list: the wristband must be theirs.
    pub fn for_patient(mut self, chosen: Option<WaitingPatient>) -> VerifyFlow {
        self.chosen = chosen;
        self
    }

    /// The cache as it is now, for a check whose start was refused: the screen then shows what
    /// the start saw (a recall pulled since the check, say), not the cache of the scans.
    pub fn renew(&mut self, snapshot: CacheSnapshot) {
        self.snapshot = snapshot;
    }

    pub fn chosen(&self) -> Option<&WaitingPatient> {
        self.chosen.as_ref()
    }

    fn purpose(&self) -> Purpose<'_> {
        purpose(self.repeat_of.as_ref())
    }

    /// The wristband: the patient it names, or why it cannot be read. A patient chosen from the
    /// list must be the one the wristband identifies, to the character.
    pub fn scan_wristband(&mut self, text: &str) -> Result<String, Text> {
        let id = wristband::patient_identifier(text, &self.policy)?;
        if let Some(chosen) = &self.chosen {
            if !wristband::identifies(&id, &chosen.mrn, chosen.wristband_id.as_deref()) {
                return Err(Text::tr("This wristband is {found}, not {chosen} chosen from the list. Scan {chosen}'s wristband, or go back and choose again.",
                    &[("found", &self.name_of(&id)), ("chosen", &chosen.name)],
                ));
            }
        }
        self.wristband_scan = Some(text.to_string());
        let name = self
            .snapshot
            .issued
            .iter()
            .find(|r| wristband::identifies(&id, &r.patient.mrn, r.patient.wristband_id.as_deref()))
            .map(|r| format!("{} {}", r.patient.name, r.patient.mrn))
            .unwrap_or(id);
        Ok(name)
    }

    /// A bag barcode. A keyed DIN must carry its check character and a reason; anything that
    /// is not a readable label is refused here with the reader's words, before the check.
    pub fn scan_bag(&mut self, text: &str, source: ScanSource) -> Result<(), Text> {
        let text = text.trim();
        if let ScanSource::Keyed { reason } = &source {
            if reason.trim().is_empty() {
                return Err(Text::tr(
                    "Say why the barcode could not be scanned before keying the unit number.",
                    &[],
                ));
            }
            let looks_like_din = text.len() == 14
                && text.is_char_boundary(13)
                && check_character(&text[..13]).is_some();
            if !looks_like_din {
                return Err(Text::tr(
                    "Key the 13-character unit number followed by its check character (14 in all).",
                    &[],
                ));
            }
        }
        let structures = parse_scan(text, &self.policy.label_profile()).map_err(|e| e.message)?;
        let keyed_form = structures
            .iter()
            .any(|s| matches!(s, Structure::Din(d) if d.keyed));
        if keyed_form && !matches!(source, ScanSource::Keyed { .. }) {
            // A scanner reads the DIN barcode with its '=' data identifier; the bare 14
            // characters are what a hand types, and a typed DIN needs its reason.
            return Err(Text::tr("That unit number came without its barcode identifier, as if typed: scan the DIN barcode, or use \"Key the DIN\" with a reason.",
                &[],
            ));
        }
        if let ScanSource::Keyed { reason } = source {
            self.keyed_reasons.push(reason);
        }
        self.bag_scans.push(text.to_string());
        Ok(())
    }

    pub fn clear_bag(&mut self) {
        self.bag_scans.clear();
        self.keyed_reasons.clear();
    }

    /// The live checklist: DIN, group, product, expiry, as read so far.
    pub fn checklist(&self) -> Vec<ChecklistItem> {
        let mut din = None;
        let mut group = None;
        let mut product = None;
        let mut expiry = None;
        for scan in &self.bag_scans {
            for s in parse_scan(scan, &self.policy.label_profile()).unwrap_or_default() {
                match s {
                    Structure::Din(d) => din = Some(d.din),
                    Structure::BloodGroup(g) => group = Some(g.group().words()),
                    Structure::ProductCode(p) => product = Some(p.product_code),
                    Structure::Expiry { expires_at, .. } => {
                        expiry = Some(Text::date_time(expires_at))
                    }
                    _ => {}
                }
            }
        }
        let item = |msgid: &str, value| ChecklistItem {
            label: Text::tr(msgid, &[]),
            value,
        };
        let same = |v: Option<String>| v.map(|v| Text::same(&v));
        vec![
            item(tr_noop("Unit number (DIN)"), same(din)),
            item(tr_noop("Blood group"), group),
            item(tr_noop("Product"), same(product)),
            item(tr_noop("Expiry"), expiry),
        ]
    }

    pub fn bag_complete(&self) -> bool {
        self.checklist().iter().all(|i| i.value.is_some())
    }

    pub fn second_checker_signed(&mut self, staff: StaffRef) {
        self.second_checker = Some(staff);
    }

    pub fn second_checker(&self) -> Option<&StaffRef> {
        self.second_checker.as_ref()
    }

    pub fn confirm_visual(&mut self, index: usize, confirmed: bool) {
        if let Some(v) = self.visual.get_mut(index) {
            *v = confirmed;
        }
    }

    pub fn confirm_read_aloud(&mut self, confirmed: bool) {
        self.read_aloud = confirmed;
    }

    /// A warning seen and accepted, with the reason the checkers give.
    pub fn acknowledge(&mut self, code: ReasonCode, reason: &str) -> Result<(), Text> {
        if reason.trim().is_empty() {
            return Err(Text::tr("Give a reason to go on despite the warning.", &[]));
        }
        self.acknowledgements.retain(|a| a.code != code.as_str());
        self.acknowledgements.push(Acknowledgement {
            code: code.as_str().to_string(),
            reason: reason.trim().to_string(),
        });
        Ok(())
    }

    /// The warnings of this check at `now`, each with the reason it was acknowledged with.
    pub fn warnings(&self, now: Instant) -> Vec<(ReasonCode, Text, Option<String>)> {
        self.outcome(now)
            .warnings()
            .map(|w| {
                let reason = self
                    .acknowledgements
                    .iter()
                    .find(|a| a.code == w.code.as_str())
                    .map(|a| a.reason.clone());
                (w.code, w.message.clone(), reason)
            })
            .collect()
    }

    /// The engine's verdict on everything gathered so far, for this check's purpose.
    pub fn outcome(&self, now: Instant) -> CheckOutcome {
        check_for(&self.input(now), &self.policy, self.purpose())
    }

    fn input(&self, now: Instant) -> CheckInput<'_> {
        check_input(
            &self.snapshot,
            now,
            (&self.first_checker, self.second_checker.as_ref()),
            self.wristband_scan.as_deref().unwrap_or_default(),
            &self.bag_scans,
        )
    }

    /// The check stopped at `now` for a wrong-blood reason (a near miss) not yet kept: the stop
    /// reasons that make it one, and what was scanned, as the blood bank will hear of it
    /// (its `adverse_event_uuid` is left for the caller to make). Steps still to do (the second checker,
    /// the rest of the label, a wristband not scanned yet) are not near misses. Nothing is
    /// marked: `near_miss_kept` does that once the store has it.
    pub fn new_near_miss(&self, now: Instant, ward: &WardRef) -> Option<NearMiss> {
        let outcome = self.outcome(now);
        let codes: Vec<&'static str> = outcome
            .reasons
            .iter()
            .filter(|r| r.severity == Severity::Stop && is_near_miss(r.code))
            .filter(|r| self.wristband_scan.is_some() || r.code != ReasonCode::WristbandUnreadable)
            .map(|r| r.code.as_str())
            .collect();
        if codes
            .iter()
            .all(|c| self.near_miss_recorded.iter().any(|k| k == c))
        {
            return None;
        }
        let patient = outcome.patient_id.as_deref().and_then(|id| {
            self.snapshot
                .issued
                .iter()
                .map(|r| &r.patient)
                .find(|p| wristband::identifies(id, &p.mrn, p.wristband_id.as_deref()))
        });
        let record = self.record(&outcome);
        Some(NearMiss {
            adverse_event_uuid: String::new(),
            detected_at: now,
            reasons: codes.iter().map(|c| c.to_string()).collect(),
            patient_scanned: outcome.patient_id.clone(),
            patient_mrn: patient.map(|p| p.mrn.clone()),
            patient_name: patient.map(|p| p.name.clone()),
            din: outcome.label.din().map(str::to_string),
            product_code: outcome.label.product_code().map(str::to_string),
            product_id: None,
            dispense_id: record.map(|r| r.dispense_id.clone()),
            first_checker: self.first_checker.clone(),
            second_checker: self.second_checker.clone(),
            ward: ward.clone(),
            scans: self
                .wristband_scan
                .iter()
                .chain(&self.bag_scans)
                .cloned()
                .collect(),
            keyed_reasons: self.keyed_reasons.clone(),
        })
    }

    /// The near miss's stop reasons are kept (in the store): each is reported once.
    pub fn near_miss_kept(&mut self, near_miss: &NearMiss) {
        for code in &near_miss.reasons {
            if !self.near_miss_recorded.contains(code) {
                self.near_miss_recorded.push(code.clone());
            }
        }
    }

    /// The issue record the bag was checked against.
    pub fn record(&self, outcome: &CheckOutcome) -> Option<&IssueRecord> {
        outcome.record.and_then(|i| self.snapshot.issued.get(i))
    }

    /// Whether the transfusion may start now; if not, every reason in words. The start itself
    /// judges again at its own instant (`Handheld::start`).
    pub fn ready(&self, now: Instant) -> Result<ReadyToStart, NotReady> {
        let outcome = self.outcome(now);
        let record = self.record(&outcome).cloned();
        let mut missing = Vec::new();
        match clear_to_hang(
            &outcome,
            &self.snapshot.issued,
            None,
            &self.acknowledgements,
            &[],
        ) {
            Ok(()) => {}
            Err(Refusal::Unacknowledged(_)) => {}
            Err(refusal) => return Err(NotReady::Stopped(refusal.messages())),
        }
        for w in outcome.warnings() {
            if !self
                .acknowledgements
                .iter()
                .any(|a| a.code == w.code.as_str())
            {
                missing.push(Text::tr_with(
                    "Acknowledge the warning with a reason: {warning}",
                    &[("warning", (&w.message).into())],
                ));
            }
        }
        // The app always records a two-person check, whatever `require_second_checker` says
        // for the command line's scenarios: a start is never recorded with one checker.
        if self.second_checker.is_none() {
            missing.push(Text::tr(
                "The second checker signs with badge and PIN.",
                &[],
            ));
        }
        for (i, msgid) in VISUAL_CHECKS.iter().enumerate() {
            if !self.visual[i] {
                let check = Text::tr(msgid, &[]);
                missing.push(Text::tr_with(
                    "Confirm: {check}",
                    &[("check", (&check).into())],
                ));
            }
        }
        if !self.read_aloud {
            missing.push(Text::tr(
                "Read the bed and the dose aloud together and confirm.",
                &[],
            ));
        }
        let (Some(record), Some(second_checker), true) =
            (record, self.second_checker.clone(), missing.is_empty())
        else {
            return Err(NotReady::Missing(missing));
        };
        Ok(ReadyToStart {
            dispense_id: record.dispense_id.clone(),
            record,
            first_checker: self.first_checker.clone(),
            second_checker,
            acknowledgements: self.acknowledgements.clone(),
            keyed_reasons: self.keyed_reasons.clone(),
            wristband_scan: self.wristband_scan.clone().unwrap_or_default(),
            bag_scans: self.bag_scans.clone(),
            repeat_of: self.repeat_of.clone(),
            checked_at: now,
        })
    }

    /// What a stopped check leaves behind for the audit trail (the blood bank's contract has no
    /// resource for it): who, when, what was scanned, and why it stopped.
    pub fn stop_record(&self, now: Instant) -> String {
        let outcome = self.outcome(now);
        let codes: Vec<&str> = outcome.reasons.iter().map(|r| r.code.as_str()).collect();
        format!(
            "check stopped: {}; first checker {}; second checker {}; wristband {:?}; bag scans {:?}; keyed reasons {:?}",
            codes.join(", "),
            self.first_checker.staff_id,
            self.second_checker.as_ref().map_or("-", |s| s.staff_id.as_str()),
            self.wristband_scan.as_deref().unwrap_or(""),
            self.bag_scans,
            self.keyed_reasons
        )
    }
}

fn purpose(repeat_of: Option<&RepeatOf>) -> Purpose<'_> {
    match repeat_of {
        Some(r) => Purpose::Restart {
            dispense_id: &r.dispense_id,
            procedure: &r.procedure_urn,
        },
        None => Purpose::Start,
    }
}

/// The interrupted transfusion a repeat check is for: its unit and its own identifier.
#[derive(Debug, Clone, PartialEq)]
pub struct RepeatOf {
    pub dispense_id: String,
    pub procedure_urn: String,
}

/// The check's input: the scans and the checkers against a snapshot of the cache, at `now`.
fn check_input<'a>(
    snapshot: &'a CacheSnapshot,
    now: Instant,
    (first, second): (&'a StaffRef, Option<&'a StaffRef>),
    wristband_scan: &'a str,
    bag_scans: &'a [String],
) -> CheckInput<'a> {
    CheckInput {
        now,
        cache_synced_at: snapshot.synced_at,
        first_checker: Some(first.staff_id.as_str()),
        second_checker: second.map(|s| s.staff_id.as_str()),
        wristband_scan,
        bag_scans,
        issued: &snapshot.issued,
        unreadable: &snapshot.unreadable,
        clock: snapshot.clock,
    }
}

/// A check that passed, with everything the start needs to judge it again at its own instant
/// and to record it: both checkers, what was scanned, the acknowledged warnings.
#[derive(Debug, Clone)]
pub struct ReadyToStart {
    pub dispense_id: String,
    pub record: IssueRecord,
    pub first_checker: StaffRef,
    pub second_checker: StaffRef,
    pub acknowledgements: Vec<Acknowledgement>,
    pub keyed_reasons: Vec<String>,
    pub wristband_scan: String,
    pub bag_scans: Vec<String>,
    /// The interrupted transfusion, for a repeat check.
    pub repeat_of: Option<RepeatOf>,
    pub checked_at: Instant,
}

impl ReadyToStart {
    /// The texts scanned, wristband first, for the record.
    pub fn scans(&self) -> Vec<String> {
        std::iter::once(self.wristband_scan.clone())
            .chain(self.bag_scans.iter().cloned())
            .collect()
    }

    /// The check again at `now` against `snapshot` (the cache as it is then), with the same
    /// scans, checkers and acknowledgements: the rules of the start, at the start.
    pub fn recheck(
        &self,
        snapshot: &CacheSnapshot,
        policy: &Policy,
        now: Instant,
        started_on_device: &[String],
    ) -> Result<(), Refusal> {
        let input = check_input(
            snapshot,
            now,
            (&self.first_checker, Some(&self.second_checker)),
            &self.wristband_scan,
            &self.bag_scans,
        );
        let outcome = check_for(&input, policy, purpose(self.repeat_of.as_ref()));
        let started: &[String] = if self.repeat_of.is_some() {
            &[]
        } else {
            started_on_device
        };
        clear_to_hang(
            &outcome,
            &snapshot.issued,
            Some(&self.dispense_id),
            &self.acknowledgements,
            started,
        )
    }
}
