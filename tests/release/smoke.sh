#!/usr/bin/env bash
# Loads the release build (dist/) in headless Chromium through chromedriver and checks
# that the widget really mounted and that the page logged no error. The browser tests
# run unoptimised wasm; this catches what only the release pipeline (wasm-opt) breaks.
#
# Usage: tests/release/smoke.sh [DIST_DIR]   (run after `trunk build --release`)
# Env:   SMOKE_SCREENSHOT=FILE.png  also saves a screenshot of the mounted page
set -euo pipefail
dist=${1:-dist}

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
web_port=$(free_port)
driver_port=$(free_port)
workdir=$(mktemp -d)
pids=()
cleanup() {
  [ -n "${session:-}" ] && curl -s -X DELETE "$driver/session/$session" >/dev/null || true
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$workdir"
}
trap cleanup EXIT

python3 -m http.server "$web_port" --bind 127.0.0.1 --directory "$dist" >"$workdir/http.log" 2>&1 &
pids+=($!)
chromedriver --port="$driver_port" >"$workdir/driver.log" 2>&1 &
pids+=($!)
driver="http://127.0.0.1:$driver_port"

# Waits until URL answers, for up to 20 s.
wait_for() {
  for _ in $(seq 1 100); do curl -s -o /dev/null "$1" && return 0; sleep 0.2; done
  echo "smoke: $1 never answered" >&2
  return 1
}
wait_for "http://127.0.0.1:$web_port/"
wait_for "$driver/status"

# webdriver POST PATH JSON: prints the response's "value" as JSON.
webdriver() {
  curl -s -X POST "$driver$1" -H 'content-type: application/json' -d "$2" |
    python3 -c 'import json, sys; print(json.dumps(json.load(sys.stdin)["value"]))'
}

args='["--headless","--no-sandbox","--disable-gpu","--disable-background-networking","--disable-component-update","--disable-sync","--no-first-run","--user-data-dir='"$workdir"'/profile"]'
session=$(webdriver /session '{"capabilities":{"alwaysMatch":{"goog:chromeOptions":{"args":'"$args"'},"goog:loggingPrefs":{"browser":"ALL"}}}}' |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["sessionId"])')
webdriver "/session/$session/url" '{"url":"http://127.0.0.1:'"$web_port"'/"}' >/dev/null

# The widget mounts asynchronously once the wasm is fetched: poll for its root element.
mounted=false
for _ in $(seq 1 50); do
  found=$(webdriver "/session/$session/execute/sync" '{"script":"const host = document.querySelector(\"freebusy-scheduler\"); return !!(host \u0026\u0026 host.shadowRoot \u0026\u0026 host.shadowRoot.querySelector(\".freebusy .freebusy-week-label\"))","args":[]}')
  if [ "$found" = true ]; then mounted=true; break; fi
  sleep 0.2
done
# This checks start-up, not the backend: whatever the page's backend URL
# (127.0.0.1:3000) answers (nothing; or a demo server that refuses this origin), the
# widget shows an alert. Messages about those requests are expected; any other severe
# message fails the smoke.
errors=$(webdriver "/session/$session/se/log" '{"type":"browser"}' |
  python3 -c 'import json, sys; print("\n".join(e["message"] for e in json.load(sys.stdin) if e["level"] == "SEVERE" and "127.0.0.1:3000/" not in e["message"]))')

if [ -n "$errors" ]; then
  printf 'smoke: the release page logged errors:\n%s\n' "$errors"
  exit 1
fi
if [ "$mounted" != true ]; then
  echo "smoke: the widget did not mount within 10 s"
  exit 1
fi
if [ -n "${SMOKE_SCREENSHOT:-}" ]; then
  curl -s "$driver/session/$session/screenshot" |
    python3 -c 'import base64, json, sys; sys.stdout.buffer.write(base64.b64decode(json.load(sys.stdin)["value"]))' >"$SMOKE_SCREENSHOT"
fi
echo "test result: ok. 1 passed; 0 failed (release page mounted the widget, no console errors)"
