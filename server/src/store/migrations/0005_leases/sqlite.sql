-- Leases: who may do one item of background work (a source's sync, an outbox message)
-- until when. One row per (name, item) ever leased; releasing keeps the row, so that
-- `generation` (the fencing token) only grows. Times are unix milliseconds on the
-- database's clock.
CREATE TABLE leases (
    name       TEXT NOT NULL,
    item       TEXT NOT NULL,
    -- '' once released.
    holder     TEXT NOT NULL,
    generation INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (name, item)
);
