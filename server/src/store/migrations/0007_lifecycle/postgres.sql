-- The booking's life after the click: see sqlite.sql beside this file.
ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check
    CHECK (kind IN ('calendar_write', 'email', 'webhook'));
ALTER TABLE outbox DROP CONSTRAINT outbox_action_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_action_check
    CHECK (action IN ('created', 'cancelled', 'rescheduled'));
ALTER TABLE outbox ADD COLUMN payload text;

ALTER TABLE bookings ADD COLUMN sequence integer NOT NULL DEFAULT 0;
