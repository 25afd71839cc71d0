#!/usr/bin/env bash
# Runs the demo: sets the machine up, builds the widget in release mode, starts the
# backend with the demo week on http://127.0.0.1:3000 and serves the widget page on
# http://127.0.0.1:8080. Two origins, so the page's requests are cross-origin and CORS
# is real. bob's second calendar is a real source: an ICS feed with recurring events
# (server/demo/bob-team.ics) served on http://127.0.0.1:8081 and read by the server's
# sync like any Google or Outlook feed (server/SOURCES.md). Ctrl-C stops all three.
#
# FREEBUSY_DEMO_DB chooses the database file (default: under ~/.cache/freebusy), so
# bookings made in the demo survive a restart; delete the file to start afresh.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/env.sh

api=127.0.0.1:3000
page=127.0.0.1:8080
feed=127.0.0.1:8081
db="${FREEBUSY_DEMO_DB:-$HOME/.cache/freebusy/demo.sqlite3}"
mkdir -p "$(dirname "$db")"

echo "demo: building the server and the widget (release)"
cargo build -p freebusy-server --profile server
rm -rf dist
trunk build --release
server_bin="$CARGO_TARGET_DIR/server/freebusy-server"

pids=()
stop() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo "demo: stopped"
}
trap stop INT TERM EXIT

# The feed, and a seed that makes it bob's "Team" calendar (read every 60 s).
python3 -m http.server --bind 127.0.0.1 "${feed##*:}" --directory server/demo >/dev/null 2>&1 &
pids+=($!)
for _ in $(seq 1 50); do
  curl -fsS "http://$feed/bob-team.ics" >/dev/null 2>&1 && break
  sleep 0.1
done
seed="$(dirname "$db")/demo-sources.json"
cat >"$seed" <<JSON
{"accounts": [{"email": "bob@example.com", "time_zone": "Europe/London", "calendars": [
  {"id": "cal_demo_bob_team", "name": "Team (ICS feed)",
   "source": {"kind": "ics", "url": "http://$feed/bob-team.ics", "interval_seconds": 60}}]}]}
JSON

# Both names of the page's origin: the URL printed below, and localhost for those who type it.
"$server_bin" --listen "$api" --db "$db" --demo --seed "$seed" \
  --token "demo-ops=ops@example.com:read_sources" \
  --allow-origin "http://$page" --allow-origin "http://localhost:${page##*:}" &
pids+=($!)
python3 -m http.server --bind 127.0.0.1 "${page##*:}" --directory dist >/dev/null 2>&1 &
pids+=($!)

# Wait until both answer, so the URL printed below works when it is printed.
for _ in $(seq 1 100); do
  if curl -fsS "http://$api/healthz" >/dev/null 2>&1 && curl -fsS "http://$page/" >/dev/null 2>&1; then
    echo
    echo "demo: open http://$page/  (backend http://$api, database $db) — Ctrl-C stops"
    echo "demo: bob's Team calendar comes from the ICS feed http://$feed/bob-team.ics;"
    echo "      its sync status: curl -H 'Authorization: Bearer demo-ops' http://$api/v1/sources"
    wait -n "${pids[@]}"
    echo "demo: a process exited" >&2
    exit 1
  fi
  sleep 0.2
done
echo "demo: the server or the page did not start" >&2
exit 1
