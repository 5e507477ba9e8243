//! The words of the check: each reason's message, and the names of statuses, components and
//! special requirements in both languages.

use crate::blood::Component;
use crate::messages::{Lang, Text};
use crate::severity::Severity;

use super::reason::{Reason, ReasonCode};
use super::DispenseStatus;

pub(super) fn status_names(status: &DispenseStatus) -> (&str, &'static str) {
    match status {
        DispenseStatus::Issued => ("issued", "已发血"),
        DispenseStatus::Returned => ("returned", "已退回"),
        DispenseStatus::Recalled => ("recalled", "已召回"),
        DispenseStatus::Cancelled => ("cancelled", "已取消"),
        DispenseStatus::Transfused => ("already transfused", "已输注"),
        DispenseStatus::Other(code) => (code, "状态异常"),
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

pub(super) fn requirement_names(requirement: &str) -> (&str, &'static str) {
    match requirement {
        "irradiated" => ("irradiated", "辐照"),
        "cmv_negative" => ("CMV-negative", "CMV阴性"),
        "leukoreduced" => ("leukoreduced", "去白细胞"),
        "washed" => ("washed", "洗涤"),
        "hla_matched" => ("HLA-matched", "HLA配型"),
        other => (other, "特殊要求"),
    }
}

/// A reason's message in English and Chinese, with `{placeholders}` for its facts.
type Words = (&'static str, &'static str);

/// The words of each reason: what is wrong, then what to do. Written for a tired nurse.
pub(super) fn message(code: ReasonCode, args: &[(&str, &str)]) -> Text {
    let (en, zh) = words(code);
    Text::fill(en, zh, args)
}

fn words(code: ReasonCode) -> Words {
    use ReasonCode::*;
    match code {
        SecondCheckerRequired => SECOND_CHECKER_REQUIRED,
        SameChecker => SAME_CHECKER,
        WristbandUnreadable => WRISTBAND_UNREADABLE,
        LabelUnreadable => LABEL_UNREADABLE,
        CheckCharacterMismatch => CHECK_CHARACTER_MISMATCH,
        LabelInconsistent => LABEL_INCONSISTENT,
        LabelIncomplete => LABEL_INCOMPLETE,
        UnitNotIssued => UNIT_NOT_ISSUED,
        UnitForOtherPatient => UNIT_FOR_OTHER_PATIENT,
        UnitStatus => UNIT_STATUS,
        ProductMismatch => PRODUCT_MISMATCH,
        LabelGroupMismatch => LABEL_GROUP_MISMATCH,
        AboIncompatible => ABO_INCOMPATIBLE,
        AboNonidentical => ABO_NONIDENTICAL,
        RhdIncompatible => RHD_INCOMPATIBLE,
        UnitExpired => UNIT_EXPIRED,
        CrossmatchIncompatible => CROSSMATCH_INCOMPATIBLE,
        CrossmatchMissing => CROSSMATCH_MISSING,
        SampleExpired => SAMPLE_EXPIRED,
        IssueTimeExceeded => ISSUE_TIME_EXCEEDED,
        SpecialRequirementUnmet => SPECIAL_REQUIREMENT_UNMET,
        CacheStale => CACHE_STALE,
        ClockUntrusted => CLOCK_UNTRUSTED,
        IssueRecordUnreadable => ISSUE_RECORD_UNREADABLE,
        NotTheInterruptedUnit => NOT_THE_INTERRUPTED_UNIT,
        EmergencyRelease => EMERGENCY_RELEASE,
        EmergencyNotAuthorised => EMERGENCY_NOT_AUTHORISED,
        PatientIdMerged => PATIENT_ID_MERGED,
        UnitExpiresSoon => UNIT_EXPIRES_SOON,
    }
}

const SECOND_CHECKER_REQUIRED: Words = (
    "A second nurse must check with you: ask a colleague to scan their badge and enter their PIN.",
    "需要第二人共同核对：请同事刷工牌并输入PIN。",
);

const SAME_CHECKER: Words = (
    "The second checker is the same person as the first ({badge}). A different colleague must check.",
    "第二核对人与第一核对人是同一人（{badge}），请由另一位同事核对。",
);

const WRISTBAND_UNREADABLE: Words = (
    "Cannot read the patient's wristband ({detail_en}). Scan it again; if it is damaged, print a new wristband.",
    "无法识别患者腕带（{detail_zh}）。请重新扫描；腕带损坏时请重新打印。",
);

const LABEL_UNREADABLE: Words = (
    "Bag barcode {n} could not be read: {detail_en}",
    "血袋第{n}个条码无法识别：{detail_zh}",
);

const CHECK_CHARACTER_MISMATCH: Words = (
    "The unit number {scan} does not match its check character: {detail_en}",
    "血袋号 {scan} 与校验字符不符：{detail_zh}",
);

const LABEL_INCONSISTENT: Words = (
    "The bag scans disagree ({values}). Were two bags scanned? Scan only the bag you will hang.",
    "血袋扫描结果不一致（{values}）。是否扫描了两个血袋？只扫描将要输注的血袋。",
);

const LABEL_INCOMPLETE: Words = (
    "Not scanned from the bag yet: {missing_en}. Scan every barcode on the bag label.",
    "血袋尚未扫描：{missing_zh}。请扫描血袋标签上的全部条码。",
);

const UNIT_NOT_ISSUED: Words = (
    "Unit {din} was not issued by the blood bank for any patient on this device. Do not transfuse; call the blood bank.",
    "血袋 {din} 不在输血科发血记录中。禁止输注，请联系输血科。",
);

const UNIT_FOR_OTHER_PATIENT: Words = (
    "WRONG PATIENT: unit {din} was issued for {name} ({mrn}), not for this patient ({id}). Do not transfuse; return the unit to the blood bank.",
    "患者不符：血袋 {din} 是发给 {name}（{mrn}）的，不是本患者（{id}）。禁止输注，请将血袋退回输血科。",
);

const UNIT_STATUS: Words = (
    "Unit {din} is {status_en} at the blood bank. Do not transfuse; return it to the blood bank.",
    "血袋 {din} 在输血科的状态为{status_zh}。禁止输注，请退回输血科。",
);

const PRODUCT_MISMATCH: Words = (
    "The bag's product code {label} differs from the product the blood bank issued ({record}). Do not transfuse; call the blood bank.",
    "血袋产品码 {label} 与发血记录（{record}）不符。禁止输注，请联系输血科。",
);

const LABEL_GROUP_MISMATCH: Words = (
    "The bag's blood group {label} differs from the group the blood bank issued ({record}). Do not transfuse; call the blood bank.",
    "血袋血型 {label} 与发血记录血型（{record}）不符。禁止输注，请联系输血科。",
);

const ABO_INCOMPATIBLE: Words = (
    "ABO INCOMPATIBLE: {component_en} of group {unit} for a patient of group {patient}. Do not transfuse.",
    "ABO血型不相容：{unit} 的{component_zh}不能输给 {patient} 患者。禁止输注。",
);

const ABO_NONIDENTICAL: Words = (
    "{component_en} of group {unit} for a patient of group {patient} is not ABO-identical. Acknowledge with a reason to go on.",
    "{component_zh}血型 {unit} 与患者血型 {patient} 不同型。需填写原因确认后方可继续。",
);

const RHD_INCOMPATIBLE: Words = (
    "RhD INCOMPATIBLE: {component_en} {unit} for a patient of group {patient}. Do not transfuse.",
    "RhD血型不相容：{unit} 的{component_zh}不能输给 {patient} 患者。禁止输注。",
);

const UNIT_EXPIRED: Words = (
    "Unit {din} expired at {expiry}. Do not transfuse; return it to the blood bank.",
    "血袋 {din} 已于 {expiry} 过期。禁止输注，请退回输血科。",
);

const CROSSMATCH_INCOMPATIBLE: Words = (
    "The crossmatch for unit {din} is INCOMPATIBLE. Do not transfuse; call the blood bank.",
    "血袋 {din} 交叉配血结果为不相容。禁止输注，请联系输血科。",
);

const CROSSMATCH_MISSING: Words = (
    "Unit {din} has no compatible crossmatch result. Do not transfuse; call the blood bank.",
    "血袋 {din} 没有相容的交叉配血结果。禁止输注，请联系输血科。",
);

const SAMPLE_EXPIRED: Words = (
    "The patient's crossmatch sample expired at {at}: a new sample and crossmatch are needed. Call the blood bank.",
    "患者交叉配血标本已于 {at} 失效，需要重新采样配血。请联系输血科。",
);

const ISSUE_TIME_EXCEEDED: Words = (
    "Unit {din} left the blood bank {minutes} minutes ago (limit {limit}). Do not start it; return it to the blood bank.",
    "血袋 {din} 出库已 {minutes} 分钟（限 {limit} 分钟）。不得开始输注，请退回输血科。",
);

const SPECIAL_REQUIREMENT_UNMET: Words = (
    "The patient needs {missing_en} blood; unit {din} is not. Do not transfuse; call the blood bank.",
    "患者需要{missing_zh}血液，血袋 {din} 不符合。禁止输注，请联系输血科。",
);

const CACHE_STALE: Words = (
    "Blood-bank data last updated {minutes_en}: a recall may not have reached this device. Reconnect if you can, then acknowledge.",
    "输血科数据最后更新于{minutes_zh}：召回信息可能尚未同步到本设备。请尽量联网更新，确认后继续。",
);

const CLOCK_UNTRUSTED: Words = (
    "This device's clock cannot be trusted: {why_en}. Times (the 30-minute rule, expiry) cannot be judged: have the device's time set, then check again.",
    "本设备时钟不可信：{why_zh}。无法判断时间（30分钟规则、有效期）：请校准设备时间后重新核对。",
);

const ISSUE_RECORD_UNREADABLE: Words = (
    "The blood bank's record of unit {din} is incomplete on this device ({problem_en}). Do not transfuse; call the blood bank.",
    "本设备上输血科关于血袋 {din} 的记录不完整（{problem_zh}）。禁止输注，请联系输血科。",
);

const NOT_THE_INTERRUPTED_UNIT: Words = (
    "This bag ({din}) is not the one whose transfusion was interrupted: scan the interrupted bag.",
    "此血袋（{din}）不是暂停输注的那一袋：请扫描暂停的血袋。",
);

const EMERGENCY_RELEASE: Words = (
    "EMERGENCY RELEASE authorised by {doctor}: NOT CHECKED — {unchecked_en}. Everything else was checked. Acknowledge to go on; watch the patient closely, the crossmatch result will follow.",
    "紧急发血（{doctor} 授权）：未核对——{unchecked_zh}。其余项目均已核对。确认后方可继续；请密切观察患者，交叉配血结果随后送达。",
);

const EMERGENCY_NOT_AUTHORISED: Words = (
    "Unit {din} is marked as emergency release, but no authorising doctor is recorded. Do not transfuse; the doctor must authorise it with the blood bank.",
    "血袋 {din} 标记为紧急发血，但没有授权医生记录。禁止输注，须由医生向输血科完成紧急用血授权。",
);

const PATIENT_ID_MERGED: Words = (
    "The wristband shows the temporary ID {id}; the blood bank has merged it with {name} ({mrn}). Check the name aloud; put a new wristband on the patient when you can.",
    "腕带为临时编号 {id}，输血科已将其与 {name}（{mrn}）合并。请大声核对姓名，并尽快为患者更换新腕带。",
);

const UNIT_EXPIRES_SOON: Words = (
    "Unit {din} expires at {expiry}, in {minutes} minutes: it may run out of date while it runs. Start it now or ask the blood bank.",
    "血袋 {din} 将于 {expiry} 过期（还有 {minutes} 分钟），输注过程中可能过期。请立即开始输注或咨询输血科。",
);

/// A stop reason with its words, for the rules of `domain::transition`.
pub(crate) fn stop_reason(code: ReasonCode, args: &[(&str, &str)]) -> Reason {
    Reason {
        code,
        severity: Severity::Stop,
        message: message(code, args),
    }
}
