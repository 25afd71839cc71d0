"""Prints a seed (SEED.md's format) with ten years of history for one person.

history@example.com has one calendar holding 100,000 busy events of 20 minutes, one every
52.6 minutes, from 2016-06-01 to 2026-06-01 (UTC): about 192 of them in any week, none
overlapping, so a week's Zonio-style answer has about 192 periods in 2016 and in 2026.
scripts/bench.sh backend loads it to show that a week costs the same in year one and
year ten.

Usage: python3 bench/history_seed.py > history.json
"""

import datetime
import json
import sys

EVENTS = 100_000
START = datetime.datetime(2016, 6, 1, tzinfo=datetime.timezone.utc)
END = datetime.datetime(2026, 6, 1, tzinfo=datetime.timezone.utc)
LENGTH = datetime.timedelta(minutes=20)


def stamp(instant):
    return instant.strftime("%Y-%m-%dT%H:%M:%SZ")


def main():
    step = (END - START) / EVENTS
    events = []
    for n in range(EVENTS):
        start = START + n * step
        start = start.replace(microsecond=0)
        events.append(
            {"uid": f"h{n}", "start": stamp(start), "end": stamp(start + LENGTH), "status": "busy"}
        )
    seed = {
        "accounts": [
            {
                "email": "history@example.com",
                "calendars": [{"id": "cal_history", "name": "Ten years", "events": events}],
            }
        ]
    }
    json.dump(seed, sys.stdout, separators=(",", ":"))


if __name__ == "__main__":
    main()
