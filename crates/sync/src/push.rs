//! The push: the outbox sent in order, observation rounds batched, one batch posted while the
//! next is prepared.

use serde_json::Value;

use bedside_core::event::BedsideEvent;
use bedside_fhir::bundle::transaction_text;
use bedside_fhir::{identifier_value, str_at, UUID_SYSTEM};
use bedside_store::{OutboxRecord, StoreError};

use crate::http::{Answer, NetError, Transport};
use crate::{Summary, Sync};

/// Observation rounds per transaction when a backlog is sent: 250 vital signs, about 300 kB.
pub const BATCH_ROUNDS: usize = 50;

/// Records with their bundles stored, the bytes that go out for them, and the client identifier
/// of each entry in those bytes (to file the server's ids under).
pub(crate) struct Prepared {
    pub(crate) records: Vec<OutboxRecord>,
    pub(crate) bytes: String,
    pub(crate) client_urns: Vec<Option<String>>,
}

struct InFlight<'scope> {
    prepared: Prepared,
    answer: std::thread::ScopedJoinHandle<'scope, Result<Answer, NetError>>,
}

/// The client's own identifier of a bundle entry's resource (Provenance has none: its id).
fn client_urn(entry: &Value) -> Option<String> {
    let resource = entry.get("resource")?;
    identifier_value(resource, UUID_SYSTEM)
        .map(str::to_string)
        .or_else(|| str_at(resource, &["id"]).map(|id| format!("urn:uuid:{id}")))
}

pub(crate) enum Flow {
    Continue,
    Stop,
}

impl Sync<'_> {
    /// Sends the outbox in order. Consecutive observation rounds go together in one transaction
    /// (up to `BATCH_ROUNDS`), and while the blood bank stores one batch the device prepares
    /// the next: a ward back online after a night without Wi-Fi has thousands of rounds, and one
    /// round trip each would take minutes. Every entry is still a conditional create on its own
    /// identifier, so a batch is as safe to resend, or to split, as a single round.
    pub(crate) fn push(&mut self, summary: &mut Summary) -> Result<(), StoreError> {
        let http = self.http;
        std::thread::scope(|scope| {
            let mut in_flight: Option<InFlight> = None;
            let mut rounds: Vec<OutboxRecord> = Vec::new();
            // A confirmed start stays confirmed: asked once per transfusion, not per round.
            let mut started = std::collections::HashSet::new();
            for record in self.store.unsent()? {
                if !matches!(record.event, BedsideEvent::Started(_))
                    && !started.contains(&record.procedure_urn)
                {
                    match self.store.start_state(&record.procedure_urn)?.as_deref() {
                        Some("sent") => {
                            started.insert(record.procedure_urn.clone());
                        }
                        Some(_) => {
                            summary.held += 1;
                            continue;
                        }
                        None => {}
                    }
                }
                let flow = if let BedsideEvent::ObservationsTaken(_) = record.event {
                    rounds.push(record);
                    if rounds.len() < BATCH_ROUNDS {
                        continue;
                    }
                    let batch = std::mem::take(&mut rounds);
                    self.post_in_background(scope, http, batch, &mut in_flight, summary)?
                } else {
                    // Ends and reactions update the Procedure: everything before them lands first.
                    let batch = std::mem::take(&mut rounds);
                    match self.post_in_background(scope, http, batch, &mut in_flight, summary)? {
                        Flow::Continue => match self.land(in_flight.take(), summary)? {
                            Flow::Continue => self.send(&[record], summary)?,
                            Flow::Stop => Flow::Stop,
                        },
                        Flow::Stop => Flow::Stop,
                    }
                };
                if let Flow::Stop = flow {
                    self.land(in_flight.take(), summary)?;
                    return Ok(());
                }
            }
            if let Flow::Continue =
                self.post_in_background(scope, http, rounds, &mut in_flight, summary)?
            {
                self.land(in_flight.take(), summary)?;
            }
            Ok(())
        })
    }

    /// Prepares `records` and posts them on a helper thread; then lands the batch that was in
    /// flight before, so the device's bookkeeping overlaps the blood bank's work.
    fn post_in_background<'scope>(
        &mut self,
        scope: &'scope std::thread::Scope<'scope, '_>,
        http: &'scope dyn Transport,
        records: Vec<OutboxRecord>,
        in_flight: &mut Option<InFlight<'scope>>,
        summary: &mut Summary,
    ) -> Result<Flow, StoreError> {
        if records.is_empty() {
            return Ok(Flow::Continue);
        }
        let Some(prepared) = self.prepare(records, summary)? else {
            return Ok(Flow::Stop);
        };
        let bytes = prepared.bytes.clone();
        let answer = scope.spawn(move || http.post_transaction(&bytes));
        self.land(in_flight.replace(InFlight { prepared, answer }), summary)
    }

    /// Takes in the answer to a batch in flight.
    fn land(
        &mut self,
        in_flight: Option<InFlight>,
        summary: &mut Summary,
    ) -> Result<Flow, StoreError> {
        let Some(InFlight { prepared, answer }) = in_flight else {
            return Ok(Flow::Continue);
        };
        let answer = answer
            .join()
            .unwrap_or_else(|_| Err(NetError("the sending thread failed".into())));
        self.settle(prepared, Some(answer), summary)
    }

    /// Builds the bundle of each record (unless stored already), stores them all before any is
    /// sent, and joins several into one transaction.
    fn prepare(
        &mut self,
        mut records: Vec<OutboxRecord>,
        summary: &mut Summary,
    ) -> Result<Option<Prepared>, StoreError> {
        let now = self.clock.now();
        let mut entries = Vec::new();
        let mut client_urns = Vec::new();
        for record in &mut records {
            let bundle = match &record.bundle {
                Some(bytes) => serde_json::from_str(bytes).unwrap_or(Value::Null),
                None => match self.build(record, summary)? {
                    Some(bundle) => bundle,
                    None => return Ok(None),
                },
            };
            let own: Vec<String> = match bundle.get("entry") {
                Some(Value::Array(own)) => {
                    client_urns.extend(own.iter().map(client_urn));
                    own.iter().map(Value::to_string).collect()
                }
                _ => Vec::new(),
            };
            if record.bundle.is_none() {
                record.bundle = Some(transaction_text(&record.bundle_urn, &now, &own));
            }
            entries.extend(own);
        }
        let own: Vec<(i64, &str)> = records
            .iter()
            .map(|r| (r.seq, r.bundle.as_deref().unwrap_or_default()))
            .collect();
        self.store.mark_sending_many(&own)?;
        let bytes = match records.as_slice() {
            [one] => one.bundle.clone().unwrap_or_default(),
            _ => {
                let urn = format!("urn:uuid:{}", self.ids.new_uuid());
                transaction_text(&urn, &now, &entries)
            }
        };
        Ok(Some(Prepared {
            records,
            bytes,
            client_urns,
        }))
    }

    /// Sends one record, or a batch of observation rounds as one transaction, retrying within
    /// the cycle. A batch the blood bank refuses is split, so that each record gets its own
    /// verdict and only the faulty one is quarantined.
    pub(crate) fn send(
        &mut self,
        records: &[OutboxRecord],
        summary: &mut Summary,
    ) -> Result<Flow, StoreError> {
        match self.prepare(records.to_vec(), summary)? {
            Some(prepared) => self.settle(prepared, None, summary),
            None => Ok(Flow::Stop),
        }
    }
}
