//! The bedside check as a nurse walks through it (三查八对): the patient's wristband, the bag's
//! barcodes with a live checklist, one screen of the eight matches computed by the engine, the
//! visual checks, the second checker's signature, warnings acknowledged with a reason. Plain
//! Rust: the touch UI shows what this returns and reports taps. The verdict is always the
//! domain's `check`; this module only gathers its inputs and lays out its answer.

use crate::clock::Instant;
use crate::domain::check::{
    check, component_names, CheckInput, CheckOutcome, CheckVerdict, IssueRecord, ReasonCode,
};
use crate::domain::event::{Acknowledgement, StaffRef};
use crate::domain::label::{check_character, parse_scan, Structure};
use crate::domain::messages::Text;
use crate::domain::policy::Policy;
use crate::domain::severity::Severity;
use crate::domain::wristband;

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
    /// What was read, as printed on the label; `None` while still missing.
    pub value: Option<String>,
}

/// How one of the eight matches stands.
#[derive(Debug, Clone, PartialEq)]
pub enum MatchState {
    /// Not scanned yet.
    Pending,
    Matches,
    /// A warning the checkers must acknowledge.
    Warning(Text),
    Mismatch(Text),
    /// Not in the blood bank's data (bed, dose): the two checkers read it aloud and confirm.
    ReadAloud,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MatchRow {
    pub label: Text,
    /// The patient's / the order's side, and the bag's / the issue's side.
    pub expected: String,
    pub found: String,
    pub state: MatchState,
}

/// The three checks (三查) made by eye.
pub const VISUAL_CHECKS: [(&str, &str); 3] = [
    (
        "Expiry on the bag read aloud and in date",
        "血袋有效期已唱读，在有效期内",
    ),
    (
        "Bag intact: no haemolysis, clots or leaks",
        "血液质量完好：无溶血、凝块、渗漏",
    ),
    (
        "Blood administration set with filter ready",
        "输血器（带滤网）已备好",
    ),
];

/// A patient with units issued to the ward and not yet hung.
#[derive(Debug, Clone, PartialEq)]
pub struct WaitingPatient {
    pub mrn: String,
    pub name: String,
    pub units: usize,
}

/// The ward's patients with units issued and waiting, to choose from (the wristband scan
/// still decides who the patient is).
pub fn patients_waiting(issued: &[IssueRecord]) -> Vec<WaitingPatient> {
    let mut out: Vec<WaitingPatient> = Vec::new();
    for r in issued.iter().filter(|r| r.status == "issued") {
        match out.iter_mut().find(|p| p.mrn == r.patient.mrn) {
            Some(p) => p.units += 1,
            None => out.push(WaitingPatient {
                mrn: r.patient.mrn.clone(),
                name: r.patient.name.clone(),
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
    issued: Vec<IssueRecord>,
    cache_synced_at: Option<Instant>,
    wristband_scan: Option<String>,
    bag_scans: Vec<String>,
    keyed_reasons: Vec<String>,
    second_checker: Option<StaffRef>,
    visual: [bool; 3],
    read_aloud: bool,
    acknowledgements: Vec<Acknowledgement>,
    /// A repeat check before restarting an interrupted transfusion: the dispense it must find.
    repeat_of: Option<String>,
}

impl VerifyFlow {
    /// The check repeated before an interrupted transfusion goes on. The same rules apply, except
    /// the 30-minute start window: the unit was started in time, and the 4-hour limit is watched
    /// while it runs. It must find the very unit that was interrupted.
    pub fn repeat(
        first_checker: StaffRef,
        issued: Vec<IssueRecord>,
        cache_synced_at: Option<Instant>,
        policy: Policy,
        dispense_id: &str,
    ) -> VerifyFlow {
        let mut flow = VerifyFlow::new(first_checker, issued, cache_synced_at, policy);
        flow.repeat_of = Some(dispense_id.to_string());
        flow
    }

    pub fn is_repeat(&self) -> bool {
        self.repeat_of.is_some()
    }

    pub fn new(
        first_checker: StaffRef,
        issued: Vec<IssueRecord>,
        cache_synced_at: Option<Instant>,
        policy: Policy,
    ) -> VerifyFlow {
        VerifyFlow {
            policy,
            first_checker,
            issued,
            cache_synced_at,
            wristband_scan: None,
            bag_scans: Vec::new(),
            keyed_reasons: Vec::new(),
            second_checker: None,
            visual: [false; 3],
            read_aloud: false,
            acknowledgements: Vec::new(),
            repeat_of: None,
        }
    }

    /// The wristband: the patient it names, or why it cannot be read.
    pub fn scan_wristband(&mut self, text: &str) -> Result<String, Text> {
        let id = wristband::patient_identifier(text, &self.policy)?;
        self.wristband_scan = Some(text.to_string());
        let name = self
            .issued
            .iter()
            .find(|r| r.patient.mrn == id || r.patient.wristband_id.as_deref() == Some(id.as_str()))
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
                return Err(Text::fill(
                    "Say why the barcode could not be scanned before keying the unit number.",
                    "手工输入献血码前，请说明无法扫描的原因。",
                    &[],
                ));
            }
            let looks_like_din = text.len() == 14
                && text.is_char_boundary(13)
                && check_character(&text[..13]).is_some();
            if !looks_like_din {
                return Err(Text::fill(
                    "Key the 13-character unit number followed by its check character (14 in all).",
                    "请输入 13 位献血码及其校验字符（共 14 位）。",
                    &[],
                ));
            }
        }
        parse_scan(text, &self.policy.label_profile()).map_err(|e| e.message)?;
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
                    Structure::BloodGroup(g) => group = Some(g.group().display()),
                    Structure::ProductCode(p) => product = Some(p.product_code),
                    Structure::Expiry { expires_at, .. } => {
                        expiry = Some(expires_at.format("%Y-%m-%d %H:%M").to_string())
                    }
                    _ => {}
                }
            }
        }
        let item = |en: &str, zh: &str, value| ChecklistItem {
            label: Text::fill(en, zh, &[]),
            value,
        };
        vec![
            item("Unit number (DIN)", "献血码", din),
            item("Blood group", "血型", group),
            item("Product", "血液成分", product),
            item("Expiry", "失效期", expiry),
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
            return Err(Text::fill(
                "Give a reason to go on despite the warning.",
                "请填写在警示下继续输血的理由。",
                &[],
            ));
        }
        self.acknowledgements.retain(|a| a.code != code.as_str());
        self.acknowledgements.push(Acknowledgement {
            code: code.as_str().to_string(),
            reason: reason.trim().to_string(),
        });
        Ok(())
    }

    /// The engine's verdict on everything gathered so far.
    pub fn outcome(&self, now: Instant) -> CheckOutcome {
        let input = CheckInput {
            now,
            cache_synced_at: self.cache_synced_at,
            first_checker: Some(self.first_checker.staff_id.as_str()),
            second_checker: self.second_checker.as_ref().map(|s| s.staff_id.as_str()),
            wristband_scan: self.wristband_scan.as_deref().unwrap_or_default(),
            bag_scans: &self.bag_scans,
            issued: &self.issued,
            unreadable: &[],
            clock: Default::default(),
        };
        let mut outcome = check(&input, &self.policy);
        if self.repeat_of.is_some() {
            outcome
                .reasons
                .retain(|r| r.code != ReasonCode::IssueTimeExceeded);
            if !outcome.reasons.iter().any(|r| r.severity == Severity::Stop) {
                outcome.verdict = CheckVerdict::Proceed;
            }
        }
        outcome
    }

    /// The issue record the bag was checked against.
    pub fn record(&self, outcome: &CheckOutcome) -> Option<&IssueRecord> {
        outcome.record.and_then(|i| self.issued.get(i))
    }

    /// The eight matches (八对), each computed from the engine's reasons where the data allows.
    /// `outcome` is this flow's `outcome` at the instant shown.
    pub fn eight_matches(&self, outcome: &CheckOutcome) -> Vec<MatchRow> {
        let record = self.record(outcome);
        let scanned = self.wristband_scan.is_some() && !self.bag_scans.is_empty();
        let state = |codes: &[ReasonCode]| -> MatchState {
            if !scanned || record.is_none() && !has_any(outcome, codes) {
                return MatchState::Pending;
            }
            match outcome.reasons.iter().find(|r| codes.contains(&r.code)) {
                Some(r) if r.severity == Severity::Stop => MatchState::Mismatch(r.message.clone()),
                Some(r) => MatchState::Warning(r.message.clone()),
                None => MatchState::Matches,
            }
        };
        let patient = record.map(|r| &r.patient);
        let unit = record.map(|r| &r.unit);
        let label = &outcome.label;
        let text = |en: &str, zh: &str| Text::fill(en, zh, &[]);
        // Not in the blood bank's data: the two checkers read it aloud from the chart.
        let read_aloud = |label: Text| MatchRow {
            label,
            expected: "—".into(),
            found: "—".into(),
            state: if scanned {
                MatchState::ReadAloud
            } else {
                MatchState::Pending
            },
        };
        let or_dash = |v: Option<String>| v.unwrap_or_else(|| "—".to_string());
        let wristband_id = outcome.patient_id.clone();
        vec![
            MatchRow {
                label: text("Patient name", "姓名"),
                expected: or_dash(patient.map(|p| p.name.clone())),
                found: or_dash(wristband_id.as_ref().map(|id| self.name_of(id))),
                state: state(&[
                    ReasonCode::UnitForOtherPatient,
                    ReasonCode::WristbandUnreadable,
                ]),
            },
            read_aloud(text("Bed", "床号")),
            MatchRow {
                label: text("Inpatient number", "住院号"),
                expected: or_dash(patient.map(|p| p.mrn.clone())),
                found: or_dash(wristband_id.clone()),
                state: state(&[
                    ReasonCode::UnitForOtherPatient,
                    ReasonCode::WristbandUnreadable,
                ]),
            },
            MatchRow {
                label: text("Bag number (DIN)", "血袋号"),
                expected: or_dash(unit.map(|u| u.din.clone())),
                found: or_dash(label.din().map(str::to_string)),
                state: state(&[
                    ReasonCode::UnitNotIssued,
                    ReasonCode::LabelInconsistent,
                    ReasonCode::LabelUnreadable,
                    ReasonCode::CheckCharacterMismatch,
                    ReasonCode::UnitStatus,
                ]),
            },
            MatchRow {
                label: text("Blood group", "血型"),
                expected: or_dash(patient.map(|p| p.group.display())),
                found: or_dash(label.group().map(|g| g.display())),
                state: state(&[
                    ReasonCode::LabelGroupMismatch,
                    ReasonCode::AboIncompatible,
                    ReasonCode::RhdIncompatible,
                    ReasonCode::AboNonidentical,
                ]),
            },
            MatchRow {
                label: text("Crossmatch", "交叉配血结果"),
                expected: "compatible / 相合".into(),
                found: or_dash(
                    record
                        .and_then(|r| r.crossmatch.as_ref())
                        .map(|c| c.result.clone()),
                ),
                state: state(&[
                    ReasonCode::CrossmatchIncompatible,
                    ReasonCode::CrossmatchMissing,
                    ReasonCode::SampleExpired,
                ]),
            },
            MatchRow {
                label: text("Component", "血液种类"),
                expected: or_dash(unit.map(|u| {
                    let (en, zh) = component_names(u.component);
                    format!("{zh} {en} {}", u.product_code)
                })),
                found: or_dash(label.product_code().map(str::to_string)),
                state: state(&[
                    ReasonCode::ProductMismatch,
                    ReasonCode::SpecialRequirementUnmet,
                    ReasonCode::UnitExpired,
                    ReasonCode::IssueTimeExceeded,
                ]),
            },
            read_aloud(text("Dose", "剂量")),
        ]
    }

    fn name_of(&self, id: &str) -> String {
        self.issued
            .iter()
            .find(|r| r.patient.mrn == id || r.patient.wristband_id.as_deref() == Some(id))
            .map(|r| r.patient.name.clone())
            .unwrap_or_else(|| id.to_string())
    }

    /// Whether the transfusion may start now; if not, every reason in words.
    pub fn ready(&self, now: Instant) -> Result<ReadyToStart, NotReady> {
        let outcome = self.outcome(now);
        if outcome.verdict == CheckVerdict::Stop {
            return Err(NotReady::Stopped(
                outcome
                    .reasons
                    .iter()
                    .filter(|r| r.severity == Severity::Stop)
                    .map(|r| r.message.clone())
                    .collect(),
            ));
        }
        // The wrong bag stops before anything else is asked for.
        if let (Some(interrupted), Some(record)) = (&self.repeat_of, self.record(&outcome)) {
            if &record.dispense_id != interrupted {
                return Err(NotReady::Stopped(vec![Text::fill(
                    "This bag ({din}) is not the one whose transfusion was interrupted: scan the interrupted bag.",
                    "此血袋（{din}）不是暂停输注的那一袋：请扫描暂停的血袋。",
                    &[("din", &record.unit.din)],
                )]));
            }
        }
        let mut missing = Vec::new();
        for w in outcome.warnings() {
            if !self
                .acknowledgements
                .iter()
                .any(|a| a.code == w.code.as_str())
            {
                missing.push(Text {
                    en: format!("Acknowledge the warning with a reason: {}", w.message.en),
                    zh: format!("请填写理由以确认警示：{}", w.message.zh),
                });
            }
        }
        for (i, (en, zh)) in VISUAL_CHECKS.iter().enumerate() {
            if !self.visual[i] {
                missing.push(Text {
                    en: format!("Confirm: {en}"),
                    zh: format!("请确认：{zh}"),
                });
            }
        }
        if !self.read_aloud {
            missing.push(Text::fill(
                "Read the bed and the dose aloud together and confirm.",
                "两人共同唱读床号与剂量并确认。",
                &[],
            ));
        }
        if !missing.is_empty() {
            return Err(NotReady::Missing(missing));
        }
        let record = self
            .record(&outcome)
            .cloned()
            .expect("proceed has a record");
        Ok(ReadyToStart {
            dispense_id: record.dispense_id.clone(),
            record,
            second_checker: self
                .second_checker
                .clone()
                .expect("proceed has a second checker"),
            acknowledgements: self.acknowledgements.clone(),
            keyed_reasons: self.keyed_reasons.clone(),
            scans: self
                .wristband_scan
                .iter()
                .chain(&self.bag_scans)
                .cloned()
                .collect(),
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

fn has_any(outcome: &CheckOutcome, codes: &[ReasonCode]) -> bool {
    outcome.reasons.iter().any(|r| codes.contains(&r.code))
}

/// Everything needed to record the start.
#[derive(Debug, Clone)]
pub struct ReadyToStart {
    pub dispense_id: String,
    pub record: IssueRecord,
    pub second_checker: StaffRef,
    pub acknowledgements: Vec<Acknowledgement>,
    pub keyed_reasons: Vec<String>,
    /// The texts scanned, wristband first, for the record.
    pub scans: Vec<String>,
    pub checked_at: Instant,
}
