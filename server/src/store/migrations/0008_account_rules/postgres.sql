-- Rules: see sqlite.sql beside this file. text, not jsonb: an unchanged import must
-- compare equal byte for byte, so the import report counts no change.
ALTER TABLE accounts ADD COLUMN rules text;
