-- Further cancel tokens of a booking. A replayed booking request gets a fresh token (the
-- first one is not kept in clear, so it cannot be sent again); each one handed out stays
-- valid.
CREATE TABLE booking_cancel_tokens (
    booking_id TEXT NOT NULL REFERENCES bookings(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL,
    PRIMARY KEY (booking_id, token_hash)
);
