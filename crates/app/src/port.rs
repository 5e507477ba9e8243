//! What the controllers need of the device's store, and nothing more: the port they are written
//! against. `bedside_store::Store` (SQLite) implements it; a test may wrap it (a store that
//! refuses writes, one that fails at a chosen call) without a feature of the real store.

use std::collections::HashMap;

use bedside_clock::Instant;
use bedside_core::audit::AuditAction;
use bedside_core::event::BedsideEvent;
use bedside_core::observations::Pause;
use bedside_core::quality::NearMissRecord;
use bedside_core::review::{Handover, Person, ReviewQuery, ReviewRow, TransfusionReview};
use bedside_fhir::issue::ResourceSet;
use bedside_store::{
    AuditEntry, OpenInterruption, OutboxCounts, OutboxRecord, StaffMember, Store, StoreError,
};

pub trait DeviceStore {
    // --- the cache of what the blood bank issued, and what the device knows of time
    fn cached(&self) -> Result<ResourceSet, StoreError>;
    /// How the cache is read (`[mapping]`): the site's identifier systems.
    fn mapping(&self) -> &bedside_fhir::mapping::Mapping;
    fn cache_synced_at(&self) -> Result<Option<Instant>, StoreError>;
    /// The blood bank's clock at the last pull, beside the device's then.
    fn server_clock(&self) -> Result<Option<(Instant, Instant)>, StoreError>;
    fn latest_audit_at(&self) -> Result<Option<Instant>, StoreError>;
    /// The dispenses this device has started a transfusion of.
    fn started_dispenses(&self) -> Result<Vec<String>, StoreError>;

    // --- the nurse's records: each with its audit rows, in one transaction
    fn enqueue_audited(
        &mut self,
        event: &BedsideEvent,
        bundle_urn: &str,
        at: &Instant,
        actor: &str,
        also: &[(AuditAction, String)],
    ) -> Result<i64, StoreError>;
    fn interrupt(
        &mut self,
        procedure_urn: &str,
        at: &Instant,
        by: &str,
        reason: &str,
    ) -> Result<(), StoreError>;
    fn restart(
        &mut self,
        procedure_urn: &str,
        at: &Instant,
        by: &str,
        second_checker: &str,
    ) -> Result<bool, StoreError>;
    fn open_transfusion_events(&self) -> Result<Vec<BedsideEvent>, StoreError>;
    fn outbox_counts(&self) -> Result<OutboxCounts, StoreError>;
    /// Records not yet accepted, refused ones first: at most `limit`.
    fn pending(&self, limit: usize) -> Result<Vec<OutboxRecord>, StoreError>;
    fn open_interruption(
        &self,
        procedure_urn: &str,
    ) -> Result<Option<OpenInterruption>, StoreError>;
    fn requeue(&mut self, seq: i64, actor: &str, at: &Instant) -> Result<bool, StoreError>;
    /// Every interruption of a transfusion, as pauses of its observation schedule.
    fn pauses(&self, procedure_urn: &str) -> Result<Vec<Pause>, StoreError>;
    /// A running transfusion handed over to the next shift's nurse, with its audit row.
    fn hand_over(
        &mut self,
        procedure_urn: &str,
        at: &Instant,
        from: &Person,
        to: &Person,
    ) -> Result<(), StoreError>;
    fn handovers(&self, procedure_urn: &str) -> Result<Vec<Handover>, StoreError>;

    // --- the audit trail
    fn audit(
        &mut self,
        at: &Instant,
        actor: &str,
        action: AuditAction,
        detail: &str,
    ) -> Result<(), StoreError>;
    fn last_audit_of(&self, actions: &[AuditAction]) -> Result<Option<AuditEntry>, StoreError>;
    fn subjects_audited(&self, action: AuditAction) -> Result<Vec<String>, StoreError>;
    /// An audit row about one transfusion (it joins that record's trail).
    fn audit_about(
        &mut self,
        at: &Instant,
        actor: &str,
        action: AuditAction,
        detail: &str,
        procedure_urn: &str,
    ) -> Result<(), StoreError>;

    // --- staff and sign-in
    /// The ward's records of `old_id` follow the blood bank's merge into `mrn` (`name`).
    fn follow_patient_merge(
        &mut self,
        old_id: &str,
        mrn: &str,
        name: &str,
        at: &Instant,
        actor: &str,
    ) -> Result<Vec<String>, StoreError>;
    fn staff_member(&self, badge: &str) -> Result<Option<StaffMember>, StoreError>;
    fn staff_count(&self) -> Result<usize, StoreError>;
    fn put_staff(&mut self, member: &StaffMember, at: &Instant, by: &str)
        -> Result<(), StoreError>;
    fn login_failed(
        &mut self,
        badge: &str,
        locked_until: Option<&Instant>,
        at: &Instant,
    ) -> Result<(), StoreError>;
    fn login_succeeded(
        &mut self,
        badge: &str,
        action: AuditAction,
        at: &Instant,
    ) -> Result<(), StoreError>;

    // --- the ward's records, for the charge nurse
    fn review(&self, procedure_urn: &str) -> Result<Option<TransfusionReview>, StoreError>;
    fn review_rows(&self, query: &ReviewQuery, limit: usize) -> Result<Vec<ReviewRow>, StoreError>;
    fn review_count(&self, from: Instant, to: Instant) -> Result<usize, StoreError>;
    fn reviews_in(&self, from: Instant, to: Instant) -> Result<Vec<TransfusionReview>, StoreError>;
    /// The checks stopped for a wrong-blood reason in `[from, to)`.
    fn near_misses_in(&self, from: Instant, to: Instant)
        -> Result<Vec<NearMissRecord>, StoreError>;
    fn reactions_reported(
        &self,
        from: Instant,
        to: Instant,
    ) -> Result<HashMap<String, Instant>, StoreError>;
    fn events_of_period(&self, from: Instant, to: Instant)
        -> Result<Vec<BedsideEvent>, StoreError>;
}

/// One method of the port: the store's own of the same name.
macro_rules! delegate {
    (fn $name:ident(&mut self $(, $arg:ident: $ty:ty)*) -> $ret:ty) => {
        fn $name(&mut self $(, $arg: $ty)*) -> $ret {
            Store::$name(self $(, $arg)*)
        }
    };
    (fn $name:ident(&self $(, $arg:ident: $ty:ty)*) -> $ret:ty) => {
        fn $name(&self $(, $arg: $ty)*) -> $ret {
            Store::$name(self $(, $arg)*)
        }
    };
}

impl DeviceStore for Store {
    delegate!(fn cached(&self) -> Result<ResourceSet, StoreError>);
    delegate!(fn mapping(&self) -> &bedside_fhir::mapping::Mapping);
    delegate!(fn cache_synced_at(&self) -> Result<Option<Instant>, StoreError>);
    delegate!(fn server_clock(&self) -> Result<Option<(Instant, Instant)>, StoreError>);
    delegate!(fn latest_audit_at(&self) -> Result<Option<Instant>, StoreError>);
    delegate!(fn started_dispenses(&self) -> Result<Vec<String>, StoreError>);
    delegate!(fn enqueue_audited(&mut self, event: &BedsideEvent, bundle_urn: &str, at: &Instant, actor: &str, also: &[(AuditAction, String)]) -> Result<i64, StoreError>);
    delegate!(fn interrupt(&mut self, procedure_urn: &str, at: &Instant, by: &str, reason: &str) -> Result<(), StoreError>);
    delegate!(fn restart(&mut self, procedure_urn: &str, at: &Instant, by: &str, second_checker: &str) -> Result<bool, StoreError>);
    delegate!(fn open_transfusion_events(&self) -> Result<Vec<BedsideEvent>, StoreError>);
    delegate!(fn outbox_counts(&self) -> Result<OutboxCounts, StoreError>);
    delegate!(fn pending(&self, limit: usize) -> Result<Vec<OutboxRecord>, StoreError>);
    delegate!(fn open_interruption(&self, procedure_urn: &str) -> Result<Option<OpenInterruption>, StoreError>);
    delegate!(fn follow_patient_merge(&mut self, old_id: &str, mrn: &str, name: &str, at: &Instant, actor: &str) -> Result<Vec<String>, StoreError>);
    delegate!(fn audit_about(&mut self, at: &Instant, actor: &str, action: AuditAction, detail: &str, procedure_urn: &str) -> Result<(), StoreError>);
    delegate!(fn requeue(&mut self, seq: i64, actor: &str, at: &Instant) -> Result<bool, StoreError>);
    delegate!(fn pauses(&self, procedure_urn: &str) -> Result<Vec<Pause>, StoreError>);
    delegate!(fn hand_over(&mut self, procedure_urn: &str, at: &Instant, from: &Person, to: &Person) -> Result<(), StoreError>);
    delegate!(fn handovers(&self, procedure_urn: &str) -> Result<Vec<Handover>, StoreError>);
    delegate!(fn audit(&mut self, at: &Instant, actor: &str, action: AuditAction, detail: &str) -> Result<(), StoreError>);
    delegate!(fn last_audit_of(&self, actions: &[AuditAction]) -> Result<Option<AuditEntry>, StoreError>);
    delegate!(fn subjects_audited(&self, action: AuditAction) -> Result<Vec<String>, StoreError>);
    delegate!(fn staff_member(&self, badge: &str) -> Result<Option<StaffMember>, StoreError>);
    delegate!(fn staff_count(&self) -> Result<usize, StoreError>);
    delegate!(fn put_staff(&mut self, member: &StaffMember, at: &Instant, by: &str) -> Result<(), StoreError>);
    delegate!(fn login_failed(&mut self, badge: &str, locked_until: Option<&Instant>, at: &Instant) -> Result<(), StoreError>);
    delegate!(fn login_succeeded(&mut self, badge: &str, action: AuditAction, at: &Instant) -> Result<(), StoreError>);
    delegate!(fn review(&self, procedure_urn: &str) -> Result<Option<TransfusionReview>, StoreError>);
    delegate!(fn review_rows(&self, query: &ReviewQuery, limit: usize) -> Result<Vec<ReviewRow>, StoreError>);
    delegate!(fn review_count(&self, from: Instant, to: Instant) -> Result<usize, StoreError>);
    delegate!(fn reviews_in(&self, from: Instant, to: Instant) -> Result<Vec<TransfusionReview>, StoreError>);
    delegate!(fn near_misses_in(&self, from: Instant, to: Instant) -> Result<Vec<NearMissRecord>, StoreError>);
    delegate!(fn reactions_reported(&self, from: Instant, to: Instant) -> Result<HashMap<String, Instant>, StoreError>);
    delegate!(fn events_of_period(&self, from: Instant, to: Instant) -> Result<Vec<BedsideEvent>, StoreError>);
}
