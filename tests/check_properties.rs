//! Properties of the bedside check a nurse relies on, over the golden scenarios as seeds:
//! the order of scanning never changes the outcome, a scan that cannot be read always stops,
//! and no input whatsoever makes the check panic.

use std::collections::BTreeSet;

use bedside::cli::scenario::{CheckScenario, Scenario};
use bedside_core::check::{check, CheckInput, CheckOutcome, CheckVerdict, IssueRecord};
use bedside_core::policy::Policy;
use bedside_core::severity::Severity;
use proptest::prelude::*;

fn seeds() -> Vec<(CheckScenario, Vec<IssueRecord>)> {
    let text = include_str!("data/scenarios/bedside_check.json");
    let values: Vec<serde_json::Value> = serde_json::from_str(text).unwrap();
    values
        .into_iter()
        .filter_map(|v| match serde_json::from_value(v).unwrap() {
            Scenario::BedsideCheck(s) if s.policy.is_empty() => {
                let issued = s.issue_records().unwrap();
                Some((s, issued))
            }
            _ => None,
        })
        .collect()
}

fn run(s: &CheckScenario, issued: &[IssueRecord], bag: &[String], wristband: &str) -> CheckOutcome {
    let input = CheckInput {
        now: s.now,
        cache_synced_at: s.cache_synced_at,
        first_checker: s.staff.first.as_deref(),
        second_checker: s.staff.second.as_deref(),
        wristband_scan: wristband,
        bag_scans: bag,
        issued,
        unreadable: &[],
        clock: Default::default(),
    };
    check(&input, &Policy::default())
}

fn summary(o: &CheckOutcome) -> (CheckVerdict, BTreeSet<&'static str>) {
    (
        o.verdict,
        o.reasons.iter().map(|r| r.code.as_str()).collect(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn scan_order_never_changes_the_outcome(seed in any::<prop::sample::Index>(), perm in any::<prop::sample::Index>()) {
        let all = seeds();
        let (s, issued) = &all[seed.index(all.len())];
        let wristband = s.scans.wristband.clone().unwrap_or_default();
        let mut bag = s.scans.bag.clone();
        let before = summary(&run(s, issued, &bag, &wristband));
        let n = bag.len().max(1);
        bag.rotate_left(perm.index(n) % n);
        bag.reverse();
        prop_assert_eq!(summary(&run(s, issued, &bag, &wristband)), before);
    }

    #[test]
    fn an_unreadable_extra_scan_always_stops(seed in any::<prop::sample::Index>(), junk in "[~!?][ -~]{0,30}") {
        let all = seeds();
        let (s, issued) = &all[seed.index(all.len())];
        let mut bag = s.scans.bag.clone();
        bag.push(junk);
        let outcome = run(s, issued, &bag, s.scans.wristband.as_deref().unwrap_or(""));
        prop_assert_eq!(outcome.verdict, CheckVerdict::Stop);
        prop_assert!(outcome.reasons.iter().any(|r| r.code.as_str() == "LABEL_UNREADABLE"));
    }

    #[test]
    fn arbitrary_scans_never_proceed_without_a_unit_and_every_stop_says_why(
        seed in any::<prop::sample::Index>(),
        wristband in "\\PC{0,40}",
        bag in prop::collection::vec("[=&%<>0-9A-Za-z\\x1d ]{0,40}|\\PC{0,20}", 0..6),
    ) {
        let all = seeds();
        let (s, issued) = &all[seed.index(all.len())];
        let outcome = run(s, issued, &bag, &wristband);
        // Nothing to verify a unit against can never proceed.
        if bag.is_empty() {
            prop_assert_eq!(outcome.verdict, CheckVerdict::Stop);
        }
        if outcome.verdict == CheckVerdict::Stop {
            prop_assert!(
                outcome.reasons.iter().any(|r| r.severity == Severity::Stop),
                "a stop without a reason"
            );
        }
        for reason in &outcome.reasons {
            prop_assert!(
                !reason.message.en().trim().is_empty() && !reason.message.zh().trim().is_empty(),
                "{:?} without words", reason.code
            );
        }
    }
}

/// Every reason the golden scenarios raise reads as a finished sentence in both languages.
#[test]
fn every_reason_message_is_complete_in_both_languages() {
    let mut seen = BTreeSet::new();
    for (s, issued) in seeds() {
        let outcome = run(
            &s,
            &issued,
            &s.scans.bag,
            s.scans.wristband.as_deref().unwrap_or(""),
        );
        for r in &outcome.reasons {
            seen.insert(r.code.as_str());
            for text in [&r.message.en(), &r.message.zh()] {
                assert!(
                    !text.contains('{') && !text.contains('}'),
                    "{}: unfilled placeholder in {text}",
                    s.id
                );
                assert!(text.len() > 20, "{}: {text}", s.id);
            }
            assert!(
                r.message
                    .zh()
                    .chars()
                    .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{}: {}",
                s.id,
                r.message.zh()
            );
        }
    }
    assert!(
        seen.len() >= 15,
        "the golden set exercises most reasons: {seen:?}"
    );
}
