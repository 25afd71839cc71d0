#!/usr/bin/env bash
# Runs COMMAND with a real freebusy server on loopback for the widget's live browser
# tests (tests/live_server.rs): a fresh SQLite file seeded from tests/live/seed.json,
# the server on a free port, and the test runner's page on another one that the server
# allows as a CORS origin, so every request is cross-origin.
#
# Usage: tests/live/with-server.sh SERVER_BIN COMMAND...
# Exports FREEBUSY_LIVE_BACKEND (read by the tests at compile time) and
# WASM_BINDGEN_TEST_ADDRESS (where wasm-bindgen-test-runner serves the page).
set -euo pipefail

server_bin=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

page_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$server_bin" --listen 127.0.0.1:0 --db "$work/live.sqlite3" --seed "$here/seed.json" \
  --allow-origin "http://127.0.0.1:$page_port" --token live-alice=alice@example.com \
  --rate-per-second 1000 --rate-burst 1000 >"$work/stdout" 2>"$work/stderr" &
server_pid=$!
backend=""
for _ in $(seq 1 150); do
  backend=$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$work/stdout")
  [ -n "$backend" ] && break
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "live: the server exited before listening:" >&2
    cat "$work/stderr" >&2
    exit 1
  fi
  sleep 0.1
done
if [ -z "$backend" ]; then
  echo "live: the server did not start within 15 s" >&2
  exit 1
fi
echo "live: server $backend, test page http://127.0.0.1:$page_port"
export FREEBUSY_LIVE_BACKEND=$backend
export WASM_BINDGEN_TEST_ADDRESS=127.0.0.1:$page_port
"$@"
