//! What the bag's barcodes say: every scan read, the facts gathered, and the scans that cannot
//! be trusted turned into reasons.

use crate::blood::Group;
use crate::label::{self, LabelErrorCode, Structure};
use crate::messages::{tr_noop, Text};
use crate::policy::Policy;

use super::reason::{ReasonCode, Reasons};
use super::LabelFacts;

/// Reads every bag scan; unreadable scans become reasons, readable ones become facts.
pub(super) fn read_bag(scans: &[String], policy: &Policy, found: &mut Reasons) -> LabelFacts {
    let profile = policy.label_profile();
    let mut facts = LabelFacts::default();
    for (i, scan) in scans.iter().enumerate() {
        let number = (i + 1).to_string();
        match label::parse_scan(scan, &profile) {
            Ok(structures) => structures.iter().for_each(|s| collect(s, &mut facts)),
            Err(e) if e.code == LabelErrorCode::CheckCharacterMismatch => found.stop_with(
                ReasonCode::CheckCharacterMismatch,
                &[
                    ("scan", scan.trim().into()),
                    ("detail", (&e.message).into()),
                ],
            ),
            Err(e) => found.stop_with(
                ReasonCode::LabelUnreadable,
                &[("n", (&number).into()), ("detail", (&e.message).into())],
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

    let missing: Vec<Text> = [
        (facts.dins.is_empty(), tr_noop("unit number (DIN)")),
        (facts.groups.is_empty(), tr_noop("blood group")),
        (facts.product_codes.is_empty(), tr_noop("product code")),
        (facts.expiries.is_empty(), tr_noop("expiry")),
    ]
    .into_iter()
    .filter(|(is_missing, _)| *is_missing)
    .map(|(_, msgid)| Text::tr(msgid, &[]))
    .collect();
    if !missing.is_empty() {
        let missing = Text::list(&missing);
        found.stop_with(
            ReasonCode::LabelIncomplete,
            &[("missing", (&missing).into())],
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
