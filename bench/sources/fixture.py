#!/usr/bin/env python3
"""Makes the sources benchmark's data: N accounts whose calendars are ICS feeds with
recurring events (feeds/personNN.ics, and seed-feeds.json pointing at them on
http://127.0.0.1:PORT/), and the same accounts with the same instances written out as
listed events over the same horizon (seed-listed.json), so the two servers hold the
same events and only where they came from differs. With CALDAV_PORT, also the same
calendars as CalDAV collections in a Radicale storage folder (radicale/: user `bench`,
password `bench`, one collection per account, one resource per event) and
seed-caldav.json reading them from http://127.0.0.1:CALDAV_PORT/bench/personNN/.

Usage: fixture.py OUT_DIR PORT [N [CALDAV_PORT]]
"""
import datetime as dt
import json
import os
import sys

out, port = sys.argv[1], int(sys.argv[2])
n = int(sys.argv[3]) if len(sys.argv) > 3 else 50
caldav_port = int(sys.argv[4]) if len(sys.argv) > 4 else None
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
feeds, listed, caldav = [], [], []
radicale = os.path.join(out, "radicale")
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
    if caldav_port:
        # Radicale keeps one component per file: the feed's VEVENTs, one file each.
        collection = os.path.join(radicale, "storage", "collection-root", "bench", f"person{i:02d}")
        os.makedirs(collection, exist_ok=True)
        with open(os.path.join(collection, ".Radicale.props"), "w") as f:
            json.dump({"C:supported-calendar-component-set": "VEVENT", "D:displayname": email,
                       "tag": "VCALENDAR"}, f)
        head, body = lines[:3], lines[3:-1]
        starts = [k for k, line in enumerate(body) if line == "BEGIN:VEVENT"]
        for number, k in enumerate(starts):
            end = body.index("END:VEVENT", k) + 1
            with open(os.path.join(collection, f"event{number}.ics"), "w") as f:
                f.write("\r\n".join(head + body[k:end] + ["END:VCALENDAR"]) + "\r\n")
        caldav.append({"email": email, "calendars": [{"id": f"cal_caldav_{i:02d}", "name": "CalDAV", "source": {
            "kind": "caldav", "url": f"http://127.0.0.1:{caldav_port}/bench/person{i:02d}/",
            "username": "bench", "password_env": "BENCH_CALDAV_PASSWORD", "interval_seconds": 300}}]})
    feeds.append({"email": email, "calendars": [{"id": f"cal_feed_{i:02d}", "name": "Feed", "source": {
        "kind": "ics", "url": f"http://127.0.0.1:{port}/person{i:02d}.ics", "interval_seconds": 300}}]})
    listed.append({"email": email, "calendars": [{"id": f"cal_listed_{i:02d}", "name": "Listed", "events": events}]})

with open(os.path.join(out, "seed-feeds.json"), "w") as f:
    json.dump({"accounts": feeds}, f)
with open(os.path.join(out, "seed-listed.json"), "w") as f:
    json.dump({"accounts": listed}, f)
if caldav_port:
    with open(os.path.join(out, "seed-caldav.json"), "w") as f:
        json.dump({"accounts": caldav}, f)
    with open(os.path.join(radicale, "users"), "w") as f:
        f.write("bench:bench\n")
    with open(os.path.join(radicale, "config"), "w") as f:
        f.write("")
print(sum(len(a["calendars"][0]["events"]) for a in listed))
