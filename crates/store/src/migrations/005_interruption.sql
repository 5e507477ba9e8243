-- A transfusion interrupted at the bedside (the patient left the ward, the line was lost…) and
-- its restart after the repeat check. The blood bank's contract has no resource for a pause, so
-- it lives here (and in the audit trail): the app must still know, after a restart of the app,
-- that this transfusion may not go on before two staff check it again.
CREATE TABLE interruption (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    procedure_urn   TEXT NOT NULL,
    interrupted_at  TEXT NOT NULL,
    reason          TEXT NOT NULL,
    interrupted_by  TEXT NOT NULL,
    restarted_at    TEXT,
    restarted_by    TEXT,
    second_checker  TEXT
);
CREATE INDEX interruption_by_procedure ON interruption (procedure_urn, seq);
