-- What the blood bank issued, as pulled: every resource of the pull by type and id, with the
-- version the server gave it. The check reads only this, so it works with no network.
CREATE TABLE cache_resource (
    type         TEXT NOT NULL,
    id           TEXT NOT NULL,
    version_id   TEXT NOT NULL,
    last_updated TEXT NOT NULL,
    json         TEXT NOT NULL,
    PRIMARY KEY (type, id)
) WITHOUT ROWID;

-- Pull state: the watermark (largest meta.lastUpdated received, server clock) and the time of
-- the last complete pull (device clock; drives CACHE_STALE).
CREATE TABLE sync_state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
