//! What the sync benches share: the demo ward with many more units issued, the staff and the
//! vital signs of the records they queue, and one sync cycle.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use bedside_bloodbank::actions::{issue_in, Issue};
use bedside_bloodbank::db::BloodBankDb;
use bedside_bloodbank::demo;
use bedside_bloodbank::transaction::Refusal;
use bedside_clock::{Clock, RandomIds, SystemClock};
use bedside_core::blood::{Abo, Component, Group, Rhd};
use bedside_core::event::{StaffRef, WardRef};
use bedside_core::observations::Vitals;
use bedside_store::Store;
use bedside_sync::http::BloodBankHttp;
use bedside_sync::{Summary, Sync, SyncSettings};

/// The demo ward, and `count` more red-cell units of `group` issued to its patients, their DINs
/// `din_prefix` followed by a four-digit number.
pub fn issue_units(
    bank_path: &Path,
    clock: Arc<SystemClock>,
    count: usize,
    din_prefix: &str,
    group: Group,
) {
    let mut db = BloodBankDb::open(bank_path, clock).unwrap();
    demo::seed(&mut db).unwrap();
    let now = db.now();
    db.write(|w| {
        for n in 0..count {
            issue_in(
                w,
                &Issue {
                    patient_id: format!("pat-10{:02}", n % 8 + 1),
                    ward_id: demo::WARD_ID.into(),
                    din: format!("{din_prefix}{n:04}"),
                    product_code: "E0001V00".into(),
                    component: Component::RedCells,
                    group,
                    expires_at: now + chrono::Duration::days(20),
                    attributes: vec![],
                    match_status: "crossmatched".into(),
                    sample_expires_at: None,
                    issued_at: now,
                    service_request_id: None,
                    emergency: None,
                },
            )?;
        }
        Ok::<_, Refusal>(())
    })
    .unwrap();
}

/// O RhD-negative, as the shift bench issues; the pull bench issues O RhD-positive.
pub fn o(rhd: Rhd) -> Group {
    Group::new(Some(Abo::O), Some(rhd))
}

/// One sync cycle against `url` (pages of 500): the whole cycle (pull and push) or the push alone.
pub fn cycle(store: &mut Store, url: &str, clock: &dyn Clock, whole: bool) -> Summary {
    let mut settings = SyncSettings::new(url, demo::WARD_ID);
    settings.page_size = 500;
    let http = BloodBankHttp::new(url, Duration::from_secs(30)).unwrap();
    let mut sync = Sync {
        store,
        http: &http,
        settings: &settings,
        clock,
        ids: &RandomIds,
        sleep: &std::thread::sleep,
    };
    if whole {
        sync.run_cycle().unwrap()
    } else {
        sync.push_cycle().unwrap()
    }
}

pub fn nurse() -> StaffRef {
    StaffRef {
        staff_id: "N0451".into(),
        name: "陈静".into(),
        practitioner_id: Some("prac-n0451".into()),
    }
}

pub fn second_checker() -> StaffRef {
    StaffRef {
        staff_id: "N0388".into(),
        name: "刘洋".into(),
        practitioner_id: None,
    }
}

pub fn ward() -> WardRef {
    WardRef {
        location_id: demo::WARD_ID.into(),
        name: demo::WARD_NAME.into(),
    }
}

pub fn vitals() -> Vitals {
    Vitals {
        temp_tenths: Some(368),
        hr: Some(80),
        sbp: Some(120),
        dbp: Some(75),
        rr: Some(16),
        spo2: Some(98),
    }
}
