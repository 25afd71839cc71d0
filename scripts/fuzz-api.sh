#!/usr/bin/env bash
# Fuzzes the server's API from its own /openapi.json with schemathesis (a pinned PyPI
# tool in $FREEBUSY_VENV, installed by scripts/setup.sh): a fresh server with the
# demo week and a token, every check schemathesis has, a fixed seed and a bounded
# number of examples per operation. Fails on any 5xx, any status or body the document
# does not describe, and any schema-valid request refused with a status the document
# does not explain for that operation (server/tests/fuzz/schemathesis.toml).
#
# Usage: scripts/fuzz-api.sh SERVER_BINARY     (scripts/test.sh runs it)
# Env:   FREEBUSY_FUZZ_SEED      the seed (default 20261201)
#        FREEBUSY_FUZZ_EXAMPLES  examples per operation and phase (default 100)
set -euo pipefail

cd "$(dirname "$0")/.."
source scripts/env.sh
readonly SEED="${FREEBUSY_FUZZ_SEED:-20261201}"
readonly EXAMPLES="${FREEBUSY_FUZZ_EXAMPLES:-100}"
readonly CONFIG="$PWD/server/tests/fuzz/schemathesis.toml"
readonly SCHEMATHESIS="$FREEBUSY_VENV/bin/schemathesis"
bin=${1:?usage: scripts/fuzz-api.sh SERVER_BINARY}

if [ ! -x "$SCHEMATHESIS" ]; then
  echo "fuzz: $SCHEMATHESIS is missing; run scripts/setup.sh" >&2
  exit 1
fi
work=$(mktemp -d)
pid=""
stop() {
  if [ -n "$pid" ]; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap stop EXIT

"$bin" --listen 127.0.0.1:0 --demo --db "$work/fuzz.sqlite3" \
  --token fuzz-token=alice@example.com \
  --rate-per-second 100000 --rate-burst 100000 >"$work/stdout" 2>"$work/stderr" &
pid=$!
url=""
for _ in $(seq 1 600); do
  url=$(sed -n 's/^freebusy-server listening on //p' "$work/stdout")
  [ -n "$url" ] && break
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "fuzz: the server did not start:" >&2
    cat "$work/stderr" >&2
    exit 1
  fi
  sleep 0.1
done
if [ -z "$url" ]; then
  echo "fuzz: the server printed no address within 60 s" >&2
  exit 1
fi
echo "fuzz: $url/openapi.json, seed $SEED, $EXAMPLES examples per operation"

# From the temp dir: hypothesis keeps its example database in the working directory,
# which must neither land in the clone nor replay an earlier run's cases.
cd "$work"
"$SCHEMATHESIS" --config-file "$CONFIG" run "$url/openapi.json" \
  --checks all \
  --header "Authorization: Bearer fuzz-token" \
  --seed "$SEED" --max-examples "$EXAMPLES" \
  --workers 1 --continue-on-failure --request-timeout 30
