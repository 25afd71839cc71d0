-- Accounts, their calendars and events, and bookings: the tables of sqlite.sql beside
-- this file, with the same columns and meanings. Differences, and why:
-- - Instants stay bigint unix seconds, as in SQLite: the half-open rule is an exact
--   integer comparison, no session time zone takes part in arithmetic, and both backends
--   return the same values.
-- - Keys and ids compare and sort bytewise (COLLATE "C"), as SQLite's TEXT does, whatever
--   the database's locale.
-- - booking_hosts carries each booking's range, so that the database itself refuses two
--   overlapping, not cancelled bookings of one host (the exclusion constraint; btree_gist
--   supplies the `=` on account_id inside a GiST index). It holds across any number of
--   replicas and any code path.
CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE TABLE accounts (
    id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text NOT NULL
);
-- Addresses compare ignoring ASCII case, exactly as SQLite's NOCASE does (lower() under
-- the "C" collation folds ASCII only).
CREATE UNIQUE INDEX accounts_email ON accounts (lower(email COLLATE "C"));

CREATE TABLE calendars (
    id         text COLLATE "C" PRIMARY KEY,
    account_id bigint NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name       text NOT NULL
);
CREATE INDEX calendars_account ON calendars(account_id);

CREATE TABLE events (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    calendar_id   text COLLATE "C" NOT NULL REFERENCES calendars(id) ON DELETE CASCADE,
    uid           text COLLATE "C" NOT NULL,
    managed       boolean NOT NULL,
    event_id      text COLLATE "C",
    status        text NOT NULL CHECK (status IN ('busy', 'tentative', 'free', 'unknown')),
    all_day       boolean NOT NULL,
    start_date    date,
    end_date      date,
    start_at      bigint NOT NULL,
    end_at        bigint NOT NULL,
    deleted       boolean NOT NULL,
    last_modified bigint NOT NULL,
    CHECK (end_at > start_at),
    CHECK (managed = (event_id IS NOT NULL)),
    CHECK (all_day = (start_date IS NOT NULL AND end_date IS NOT NULL)),
    UNIQUE (calendar_id, uid),
    UNIQUE (calendar_id, event_id)
);
CREATE INDEX events_calendar_start ON events(calendar_id, start_at);
CREATE INDEX events_calendar_modified ON events(calendar_id, last_modified);

CREATE TABLE bookings (
    -- 32 random hex digits, made by the server.
    id                text COLLATE "C" PRIMARY KEY,
    start_at          bigint NOT NULL,
    end_at            bigint NOT NULL,
    booker_name       text NOT NULL,
    booker_email      text NOT NULL,
    note              text,
    -- NULLs do not collide in a UNIQUE constraint.
    idempotency_key   text COLLATE "C" UNIQUE,
    cancel_token_hash text COLLATE "C" NOT NULL,
    created_at        bigint NOT NULL,
    cancelled_at      bigint,
    CHECK (end_at > start_at)
);

CREATE TABLE booking_hosts (
    booking_id text COLLATE "C" NOT NULL REFERENCES bookings(id) ON DELETE CASCADE,
    account_id bigint NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    -- The booking's [start_at, end_at), written with it.
    during     int8range NOT NULL CHECK (NOT isempty(during)),
    cancelled  boolean NOT NULL DEFAULT false,
    PRIMARY KEY (booking_id, account_id),
    CONSTRAINT booking_hosts_no_overlap
        EXCLUDE USING gist (account_id WITH =, during WITH &&) WHERE (NOT cancelled)
);
CREATE INDEX booking_hosts_account ON booking_hosts(account_id);
