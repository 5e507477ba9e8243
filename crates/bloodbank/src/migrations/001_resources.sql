-- The reference blood bank keeps every FHIR resource as JSON with its current version, and
-- every earlier version in `history`. Nothing is ever deleted (contract §1).
CREATE TABLE resource (
    type          TEXT    NOT NULL,
    id            TEXT    NOT NULL,
    version       INTEGER NOT NULL,
    last_updated  TEXT    NOT NULL,  -- meta.lastUpdated as sent (RFC 3339, ms, +08:00)
    lu_ms         INTEGER NOT NULL,  -- the same instant in ms since the epoch, for ordering
    json          TEXT    NOT NULL,
    destination   TEXT,              -- dispense: Location/… (search parameter `destination`)
    patient       TEXT,              -- Patient/… of patient/subject (search parameter `patient`)
    UNIQUE (type, id)
);
CREATE INDEX resource_by_destination ON resource (type, destination, lu_ms, id);
CREATE INDEX resource_by_patient ON resource (type, patient);
-- the single writer reads the newest stamp at every write
CREATE INDEX resource_by_stamp ON resource (lu_ms);

CREATE TABLE history (
    type         TEXT    NOT NULL,
    id           TEXT    NOT NULL,
    version      INTEGER NOT NULL,
    last_updated TEXT    NOT NULL,
    json         TEXT    NOT NULL,
    UNIQUE (type, id, version)
);

-- identifier search and conditional create: every identifier of every current resource
CREATE TABLE identifier (
    type   TEXT NOT NULL,
    system TEXT NOT NULL,
    value  TEXT NOT NULL,
    id     TEXT NOT NULL
);
CREATE INDEX identifier_lookup ON identifier (type, system, value);
CREATE INDEX identifier_owner ON identifier (type, id);

CREATE TABLE id_counter (
    prefix TEXT PRIMARY KEY,
    next   INTEGER NOT NULL
) WITHOUT ROWID;

-- The blood bank's alerts: facts stored despite server-side state (a recalled unit transfused).
CREATE TABLE alert (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    at      TEXT NOT NULL,
    reason  TEXT NOT NULL,
    detail  TEXT NOT NULL
);
