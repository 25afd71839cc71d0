#!/usr/bin/env bash
# Runs every check the project has, in the order a failure is cheapest to find:
# format, lints (native and wasm32), native tests (with a throwaway PostgreSQL cluster, so
# the store contract runs on both backends), the browser tests in headless Chromium
# and Firefox, the API fuzzer against the real server, the release build, its size
# budget, the release page loaded in Chromium, the end-to-end tests against the real
# server, and the embed's page tests (strict CSP, one tag, npm, the server's widget
# files, axe-core) in both browsers. Every step runs even when an
# earlier one failed, so one run shows everything that is wrong; the exit code is
# non-zero when any step failed. Output ends with a summary table and a closing line
# `total: N passed, N failed`.
#
# Usage: scripts/test.sh
# Env:   CARGO_TARGET_DIR  build cache (default: ~/.cache/freebusy/target, outside the
#                          clone so that fresh clones on one machine share it)
#        FREEBUSY_TOOLS    npm-installed tools (default: ~/.cache/freebusy/tools)
#        FREEBUSY_BUNDLE_BUDGET  bundle budget in bytes of gzip -9 (default 140000)
#        FREEBUSY_SCREENSHOTS    where the end-to-end tests save the screenshots
#                                (default docs/screenshots, which README shows)
set -uo pipefail

cd "$(dirname "$0")/.."
scripts/setup.sh || {
  echo "test: setup failed; nothing was tested" >&2
  exit 1
}

source scripts/env.sh
export CARGO_TERM_COLOR=never
# The runner's timeout covers a whole test binary, not one test.
export WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-180}"
# setup.sh made the Python oracle's virtualenv: the iCalendar corpus test must use it,
# and fails (instead of skipping) without it. The same for the CalDAV servers (Radicale,
# Xandikos) the CalDAV tests start from that virtualenv.
export FREEBUSY_REQUIRE_ORACLE=1
export FREEBUSY_REQUIRE_PEERS=1
# setup.sh installed the Cronofy Node SDK: its test must use it, and fails (instead of
# skipping) without it.
export FREEBUSY_REQUIRE_CRONOFY_SDK=1
readonly BUDGET="${FREEBUSY_BUNDLE_BUDGET:-140000}"
readonly LOGS="$CARGO_TARGET_DIR/test-logs"
mkdir -p "$LOGS"

summary=()
tests_passed=0
tests_failed=0
steps_failed=0

# Sums the `test result:` lines of cargo's and wasm-bindgen-test-runner's output.
count_tests() {
  awk '
    /test result:/ {
      for (i = 1; i <= NF; i++) {
        if ($(i + 1) ~ /^passed/) p += $i
        if ($(i + 1) ~ /^failed/) f += $i
      }
    }
    END { printf "%d %d\n", p, f }
  ' "$1"
}

# step NAME KIND COMMAND...: runs COMMAND with its output in a log, shown on failure.
# KIND is "tests" (count tests; zero executed is a failure), or "plain".
step() {
  local name=$1 kind=$2
  shift 2
  local log="$LOGS/${name//[^a-zA-Z0-9]/-}.log"
  local start=$SECONDS status=ok detail=""
  printf '==> %s\n' "$name"
  if ! "$@" >"$log" 2>&1; then
    status=FAILED
  fi
  if [ "$kind" = tests ]; then
    local passed failed
    read -r passed failed < <(count_tests "$log")
    tests_passed=$((tests_passed + passed))
    tests_failed=$((tests_failed + failed))
    detail="$passed passed, $failed failed"
    if [ "$passed" -eq 0 ] && [ "$status" = ok ]; then
      status=FAILED
      detail="no test executed"
    fi
  fi
  if [ "$status" != ok ]; then
    steps_failed=$((steps_failed + 1))
    printf -- '--- %s failed; the last lines of %s:\n' "$name" "$log"
    tail -n 60 "$log"
    printf -- '---\n'
  fi
  summary+=("$(printf '%-20s %-7s %5ss  %s' "$name" "$status" $((SECONDS - start)) "$detail")")
}

# Builds the release bundle size line; fails above the budget. gzip -9 of exactly what a
# page loads in the one-tag embed: dist/freebusy.js (the loader with wasm-bindgen's
# glue) and the one wasm it names (the page tests check that a page loads these two
# files and nothing else; the stylesheet is compiled into the wasm).
bundle_size() {
  local loader=dist/freebusy.js wasm js_bytes wasm_bytes total
  if [ ! -f "$loader" ]; then
    echo "dist/ has no freebusy.js: did the release build run?"
    return 1
  fi
  wasm=$(grep -o 'freebusy-[0-9a-f]\{16\}\.wasm' "$loader" | head -n 1)
  if [ -z "$wasm" ] || [ ! -f "dist/$wasm" ]; then
    echo "freebusy.js names no wasm file that dist/ has"
    return 1
  fi
  js_bytes=$(gzip -9 -c "$loader" | wc -c)
  wasm_bytes=$(gzip -9 -c "dist/$wasm" | wc -c)
  total=$((js_bytes + wasm_bytes))
  bundle_line="wasm $(kb "$wasm_bytes") + js $(kb "$js_bytes") = $(kb "$total") of $(kb "$BUDGET") budget (gzip -9)"
  echo "$bundle_line"
  [ "$total" -le "$BUDGET" ]
}
kb() { awk -v b="$1" 'BEGIN { printf "%.1f KB", b / 1000 }'; }

# Which browser the runner drives is chosen by the one driver variable that is set.
in_chromium() { env -u GECKODRIVER -u SAFARIDRIVER CHROMEDRIVER="$(command -v chromedriver)" "$@"; }
in_firefox() { env -u CHROMEDRIVER -u SAFARIDRIVER GECKODRIVER="$(command -v geckodriver)" "$@"; }

step "fmt" plain cargo fmt --all --check
step "clippy native" plain cargo clippy --workspace --all-targets -- -D warnings
# Doc comments are part of the code: a link that no longer resolves fails the run.
step "docs" plain env RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --all-features
# Not benches: criterion is native-only; the wasm merge benchmark runs in a page.
step "clippy wasm32" plain cargo clippy -p freebusy -p freebusy-core \
  --target wasm32-unknown-unknown --lib --bins --tests --examples -- -D warnings
# One throwaway PostgreSQL cluster for the whole step (scripts/postgres.sh run: initdb in
# a temporary folder, a free loopback port, removed afterwards); each test makes its own
# database in it. If it cannot start, the step fails: PostgreSQL is required here.
native_tests() {
  scripts/postgres.sh run cargo test --workspace
}
step "native tests" tests native_tests
# The browser tests include tests/live_server.rs, which talks to a real server: each
# browser gets a fresh one (tests/live/with-server.sh), on another origin than the page.
step "server build" plain cargo build -p freebusy-server --profile server
readonly SERVER_BIN="$CARGO_TARGET_DIR/server/freebusy-server"
# schemathesis against /openapi.json (scripts/fuzz-api.sh): fixed seed, bounded examples.
step "api fuzz" plain scripts/fuzz-api.sh "$SERVER_BIN"
step "browser chromium" tests in_chromium tests/live/with-server.sh "$SERVER_BIN" cargo test -p freebusy --target wasm32-unknown-unknown --tests
step "browser firefox" tests in_firefox tests/live/with-server.sh "$SERVER_BIN" cargo test -p freebusy --target wasm32-unknown-unknown --tests
# A clean dist/: it must hold exactly what ships (no leftovers of `trunk serve`).
# trunk's post_build hook (scripts/package-widget.mjs) packages it: freebusy.js beside
# its hashed wasm, their .br/.gz forms, integrity.json and the npm manifest.
release_build() { rm -rf dist && trunk build --release; }
step "release build" plain release_build
bundle_line="(not measured)"
step "bundle size" plain bundle_size
summary[${#summary[@]} - 1]+="$bundle_line"
step "release smoke" tests tests/release/smoke.sh dist
# End to end (tests/e2e/e2e.mjs): the release dist/ and the real server (demo week) on
# two loopback origins, in headless Chromium through playwright-core: shading, booking
# by mouse and by keyboard, a stale second visitor, the booking as a managed event. It
# also saves the README's screenshots (FREEBUSY_SCREENSHOTS, default docs/screenshots).
e2e() {
  cargo build -p freebusy-server --profile server &&
    node tests/e2e/e2e.mjs "$CARGO_TARGET_DIR/server/freebusy-server" dist \
      "${FREEBUSY_SCREENSHOTS:-docs/screenshots}"
}
step "e2e" tests e2e
# The widget on real pages as an embedder ships it (tests/embed/pages.mjs): the one tag
# from a sub-path under a strict CSP, the minimal policy, the server serving the widget
# with integrity, the npm package through esbuild, a CORS refusal, the focus ring,
# forced colours and an axe-core audit of every state; in both browsers.
step "pages chromium" tests node tests/embed/pages.mjs chromium "$SERVER_BIN" dist
step "pages firefox" tests node tests/embed/pages.mjs firefox "$SERVER_BIN" dist

echo
echo "================================ summary ================================"
printf '%-20s %-7s %6s  %s\n' step result time detail
printf '%s\n' "${summary[@]}"
echo "========================================================================="
if [ "$steps_failed" -gt 0 ]; then
  echo "$steps_failed step(s) failed; logs in $LOGS"
fi
# A failed step without failed tests (fmt, clippy, build, budget) counts as one failure.
failures=$tests_failed
if [ "$steps_failed" -gt 0 ] && [ "$tests_failed" -eq 0 ]; then
  failures=$steps_failed
fi
echo "total: $tests_passed passed, $failures failed"
[ "$steps_failed" -eq 0 ]
