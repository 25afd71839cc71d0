-- Each account's time zone, and sources: calendars whose events a sync reads from an
-- ICS feed or a CalDAV calendar, with their sync state and the objects last fetched.
ALTER TABLE accounts ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';

CREATE TABLE sources (
    calendar_id     TEXT PRIMARY KEY REFERENCES calendars(id) ON DELETE CASCADE,
    kind            TEXT NOT NULL CHECK (kind IN ('ics', 'caldav')),
    -- A digest of the upstream's identity (never its URL, which may be a secret).
    fingerprint     TEXT NOT NULL,
    writable        INTEGER NOT NULL CHECK (writable IN (0, 1)),
    -- The connector's conditional-fetch state (JSON) and the last body's digest.
    cursor          TEXT NOT NULL DEFAULT '{}',
    body_hash       TEXT,
    -- NULL while never read: the calendar then holds only its unread event.
    snapshot_at     INTEGER,
    covered_from    INTEGER,
    covered_to      INTEGER,
    horizon_from    INTEGER,
    horizon_to      INTEGER,
    last_attempt_at INTEGER,
    last_success_at INTEGER,
    last_error      TEXT,
    last_error_at   INTEGER,
    failures        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    events          INTEGER NOT NULL DEFAULT 0,
    report          TEXT NOT NULL DEFAULT '{}'
);

CREATE TABLE source_objects (
    calendar_id TEXT NOT NULL REFERENCES sources(calendar_id) ON DELETE CASCADE,
    href        TEXT NOT NULL,
    etag        TEXT,
    body        BLOB NOT NULL,
    PRIMARY KEY (calendar_id, href)
);
