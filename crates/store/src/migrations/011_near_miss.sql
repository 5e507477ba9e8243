-- Checks the bedside stopped for a wrong-blood reason (near misses, clinical-rules.md §5): one
-- row each, written in the same transaction as the outbox event that reports it to the blood
-- bank as an AdverseEvent (store::ward::project), so the charge nurse's indicators count them
-- without reading the outbox. Codes as recorded; words are made at display time.
CREATE TABLE ward_near_miss (
    near_miss_urn    TEXT PRIMARY KEY,
    detected_at      TEXT NOT NULL,
    detected_epoch   INTEGER NOT NULL,
    -- JSON array of the stop reason codes.
    reasons          TEXT NOT NULL,
    patient_scanned  TEXT,
    patient_mrn      TEXT,
    din              TEXT,
    product_code     TEXT,
    first_badge      TEXT NOT NULL,
    second_badge     TEXT
) WITHOUT ROWID;
CREATE INDEX ward_near_miss_by_time ON ward_near_miss (detected_epoch);
