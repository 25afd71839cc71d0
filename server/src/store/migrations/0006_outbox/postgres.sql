-- The outbox: see sqlite.sql beside this file.
CREATE TABLE outbox (
    seq             bigserial PRIMARY KEY,
    id              text COLLATE "C" NOT NULL UNIQUE,
    kind            text NOT NULL CHECK (kind IN ('calendar_write')),
    booking_id      text COLLATE "C" NOT NULL REFERENCES bookings(id),
    target          text COLLATE "C" NOT NULL,
    action          text NOT NULL CHECK (action IN ('created', 'cancelled')),
    state           text NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending', 'done', 'failed')),
    attempts        integer NOT NULL DEFAULT 0,
    created_at      bigint NOT NULL,
    due_at          bigint NOT NULL,
    last_attempt_at bigint,
    last_error      text,
    done_at         bigint,
    result          text
);
CREATE INDEX outbox_due ON outbox (due_at) WHERE state = 'pending';
CREATE INDEX outbox_booking ON outbox (booking_id, target, seq);
