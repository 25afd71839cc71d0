-- The outbox: every delivery a booking owes the outside world (a write to a host's
-- CalDAV calendar now; emails and webhooks later), written in the same transaction as
-- the booking or its cancel, so a crash right after the answer loses none. A delivery
-- loop claims due rows under a lease (`leases`, name 'outbox', item = id), delivers,
-- and marks them done, or reschedules them with backoff, or gives up with the reason.
-- Times are unix seconds, like bookings'.
CREATE TABLE outbox (
    -- The order messages were written in: for one booking and target, a message is
    -- delivered only after every earlier one is settled (the cancel after the create).
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    -- The message's own id, never reused: receivers dedupe by it.
    id              TEXT NOT NULL UNIQUE,
    kind            TEXT NOT NULL CHECK (kind IN ('calendar_write')),
    booking_id      TEXT NOT NULL REFERENCES bookings(id),
    -- What receives it: for 'calendar_write', the source calendar's id.
    target          TEXT NOT NULL,
    action          TEXT NOT NULL CHECK (action IN ('created', 'cancelled')),
    state           TEXT NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending', 'done', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    due_at          INTEGER NOT NULL,
    last_attempt_at INTEGER,
    -- Why the last attempt failed (kept when the message is given up).
    last_error      TEXT,
    done_at         INTEGER,
    -- What the delivery left behind (JSON; a calendar write: the resource and its ETag).
    result          TEXT
);
CREATE INDEX outbox_due ON outbox (due_at) WHERE state = 'pending';
CREATE INDEX outbox_booking ON outbox (booking_id, target, seq);
