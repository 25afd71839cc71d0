-- Each account's time zone, and sources: the tables of sqlite.sql beside this file,
-- with the same columns and meanings (instants as bigint unix seconds, keys bytewise,
-- booleans as boolean, bodies as bytea).
ALTER TABLE accounts ADD COLUMN time_zone text NOT NULL DEFAULT 'UTC';

CREATE TABLE sources (
    calendar_id     text COLLATE "C" PRIMARY KEY REFERENCES calendars(id) ON DELETE CASCADE,
    kind            text NOT NULL CHECK (kind IN ('ics', 'caldav')),
    -- A digest of the upstream's identity (never its URL, which may be a secret).
    fingerprint     text NOT NULL,
    writable        boolean NOT NULL,
    -- The connector's conditional-fetch state (JSON) and the last body's digest.
    cursor          text NOT NULL DEFAULT '{}',
    body_hash       text,
    -- NULL while never read: the calendar then holds only its unread event.
    snapshot_at     bigint,
    covered_from    bigint,
    covered_to      bigint,
    horizon_from    bigint,
    horizon_to      bigint,
    last_attempt_at bigint,
    last_success_at bigint,
    last_error      text,
    last_error_at   bigint,
    failures        bigint NOT NULL DEFAULT 0,
    next_attempt_at bigint NOT NULL,
    events          bigint NOT NULL DEFAULT 0,
    report          text NOT NULL DEFAULT '{}'
);

CREATE TABLE source_objects (
    calendar_id text COLLATE "C" NOT NULL REFERENCES sources(calendar_id) ON DELETE CASCADE,
    href        text COLLATE "C" NOT NULL,
    etag        text,
    body        bytea NOT NULL,
    PRIMARY KEY (calendar_id, href)
);
