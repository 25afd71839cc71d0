-- A window query's cost depends on what it returns, not on a calendar's history.
--
-- An event overlaps [s, e) when start_at < e and end_at > s. On the (calendar_id,
-- start_at) index the first half alone scans every earlier event of the calendar. So
-- events are read in two disjoint parts, each through an index range bounded on both
-- sides:
--
-- * Events of at most two days (172800 s: meetings, single all-day days in any zone).
--   Each calendar records the longest of these it has ever held; an overlapping one then
--   also starts after s - longest_event_seconds (at most two days before the window).
--   Triggers keep the column right whoever writes events, so no writer can forget it (a
--   stale value would hide events: time shown free that is not).
-- * Longer events (trips, a source's unknown time before and after what it read) through
--   a partial index on their end: those ending after s. Those are the long events still
--   to come, however many ended before.
--
-- The store's queries write 172800 into their text as a literal, so that both planners
-- match the partial indexes (store::migrations::LONG_EVENT_SECONDS).
ALTER TABLE calendars ADD COLUMN longest_event_seconds INTEGER NOT NULL DEFAULT 0;
UPDATE calendars SET longest_event_seconds = coalesce(
    (SELECT max(end_at - start_at) FROM events
     WHERE events.calendar_id = calendars.id AND end_at - start_at <= 172800), 0);

CREATE TRIGGER events_longest_after_insert AFTER INSERT ON events
WHEN NEW.end_at - NEW.start_at <= 172800 BEGIN
    UPDATE calendars SET longest_event_seconds = NEW.end_at - NEW.start_at
    WHERE id = NEW.calendar_id AND longest_event_seconds < NEW.end_at - NEW.start_at;
END;
CREATE TRIGGER events_longest_after_update AFTER UPDATE OF calendar_id, start_at, end_at ON events
WHEN NEW.end_at - NEW.start_at <= 172800 BEGIN
    UPDATE calendars SET longest_event_seconds = NEW.end_at - NEW.start_at
    WHERE id = NEW.calendar_id AND longest_event_seconds < NEW.end_at - NEW.start_at;
END;

CREATE INDEX events_calendar_long ON events(calendar_id, end_at) WHERE end_at - start_at > 172800;
-- The same two parts for the bookings the booking check reads.
CREATE INDEX bookings_long ON bookings(end_at) WHERE end_at - start_at > 172800;

-- Managed events of all time (the Cronofy-style include_managed) without reading the
-- others.
CREATE INDEX events_calendar_managed ON events(calendar_id, start_at) WHERE managed = 1;
