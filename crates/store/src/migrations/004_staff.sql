-- The ward's staff directory on this device, so that login works offline. PINs only as slow
-- salted hashes (Argon2id, PHC strings); wrong PINs counted so a badge can be locked for a while.
CREATE TABLE staff (
    badge            TEXT PRIMARY KEY,
    name             TEXT NOT NULL,
    role             TEXT NOT NULL CHECK (role IN ('nurse', 'charge_nurse')),
    practitioner_id  TEXT,
    pin_hash         TEXT NOT NULL,
    failed_attempts  INTEGER NOT NULL DEFAULT 0,
    locked_until     TEXT,
    active           INTEGER NOT NULL DEFAULT 1
) WITHOUT ROWID;
