//! A shift's backlog reaches the blood bank in few round trips (issue 17.6): consecutive starts
//! share one transaction, consecutive ends of different transfusions another (their Procedures
//! read all at once), and everything still lands exactly once.

mod common;

use std::sync::Mutex;

use bedside_app::record::{CheckFacts, Recorder};
use bedside_clock::{Clock, RandomIds, SystemClock};
use bedside_sync::http::{Answer, BloodBankHttp, NetError, Transport};
use bedside_sync::Sync;
use common::*;

/// The blood bank's link, counting what the cycle asks of it.
struct Counting {
    inner: BloodBankHttp,
    requests: Mutex<Vec<String>>,
}

impl Transport for Counting {
    fn base_url(&self) -> &str {
        self.inner.base_url()
    }
    fn get(&self, path: &str, if_none_match: Option<&str>) -> Result<Answer, NetError> {
        let kind = path.split(['/', '?']).next().unwrap_or_default();
        self.requests.lock().unwrap().push(format!("GET {kind}"));
        self.inner.get(path, if_none_match)
    }
    fn post_transaction(&self, bundle: &str) -> Result<Answer, NetError> {
        self.requests.lock().unwrap().push("POST".into());
        self.inner.post_transaction(bundle)
    }
}

#[test]
fn starts_and_ends_of_a_shift_share_transactions_and_land_once() {
    let ward = Ward::new();
    let mut h = ward.open();
    let clock = SystemClock::china();
    let (issued, _) = h.store.cached().unwrap().issue_records();
    let mut dispenses: Vec<&str> = issued
        .iter()
        .filter(|r| r.started_by.is_none() && r.emergency.is_none())
        .map(|r| r.dispense_id.as_str())
        .collect();
    dispenses.truncate(3);
    assert_eq!(dispenses.len(), 3);
    let procedures: Vec<String> = {
        let mut rec = Recorder {
            store: &mut h.store,
            clock: &clock,
            ids: &RandomIds,
        };
        let started: Vec<_> = dispenses
            .iter()
            .map(|d| {
                let facts = CheckFacts::new(&nurse("N0388", "刘洋"), clock.now(), vec![]);
                rec.start(d, ward_ref(), &nurse("N0451", "陈静"), facts, None)
                    .unwrap()
            })
            .collect();
        for t in &started {
            let round = rec.round("15min", vitals(368), vec![], &nurse("N0451", "陈静"));
            rec.observe(t, round).unwrap();
        }
        for t in &started {
            rec.end(t, Some(250), None, None, None, &nurse("N0451", "陈静"))
                .unwrap();
        }
        started.into_iter().map(|t| t.procedure_uuid).collect()
    };
    let records = h.store.unsent().unwrap().len();
    assert_eq!(records, 9);

    let link = Counting {
        inner: BloodBankHttp::new(
            &ward.bank.running.base_url,
            std::time::Duration::from_secs(5),
        )
        .unwrap(),
        requests: Mutex::new(Vec::new()),
    };
    let settings = settings(&ward.bank.running.base_url);
    let summary = Sync {
        store: &mut h.store,
        http: &link,
        settings: &settings,
        clock: &clock,
        ids: &RandomIds,
        sleep: &std::thread::sleep,
    }
    .push_cycle()
    .unwrap();
    assert_eq!(
        (summary.pushed, summary.unsent),
        (records, 0),
        "{summary:?}"
    );
    let requests = link.requests.into_inner().unwrap();
    // The three starts, the three rounds, the three Procedures read, the three ends.
    assert_eq!(
        requests,
        [
            "POST",
            "POST",
            "GET Procedure",
            "GET Procedure",
            "GET Procedure",
            "POST"
        ],
        "one transaction per kind, the Procedures read together"
    );
    // On the blood bank: each transfusion once.
    for urn in &procedures {
        assert_eq!(ward.bank.stored_with("Procedure", urn), 1, "{urn}");
    }
    let again = cycle(&mut h.store, &settings);
    assert_eq!((again.pushed, again.unsent), (0, 0), "{again:?}");
}

fn ward_ref() -> bedside_core::event::WardRef {
    ward()
}
