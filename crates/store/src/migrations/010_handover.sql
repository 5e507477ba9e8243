-- A running transfusion handed over to the next shift's nurse (issue 20.5): who handed it to
-- whom and when, names as they were then. The latest row names the nurse responsible for the
-- transfusion now. Device-local like an interruption (the blood bank's contract has no resource
-- for it), and kept in the audit trail too. Append-only, like the audit trail.
CREATE TABLE handover (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    procedure_urn  TEXT NOT NULL,
    at             TEXT NOT NULL,
    from_badge     TEXT NOT NULL,
    from_name      TEXT NOT NULL,
    to_badge       TEXT NOT NULL,
    to_name        TEXT NOT NULL
);
CREATE INDEX handover_by_procedure ON handover (procedure_urn, seq);
CREATE TRIGGER handover_no_update BEFORE UPDATE ON handover
BEGIN SELECT RAISE(ABORT, 'handovers are append-only'); END;
CREATE TRIGGER handover_no_delete BEFORE DELETE ON handover
BEGIN SELECT RAISE(ABORT, 'handovers are append-only'); END;
