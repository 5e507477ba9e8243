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

/// Starts per transaction: a shift's worth in one.
const BATCH_STARTS: usize = 50;
/// Ends and reactions per transaction (each reads its Procedure first).
const BATCH_UPDATES: usize = 50;

/// What a record is to the push: which records can share a transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Start,
    Round,
    /// Ends and reactions: an `If-Match` update of the Procedure.
    Update,
    /// Anything else (a near miss) goes on its own.
    Alone,
}

impl Kind {
    fn of(record: &OutboxRecord) -> Kind {
        match record.event {
            BedsideEvent::Started(_) => Kind::Start,
            BedsideEvent::ObservationsTaken(_) => Kind::Round,
            ref e if e.updates_procedure() => Kind::Update,
            _ => Kind::Alone,
        }
    }

    fn limit(self) -> usize {
        match self {
            Kind::Start => BATCH_STARTS,
            Kind::Round => BATCH_ROUNDS,
            Kind::Update => BATCH_UPDATES,
            Kind::Alone => 1,
        }
    }
}

/// Consecutive records of one kind, gathered to share a transaction.
#[derive(Default)]
struct Batch {
    kind: Option<Kind>,
    records: Vec<OutboxRecord>,
}

impl Batch {
    /// The gathered records go first: `record` is of another kind, or a second update of a
    /// Procedure already in the batch (its `If-Match` needs the first one's result).
    fn must_send_before(&self, kind: Kind, record: &OutboxRecord) -> bool {
        match self.kind {
            None => false,
            Some(Kind::Update) if kind == Kind::Update => self
                .records
                .iter()
                .any(|r| r.procedure_urn == record.procedure_urn),
            Some(gathered) => gathered != kind,
        }
    }

    fn add(&mut self, kind: Kind, record: OutboxRecord) {
        self.kind = Some(kind);
        self.records.push(record);
    }

    fn is_full(&self) -> bool {
        self.kind
            .is_some_and(|kind| self.records.len() >= kind.limit())
    }

    fn take(&mut self) -> (Option<Kind>, Vec<OutboxRecord>) {
        (self.kind.take(), std::mem::take(&mut self.records))
    }
}

impl Sync<'_> {
    /// Sends the outbox in order. Consecutive observation rounds go together in one transaction
    /// (up to `BATCH_ROUNDS`), and while the blood bank stores one batch the device prepares
    /// the next: a ward back online after a night without Wi-Fi has thousands of rounds, and one
    /// round trip each would take minutes. Consecutive starts go together too (each creates its
    /// own Procedure), and so do consecutive ends and reactions of different transfusions (each
    /// updates its own Procedure under `If-Match`). Every entry is still a conditional create on
    /// its own identifier or a versioned update, so a batch is as safe to resend, or to split
    /// (`settle`), as a single record.
    pub(crate) fn push(&mut self, summary: &mut Summary) -> Result<(), StoreError> {
        let http = self.http;
        std::thread::scope(|scope| {
            let mut in_flight: Option<InFlight> = None;
            let mut batch = Batch::default();
            // A confirmed start stays confirmed: asked once per transfusion, not per round.
            let mut started = std::collections::HashSet::new();
            for record in self.store.unsent()? {
                let kind = Kind::of(&record);
                if batch.must_send_before(kind, &record) {
                    if let Flow::Stop =
                        self.send_batch(scope, http, &mut batch, &mut in_flight, summary)?
                    {
                        self.land(in_flight.take(), summary)?;
                        return Ok(());
                    }
                }
                if kind != Kind::Start && !started.contains(&record.procedure_urn) {
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
                batch.add(kind, record);
                if batch.is_full() {
                    if let Flow::Stop =
                        self.send_batch(scope, http, &mut batch, &mut in_flight, summary)?
                    {
                        self.land(in_flight.take(), summary)?;
                        return Ok(());
                    }
                }
            }
            if let Flow::Continue =
                self.send_batch(scope, http, &mut batch, &mut in_flight, summary)?
            {
                self.land(in_flight.take(), summary)?;
            }
            Ok(())
        })
    }

    /// Sends the batch gathered so far. Rounds go in the background (the next batch is prepared
    /// meanwhile); starts, ends and reactions are landed before anything after them is looked at:
    /// the rounds after a start are held until it is confirmed, and an update reads the
    /// Procedure as the blood bank has it, after everything before it.
    fn send_batch<'scope>(
        &mut self,
        scope: &'scope std::thread::Scope<'scope, '_>,
        http: &'scope dyn Transport,
        batch: &mut Batch,
        in_flight: &mut Option<InFlight<'scope>>,
        summary: &mut Summary,
    ) -> Result<Flow, StoreError> {
        let (kind, records) = batch.take();
        match kind {
            Some(Kind::Round) => self.post_in_background(scope, http, records, in_flight, summary),
            Some(Kind::Start) => {
                match self.post_in_background(scope, http, records, in_flight, summary)? {
                    Flow::Continue => self.land(in_flight.take(), summary),
                    Flow::Stop => Ok(Flow::Stop),
                }
            }
            Some(Kind::Update | Kind::Alone) => match self.land(in_flight.take(), summary)? {
                Flow::Continue => self.send(&records, summary),
                Flow::Stop => Ok(Flow::Stop),
            },
            None => Ok(Flow::Continue),
        }
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
        let mut procedures = self.prefetch_procedures(&records)?;
        for (record, procedure) in records.iter_mut().zip(procedures.iter_mut()) {
            let bundle = match &record.bundle {
                Some(bytes) => serde_json::from_str(bytes).unwrap_or(Value::Null),
                None => match self.build_with(record, procedure.take(), summary)? {
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
