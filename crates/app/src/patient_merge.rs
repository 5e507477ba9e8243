//! After every pull: the ward's records made under a temporary emergency ID follow the patient
//! the blood bank merged it into (`clinical-rules.md` §6.2), each with an audit row naming both.

use bedside_clock::Instant;
use bedside_store::StoreError;

use crate::late_crossmatch::BLOOD_BANK_ACTOR;
use crate::port::DeviceStore;

/// Moves the records of every merged ID the cache names; returns how many moved.
pub fn follow_patient_merges(
    store: &mut dyn DeviceStore,
    now: Instant,
) -> Result<usize, StoreError> {
    let (issued, _) = store.cached()?.issue_records();
    let mut merges: Vec<(String, String, String)> = issued
        .iter()
        .flat_map(|r| {
            let p = &r.patient;
            p.merged_ids
                .iter()
                .filter(|old| old.trim() != p.mrn.trim())
                .map(|old| (old.clone(), p.mrn.clone(), p.name.clone()))
        })
        .collect();
    merges.sort();
    merges.dedup();
    let mut moved = 0;
    for (old, mrn, name) in merges {
        moved += store
            .follow_patient_merge(&old, &mrn, &name, &now, BLOOD_BANK_ACTOR)?
            .len();
    }
    Ok(moved)
}
