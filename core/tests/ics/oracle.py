#!/usr/bin/env python3
"""The independent reference for the iCalendar corpus.

Reads corpus.json, and for every fixture and window prints what Python's `icalendar`
(parsing, time zones) and `recurring-ical-events` (recurrence expansion) make of it:
the instances and the merged free/busy. The engine's test (core/tests/ics_corpus.rs)
compares its own answer with this one.

The status rules below are the engine's documented mapping (README.md in this folder),
written again here from the documentation, not translated from the Rust code. Parsing,
time zones, recurrence, overrides, EXDATE/RDATE and durations all come from the two
libraries: that is what makes this an independent reference.

Usage: oracle.py corpus.json   (prints one JSON document on stdout)
"""

import datetime as dt
import json
import sys
import zoneinfo
from pathlib import Path

import icalendar
import recurring_ical_events

UTC = dt.timezone.utc
STRENGTH = {"free": 0, "tentative": 1, "busy": 3}


def text(component, name):
    value = component.get(name)
    return None if value is None else str(value).strip()


def own_partstat(event, emails):
    """PARTSTAT of the account's own ATTENDEE entry, or None when it is not invited."""
    attendees = event.get("ATTENDEE")
    if attendees is None:
        return None
    if not isinstance(attendees, list):
        attendees = [attendees]
    for attendee in attendees:
        address = str(attendee).strip()
        if address.lower().startswith("mailto:"):
            address = address[len("mailto:"):]
        if address.strip().lower() in emails:
            partstat = attendee.params.get("PARTSTAT")
            if partstat is None:
                organizer = event.get("ORGANIZER")
                organizer = "" if organizer is None else str(organizer).strip().lower()
                if organizer.startswith("mailto:"):
                    organizer = organizer[len("mailto:"):]
                return "ACCEPTED" if organizer.strip() in emails else "NEEDS-ACTION"
            return str(partstat).upper()
    return None


def status_of(event, emails):
    """The documented precedence: CANCELLED and DECLINED first, then Outlook's
    X-MICROSOFT-CDO-BUSYSTATUS, then TRANSP, then tentative signs, else busy.
    "cancelled" instances take no time and are left out of the merge."""
    status = (text(event, "STATUS") or "").upper()
    if status == "CANCELLED":
        return "cancelled"
    partstat = own_partstat(event, emails)
    if partstat in ("DECLINED", "DELEGATED"):
        return "free"
    busystatus = (text(event, "X-MICROSOFT-CDO-BUSYSTATUS") or "").upper()
    by_busystatus = {
        "FREE": "free",
        "WORKINGELSEWHERE": "free",
        "TENTATIVE": "tentative",
        "BUSY": "busy",
        "OOF": "busy",
    }
    if busystatus in by_busystatus:
        return by_busystatus[busystatus]
    if (text(event, "TRANSP") or "").upper() == "TRANSPARENT":
        return "free"
    if status == "TENTATIVE" or partstat in ("NEEDS-ACTION", "TENTATIVE"):
        return "tentative"
    return "busy"


def instant(value, zone):
    """A DATE, floating DATE-TIME or zoned DATE-TIME as a UTC instant. Dates and
    floating times are placed in the account's zone (fold=0: the earlier of a repeated
    time, and the offset before a gap, as RFC 5545 says)."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=zone)
        return value.astimezone(UTC)
    return dt.datetime.combine(value, dt.time(0), tzinfo=zone).astimezone(UTC)


def event_span(event, zone):
    start = event["DTSTART"].dt
    if "DTEND" in event:
        end = event["DTEND"].dt
    elif "DURATION" in event:
        end = start + event["DURATION"].dt
    elif isinstance(start, dt.datetime):
        end = start
    else:
        end = start + dt.timedelta(days=1)
    return instant(start, zone), instant(end, zone)


def freebusy_periods(calendar):
    """(start, end, status) of every FREEBUSY period; FBTYPE=FREE is free and an
    unknown FBTYPE counts as BUSY, as RFC 5545 says."""
    found = []
    for component in calendar.walk("VFREEBUSY"):
        values = component.get("FREEBUSY")
        if values is None:
            continue
        if not isinstance(values, list):
            values = [values]
        for value in values:
            fbtype = str(value.params.get("FBTYPE", "BUSY")).upper()
            status = {"FREE": "free", "BUSY-TENTATIVE": "tentative"}.get(fbtype, "busy")
            periods = value.dts if hasattr(value, "dts") else [value]
            for period in periods:
                start, end_or_duration = period.dt
                end = start + end_or_duration if isinstance(end_or_duration, dt.timedelta) else end_or_duration
                found.append((start.astimezone(UTC), end.astimezone(UTC), status))
    return found


def merge(spans, window_start, window_end):
    """Non-free periods clipped to the window, sorted, disjoint, coalesced; the
    strongest status wins where spans overlap (busy over tentative)."""
    clipped = [
        (max(s, window_start), min(e, window_end), status)
        for s, e, status in spans
        if status != "free" and max(s, window_start) < min(e, window_end)
    ]
    edges = sorted({t for s, e, _ in clipped for t in (s, e)})
    merged = []
    for left, right in zip(edges, edges[1:]):
        covering = [status for s, e, status in clipped if s <= left and right <= e]
        if not covering:
            continue
        status = max(covering, key=STRENGTH.get)
        if merged and merged[-1][1] == left and merged[-1][2] == status:
            merged[-1] = (merged[-1][0], right, status)
        else:
            merged.append((left, right, status))
    return merged


def stamp(moment):
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def main():
    manifest_path = Path(sys.argv[1])
    manifest = json.loads(manifest_path.read_text())
    folder = manifest_path.parent / "corpus"
    results = []
    for fixture in manifest["fixtures"]:
        zone = zoneinfo.ZoneInfo(fixture["zone"])
        emails = {fixture["email"].lower()}
        entry = {"file": fixture["file"], "windows": []}
        try:
            calendar = icalendar.Calendar.from_ical((folder / fixture["file"]).read_bytes())
        except Exception as error:  # noqa: BLE001 - the failure is the answer
            entry["error"] = f"{type(error).__name__}: {error}"
            results.append(entry)
            continue
        for start_text, end_text in fixture["windows"]:
            start = dt.datetime.fromisoformat(start_text.replace("Z", "+00:00"))
            end = dt.datetime.fromisoformat(end_text.replace("Z", "+00:00"))
            window = {"window": [start_text, end_text]}
            try:
                query = recurring_ical_events.of(calendar, skip_bad_series=True)
                instances = []
                for event in query.between(start, end):
                    status = status_of(event, emails)
                    begin, finish = event_span(event, zone)
                    instances.append(
                        {"uid": text(event, "UID"), "start": stamp(begin), "end": stamp(finish), "status": status}
                    )
                instances.sort(key=lambda i: (i["start"], i["end"], i["uid"] or ""))
                spans = [
                    (dt.datetime.fromisoformat(i["start"].replace("Z", "+00:00")),
                     dt.datetime.fromisoformat(i["end"].replace("Z", "+00:00")), i["status"])
                    for i in instances
                    if i["status"] != "cancelled"
                ] + freebusy_periods(calendar)
                window["instances"] = instances
                window["merged"] = [[stamp(s), stamp(e), status] for s, e, status in merge(spans, start, end)]
            except Exception as error:  # noqa: BLE001 - the failure is the answer
                window["error"] = f"{type(error).__name__}: {error}"
            entry["windows"].append(window)
        results.append(entry)
    json.dump({"oracle": {"icalendar": icalendar.__version__}, "results": results}, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
