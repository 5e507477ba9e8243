//! The bedside check (床旁核对, 三查八对) of `clinical-rules.md` §1: what the wristband and the
//! bag say, against what the blood bank issued, at `now`.
//!
//! The check collects every reason that applies instead of stopping at the first, so the nurse
//! sees the whole picture at once; any `stop` reason makes the verdict `stop`.

use chrono::{Duration, FixedOffset, NaiveDateTime, TimeZone};

use crate::blood::{compatibility, Component, Group, Verdict};
use crate::label::{self, LabelErrorCode, Structure};
use crate::messages::{Lang, Text};
use crate::policy::Policy;
use crate::severity::Severity;
use crate::wristband;

pub use crate::Instant;

/// Everything the check looks at. Times carry their offset; label times (local wall-clock) are
/// read in the offset of `now`.
#[derive(Debug, Clone)]
pub struct CheckInput<'a> {
    pub now: Instant,
    /// The last successful pull from the blood bank; `None` when the device never pulled.
    pub cache_synced_at: Option<Instant>,
    pub first_checker: Option<&'a str>,
    pub second_checker: Option<&'a str>,
    pub wristband_scan: &'a str,
    pub bag_scans: &'a [String],
    pub issued: &'a [IssueRecord],
    /// Units issued to the ward that the device could not read completely (a mapping problem):
    /// a scan of one of them stops with the problem, never passes on half the facts.
    pub unreadable: &'a [UnreadableIssue],
    /// What the device knows of its own clock against the blood bank's.
    pub clock: ClockFacts,
}

/// A dispense the device holds but could not turn into an issue record, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct UnreadableIssue {
    pub dispense_id: String,
    /// The unit's DIN when the product could be read that far.
    pub din: Option<String>,
    /// What is wrong, in words a blood-bank IT person can act on.
    pub problem: Text,
}

/// The device clock against the blood bank's: the facts the check needs to trust `now`.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ClockFacts {
    /// Device time minus the blood bank's (its HTTP `Date`) at the last pull, in seconds.
    pub server_offset_seconds: Option<i64>,
    /// The latest instant this device already knows to have passed (the blood bank's time at
    /// the last pull, the last record written): a `now` before it means the clock went back.
    pub latest_known: Option<Instant>,
}

/// What the device's cache holds at one instant, as the check reads it.
#[derive(Debug, Clone, Default)]
pub struct CacheSnapshot {
    pub issued: Vec<IssueRecord>,
    pub unreadable: Vec<UnreadableIssue>,
    /// The last complete pull; `None` when the device never pulled.
    pub synced_at: Option<Instant>,
    pub clock: ClockFacts,
}

/// One unit issued by the blood bank (a dispense), as cached on the device.
#[derive(Debug, Clone, PartialEq)]
pub struct IssueRecord {
    pub dispense_id: String,
    /// `issued`, `returned`, `recalled`, `cancelled`, `transfused`, …
    pub status: String,
    pub issued_at: Instant,
    pub patient: PatientRecord,
    pub unit: UnitRecord,
    pub crossmatch: Option<Crossmatch>,
    /// The client identifier of the transfusion that started this unit, as the blood bank
    /// marked it on the dispense: a unit already hanging (on another handheld) is not started
    /// again (`domain::transition`).
    pub started_by: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PatientRecord {
    pub mrn: String,
    pub wristband_id: Option<String>,
    pub name: String,
    pub birth_date: Option<chrono::NaiveDate>,
    pub group: Group,
    /// Attributes every unit for this patient must have (`irradiated`, `cmv_negative`, …).
    pub requirements: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct UnitRecord {
    pub din: String,
    pub product_code: String,
    pub component: Component,
    pub group: Group,
    pub expires_at: Instant,
    pub attributes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Crossmatch {
    /// `compatible`, `incompatible`, `not_required`, or anything else (pending, …).
    pub result: String,
    pub sample_expires_at: Option<Instant>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReasonCode {
    SecondCheckerRequired,
    SameChecker,
    WristbandUnreadable,
    LabelUnreadable,
    CheckCharacterMismatch,
    LabelInconsistent,
    LabelIncomplete,
    UnitNotIssued,
    UnitForOtherPatient,
    UnitStatus,
    ProductMismatch,
    LabelGroupMismatch,
    AboIncompatible,
    AboNonidentical,
    RhdIncompatible,
    UnitExpired,
    CrossmatchIncompatible,
    CrossmatchMissing,
    SampleExpired,
    IssueTimeExceeded,
    SpecialRequirementUnmet,
    CacheStale,
    /// A repeat check found another bag than the interrupted one (`domain::transition`).
    NotTheInterruptedUnit,
    /// The blood bank's record of the scanned unit could not be read completely on the device.
    IssueRecordUnreadable,
    /// The device clock disagrees with the blood bank's, went back, or precedes an issue time.
    ClockUntrusted,
}

impl ReasonCode {
    pub fn as_str(self) -> &'static str {
        use ReasonCode::*;
        match self {
            SecondCheckerRequired => "SECOND_CHECKER_REQUIRED",
            SameChecker => "SAME_CHECKER",
            WristbandUnreadable => "WRISTBAND_UNREADABLE",
            LabelUnreadable => "LABEL_UNREADABLE",
            CheckCharacterMismatch => "CHECK_CHARACTER_MISMATCH",
            LabelInconsistent => "LABEL_INCONSISTENT",
            LabelIncomplete => "LABEL_INCOMPLETE",
            UnitNotIssued => "UNIT_NOT_ISSUED",
            UnitForOtherPatient => "UNIT_FOR_OTHER_PATIENT",
            UnitStatus => "UNIT_STATUS",
            ProductMismatch => "PRODUCT_MISMATCH",
            LabelGroupMismatch => "LABEL_GROUP_MISMATCH",
            AboIncompatible => "ABO_INCOMPATIBLE",
            AboNonidentical => "ABO_NONIDENTICAL",
            RhdIncompatible => "RHD_INCOMPATIBLE",
            UnitExpired => "UNIT_EXPIRED",
            CrossmatchIncompatible => "CROSSMATCH_INCOMPATIBLE",
            CrossmatchMissing => "CROSSMATCH_MISSING",
            SampleExpired => "SAMPLE_EXPIRED",
            IssueTimeExceeded => "ISSUE_TIME_EXCEEDED",
            SpecialRequirementUnmet => "SPECIAL_REQUIREMENT_UNMET",
            CacheStale => "CACHE_STALE",
            NotTheInterruptedUnit => "NOT_THE_INTERRUPTED_UNIT",
            IssueRecordUnreadable => "ISSUE_RECORD_UNREADABLE",
            ClockUntrusted => "CLOCK_UNTRUSTED",
        }
    }

    /// The key the UI looks its own rendering up by (`reason.UNIT_EXPIRED`).
    pub fn message_key(self) -> String {
        format!("reason.{}", self.as_str())
    }
}

/// One reason the check found, with the words the nurse reads.
#[derive(Debug, Clone, PartialEq)]
pub struct Reason {
    pub code: ReasonCode,
    pub severity: Severity,
    pub message: Text,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckVerdict {
    Proceed,
    Stop,
}

impl CheckVerdict {
    pub fn as_str(self) -> &'static str {
        match self {
            CheckVerdict::Proceed => "proceed",
            CheckVerdict::Stop => "stop",
        }
    }
}

/// What the bag scans said, gathered from every readable structure.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LabelFacts {
    pub dins: Vec<String>,
    pub groups: Vec<Group>,
    pub product_codes: Vec<String>,
    pub expiries: Vec<NaiveDateTime>,
    /// True when a DIN was keyed in rather than scanned (recorded as such).
    pub keyed_din: bool,
}

impl LabelFacts {
    pub fn din(&self) -> Option<&str> {
        single(&self.dins).map(String::as_str)
    }
    pub fn group(&self) -> Option<Group> {
        single(&self.groups).copied()
    }
    pub fn product_code(&self) -> Option<&str> {
        single(&self.product_codes).map(String::as_str)
    }
    pub fn expires_at(&self) -> Option<NaiveDateTime> {
        single(&self.expiries).copied()
    }
}

/// The value when every scan agrees on it.
fn single<T: PartialEq>(values: &[T]) -> Option<&T> {
    let first = values.first()?;
    values.iter().all(|v| v == first).then_some(first)
}

#[derive(Debug, Clone, PartialEq)]
pub struct CheckOutcome {
    pub verdict: CheckVerdict,
    /// Stop reasons first, then warnings, each group in the order the checks ran.
    pub reasons: Vec<Reason>,
    /// The identifier read from the wristband.
    pub patient_id: Option<String>,
    pub label: LabelFacts,
    /// Index into `CheckInput::issued` of the record the unit was checked against.
    pub record: Option<usize>,
}

impl CheckOutcome {
    pub fn warnings(&self) -> impl Iterator<Item = &Reason> {
        self.reasons.iter().filter(|r| r.severity == Severity::Warn)
    }
}

/// Runs the bedside check.
pub fn check(input: &CheckInput, policy: &Policy) -> CheckOutcome {
    let mut found = Reasons::default();

    check_staff(input, policy, &mut found);

    let patient_id = match wristband::patient_identifier(input.wristband_scan, policy) {
        Ok(id) => Some(id),
        Err(detail) => {
            found.stop(
                ReasonCode::WristbandUnreadable,
                &[("detail_en", &detail.en), ("detail_zh", &detail.zh)],
            );
            None
        }
    };

    let label = read_bag(input.bag_scans, policy, &mut found);

    let record = label.din().and_then(|din| {
        // A record the device could not read stops the unit even beside a readable one of
        // the same DIN: which of them counts cannot be known.
        let unreadable: Vec<&UnreadableIssue> = input
            .unreadable
            .iter()
            .filter(|u| u.din.as_deref().map(str::trim) == Some(din))
            .collect();
        for u in &unreadable {
            found.stop(
                ReasonCode::IssueRecordUnreadable,
                &[
                    ("din", din),
                    ("problem_en", &u.problem.en),
                    ("problem_zh", &u.problem.zh),
                ],
            );
        }
        let record = most_recent_issue(input.issued, din);
        if record.is_none() && unreadable.is_empty() {
            found.stop(ReasonCode::UnitNotIssued, &[("din", din)]);
        }
        record
    });
    if let Some(index) = record {
        check_record(
            input,
            &input.issued[index],
            patient_id.as_deref(),
            &label,
            policy,
            &mut found,
        );
    }

    check_cache(input, policy, &mut found);
    check_clock(input, record.map(|i| &input.issued[i]), policy, &mut found);

    let verdict = if found.0.iter().any(|r| r.severity == Severity::Stop) {
        CheckVerdict::Stop
    } else {
        CheckVerdict::Proceed
    };
    let mut reasons = found.0;
    reasons.sort_by_key(|r| std::cmp::Reverse(r.severity));
    CheckOutcome {
        verdict,
        reasons,
        patient_id,
        label,
        record,
    }
}

fn check_staff(input: &CheckInput, policy: &Policy, found: &mut Reasons) {
    let badge = |b: Option<&str>| {
        b.map(str::trim)
            .filter(|b| !b.is_empty())
            .map(str::to_uppercase)
    };
    let first = badge(input.first_checker);
    let second = badge(input.second_checker);
    match (&first, &second) {
        (Some(a), Some(b)) if a == b => found.stop(ReasonCode::SameChecker, &[("badge", a)]),
        (Some(_), Some(_)) => {}
        _ if policy.require_second_checker => found.stop(ReasonCode::SecondCheckerRequired, &[]),
        _ => {}
    }
}

/// Reads every bag scan; unreadable scans become reasons, readable ones become facts.
fn read_bag(scans: &[String], policy: &Policy, found: &mut Reasons) -> LabelFacts {
    let profile = policy.label_profile();
    let mut facts = LabelFacts::default();
    for (i, scan) in scans.iter().enumerate() {
        let number = (i + 1).to_string();
        match label::parse_scan(scan, &profile) {
            Ok(structures) => structures.iter().for_each(|s| collect(s, &mut facts)),
            Err(e) if e.code == LabelErrorCode::CheckCharacterMismatch => found.stop(
                ReasonCode::CheckCharacterMismatch,
                &[
                    ("scan", scan.trim()),
                    ("detail_en", &e.message.en),
                    ("detail_zh", &e.message.zh),
                ],
            ),
            Err(e) => found.stop(
                ReasonCode::LabelUnreadable,
                &[
                    ("n", &number),
                    ("detail_en", &e.message.en),
                    ("detail_zh", &e.message.zh),
                ],
            ),
        }
    }
    dedup(&mut facts.dins);
    dedup(&mut facts.groups);
    dedup(&mut facts.product_codes);
    dedup(&mut facts.expiries);

    // Two bags under one scanner is exactly how the wrong blood reaches a patient; conflicting
    // groups, products or expiries on one label leave the app unsure which to trust.
    let conflicts = [
        (facts.dins.len() > 1).then(|| facts.dins.join(" / ")),
        (facts.groups.len() > 1).then(|| {
            facts
                .groups
                .iter()
                .map(Group::display)
                .collect::<Vec<_>>()
                .join(" / ")
        }),
        (facts.product_codes.len() > 1).then(|| facts.product_codes.join(" / ")),
        (facts.expiries.len() > 1).then(|| {
            facts
                .expiries
                .iter()
                .map(|e| e.format("%Y-%m-%d %H:%M").to_string())
                .collect::<Vec<_>>()
                .join(" / ")
        }),
    ];
    for values in conflicts.into_iter().flatten() {
        found.stop(ReasonCode::LabelInconsistent, &[("values", &values)]);
    }

    let missing: Vec<(&str, &str)> = [
        (facts.dins.is_empty(), ("unit number (DIN)", "献血码")),
        (facts.groups.is_empty(), ("blood group", "血型")),
        (facts.product_codes.is_empty(), ("product code", "产品码")),
        (facts.expiries.is_empty(), ("expiry", "失效期")),
    ]
    .into_iter()
    .filter_map(|(is_missing, names)| is_missing.then_some(names))
    .collect();
    if !missing.is_empty() {
        let en = missing.iter().map(|m| m.0).collect::<Vec<_>>().join(", ");
        let zh = missing.iter().map(|m| m.1).collect::<Vec<_>>().join("、");
        found.stop(
            ReasonCode::LabelIncomplete,
            &[("missing_en", &en), ("missing_zh", &zh)],
        );
    }
    facts
}

fn collect(structure: &Structure, facts: &mut LabelFacts) {
    match structure {
        Structure::Din(din) => {
            facts.dins.push(din.din.clone());
            facts.keyed_din |= din.keyed;
        }
        Structure::BloodGroup(group) => facts.groups.push(group.group()),
        Structure::ProductCode(code) => facts.product_codes.push(code.product_code.clone()),
        Structure::Expiry { expires_at, .. } => facts.expiries.push(*expires_at),
        Structure::Codabar(codabar) => {
            facts.dins.extend(codabar.din.clone());
            facts.groups.extend(codabar.group);
            facts.product_codes.extend(codabar.product_code.clone());
            facts.expiries.extend(codabar.expires_at);
        }
        _ => {}
    }
}

fn dedup<T: PartialEq>(values: &mut Vec<T>) {
    let mut unique: Vec<T> = Vec::with_capacity(values.len());
    for v in values.drain(..) {
        if !unique.contains(&v) {
            unique.push(v);
        }
    }
    *values = unique;
}

/// When the blood bank issued the same DIN more than once (returned and reissued), the latest
/// issue is the one that counts.
fn most_recent_issue(issued: &[IssueRecord], din: &str) -> Option<usize> {
    issued
        .iter()
        .enumerate()
        .filter(|(_, r)| r.unit.din.trim() == din)
        .max_by_key(|(_, r)| r.issued_at)
        .map(|(i, _)| i)
}

fn check_record(
    input: &CheckInput,
    record: &IssueRecord,
    patient_id: Option<&str>,
    label: &LabelFacts,
    policy: &Policy,
    found: &mut Reasons,
) {
    let now = input.now;
    let din = record.unit.din.as_str();
    let patient = &record.patient;

    if let Some(id) = patient_id {
        if !wristband::identifies(id, &patient.mrn, patient.wristband_id.as_deref()) {
            found.stop(
                ReasonCode::UnitForOtherPatient,
                &[
                    ("din", din),
                    ("name", &patient.name),
                    ("mrn", &patient.mrn),
                    ("id", id),
                ],
            );
        }
    }

    if record.status != "issued" {
        let (en, zh) = status_names(&record.status);
        found.stop(
            ReasonCode::UnitStatus,
            &[("din", din), ("status_en", en), ("status_zh", zh)],
        );
    }

    if let Some(code) = label.product_code() {
        if code != record.unit.product_code.trim() {
            found.stop(
                ReasonCode::ProductMismatch,
                &[("label", code), ("record", &record.unit.product_code)],
            );
        }
    }

    let label_group = label.group();
    if let Some(group) = label_group {
        if group != record.unit.group {
            found.stop(
                ReasonCode::LabelGroupMismatch,
                &[
                    ("label", &group.display()),
                    ("record", &record.unit.group.display()),
                ],
            );
        }
    }

    check_compatibility(record, label_group.unwrap_or(record.unit.group), found);

    let label_expiry = label
        .expires_at()
        .and_then(|naive| local_instant(now.offset(), naive));
    let expiry = match label_expiry {
        Some(l) => l.min(record.unit.expires_at),
        None => record.unit.expires_at,
    };
    if is_past_minute(now, expiry) {
        found.stop(
            ReasonCode::UnitExpired,
            &[
                ("din", din),
                ("expiry", &expiry.format("%Y-%m-%d %H:%M").to_string()),
            ],
        );
    }

    check_crossmatch(record, now, found);

    let since_issue = now - record.issued_at;
    if since_issue > Duration::minutes(policy.start_within_minutes) {
        found.stop(
            ReasonCode::IssueTimeExceeded,
            &[
                ("din", din),
                ("minutes", &since_issue.num_minutes().to_string()),
                ("limit", &policy.start_within_minutes.to_string()),
            ],
        );
    }

    let unmet: Vec<&str> = patient
        .requirements
        .iter()
        .map(|r| r.trim())
        .filter(|r| !r.is_empty() && !record.unit.attributes.iter().any(|a| a.trim() == *r))
        .collect();
    if !unmet.is_empty() {
        let en = unmet
            .iter()
            .map(|r| requirement_names(r).0)
            .collect::<Vec<_>>()
            .join(", ");
        let zh = unmet
            .iter()
            .map(|r| requirement_names(r).1)
            .collect::<Vec<_>>()
            .join("、");
        found.stop(
            ReasonCode::SpecialRequirementUnmet,
            &[("din", din), ("missing_en", &en), ("missing_zh", &zh)],
        );
    }
}

fn check_compatibility(record: &IssueRecord, unit_group: Group, found: &mut Reasons) {
    let component = record.unit.component;
    let patient_group = record.patient.group;
    let result = compatibility(component, patient_group, unit_group);
    let (component_en, component_zh) = component_names(component);
    let args = [
        ("component_en", component_en),
        ("component_zh", component_zh),
        ("unit", &unit_group.display()),
        ("patient", &patient_group.display()),
    ];
    match result.abo {
        Verdict::Stop => found.stop(ReasonCode::AboIncompatible, &args),
        Verdict::Warn => found.warn(ReasonCode::AboNonidentical, &args),
        Verdict::Ok => {}
    }
    match result.rhd {
        Verdict::Stop => found.stop(ReasonCode::RhdIncompatible, &args),
        Verdict::Warn => found.push(
            ReasonCode::RhdIncompatible,
            Severity::Warn,
            Text::fill(
                "RhD-positive {component_en} ({unit}) for an RhD-negative or untyped patient ({patient}): tell the doctor (anti-D prophylaxis), then acknowledge.",
                "RhD阳性{component_zh}（{unit}）输给RhD阴性或血型未明患者（{patient}）：请告知医生（考虑抗D预防），确认后方可继续。",
                &args,
            ),
        ),
        Verdict::Ok => {}
    }
}

fn check_crossmatch(record: &IssueRecord, now: Instant, found: &mut Reasons) {
    let din = record.unit.din.as_str();
    let result = record.crossmatch.as_ref().map(|c| c.result.trim());
    if result == Some("incompatible") {
        found.stop(ReasonCode::CrossmatchIncompatible, &[("din", din)]);
    } else if record.unit.component.needs_crossmatch()
        && !matches!(result, Some("compatible" | "not_required"))
    {
        found.stop(ReasonCode::CrossmatchMissing, &[("din", din)]);
    }
    if let Some(sample_end) = record.crossmatch.as_ref().and_then(|c| c.sample_expires_at) {
        if sample_end < now {
            found.stop(
                ReasonCode::SampleExpired,
                &[("at", &sample_end.format("%Y-%m-%d %H:%M").to_string())],
            );
        }
    }
}

fn check_cache(input: &CheckInput, policy: &Policy, found: &mut Reasons) {
    let limit = Duration::minutes(policy.cache_warn_minutes);
    match input.cache_synced_at {
        Some(at) if input.now - at <= limit => {}
        Some(at) => {
            let minutes = (input.now - at).num_minutes().to_string();
            found.warn(
                ReasonCode::CacheStale,
                &[
                    ("minutes_en", &format!("{minutes} minutes ago")),
                    ("minutes_zh", &format!("{minutes} 分钟前")),
                ],
            );
        }
        None => found.warn(
            ReasonCode::CacheStale,
            &[("minutes_en", "never"), ("minutes_zh", "从未")],
        ),
    }
}

/// Every time rule compares the blood bank's times with the device's `now`: a device clock that
/// disagrees with the blood bank's, went back, or stands before the unit's issue stops the check.
fn check_clock(
    input: &CheckInput,
    record: Option<&IssueRecord>,
    policy: &Policy,
    found: &mut Reasons,
) {
    let tolerance = Duration::minutes(1);
    let mut why: Vec<(String, String)> = Vec::new();
    if let Some(offset) = input.clock.server_offset_seconds {
        let minutes = offset.abs() / 60;
        if offset.abs() > policy.clock_skew_stop_minutes.saturating_mul(60) {
            let (en, zh) = if offset > 0 {
                ("ahead of", "快")
            } else {
                ("behind", "慢")
            };
            why.push((
                format!("it is {minutes} minutes {en} the blood bank's"),
                format!("比输血科时钟{zh} {minutes} 分钟"),
            ));
        }
    }
    if let Some(latest) = input.clock.latest_known {
        if input.now < latest - tolerance {
            let at = |t: Instant| t.format("%Y-%m-%d %H:%M").to_string();
            why.push((
                format!(
                    "it says {}, but {} has already passed on this device",
                    at(input.now),
                    at(latest)
                ),
                format!(
                    "显示 {}，但本设备已记录过 {} 的时间（时钟被调回）",
                    at(input.now),
                    at(latest)
                ),
            ));
        }
    }
    if let Some(r) = record.filter(|r| r.issued_at > input.now + tolerance) {
        let at = r.issued_at.format("%Y-%m-%d %H:%M").to_string();
        why.push((
            format!(
                "unit {} was issued at {at}, after this device's time now",
                r.unit.din
            ),
            format!("血袋 {} 的发血时间 {at} 晚于本设备当前时间", r.unit.din),
        ));
    }
    if !why.is_empty() {
        let en: Vec<&str> = why.iter().map(|w| w.0.as_str()).collect();
        let zh: Vec<&str> = why.iter().map(|w| w.1.as_str()).collect();
        found.stop(
            ReasonCode::ClockUntrusted,
            &[("why_en", &en.join("; ")), ("why_zh", &zh.join("；"))],
        );
    }
}

/// A label time is the hospital's wall clock, read in the zone of `now`.
fn local_instant(offset: &FixedOffset, naive: NaiveDateTime) -> Option<Instant> {
    offset.from_local_datetime(&naive).single()
}

/// Expiry times have minute precision and the whole minute is allowed: a unit expiring at
/// 23:59 may be used until 23:59:59.
fn is_past_minute(now: Instant, expiry: Instant) -> bool {
    let minute_start = expiry - Duration::seconds(i64::from(chrono::Timelike::second(&expiry)));
    now >= minute_start + Duration::minutes(1)
}

fn status_names(status: &str) -> (&str, &'static str) {
    match status.trim() {
        "returned" => ("returned", "已退回"),
        "recalled" => ("recalled", "已召回"),
        "cancelled" => ("cancelled", "已取消"),
        "transfused" => ("already transfused", "已输注"),
        other => (other, "状态异常"),
    }
}

/// The component's name in `lang`.
pub fn component_name(component: Component, lang: Lang) -> &'static str {
    let (en, zh) = component_names(component);
    match lang {
        Lang::En => en,
        Lang::ZhCn => zh,
    }
}

pub fn component_names(component: Component) -> (&'static str, &'static str) {
    match component {
        Component::RedCells => ("red cells", "红细胞"),
        Component::WholeBlood => ("whole blood", "全血"),
        Component::Plasma => ("plasma", "血浆"),
        Component::Platelets => ("platelets", "血小板"),
        Component::Cryo => ("cryoprecipitate", "冷沉淀"),
    }
}

fn requirement_names(requirement: &str) -> (&str, &'static str) {
    match requirement {
        "irradiated" => ("irradiated", "辐照"),
        "cmv_negative" => ("CMV-negative", "CMV阴性"),
        "leukoreduced" => ("leukoreduced", "去白细胞"),
        "washed" => ("washed", "洗涤"),
        "hla_matched" => ("HLA-matched", "HLA配型"),
        other => (other, "特殊要求"),
    }
}

#[derive(Default)]
struct Reasons(Vec<Reason>);

impl Reasons {
    fn stop(&mut self, code: ReasonCode, args: &[(&str, &str)]) {
        self.push(code, Severity::Stop, message(code, args));
    }

    fn warn(&mut self, code: ReasonCode, args: &[(&str, &str)]) {
        self.push(code, Severity::Warn, message(code, args));
    }

    fn push(&mut self, code: ReasonCode, severity: Severity, message: Text) {
        self.0.push(Reason {
            code,
            severity,
            message,
        });
    }
}

/// The words of each reason: what is wrong, then what to do. Written for a tired nurse.
fn message(code: ReasonCode, args: &[(&str, &str)]) -> Text {
    use ReasonCode::*;
    let (en, zh) = match code {
        SecondCheckerRequired => (
            "A second nurse must check with you: ask a colleague to scan their badge and enter their PIN.",
            "需要第二人共同核对：请同事刷工牌并输入PIN。",
        ),
        SameChecker => (
            "The second checker is the same person as the first ({badge}). A different colleague must check.",
            "第二核对人与第一核对人是同一人（{badge}），请由另一位同事核对。",
        ),
        WristbandUnreadable => (
            "Cannot read the patient's wristband ({detail_en}). Scan it again; if it is damaged, print a new wristband.",
            "无法识别患者腕带（{detail_zh}）。请重新扫描；腕带损坏时请重新打印。",
        ),
        LabelUnreadable => (
            "Bag barcode {n} could not be read: {detail_en}",
            "血袋第{n}个条码无法识别：{detail_zh}",
        ),
        CheckCharacterMismatch => (
            "The unit number {scan} does not match its check character: {detail_en}",
            "血袋号 {scan} 与校验字符不符：{detail_zh}",
        ),
        LabelInconsistent => (
            "The bag scans disagree ({values}). Were two bags scanned? Scan only the bag you will hang.",
            "血袋扫描结果不一致（{values}）。是否扫描了两个血袋？只扫描将要输注的血袋。",
        ),
        LabelIncomplete => (
            "Not scanned from the bag yet: {missing_en}. Scan every barcode on the bag label.",
            "血袋尚未扫描：{missing_zh}。请扫描血袋标签上的全部条码。",
        ),
        UnitNotIssued => (
            "Unit {din} was not issued by the blood bank for any patient on this device. Do not transfuse; call the blood bank.",
            "血袋 {din} 不在输血科发血记录中。禁止输注，请联系输血科。",
        ),
        UnitForOtherPatient => (
            "WRONG PATIENT: unit {din} was issued for {name} ({mrn}), not for this patient ({id}). Do not transfuse; return the unit to the blood bank.",
            "患者不符：血袋 {din} 是发给 {name}（{mrn}）的，不是本患者（{id}）。禁止输注，请将血袋退回输血科。",
        ),
        UnitStatus => (
            "Unit {din} is {status_en} at the blood bank. Do not transfuse; return it to the blood bank.",
            "血袋 {din} 在输血科的状态为{status_zh}。禁止输注，请退回输血科。",
        ),
        ProductMismatch => (
            "The bag's product code {label} differs from the product the blood bank issued ({record}). Do not transfuse; call the blood bank.",
            "血袋产品码 {label} 与发血记录（{record}）不符。禁止输注，请联系输血科。",
        ),
        LabelGroupMismatch => (
            "The bag's blood group {label} differs from the group the blood bank issued ({record}). Do not transfuse; call the blood bank.",
            "血袋血型 {label} 与发血记录血型（{record}）不符。禁止输注，请联系输血科。",
        ),
        AboIncompatible => (
            "ABO INCOMPATIBLE: {component_en} of group {unit} for a patient of group {patient}. Do not transfuse.",
            "ABO血型不相容：{unit} 的{component_zh}不能输给 {patient} 患者。禁止输注。",
        ),
        AboNonidentical => (
            "{component_en} of group {unit} for a patient of group {patient} is not ABO-identical. Acknowledge with a reason to go on.",
            "{component_zh}血型 {unit} 与患者血型 {patient} 不同型。需填写原因确认后方可继续。",
        ),
        RhdIncompatible => (
            "RhD INCOMPATIBLE: {component_en} {unit} for a patient of group {patient}. Do not transfuse.",
            "RhD血型不相容：{unit} 的{component_zh}不能输给 {patient} 患者。禁止输注。",
        ),
        UnitExpired => (
            "Unit {din} expired at {expiry}. Do not transfuse; return it to the blood bank.",
            "血袋 {din} 已于 {expiry} 过期。禁止输注，请退回输血科。",
        ),
        CrossmatchIncompatible => (
            "The crossmatch for unit {din} is INCOMPATIBLE. Do not transfuse; call the blood bank.",
            "血袋 {din} 交叉配血结果为不相容。禁止输注，请联系输血科。",
        ),
        CrossmatchMissing => (
            "Unit {din} has no compatible crossmatch result. Do not transfuse; call the blood bank.",
            "血袋 {din} 没有相容的交叉配血结果。禁止输注，请联系输血科。",
        ),
        SampleExpired => (
            "The patient's crossmatch sample expired at {at}: a new sample and crossmatch are needed. Call the blood bank.",
            "患者交叉配血标本已于 {at} 失效，需要重新采样配血。请联系输血科。",
        ),
        IssueTimeExceeded => (
            "Unit {din} left the blood bank {minutes} minutes ago (limit {limit}). Do not start it; return it to the blood bank.",
            "血袋 {din} 出库已 {minutes} 分钟（限 {limit} 分钟）。不得开始输注，请退回输血科。",
        ),
        SpecialRequirementUnmet => (
            "The patient needs {missing_en} blood; unit {din} is not. Do not transfuse; call the blood bank.",
            "患者需要{missing_zh}血液，血袋 {din} 不符合。禁止输注，请联系输血科。",
        ),
        CacheStale => (
            "Blood-bank data last updated {minutes_en}: a recall may not have reached this device. Reconnect if you can, then acknowledge.",
            "输血科数据最后更新于{minutes_zh}：召回信息可能尚未同步到本设备。请尽量联网更新，确认后继续。",
        ),
        ClockUntrusted => (
            "This device's clock cannot be trusted: {why_en}. Times (the 30-minute rule, expiry) cannot be judged: have the device's time set, then check again.",
            "本设备时钟不可信：{why_zh}。无法判断时间（30分钟规则、有效期）：请校准设备时间后重新核对。",
        ),
        IssueRecordUnreadable => (
            "The blood bank's record of unit {din} is incomplete on this device ({problem_en}). Do not transfuse; call the blood bank.",
            "本设备上输血科关于血袋 {din} 的记录不完整（{problem_zh}）。禁止输注，请联系输血科。",
        ),
        NotTheInterruptedUnit => (
            "This bag ({din}) is not the one whose transfusion was interrupted: scan the interrupted bag.",
            "此血袋（{din}）不是暂停输注的那一袋：请扫描暂停的血袋。",
        ),
    };
    Text::fill(en, zh, args)
}

/// A stop reason with its words, for the rules of `domain::transition`.
pub(crate) fn stop_reason(code: ReasonCode, args: &[(&str, &str)]) -> Reason {
    Reason {
        code,
        severity: Severity::Stop,
        message: message(code, args),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::blood::{Abo, Rhd};

    pub(crate) fn at(s: &str) -> Instant {
        chrono::DateTime::parse_from_rfc3339(s).unwrap()
    }

    pub(crate) fn record() -> IssueRecord {
        IssueRecord {
            dispense_id: "D-1001".into(),
            status: "issued".into(),
            issued_at: at("2026-11-22T09:50:00+08:00"),
            patient: PatientRecord {
                mrn: "MRN0001".into(),
                wristband_id: None,
                name: "张三".into(),
                birth_date: None,
                group: Group::new(Some(Abo::A), Some(Rhd::Pos)),
                requirements: vec!["irradiated".into()],
            },
            unit: UnitRecord {
                din: "W000026123456".into(),
                product_code: "E0001V00".into(),
                component: Component::RedCells,
                group: Group::new(Some(Abo::A), Some(Rhd::Pos)),
                expires_at: at("2026-12-01T23:59:00+08:00"),
                attributes: vec!["irradiated".into(), "leukoreduced".into()],
            },
            crossmatch: Some(Crossmatch {
                result: "compatible".into(),
                sample_expires_at: Some(at("2026-11-24T09:00:00+08:00")),
            }),
            started_by: None,
        }
    }

    pub(crate) fn bag() -> Vec<String> {
        ["=W00002612345600", "=%6200", "=<E0001V00", "&>0263352359"]
            .map(String::from)
            .to_vec()
    }

    fn run(now: &str, bag: &[String], records: &[IssueRecord], policy: &Policy) -> CheckOutcome {
        let input = CheckInput {
            now: at(now),
            cache_synced_at: Some(at(now) - Duration::minutes(5)),
            first_checker: Some("N1001"),
            second_checker: Some("N1002"),
            wristband_scan: "MRN0001",
            bag_scans: bag,
            issued: records,
            unreadable: &[],
            clock: Default::default(),
        };
        check(&input, policy)
    }

    fn codes(outcome: &CheckOutcome) -> Vec<&'static str> {
        outcome.reasons.iter().map(|r| r.code.as_str()).collect()
    }

    #[test]
    fn a_matching_unit_proceeds() {
        let outcome = run(
            "2026-11-22T10:05:00+08:00",
            &bag(),
            &[record()],
            &Policy::default(),
        );
        assert_eq!(
            outcome.verdict,
            CheckVerdict::Proceed,
            "{:?}",
            codes(&outcome)
        );
        assert!(outcome.reasons.is_empty());
        assert_eq!(outcome.patient_id.as_deref(), Some("MRN0001"));
        assert_eq!(outcome.record, Some(0));
    }

    #[test]
    fn exactly_at_the_issue_limit_is_allowed_and_a_minute_later_is_not() {
        let policy = Policy::default();
        let on_time = run("2026-11-22T10:20:00+08:00", &bag(), &[record()], &policy);
        assert_eq!(on_time.verdict, CheckVerdict::Proceed);
        let late = run("2026-11-22T10:21:00+08:00", &bag(), &[record()], &policy);
        assert_eq!(codes(&late), ["ISSUE_TIME_EXCEEDED"]);
    }

    #[test]
    fn a_unit_expiring_at_2359_may_be_used_until_235959() {
        let mut r = record();
        r.issued_at = at("2026-12-01T23:50:00+08:00");
        r.crossmatch.as_mut().unwrap().sample_expires_at = None;
        let mut scans = bag();
        scans[3] = "&>0263352359".into(); // 2026-12-01 23:59
        let policy = Policy::default();
        let last_second = run("2026-12-01T23:59:59+08:00", &scans, &[r.clone()], &policy);
        assert!(
            !codes(&last_second).contains(&"UNIT_EXPIRED"),
            "{:?}",
            codes(&last_second)
        );
        let next_day = run("2026-12-02T00:00:00+08:00", &scans, &[r], &policy);
        assert!(codes(&next_day).contains(&"UNIT_EXPIRED"));
    }

    #[test]
    fn the_earlier_of_label_and_record_expiry_counts() {
        let mut r = record();
        r.unit.expires_at = at("2026-11-22T10:00:00+08:00");
        let outcome = run(
            "2026-11-22T10:05:00+08:00",
            &bag(),
            &[r],
            &Policy::default(),
        );
        assert_eq!(codes(&outcome), ["UNIT_EXPIRED"]);
    }

    #[test]
    fn the_most_recent_issue_of_a_din_is_used() {
        let mut old = record();
        old.status = "returned".into();
        old.issued_at = at("2026-11-22T08:00:00+08:00");
        let records = [old, record()];
        let outcome = run(
            "2026-11-22T10:05:00+08:00",
            &bag(),
            &records,
            &Policy::default(),
        );
        assert_eq!(outcome.verdict, CheckVerdict::Proceed);
        assert_eq!(outcome.record, Some(1));
    }

    #[test]
    fn two_dins_stop_without_record_checks() {
        let mut scans = bag();
        scans.push("=W00002612345700".into());
        let outcome = run(
            "2026-11-22T10:05:00+08:00",
            &scans,
            &[record()],
            &Policy::default(),
        );
        assert_eq!(codes(&outcome), ["LABEL_INCONSISTENT"]);
        assert_eq!(outcome.record, None);
    }

    #[test]
    fn a_keyed_din_with_the_right_check_character_is_accepted_and_recorded() {
        let mut scans = bag();
        scans[0] = format!(
            "W000026123456{}",
            label::check_character("W000026123456").unwrap()
        );
        let outcome = run(
            "2026-11-22T10:05:00+08:00",
            &scans,
            &[record()],
            &Policy::default(),
        );
        assert_eq!(
            outcome.verdict,
            CheckVerdict::Proceed,
            "{:?}",
            codes(&outcome)
        );
        assert!(outcome.label.keyed_din);
    }

    #[test]
    fn platelets_rhd_positive_to_negative_patient_warns_and_proceeds() {
        let mut r = record();
        r.unit.component = Component::Platelets;
        r.patient.group = Group::new(Some(Abo::A), Some(Rhd::Neg));
        let outcome = run(
            "2026-11-22T10:05:00+08:00",
            &bag(),
            &[r],
            &Policy::default(),
        );
        assert_eq!(outcome.verdict, CheckVerdict::Proceed);
        assert_eq!(codes(&outcome), ["RHD_INCOMPATIBLE"]);
        assert_eq!(outcome.reasons[0].severity, Severity::Warn);
    }

    #[test]
    fn a_device_clock_off_the_blood_banks_gone_back_or_before_the_issue_stops() {
        let records = [record()];
        let scans = bag();
        let now = "2026-11-22T10:05:00+08:00";
        let run_with = |clock: ClockFacts, now: &str| {
            let input = CheckInput {
                now: at(now),
                cache_synced_at: Some(at(now) - Duration::minutes(5)),
                first_checker: Some("N1001"),
                second_checker: Some("N1002"),
                wristband_scan: "MRN0001",
                bag_scans: &scans,
                issued: &records,
                unreadable: &[],
                clock,
            };
            check(&input, &Policy::default())
        };
        let fine = ClockFacts {
            server_offset_seconds: Some(5 * 60),
            latest_known: Some(at(now) + Duration::seconds(50)),
        };
        assert!(
            codes(&run_with(fine, now)).is_empty(),
            "5 minutes and 50 s are tolerated"
        );
        let ahead = ClockFacts {
            server_offset_seconds: Some(5 * 60 + 1),
            ..fine
        };
        let stopped = run_with(ahead, now);
        assert_eq!(codes(&stopped), ["CLOCK_UNTRUSTED"]);
        assert!(stopped.reasons[0].message.en.contains("5 minutes ahead"));
        let went_back = ClockFacts {
            latest_known: Some(at(now) + Duration::minutes(2)),
            ..fine
        };
        assert_eq!(codes(&run_with(went_back, now)), ["CLOCK_UNTRUSTED"]);
        // The unit left the blood bank at 09:50: a device saying 09:40 is wrong.
        let before_issue = run_with(ClockFacts::default(), "2026-11-22T09:40:00+08:00");
        assert_eq!(codes(&before_issue), ["CLOCK_UNTRUSTED"]);
        assert!(before_issue.reasons[0]
            .message
            .zh
            .contains("晚于本设备当前时间"));
    }

    #[test]
    fn a_second_checker_is_optional_only_when_policy_says_so() {
        let records = [record()];
        let scans = bag();
        let mut input = CheckInput {
            now: at("2026-11-22T10:05:00+08:00"),
            cache_synced_at: None,
            first_checker: Some("N1001"),
            second_checker: Some("  "),
            wristband_scan: "MRN0001",
            bag_scans: &scans,
            issued: &records,
            unreadable: &[],
            clock: Default::default(),
        };
        let strict = check(&input, &Policy::default());
        assert_eq!(codes(&strict), ["SECOND_CHECKER_REQUIRED", "CACHE_STALE"]);
        let lenient = Policy {
            require_second_checker: false,
            ..Policy::default()
        };
        assert_eq!(codes(&check(&input, &lenient)), ["CACHE_STALE"]);
        input.second_checker = Some("n1001");
        assert_eq!(
            codes(&check(&input, &lenient)),
            ["SAME_CHECKER", "CACHE_STALE"]
        );
    }

    #[test]
    fn messages_name_the_unit_and_patient_in_both_languages() {
        let mut r = record();
        r.patient.mrn = "MRN0002".into();
        r.patient.name = "李四".into();
        let outcome = run(
            "2026-11-22T10:05:00+08:00",
            &bag(),
            &[r],
            &Policy::default(),
        );
        let reason = &outcome.reasons[0];
        assert_eq!(reason.code, ReasonCode::UnitForOtherPatient);
        assert!(
            reason.message.en.contains("W000026123456") && reason.message.en.contains("MRN0002")
        );
        assert!(reason.message.zh.contains("李四") && reason.message.zh.contains("禁止输注"));
        assert!(
            !reason.message.en.contains('{'),
            "unfilled placeholder: {}",
            reason.message.en
        );
    }
}
