-- A window query's cost depends on what it returns, not on a calendar's history: see
-- sqlite.sql beside this file for the reasoning. The same column, kept by a trigger,
-- for events of at most two days (172800 s), and a partial index on the end of longer
-- ones. (Bookings need no second index here: the exclusion constraint's GiST index on
-- booking_hosts finds them whatever their length.)
ALTER TABLE calendars ADD COLUMN longest_event_seconds bigint NOT NULL DEFAULT 0;
UPDATE calendars SET longest_event_seconds = coalesce(
    (SELECT max(end_at - start_at) FROM events
     WHERE events.calendar_id = calendars.id AND end_at - start_at <= 172800), 0);

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
    FOR EACH ROW WHEN (NEW.end_at - NEW.start_at <= 172800)
    EXECUTE FUNCTION freebusy_note_event_length();

CREATE INDEX events_calendar_long ON events (calendar_id, end_at) WHERE end_at - start_at > 172800;

CREATE INDEX events_calendar_managed ON events (calendar_id, start_at) WHERE managed;
