//! After every pull: the ward's records made under a temporary emergency ID follow the patient
//! the blood bank merged it into (`clinical-rules.md` §6.2), each with an audit row naming both.

use bedside_clock::Instant;
use bedside_store::StoreError;

use bedside_core::check::IssueRecord;

use crate::late_crossmatch::BLOOD_BANK_ACTOR;
use crate::port::DeviceStore;
use crate::transfuse::RunningTransfusion;

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

/// A patient identified since the start: the running transfusions show who they are now (the
/// blood bank's patient record of their units names the temporary number as merged).
pub(crate) fn follow_on_running(running: &mut [RunningTransfusion], issued: &[IssueRecord]) {
    for r in running {
        let identified = issued.iter().map(|x| &x.patient).find(|p| {
            p.merged_ids
                .iter()
                .any(|old| old.trim() == r.patient_mrn.trim())
        });
        if let Some(p) = identified {
            r.patient_mrn = p.mrn.clone();
            r.transfusion.patient_name = p.name.clone();
        }
    }
}
