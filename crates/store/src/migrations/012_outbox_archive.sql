-- The outbox's archive (issue 17.5, store::archive): records the blood bank confirmed more than
-- the policy's `outbox_retention_days` ago leave the outbox — a whole transfusion (or near miss)
-- at a time, with every column, the bytes sent included — so that what the push, the link's
-- counts and the rebuild of a running transfusion scan stays small. Nothing is deleted: the
-- archive is append-only, and the history of a record (its sync state on the charge nurse's
-- screens, the reactions reported, a period's FHIR export) reads outbox and archive together.
CREATE TABLE outbox_archive (
    seq           INTEGER PRIMARY KEY,
    bundle_urn    TEXT NOT NULL UNIQUE,
    kind          TEXT NOT NULL,
    procedure_urn TEXT NOT NULL,
    event         TEXT NOT NULL,
    recorded_at   TEXT NOT NULL,
    state         TEXT NOT NULL CHECK (state = 'sent'),
    bundle        TEXT,
    attempts      INTEGER NOT NULL,
    last_error    TEXT,
    reason_code   TEXT,
    reason_text   TEXT,
    sent_at       TEXT NOT NULL,
    archived_at   TEXT NOT NULL
);
CREATE INDEX outbox_archive_by_procedure ON outbox_archive (procedure_urn, kind);
CREATE TRIGGER outbox_archive_no_update BEFORE UPDATE ON outbox_archive
BEGIN SELECT RAISE(ABORT, 'the outbox archive is append-only'); END;
CREATE TRIGGER outbox_archive_no_delete BEFORE DELETE ON outbox_archive
BEGIN SELECT RAISE(ABORT, 'the outbox archive is append-only'); END;

-- An outbox record leaves the outbox only for the archive, and only once the blood bank
-- confirmed it: a delete of anything else is refused by the schema itself.
CREATE TRIGGER outbox_leaves_only_for_the_archive BEFORE DELETE ON outbox
WHEN OLD.state != 'sent' OR OLD.sent_at IS NULL OR NOT EXISTS (
    SELECT 1 FROM outbox_archive WHERE seq = OLD.seq AND bundle_urn = OLD.bundle_urn)
BEGIN SELECT RAISE(ABORT, 'an outbox record leaves only for the archive, once confirmed'); END;
