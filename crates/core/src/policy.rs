//! Hospital policy: every number of `clinical-rules.md` as a default that a hospital overrides in
//! the `[policy]` table of its configuration file (see `docs/configuration.md`). Nothing in the
//! rules uses a literal where a policy value exists.

use serde::Deserialize;

use crate::label::{CodabarProfile, LabelProfile};

/// How a wristband's text yields a patient identifier (`clinical-rules.md` §1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum WristbandProfile {
    /// The whole text, trimmed.
    #[default]
    Plain,
    /// A GS1 element string carrying AI (8018) GSRN.
    Gs1,
    /// `wristband_pattern`, a regular expression with a named group `id`.
    Pattern,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Policy {
    // --- the bedside check ---
    pub require_second_checker: bool,
    pub wristband: WristbandProfile,
    pub wristband_pattern: Option<String>,
    /// Minutes from issue (the unit leaving the blood bank) within which it must be started.
    pub start_within_minutes: i64,
    /// Minutes since the last successful pull after which the cache may miss a recall.
    pub cache_warn_minutes: i64,
    /// Minutes the device clock may differ from the blood bank's (its HTTP `Date` at the last
    /// pull) before the check stops: every time rule compares the two clocks' times.
    pub clock_skew_stop_minutes: i64,
    /// A unit expiring within this many minutes of the check is noticed (not a reason: it
    /// neither stops nor needs an acknowledgement); 0 switches the notice off.
    pub expiry_warn_minutes: i64,

    // --- emergency transfusion (clinical-rules.md §6) ---
    /// Women of unknown RhD under this age get RhD-negative red cells in an emergency.
    pub emergency_rhd_negative_female_under_years: i64,
    /// Patients under this age are children: RhD-negative red cells in an emergency.
    pub child_under_years: i64,
    /// A temporary emergency ID (an unidentified patient's wristband).
    pub emergency_id_pattern: String,
    /// The hospital plan's indicator: emergency units issued within this many minutes of the
    /// request.
    pub emergency_issue_within_minutes: i64,
    /// An emergency unit is started within this many minutes of its issue.
    pub emergency_start_within_minutes: i64,
    /// Massive transfusion: minutes the protocol keeps its second checker signed in.
    pub massive_transfusion_session_minutes: i64,
    /// Massive transfusion: the target ratio red cells : plasma : platelets.
    pub massive_transfusion_ratio: [u32; 3],

    // --- time rules during the transfusion ---
    /// Minutes from issue within which the transfusion must be complete.
    pub complete_within_minutes: i64,
    /// The first minutes run slowly with the nurse nearby.
    pub slow_start_minutes: i64,
    pub slow_start_drops_per_minute: u32,
    /// Hours the empty bag is kept after the end.
    pub bag_keep_hours: i64,

    // --- observation schedule ---
    /// A baseline counts when taken at most this many minutes before the start.
    pub baseline_window_minutes: i64,
    pub first_obs_minutes: i64,
    pub first_obs_early_minutes: i64,
    pub first_obs_late_minutes: i64,
    pub hourly_obs_interval_minutes: i64,
    pub hourly_obs_early_minutes: i64,
    pub hourly_obs_late_minutes: i64,
    pub end_obs_early_minutes: i64,
    pub end_obs_late_minutes: i64,

    // --- reaction triggers ---
    pub febrile_temp_c: f64,
    pub febrile_rise_c: f64,
    pub hypotension_sbp: i32,
    pub hypotension_drop: i32,
    pub hypoxaemia_spo2_below: i32,
    pub tachycardia_hr: i32,
    pub tachycardia_rise: i32,
    pub hypertension_rise: i32,
    pub tachypnoea_rr: i32,
    pub tachypnoea_rise: i32,

    // --- quality indicators ---
    /// Hours within which a suspected reaction must reach the blood bank.
    pub reaction_report_within_hours: i64,
    /// Target share of reactions reported in time, in percent.
    pub reaction_report_target_percent: f64,

    // --- the device's records ---
    /// Days after the blood bank confirmed all of a transfusion's (or near miss's) records before
    /// they move from the outbox to its archive on the device (never deleted; a running
    /// transfusion's and unconfirmed records never move).
    pub outbox_retention_days: i64,

    // --- label readers ---
    /// Legacy Codabar bag labels; absent (the default) means they are not accepted.
    pub codabar: Option<CodabarProfile>,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            require_second_checker: true,
            wristband: WristbandProfile::Plain,
            wristband_pattern: None,
            start_within_minutes: 30,
            cache_warn_minutes: 15,
            clock_skew_stop_minutes: 5,
            expiry_warn_minutes: 60,
            emergency_rhd_negative_female_under_years: 50,
            child_under_years: 18,
            emergency_id_pattern: "^EM[0-9]{4,}$".to_string(),
            emergency_issue_within_minutes: 15,
            emergency_start_within_minutes: 15,
            massive_transfusion_session_minutes: 120,
            massive_transfusion_ratio: [4, 4, 1],
            complete_within_minutes: 240,
            slow_start_minutes: 15,
            slow_start_drops_per_minute: 20,
            bag_keep_hours: 24,
            outbox_retention_days: 90,
            baseline_window_minutes: 60,
            first_obs_minutes: 15,
            first_obs_early_minutes: 5,
            first_obs_late_minutes: 10,
            hourly_obs_interval_minutes: 60,
            hourly_obs_early_minutes: 10,
            hourly_obs_late_minutes: 15,
            end_obs_early_minutes: 15,
            end_obs_late_minutes: 60,
            febrile_temp_c: 38.0,
            febrile_rise_c: 1.0,
            hypotension_sbp: 80,
            hypotension_drop: 30,
            hypoxaemia_spo2_below: 90,
            tachycardia_hr: 120,
            tachycardia_rise: 40,
            hypertension_rise: 30,
            tachypnoea_rr: 30,
            tachypnoea_rise: 10,
            reaction_report_within_hours: 24,
            reaction_report_target_percent: 95.0,
            codabar: None,
        }
    }
}

/// A policy value that cannot be right, named so that IT can fix the configuration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("policy.{key}: {problem}")]
pub struct PolicyError {
    pub key: &'static str,
    pub problem: String,
}

/// The longest span a `*_minutes` policy value may give: a week.
pub const MAX_MINUTES: i64 = 7 * 24 * 60;
/// The longest span a `*_hours` policy value may give: a year.
pub const MAX_HOURS: i64 = 366 * 24;

impl Policy {
    /// Checks the values that would make a rule meaningless or unsafe.
    pub fn validate(&self) -> Result<(), PolicyError> {
        self.validate_spans()?;
        self.validate_thresholds()?;
        self.validate_wristband()?;
        if self.massive_transfusion_ratio[0] == 0 {
            return Err(PolicyError {
                key: "massive_transfusion_ratio",
                problem: "the red-cell part must be more than 0, e.g. [4, 4, 1]".into(),
            });
        }
        if let Some(codabar) = &self.codabar {
            codabar.validate().map_err(|problem| PolicyError {
                key: "codabar",
                problem,
            })?;
        }
        Ok(())
    }

    /// The spans (minutes, hours) a rule needs to be more than 0.
    fn positive_spans(&self) -> [(&'static str, i64); 14] {
        [
            ("outbox_retention_days", self.outbox_retention_days),
            (
                "massive_transfusion_session_minutes",
                self.massive_transfusion_session_minutes,
            ),
            (
                "emergency_start_within_minutes",
                self.emergency_start_within_minutes,
            ),
            (
                "emergency_issue_within_minutes",
                self.emergency_issue_within_minutes,
            ),
            ("start_within_minutes", self.start_within_minutes),
            ("clock_skew_stop_minutes", self.clock_skew_stop_minutes),
            ("complete_within_minutes", self.complete_within_minutes),
            ("cache_warn_minutes", self.cache_warn_minutes),
            ("baseline_window_minutes", self.baseline_window_minutes),
            ("first_obs_minutes", self.first_obs_minutes),
            (
                "hourly_obs_interval_minutes",
                self.hourly_obs_interval_minutes,
            ),
            ("end_obs_late_minutes", self.end_obs_late_minutes),
            ("bag_keep_hours", self.bag_keep_hours),
            (
                "reaction_report_within_hours",
                self.reaction_report_within_hours,
            ),
        ]
    }

    /// The spans (minutes, hours) that may be 0 but not negative.
    fn not_negative_spans(&self) -> [(&'static str, i64); 7] {
        [
            ("expiry_warn_minutes", self.expiry_warn_minutes),
            ("first_obs_early_minutes", self.first_obs_early_minutes),
            ("first_obs_late_minutes", self.first_obs_late_minutes),
            ("hourly_obs_early_minutes", self.hourly_obs_early_minutes),
            ("hourly_obs_late_minutes", self.hourly_obs_late_minutes),
            ("end_obs_early_minutes", self.end_obs_early_minutes),
            ("slow_start_minutes", self.slow_start_minutes),
        ]
    }

    fn validate_spans(&self) -> Result<(), PolicyError> {
        let positive = self.positive_spans();
        let not_negative = self.not_negative_spans();
        for (key, value) in positive {
            if value <= 0 {
                return Err(PolicyError {
                    key,
                    problem: format!("must be more than 0, is {value}"),
                });
            }
        }
        for (key, value) in not_negative {
            if value < 0 {
                return Err(PolicyError {
                    key,
                    problem: format!("must not be negative, is {value}"),
                });
            }
        }
        // Longer spans cannot be meant, and would overflow the rules' date arithmetic.
        for (key, value) in positive.into_iter().chain(not_negative) {
            let (limit, span) = if key.ends_with("_hours") {
                (MAX_HOURS, "a year")
            } else {
                (MAX_MINUTES, "a week")
            };
            if value > limit {
                return Err(PolicyError {
                    key,
                    problem: format!("must be at most {limit} ({span}), is {value}"),
                });
            }
        }
        if self.complete_within_minutes < self.start_within_minutes {
            return Err(PolicyError {
                key: "complete_within_minutes",
                problem: "must not be shorter than start_within_minutes".into(),
            });
        }
        Ok(())
    }

    fn validate_thresholds(&self) -> Result<(), PolicyError> {
        if !(30.0..=45.0).contains(&self.febrile_temp_c) {
            return Err(PolicyError {
                key: "febrile_temp_c",
                problem: format!("{} is not a body temperature in °C", self.febrile_temp_c),
            });
        }
        if !(0.0..=5.0).contains(&self.febrile_rise_c) {
            return Err(PolicyError {
                key: "febrile_rise_c",
                problem: format!("{} °C is not a plausible rise", self.febrile_rise_c),
            });
        }
        if !(0.0..=100.0).contains(&self.reaction_report_target_percent) {
            return Err(PolicyError {
                key: "reaction_report_target_percent",
                problem: "must be between 0 and 100".into(),
            });
        }
        Ok(())
    }

    fn validate_wristband(&self) -> Result<(), PolicyError> {
        crate::wristband::compile_pattern_plain(&self.emergency_id_pattern).map_err(|problem| {
            PolicyError {
                key: "emergency_id_pattern",
                problem,
            }
        })?;
        for (key, years) in [
            (
                "emergency_rhd_negative_female_under_years",
                self.emergency_rhd_negative_female_under_years,
            ),
            ("child_under_years", self.child_under_years),
        ] {
            if !(0..=150).contains(&years) {
                return Err(PolicyError {
                    key,
                    problem: format!("must be an age from 0 to 150, is {years}"),
                });
            }
        }
        match (self.wristband, &self.wristband_pattern) {
            (WristbandProfile::Pattern, None) => Err(PolicyError {
                key: "wristband_pattern",
                problem: "wristband = \"pattern\" needs a wristband_pattern".into(),
            }),
            (WristbandProfile::Pattern, Some(p)) => crate::wristband::compile_pattern(p)
                .map(|_| ())
                .map_err(|problem| PolicyError {
                    key: "wristband_pattern",
                    problem,
                }),
            _ => Ok(()),
        }
    }

    /// The label readers this policy switches on.
    pub fn label_profile(&self) -> LabelProfile {
        LabelProfile {
            codabar: self.codabar.clone(),
        }
    }

    /// `febrile_temp_c` in whole tenths of a degree, the unit temperatures are compared in.
    pub fn febrile_temp_tenths(&self) -> i32 {
        (self.febrile_temp_c * 10.0).round() as i32
    }

    pub fn febrile_rise_tenths(&self) -> i32 {
        (self.febrile_rise_c * 10.0).round() as i32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_rules_of_the_clinical_spec_and_valid() {
        let p = Policy::default();
        assert!(p.require_second_checker);
        assert_eq!(p.start_within_minutes, 30);
        assert_eq!(p.complete_within_minutes, 240);
        assert_eq!(p.cache_warn_minutes, 15);
        assert_eq!(p.febrile_temp_tenths(), 380);
        assert_eq!(p.febrile_rise_tenths(), 10);
        assert_eq!(p.validate(), Ok(()));
    }

    #[test]
    fn a_span_too_long_for_date_arithmetic_is_refused() {
        // Found by tests/parser_properties.rs: accepted, it panicked in chrono when a rule ran.
        let p = Policy {
            start_within_minutes: i64::MAX,
            complete_within_minutes: i64::MAX,
            ..Policy::default()
        };
        assert_eq!(p.validate().unwrap_err().key, "start_within_minutes");
        let p = Policy {
            bag_keep_hours: i64::MAX,
            ..Policy::default()
        };
        assert!(p.validate().unwrap_err().problem.contains("at most"));
        let p = Policy {
            end_obs_early_minutes: MAX_MINUTES,
            ..Policy::default()
        };
        assert_eq!(p.validate(), Ok(()));
    }

    #[test]
    fn pattern_profile_without_a_pattern_is_refused() {
        let p = Policy {
            wristband: WristbandProfile::Pattern,
            ..Policy::default()
        };
        assert_eq!(p.validate().unwrap_err().key, "wristband_pattern");
    }

    #[test]
    fn pattern_without_an_id_group_is_refused() {
        let p = Policy {
            wristband: WristbandProfile::Pattern,
            wristband_pattern: Some("^ZY\\d{8}$".into()),
            ..Policy::default()
        };
        let err = p.validate().unwrap_err();
        assert!(err.problem.contains("id"), "{err}");
    }

    #[test]
    fn a_zero_time_limit_is_refused() {
        let p = Policy {
            start_within_minutes: 0,
            ..Policy::default()
        };
        assert_eq!(p.validate().unwrap_err().key, "start_within_minutes");
    }
}
