-- A window query's cost depends on what it returns, not on a calendar's history: see
-- sqlite.sql beside this file for the reasoning; the same column, kept by a trigger.
ALTER TABLE calendars ADD COLUMN longest_event_seconds bigint NOT NULL DEFAULT 0;
UPDATE calendars SET longest_event_seconds = coalesce(
    (SELECT max(end_at - start_at) FROM events WHERE events.calendar_id = calendars.id), 0);

-- Under READ COMMITTED two writers racing on one calendar row serialise on its row lock
-- and the loser re-checks the WHERE against the winner's value, so the column only grows.
CREATE FUNCTION freebusy_note_event_length() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE calendars SET longest_event_seconds = NEW.end_at - NEW.start_at
    WHERE id = NEW.calendar_id AND longest_event_seconds < NEW.end_at - NEW.start_at;
    RETURN NULL;
END
$$;
CREATE TRIGGER events_longest AFTER INSERT OR UPDATE OF calendar_id, start_at, end_at ON events
    FOR EACH ROW EXECUTE FUNCTION freebusy_note_event_length();

CREATE INDEX events_calendar_managed ON events (calendar_id, start_at) WHERE managed;
