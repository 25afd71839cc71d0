-- Each account's rules as a host: the engine's rules document as JSON, NULL for the
-- defaults, replaced whole by every import. TEXT, so an unchanged import compares equal.
ALTER TABLE accounts ADD COLUMN rules TEXT;
