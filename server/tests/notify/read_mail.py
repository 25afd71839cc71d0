"""Reads one email (or, with `ics`, one iCalendar file) from stdin and prints what the
notification tests check, as JSON: headers, the text part, and the calendar part parsed
by Python's `icalendar` (an implementation independent of the server's writer)."""

import email
import json
import sys
from email import policy

from icalendar import Calendar


def calendar_facts(text):
    calendar = Calendar.from_ical(text)
    events = list(calendar.walk("VEVENT"))
    event = events[0]
    attendees = event.get("ATTENDEE", [])
    if not isinstance(attendees, list):
        attendees = [attendees]
    organizer = event.get("ORGANIZER")
    return {
        "method": str(calendar.get("METHOD")) if calendar.get("METHOD") else None,
        "events": len(events),
        "uid": str(event.get("UID")),
        "sequence": int(event.get("SEQUENCE", 0)),
        "status": str(event.get("STATUS")),
        "summary": str(event.get("SUMMARY")),
        "dtstart": event.decoded("DTSTART").isoformat(),
        "dtend": event.decoded("DTEND").isoformat(),
        "description": str(event.get("DESCRIPTION")) if event.get("DESCRIPTION") else None,
        "organizer": str(organizer) if organizer else None,
        "attendees": [
            {
                "address": str(a),
                "cn": a.params.get("CN"),
                "partstat": a.params.get("PARTSTAT"),
                "rsvp": a.params.get("RSVP"),
            }
            for a in attendees
        ],
        "properties": sorted(set(event.keys())),
    }


def main():
    data = sys.stdin.buffer.read()
    if sys.argv[1:] == ["ics"]:
        print(json.dumps(calendar_facts(data.decode("utf-8"))))
        return
    message = email.message_from_bytes(data, policy=policy.default)
    facts = {
        "from": str(message["From"]),
        "to": str(message["To"]),
        "subject": str(message["Subject"]),
        "message_id": str(message["Message-ID"]),
        "content_type": message.get_content_type(),
        "text": None,
        "calendar": None,
    }
    for part in message.walk():
        kind = part.get_content_type()
        if kind == "text/plain":
            facts["text"] = part.get_content()
        elif kind == "text/calendar":
            facts["calendar_method"] = part.get_param("method")
            facts["calendar"] = calendar_facts(part.get_content())
    print(json.dumps(facts))


main()
