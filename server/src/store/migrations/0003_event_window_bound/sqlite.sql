-- A window query's cost depends on what it returns, not on a calendar's history.
--
-- An event overlaps [s, e) when start_at < e and end_at > s. On the (calendar_id,
-- start_at) index the first half alone scans every earlier event of the calendar. Each
-- calendar therefore records the longest event it has ever held; an overlapping event
-- then also starts after s - longest_event_seconds, which bounds the index scan from
-- both sides. Triggers keep the column right whoever writes events, so no writer can
-- forget it (a stale value would hide events: time shown free that is not).
ALTER TABLE calendars ADD COLUMN longest_event_seconds INTEGER NOT NULL DEFAULT 0;
UPDATE calendars SET longest_event_seconds = coalesce(
    (SELECT max(end_at - start_at) FROM events WHERE events.calendar_id = calendars.id), 0);

CREATE TRIGGER events_longest_after_insert AFTER INSERT ON events BEGIN
    UPDATE calendars SET longest_event_seconds = NEW.end_at - NEW.start_at
    WHERE id = NEW.calendar_id AND longest_event_seconds < NEW.end_at - NEW.start_at;
END;
CREATE TRIGGER events_longest_after_update AFTER UPDATE OF calendar_id, start_at, end_at ON events
BEGIN
    UPDATE calendars SET longest_event_seconds = NEW.end_at - NEW.start_at
    WHERE id = NEW.calendar_id AND longest_event_seconds < NEW.end_at - NEW.start_at;
END;

-- Managed events of all time (the Cronofy-style include_managed) without reading the
-- others.
CREATE INDEX events_calendar_managed ON events(calendar_id, start_at) WHERE managed = 1;
