-- Further cancel tokens of a booking: see sqlite.sql beside this file.
CREATE TABLE booking_cancel_tokens (
    booking_id text COLLATE "C" NOT NULL REFERENCES bookings(id) ON DELETE CASCADE,
    token_hash text COLLATE "C" NOT NULL,
    PRIMARY KEY (booking_id, token_hash)
);
