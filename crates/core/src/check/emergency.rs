//! A unit released in an emergency before the crossmatch was complete (`clinical-rules.md` §6):
//! everything else is checked as usual; what could not be checked is named, and the doctor who
//! took the risk with it.

use chrono::{Datelike, NaiveDate};

use crate::blood::Rhd;
use crate::messages::{Arg, Text};
use crate::policy::Policy;
use crate::severity::Severity;
use crate::Instant;

use super::reason::{ReasonCode, Reasons};
use super::{CrossmatchResult, IssueRecord, Sex};

/// The authorising doctor of an emergency release, when the record is one and names them.
pub(super) fn authorised_emergency(record: &IssueRecord) -> Option<&str> {
    record.emergency.as_ref()?.doctor()
}

/// `EMERGENCY_NOT_AUTHORISED` for a release without a doctor; `EMERGENCY_RELEASE` naming what
/// was not checked for one with a doctor.
pub(super) fn check_emergency(record: &IssueRecord, found: &mut Reasons) {
    let Some(release) = &record.emergency else {
        return;
    };
    let Some(doctor) = release.doctor() else {
        found.stop(
            ReasonCode::EmergencyNotAuthorised,
            &[("din", &record.unit.din)],
        );
        return;
    };
    let mut unchecked: Vec<Text> = Vec::new();
    let crossmatched = matches!(
        record.crossmatch.as_ref().map(|c| &c.result),
        Some(CrossmatchResult::Compatible | CrossmatchResult::NotRequired)
    );
    if record.unit.component.needs_crossmatch() && !crossmatched {
        unchecked.push(Text::tr("the crossmatch (antibodies)", &[]));
    }
    let group = record.patient.group;
    if group.abo.is_none() || group.rhd.is_none() {
        unchecked.push(Text::tr("the patient's blood group (not yet typed)", &[]));
    }
    if unchecked.is_empty() {
        return;
    }
    let unchecked = Text::list(&unchecked);
    found.warn_with(
        ReasonCode::EmergencyRelease,
        &[
            ("doctor", doctor.into()),
            ("unchecked", (&unchecked).into()),
        ],
    );
}

/// Whether hospital policy lets RhD-positive red cells go, in an authorised emergency, to this
/// patient of unknown RhD: a man from `child_under_years`, a woman from
/// `emergency_rhd_negative_female_under_years`. An unknown sex or age is the most restrictive.
pub(super) fn rhd_positive_allowed(record: &IssueRecord, now: Instant, policy: &Policy) -> bool {
    let patient = &record.patient;
    if authorised_emergency(record).is_none()
        || !record.unit.component.needs_crossmatch()
        || patient.group.rhd.is_some()
        || record.unit.group.rhd != Some(Rhd::Pos)
    {
        return false;
    }
    let Some(age) = patient
        .birth_date
        .and_then(|born| whole_years(born, now.date_naive()))
    else {
        return false;
    };
    match patient.sex {
        Some(Sex::Male) => age >= policy.child_under_years,
        Some(Sex::Female) => age >= policy.emergency_rhd_negative_female_under_years,
        None => false,
    }
}

/// The warning that replaces the RhD stop when `rhd_positive_allowed`.
pub(super) fn push_rhd_positive_warning(found: &mut Reasons, args: &[(&str, Arg)]) {
    found.push(
        ReasonCode::RhdIncompatible,
        Severity::Warn,
        Text::tr_with("EMERGENCY: RhD-positive {component} ({unit}) for a patient whose RhD is not yet known ({patient}); hospital policy allows it for men and for older women in an emergency. Tell the doctor (antibody screen later), then acknowledge.",
            args,
        ),
    );
}

/// Completed years of life on `today`; `None` for a birth date after it.
fn whole_years(born: NaiveDate, today: NaiveDate) -> Option<i64> {
    let mut years = i64::from(today.year() - born.year());
    if (today.month(), today.day()) < (born.month(), born.day()) {
        years -= 1;
    }
    (years >= 0).then_some(years)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::blood::{Abo, Group};
    use crate::check::tests::{at, bag, record};
    use crate::check::{
        check, CheckInput, CheckOutcome, CheckVerdict, Crossmatch, EmergencyRelease,
    };

    const NOW: &str = "2026-11-22T10:05:00+08:00";

    /// An unidentified man brought in bleeding: temporary ID EM000123, group not yet typed, an
    /// O-negative red cell unit released on Dr 王's authorisation before any crossmatch.
    fn emergency_unit() -> IssueRecord {
        let mut r = record();
        r.patient.mrn = "EM000123".into();
        r.patient.name = "无名氏（男）".into();
        r.patient.group = Group::default();
        r.patient.requirements.clear();
        r.patient.sex = Some(Sex::Male);
        r.unit.group = Group::new(Some(Abo::O), Some(Rhd::Neg));
        r.crossmatch = None;
        r.emergency = Some(EmergencyRelease {
            authorised_by: Some("王医生 (D2001)".into()),
            requested_at: Some(at("2026-11-22T09:40:00+08:00")),
        });
        r
    }

    fn bag_of_group(code: &str) -> Vec<String> {
        let mut b = bag();
        b[1] = format!("=%{code}00");
        b
    }

    fn run(wristband: &str, scans: &[String], r: &IssueRecord) -> CheckOutcome {
        let issued = [r.clone()];
        let input = CheckInput {
            now: at(NOW),
            cache_synced_at: Some(at(NOW)),
            first_checker: Some("N1001"),
            second_checker: Some("N1002"),
            wristband_scan: wristband,
            bag_scans: scans,
            issued: &issued,
            unreadable: &[],
            clock: Default::default(),
        };
        check(&input, &Policy::default())
    }

    fn codes(o: &CheckOutcome) -> Vec<(&'static str, Severity)> {
        o.reasons
            .iter()
            .map(|r| (r.code.as_str(), r.severity))
            .collect()
    }

    #[test]
    fn an_authorised_o_negative_unit_for_an_unknown_patient_goes_on_naming_what_was_not_checked() {
        let o = run("EM000123", &bag_of_group("95"), &emergency_unit());
        assert_eq!(o.verdict, CheckVerdict::Proceed, "{:?}", codes(&o));
        assert_eq!(codes(&o), [("EMERGENCY_RELEASE", Severity::Warn)]);
        let words = &o.reasons[0].message;
        assert!(words.en().contains("王医生 (D2001)"), "{}", words.en());
        assert!(words.en().contains("crossmatch"), "{}", words.en());
        assert!(
            words.en().contains("blood group (not yet typed)"),
            "{}",
            words.en()
        );
        assert!(
            words.zh().contains("交叉配血") && words.zh().contains("患者血型"),
            "{}",
            words.zh()
        );
    }

    #[test]
    fn without_an_authorising_doctor_the_emergency_unit_stops() {
        let mut r = emergency_unit();
        r.emergency.as_mut().unwrap().authorised_by = Some("  ".into());
        let o = run("EM000123", &bag_of_group("95"), &r);
        assert_eq!(o.verdict, CheckVerdict::Stop);
        assert_eq!(
            codes(&o),
            [
                ("EMERGENCY_NOT_AUTHORISED", Severity::Stop),
                ("CROSSMATCH_MISSING", Severity::Stop)
            ]
        );
    }

    #[test]
    fn an_emergency_does_not_relax_abo_the_wristband_or_a_late_incompatible_crossmatch() {
        let mut a_unit = emergency_unit();
        a_unit.unit.group = Group::new(Some(Abo::A), Some(Rhd::Neg));
        let o = run("EM000123", &bag_of_group("06"), &a_unit);
        assert!(
            codes(&o).contains(&("ABO_INCOMPATIBLE", Severity::Stop)),
            "{:?}",
            codes(&o)
        );

        let o = run("EM000124", &bag_of_group("95"), &emergency_unit());
        assert!(codes(&o).contains(&("UNIT_FOR_OTHER_PATIENT", Severity::Stop)));

        let mut late = emergency_unit();
        late.crossmatch = Some(Crossmatch {
            result: CrossmatchResult::Incompatible,
            sample_expires_at: None,
        });
        let o = run("EM000123", &bag_of_group("95"), &late);
        assert!(codes(&o).contains(&("CROSSMATCH_INCOMPATIBLE", Severity::Stop)));
    }

    #[test]
    fn rhd_positive_red_cells_go_to_an_untyped_man_with_a_warning_but_not_to_a_young_woman() {
        let o_pos = bag_of_group("51");
        let mut man = emergency_unit();
        man.unit.group = Group::new(Some(Abo::O), Some(Rhd::Pos));
        man.patient.birth_date = Some(NaiveDate::from_ymd_opt(1980, 5, 1).unwrap());
        let o = run("EM000123", &o_pos, &man);
        assert_eq!(o.verdict, CheckVerdict::Proceed, "{:?}", codes(&o));
        assert!(codes(&o).contains(&("RHD_INCOMPATIBLE", Severity::Warn)));

        let mut woman = man.clone();
        woman.patient.sex = Some(Sex::Female);
        woman.patient.birth_date = Some(NaiveDate::from_ymd_opt(1990, 5, 1).unwrap());
        let o = run("EM000123", &o_pos, &woman);
        assert!(
            codes(&o).contains(&("RHD_INCOMPATIBLE", Severity::Stop)),
            "{:?}",
            codes(&o)
        );

        let mut older_woman = woman.clone();
        older_woman.patient.birth_date = Some(NaiveDate::from_ymd_opt(1970, 5, 1).unwrap());
        let o = run("EM000123", &o_pos, &older_woman);
        assert_eq!(o.verdict, CheckVerdict::Proceed, "{:?}", codes(&o));

        let mut age_unknown = man.clone();
        age_unknown.patient.birth_date = None;
        let o = run("EM000123", &o_pos, &age_unknown);
        assert!(
            codes(&o).contains(&("RHD_INCOMPATIBLE", Severity::Stop)),
            "{:?}",
            codes(&o)
        );
    }

    #[test]
    fn once_crossmatched_and_typed_the_emergency_unit_checks_as_any_other() {
        let mut done = emergency_unit();
        done.patient.group = Group::new(Some(Abo::O), Some(Rhd::Neg));
        done.crossmatch = Some(Crossmatch {
            result: CrossmatchResult::Compatible,
            sample_expires_at: None,
        });
        let o = run("EM000123", &bag_of_group("95"), &done);
        assert_eq!(codes(&o), []);
    }

    #[test]
    fn a_wristband_with_the_merged_temporary_id_warns_and_an_unrelated_one_stops() {
        let mut merged = emergency_unit();
        merged.patient.mrn = "MRN0042".into();
        merged.patient.name = "李四".into();
        merged.patient.merged_ids = vec!["EM000123".into()];
        let o = run("EM000123", &bag_of_group("95"), &merged);
        assert_eq!(o.verdict, CheckVerdict::Proceed, "{:?}", codes(&o));
        assert!(codes(&o).contains(&("PATIENT_ID_MERGED", Severity::Warn)));
        assert!(o
            .reasons
            .iter()
            .any(|r| r.message.zh().contains("李四（MRN0042）")));
        let o = run("MRN0042", &bag_of_group("95"), &merged);
        assert!(!codes(&o).contains(&("PATIENT_ID_MERGED", Severity::Warn)));
        let o = run("EM000999", &bag_of_group("95"), &merged);
        assert!(codes(&o).contains(&("UNIT_FOR_OTHER_PATIENT", Severity::Stop)));
    }

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn age_counts_completed_years_on_the_day() {
        assert_eq!(whole_years(d("1976-12-04"), d("2026-12-04")), Some(50));
        assert_eq!(whole_years(d("1976-12-05"), d("2026-12-04")), Some(49));
        assert_eq!(whole_years(d("2008-02-29"), d("2026-02-28")), Some(17));
        assert_eq!(whole_years(d("2027-01-01"), d("2026-12-04")), None);
    }
}
