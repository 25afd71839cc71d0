-- The booking's life after the click (issue 17): invitations by email, webhooks and
-- reschedules join the calendar writes in the one outbox.
--
-- SQLite cannot change a CHECK in place, so the outbox is rebuilt with the wider checks
-- and its rows copied over, `seq` included (the order of delivery is kept; AUTOINCREMENT
-- resumes after the largest copied value).
CREATE TABLE outbox_v7 (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    id              TEXT NOT NULL UNIQUE,
    kind            TEXT NOT NULL CHECK (kind IN ('calendar_write', 'email', 'webhook')),
    booking_id      TEXT NOT NULL REFERENCES bookings(id),
    -- What receives it: for 'calendar_write', the source calendar's id; for 'email', the
    -- address; for 'webhook', the webhook's name in the config.
    target          TEXT NOT NULL,
    action          TEXT NOT NULL CHECK (action IN ('created', 'cancelled', 'rescheduled')),
    state           TEXT NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending', 'done', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    due_at          INTEGER NOT NULL,
    last_attempt_at INTEGER,
    last_error      TEXT,
    done_at         INTEGER,
    result          TEXT,
    -- What the delivery needs that the booking does not keep (JSON), e.g. the booking's
    -- times and SEQUENCE as of this message, or a manage token for an email; cleared
    -- once the message is settled, so no secret outlives its delivery.
    payload         TEXT
);
INSERT INTO outbox_v7 (seq, id, kind, booking_id, target, action, state, attempts,
                       created_at, due_at, last_attempt_at, last_error, done_at, result)
    SELECT seq, id, kind, booking_id, target, action, state, attempts,
           created_at, due_at, last_attempt_at, last_error, done_at, result
    FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_v7 RENAME TO outbox;
CREATE INDEX outbox_due ON outbox (due_at) WHERE state = 'pending';
CREATE INDEX outbox_booking ON outbox (booking_id, target, seq);

-- The iCalendar SEQUENCE of the booking's event: 0 when booked, raised by each
-- reschedule, so calendars replace the old invitation instead of adding a second one.
ALTER TABLE bookings ADD COLUMN sequence INTEGER NOT NULL DEFAULT 0;
