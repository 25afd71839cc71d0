#!/usr/bin/env python3
"""Makes the sources benchmark's data: N accounts whose calendars are ICS feeds with
recurring events (feeds/personNN.ics, and seed-feeds.json pointing at them on
http://127.0.0.1:PORT/), and the same accounts with the same instances written out as
listed events over the same horizon (seed-listed.json), so the two servers hold the
same events and only where they came from differs.

Usage: fixture.py OUT_DIR PORT [N]
"""
import datetime as dt
import json
import os
import sys

out, port = sys.argv[1], int(sys.argv[2])
n = int(sys.argv[3]) if len(sys.argv) > 3 else 50
today = dt.datetime.now(dt.timezone.utc).date()
# The server's default horizon: 44 days back, 366 ahead.
first, last = today - dt.timedelta(days=44), today + dt.timedelta(days=366)

# (uid, weekdays, start hour, start minute, minutes, status)
PATTERN = [
    ("standup", [0, 1, 2, 3, 4], 9, 0, 15, None),
    ("one-to-one", [1], 13, 0, 30, None),
    ("team", [0, 2], 15, 0, 60, None),
    ("review", [3], 10, 0, 60, "TENTATIVE"),
]
DAYS = "MO TU WE TH FR SA SU".split()


def stamp(t):
    return t.strftime("%Y%m%dT%H%M%SZ")


os.makedirs(os.path.join(out, "feeds"), exist_ok=True)
feeds, listed = [], []
for i in range(1, n + 1):
    email = f"person{i:02d}@example.com"
    shift = i % 4  # hours, so the accounts differ
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//freebusy bench//EN"]
    events = []
    for uid, days, hour, minute, minutes, status in PATTERN:
        start = dt.datetime(2026, 1, 5, hour + shift, minute, tzinfo=dt.timezone.utc)
        lines += ["BEGIN:VEVENT", f"UID:{uid}-{i}@bench", "DTSTAMP:20260101T000000Z",
                  f"DTSTART:{stamp(start)}", f"DURATION:PT{minutes}M",
                  "RRULE:FREQ=WEEKLY;BYDAY=" + ",".join(DAYS[d] for d in days)]
        if status:
            lines.append(f"STATUS:{status}")
        lines.append("END:VEVENT")
        day = first
        while day < last:
            if day.weekday() in days and day >= start.date():
                s = dt.datetime.combine(day, start.timetz())
                e = s + dt.timedelta(minutes=minutes)
                events.append({"uid": f"{uid}-{i}/{stamp(s)}", "start": s.strftime("%Y-%m-%dT%H:%M:%SZ"),
                               "end": e.strftime("%Y-%m-%dT%H:%M:%SZ"),
                               "status": "tentative" if status else "busy"})
            day += dt.timedelta(days=1)
    lines.append("END:VCALENDAR")
    with open(os.path.join(out, "feeds", f"person{i:02d}.ics"), "w") as f:
        f.write("\r\n".join(lines) + "\r\n")
    feeds.append({"email": email, "calendars": [{"id": f"cal_feed_{i:02d}", "name": "Feed", "source": {
        "kind": "ics", "url": f"http://127.0.0.1:{port}/person{i:02d}.ics", "interval_seconds": 300}}]})
    listed.append({"email": email, "calendars": [{"id": f"cal_listed_{i:02d}", "name": "Listed", "events": events}]})

with open(os.path.join(out, "seed-feeds.json"), "w") as f:
    json.dump({"accounts": feeds}, f)
with open(os.path.join(out, "seed-listed.json"), "w") as f:
    json.dump({"accounts": listed}, f)
print(sum(len(a["calendars"][0]["events"]) for a in listed))
