-- Bedside events waiting for the blood bank. A row is never deleted: it goes
-- queued -> sending (bytes stored before the first send) -> sent, or -> quarantined with the
-- server's reason, to be shown to the charge nurse.
CREATE TABLE outbox (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    bundle_urn    TEXT NOT NULL UNIQUE,
    kind          TEXT NOT NULL,
    procedure_urn TEXT NOT NULL,
    event         TEXT NOT NULL,
    recorded_at   TEXT NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'sent', 'quarantined')),
    bundle        TEXT,
    attempts      INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT,
    reason_code   TEXT,
    reason_text   TEXT,
    sent_at       TEXT
);
CREATE INDEX outbox_by_state ON outbox (state, seq);
CREATE INDEX outbox_by_procedure ON outbox (procedure_urn, kind);

-- What the blood bank calls the records this device made: client urn:uuid -> server id, version.
CREATE TABLE server_ref (
    client_urn    TEXT PRIMARY KEY,
    type          TEXT NOT NULL,
    id            TEXT NOT NULL,
    version_id    TEXT NOT NULL,
    last_modified TEXT
) WITHOUT ROWID;
