#!/usr/bin/env bash
# Runs the demo: sets the machine up, builds the widget in release mode, starts the
# backend with the demo week on http://127.0.0.1:3000 and serves the widget page on
# http://127.0.0.1:8080. Two origins, so the page's requests are cross-origin and CORS
# is real. Ctrl-C stops both.
#
# FREEBUSY_DEMO_DB chooses the database file (default: under ~/.cache/freebusy), so
# bookings made in the demo survive a restart; delete the file to start afresh.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/env.sh

api=127.0.0.1:3000
page=127.0.0.1:8080
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

# Both names of the page's origin: the URL printed below, and localhost for those who type it.
"$server_bin" --listen "$api" --db "$db" --demo \
  --allow-origin "http://$page" --allow-origin "http://localhost:${page##*:}" &
pids+=($!)
python3 -m http.server --bind 127.0.0.1 "${page##*:}" --directory dist >/dev/null 2>&1 &
pids+=($!)

# Wait until both answer, so the URL printed below works when it is printed.
for _ in $(seq 1 100); do
  if curl -fsS "http://$api/healthz" >/dev/null 2>&1 && curl -fsS "http://$page/" >/dev/null 2>&1; then
    echo
    echo "demo: open http://$page/  (backend http://$api, database $db) — Ctrl-C stops"
    wait -n "${pids[@]}"
    echo "demo: a process exited" >&2
    exit 1
  fi
  sleep 0.2
done
echo "demo: the server or the page did not start" >&2
exit 1
