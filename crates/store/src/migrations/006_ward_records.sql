-- The ward's transfusions as the charge nurse reviews them: one row per transfusion and one per
-- round of vital signs, written in the same transaction as the outbox event they come from
-- (store::ward::project). The outbox keeps the events themselves; these tables exist so that the
-- board, a record, a month's indicators and a month's export read a year of a busy ward without
-- parsing 200,000 JSON events. Times as RFC 3339 text (what was recorded) plus Unix seconds for
-- the range queries (RFC 3339 text with different offsets does not sort).
CREATE TABLE ward_transfusion (
    procedure_urn     TEXT PRIMARY KEY,
    dispense_id       TEXT NOT NULL,
    -- The hospital number (MRN), or the blood bank's Patient id when no MRN was recorded.
    patient_id        TEXT NOT NULL,
    patient_name      TEXT NOT NULL,
    din               TEXT NOT NULL,
    product_id        TEXT NOT NULL,
    component         TEXT NOT NULL,
    ward              TEXT NOT NULL,
    issued_at         TEXT,
    -- Issue time, or the start when the issue time is unknown: the indicators' period.
    period_epoch      INTEGER NOT NULL,
    started_at        TEXT NOT NULL,
    started_epoch     INTEGER NOT NULL,
    ended_at          TEXT,
    outcome           TEXT NOT NULL CHECK (outcome IN ('running', 'ended', 'reaction')),
    volume_ml         INTEGER,
    keep_until        TEXT,
    end_note          TEXT,
    checked_at        TEXT NOT NULL,
    first_badge       TEXT NOT NULL,
    first_name        TEXT NOT NULL,
    second_badge      TEXT NOT NULL,
    second_name       TEXT NOT NULL,
    -- JSON arrays: the texts scanned, why a DIN was keyed, [{code, reason}] acknowledged.
    scans             TEXT NOT NULL,
    keyed_reasons     TEXT NOT NULL,
    acknowledgements  TEXT NOT NULL,
    -- The reaction report, as JSON, when the transfusion was stopped for one.
    reaction          TEXT
) WITHOUT ROWID;
CREATE INDEX ward_transfusion_by_start ON ward_transfusion (started_epoch);
CREATE INDEX ward_transfusion_by_period ON ward_transfusion (period_epoch);
CREATE INDEX ward_transfusion_running ON ward_transfusion (outcome) WHERE outcome = 'running';

CREATE TABLE ward_round (
    procedure_urn  TEXT NOT NULL,
    at             TEXT NOT NULL,
    at_epoch       INTEGER NOT NULL,
    slot           TEXT NOT NULL,
    temp_tenths    INTEGER,
    hr             INTEGER,
    sbp            INTEGER,
    dbp            INTEGER,
    rr             INTEGER,
    spo2           INTEGER,
    symptoms       TEXT NOT NULL,
    taken_badge    TEXT NOT NULL,
    taken_name     TEXT NOT NULL
);
CREATE INDEX ward_round_by_transfusion ON ward_round (procedure_urn, at_epoch);

-- What an audit row is about (a transfusion's procedure urn), so that a record's trail is an
-- index lookup. Rows written before this column have none: they are found by their text.
ALTER TABLE audit ADD COLUMN subject TEXT;
CREATE INDEX audit_by_subject ON audit (subject, seq) WHERE subject IS NOT NULL;

-- Where each transfusion's records stand with the blood bank, without reading the events.
CREATE INDEX outbox_by_procedure_state ON outbox (procedure_urn, state);
