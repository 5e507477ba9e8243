-- The audit trail becomes a hash chain: each row keeps `hash`, the SHA-256 (lowercase hex) of
-- the previous row's hash and this row's fields (store/audit_chain.rs, `HASHED_COLUMNS`, in a
-- length-prefixed encoding). Editing, removing or slipping in a row breaks the chain at that row,
-- and `bedside audit verify` says where.
--
-- Rows written before this version have no hash, and SQL cannot compute SHA-256. They are
-- chained in Rust by this migration's hook (`audit_chain::chain_legacy_rows`), inside this same
-- migration transaction: the statement below drops the no-update trigger, the hook fills every
-- legacy row's hash in seq order and creates the trigger again, exactly as 003 made it. Either
-- all of that commits with the new schema version or none of it does; there is no moment when a
-- committed database lacks the trigger. What the chain can say about the legacy rows is only
-- that they have not changed since this upgrade: anything done to them before it is not seen.
--
-- `subject` (006) is hashed like the other fields; a NULL subject is left out of the hash.
ALTER TABLE audit ADD COLUMN hash TEXT;
DROP TRIGGER audit_no_update;
