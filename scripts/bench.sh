#!/usr/bin/env bash
# Runs the benchmarks of BENCHMARKS.md and prints their numbers, ratios and goals:
#
#   bundle   gzip -9 bytes a page loads for the widget (trunk build --release) beside
#            FullCalendar 6 (core + timegrid + interaction, esbuild --minify), and a twiggy
#            breakdown of the widget's wasm by crate and by function
#   render   headless Chromium: the same week of 1,000 periods (5 attendees), and a heavy
#            one of 10,000 (20 attendees), drawn by the widget and by FullCalendar's
#            timeGridWeek: medians, DOM nodes
#   merge    100,000 periods from 50 calendars: the engine in wasm (as the widget builds it,
#            and through other wasm-opt levels) vs JavaScript in one page, and the engine
#            natively (criterion, the 100k case)
#   backend  the server's Zonio-style week query vs its /healthz under wrk over loopback,
#            on SQLite, on PostgreSQL, and with two servers on one PostgreSQL; and a week of
#            a ten-year history in its first and in its last year, on both stores
#   sources  the week query over 50 accounts whose calendars are ICS feeds (served on
#            loopback, synced into the store), and over the same 50 as CalDAV calendars
#            (one Radicale from the test virtualenv), vs the same 50 accounts with the
#            same events listed in a seed
#
# Usage: scripts/bench.sh [bundle|render|merge|backend|sources]...   (no argument: all)
#
# Benchmarks report; they never fail on a goal. The script exits non-zero only when a
# benchmark could not run. It first runs scripts/setup.sh, then installs its own extras
# only when missing or at the wrong version (saying so): FullCalendar and esbuild from npm
# into $FREEBUSY_BENCH (not the repo), twiggy from crates.io, wrk from Debian. PostgreSQL
# is a throwaway cluster of scripts/postgres.sh (setup.sh installs its binaries). Builds go to
# $FREEBUSY_BENCH_TARGET so they never wait on, or disturb, the test command's target dir.
# Results: $FREEBUSY_BENCH/results/<UTC time>/ (JSON, logs, the twiggy reports) and the
# summary printed at the end (also summary.md there).
set -euo pipefail

readonly FULLCALENDAR_VERSION=6.1.21
readonly ESBUILD_VERSION=0.28.2
readonly TWIGGY_VERSION=0.8.0
cd "$(dirname "$0")/.."
source scripts/env.sh
export FREEBUSY_BENCH="${FREEBUSY_BENCH:-$HOME/.cache/freebusy/bench}"
export FREEBUSY_BENCH_TARGET="${FREEBUSY_BENCH_TARGET:-$HOME/.cache/freebusy/target-bench}"
readonly WASM_FEATURES=(--enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext
  --enable-mutable-globals --enable-reference-types --enable-multivalue)

say() { printf 'bench: %s\n' "$*"; }

wanted=("$@")
[ ${#wanted[@]} -gt 0 ] || wanted=(bundle render merge backend sources)
for w in "${wanted[@]}"; do
  case "$w" in
    bundle | render | merge | backend | sources) ;;
    *) echo "usage: scripts/bench.sh [bundle|render|merge|backend|sources]..." >&2 && exit 2 ;;
  esac
done
wants() { [[ " ${wanted[*]} " == *" $1 "* ]]; }

RESULTS="$FREEBUSY_BENCH/results/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$RESULTS"
say "results in $RESULTS"

# ------------------------------------------------------------------ tools

scripts/setup.sh > "$RESULTS/setup.log" 2>&1 || {
  tail -n 20 "$RESULTS/setup.log"
  exit 1
}

# FullCalendar and esbuild from npm, into $FREEBUSY_BENCH (never the repository).
npm_version() { node -p "require('$FREEBUSY_BENCH/node_modules/$1/package.json').version" 2>/dev/null || true; }
if [ "$(npm_version @fullcalendar/core)" != "$FULLCALENDAR_VERSION" ] ||
  [ "$(npm_version @fullcalendar/timegrid)" != "$FULLCALENDAR_VERSION" ] ||
  [ "$(npm_version @fullcalendar/interaction)" != "$FULLCALENDAR_VERSION" ] ||
  [ "$(npm_version esbuild)" != "$ESBUILD_VERSION" ]; then
  say "installing FullCalendar $FULLCALENDAR_VERSION and esbuild $ESBUILD_VERSION from npm into $FREEBUSY_BENCH"
  mkdir -p "$FREEBUSY_BENCH"
  npm install --prefix "$FREEBUSY_BENCH" --no-audit --no-fund --silent \
    "@fullcalendar/core@$FULLCALENDAR_VERSION" "@fullcalendar/timegrid@$FULLCALENDAR_VERSION" \
    "@fullcalendar/interaction@$FULLCALENDAR_VERSION" "esbuild@$ESBUILD_VERSION"
else
  say "FullCalendar $FULLCALENDAR_VERSION and esbuild $ESBUILD_VERSION present"
fi
if wants bundle; then
  if [ "$(twiggy --version 2>/dev/null | awk '{print $2}')" = "$TWIGGY_VERSION" ]; then
    say "twiggy $TWIGGY_VERSION present"
  else
    say "installing twiggy $TWIGGY_VERSION from crates.io (takes minutes)"
    cargo install twiggy --version "=$TWIGGY_VERSION" --locked
  fi
fi
if wants backend || wants sources; then
  if command -v wrk >/dev/null 2>&1; then
    say "wrk present"
  else
    say "installing wrk from Debian"
    if [ "$(id -u)" -eq 0 ]; then
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk > "$RESULTS/apt.log" 2>&1 ||
        { apt-get update -q >> "$RESULTS/apt.log" 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >> "$RESULTS/apt.log" 2>&1; }
    else
      sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk > "$RESULTS/apt.log" 2>&1
    fi
  fi
fi

# ------------------------------------------------------------------ builds

# FullCalendar, bundled and minified the way an app would ship it. FullCalendar 6
# injects its CSS from its JS, so this one file is everything it loads.
FC_BUNDLE="$FREEBUSY_BENCH/fullcalendar.js"
cp bench/fullcalendar-entry.js "$FREEBUSY_BENCH/entry.js"
(cd "$FREEBUSY_BENCH" && ./node_modules/.bin/esbuild entry.js --bundle --minify --format=iife \
  --target=es2020 --outfile=fullcalendar.js --log-level=warning)

# The widget's release build, into a dist of the benchmarks' own (the repo's dist/ is the
# test command's). Same CARGO_TARGET_DIR as the test command: it is the same build.
DIST="$FREEBUSY_BENCH/dist"
if wants bundle || wants render; then
  say "trunk build --release (the widget)"
  trunk build --release --dist "$DIST" > "$RESULTS/trunk.log" 2>&1 || {
    tail -n 30 "$RESULTS/trunk.log"
    exit 1
  }
fi

# The engine as a wasm module of its own (bench/merge-wasm: a workspace of its own, so
# the test command never builds it), at opt-level 3 and at the widget's opt-level "z".
# "size" is the widget's build (wasm-opt -Oz, as index.html has trunk run it); size-Os,
# size-O2, size-O3 and size-none are the same rustc output through another wasm-opt
# level or none, to see what wasm-opt does to the engine's opt-level 3 code.
MERGE_PKG="$FREEBUSY_BENCH/merge-wasm"
if wants merge; then
  say "building bench/merge-wasm (the engine's merge for wasm)"
  cp Cargo.lock bench/merge-wasm/Cargo.lock # the root's versions (cargo prunes the rest)
  rm -rf "$MERGE_PKG"
  for profile in release size; do
    (cd bench/merge-wasm && CARGO_TARGET_DIR="$FREEBUSY_BENCH_TARGET" \
      cargo build --quiet --profile "$profile" --target wasm32-unknown-unknown) > "$RESULTS/merge-wasm.log" 2>&1 || {
      tail -n 30 "$RESULTS/merge-wasm.log"
      exit 1
    }
  done
  for variant in speed:release:-O3 size:size:-Oz size-Os:size:-Os size-O2:size:-O2 size-O3:size:-O3 size-none:size:; do
    IFS=: read -r name profile opt <<< "$variant"
    wasm-bindgen --target web --out-dir "$MERGE_PKG/$name" \
      "$FREEBUSY_BENCH_TARGET/wasm32-unknown-unknown/$profile/freebusy_merge_wasm.wasm"
    if [ -n "$opt" ]; then
      wasm-opt "$opt" "${WASM_FEATURES[@]}" "$MERGE_PKG/$name/freebusy_merge_wasm_bg.wasm" \
        -o "$MERGE_PKG/$name/freebusy_merge_wasm_bg.wasm"
    fi
  done
fi

# ------------------------------------------------------------------ bundle

gz() { gzip -9 -c "$1" | wc -c; }
if wants bundle; then
  say "bundle sizes"
  {
    wasm=0 js=0 css=0 snippets=0
    # A page may load no stylesheet of its own (the widget's CSS can live in its wasm).
    shopt -s nullglob
    for f in "$DIST"/*.wasm; do wasm=$((wasm + $(gz "$f"))); done
    for f in "$DIST"/*.js; do js=$((js + $(gz "$f"))); done
    for f in "$DIST"/*.css; do css=$((css + $(gz "$f"))); done
    while IFS= read -r f; do snippets=$((snippets + $(gz "$f"))); done < <(find "$DIST/snippets" -name '*.js' 2>/dev/null)
    raw=$(cat "$DIST"/*.wasm "$DIST"/*.js "$DIST"/*.css | wc -c)
    shopt -u nullglob
    fc=$(gz "$FC_BUNDLE")
    fc_raw=$(wc -c < "$FC_BUNDLE")
    # The test command's budget, read from it (one place).
    default_budget=$(sed -n 's/^readonly BUDGET="${FREEBUSY_BUNDLE_BUDGET:-\([0-9]*\)}"$/\1/p' scripts/test.sh)
    budget=${FREEBUSY_BUNDLE_BUDGET:-$default_budget}
    printf '{"widget":{"wasm":%d,"js":%d,"css":%d,"snippets":%d,"raw":%d},"budget":%s,"fullcalendar":{"gzip":%d,"raw":%d,"version":"%s","cssInJs":%s}}\n' \
      "$wasm" "$js" "$css" "$snippets" "$raw" "${budget:-null}" "$fc" "$fc_raw" "$FULLCALENDAR_VERSION" \
      "$(grep -q 'fc-timegrid-slot{' "$FC_BUNDLE" && echo true || echo false)"
  } > "$RESULTS/bundle.json"

  # twiggy needs function names, which the shipped wasm has lost: the same rustc output
  # trunk just used, through wasm-bindgen and wasm-opt -Oz again, but with -g (names kept).
  say "twiggy breakdown of the widget's wasm"
  names="$RESULTS/twiggy"
  mkdir -p "$names"
  wasm-bindgen --target web --out-dir "$names" "$CARGO_TARGET_DIR/wasm32-unknown-unknown/release/freebusy.wasm"
  wasm-opt -Oz -g "${WASM_FEATURES[@]}" "$names/freebusy_bg.wasm" -o "$names/named.wasm"
  twiggy top -n 40 "$names/named.wasm" > "$RESULTS/twiggy-top.txt"
  twiggy dominators -d 3 -r 30 "$names/named.wasm" > "$RESULTS/twiggy-dominators.txt"
  twiggy top -n 1000000 -f csv "$names/named.wasm" | python3 bench/twiggy_crates.py 25 > "$RESULTS/twiggy-crates.txt"

  # The widget's wasm through each wasm-opt level (the same wasm-bindgen output trunk
  # optimised with -Oz): gzip -9 bytes, for the merge's speed-against-size question.
  say "the widget's wasm through other wasm-opt levels"
  {
    printf '{'
    sep=''
    for level in Oz Os O2 O3; do
      wasm-opt "-$level" "${WASM_FEATURES[@]}" "$names/freebusy_bg.wasm" -o "$names/$level.wasm"
      printf '%s"%s":%d' "$sep" "$level" "$(gz "$names/$level.wasm")"
      sep=','
    done
    printf ',"none":%d}\n' "$(gz "$names/freebusy_bg.wasm")"
  } > "$RESULTS/wasm-opt.json"
fi

# ------------------------------------------------------------------ render and merge (browser)

browser_runs=()
wants render && browser_runs+=(render)
wants merge && browser_runs+=(merge)
for what in "${browser_runs[@]}"; do
  say "$what in headless Chromium (median of ${BENCH_RUNS:-20} runs after ${BENCH_WARMUPS:-3} warm-ups)"
  node bench/browser.mjs "$what" "$DIST" "$FC_BUNDLE" "$MERGE_PKG" "$RESULTS/$what.json" > "$RESULTS/$what.log" 2>&1 || {
    tail -n 30 "$RESULTS/$what.log"
    exit 1
  }
done

# ------------------------------------------------------------------ merge (native)

if wants merge; then
  for profile in bench server; do
    say "merge natively: criterion, 100k case, $profile profile"
    CARGO_TARGET_DIR="$FREEBUSY_BENCH_TARGET" cargo bench -p freebusy-core --bench merge \
      --profile "$profile" -- 'merge/100k' > "$RESULTS/native-$profile.log" 2>&1 || {
      tail -n 30 "$RESULTS/native-$profile.log"
      exit 1
    }
  done
  # criterion: "time:   [low median high]": keep the median, in ms.
  {
    printf '{'
    sep=''
    for profile in bench server; do
      median=$(awk '/time:/ { v = $(NF-3); u = $(NF-2); if (u == "µs") v /= 1000; if (u == "s") v *= 1000; print v; exit }' "$RESULTS/native-$profile.log")
      printf '%s"%s":%s' "$sep" "$profile" "${median:-null}"
      sep=','
    done
    printf '}\n'
  } > "$RESULTS/native.json"
fi

# ------------------------------------------------------------------ backend

# One wrk run's numbers as a JSON member `,"NAME":{rps,p50,p99,non2xx}`: wrk_member NAME FILE.
wrk_member() {
  local rps p50 p99 non2xx
  rps=$(awk '/^Requests\/sec:/ {print $2}' "$2")
  p50=$(awk '$1 == "50%" {print $2}' "$2")
  p99=$(awk '$1 == "99%" {print $2}' "$2")
  non2xx=$(awk '/Non-2xx/ {print $NF}' "$2")
  printf ',"%s":{"rps":%s,"p50":"%s","p99":"%s","non2xx":%s}' "$1" "${rps:-null}" "$p50" "$p99" "${non2xx:-0}"
}

# The server as the benchmarks run it: --profile server, in $FREEBUSY_BENCH_TARGET.
build_server() {
  say "building the server (--profile server)"
  CARGO_TARGET_DIR="$FREEBUSY_BENCH_TARGET" cargo build --quiet -p freebusy-server --profile server \
    > "$RESULTS/server-build.log" 2>&1 || {
    tail -n 30 "$RESULTS/server-build.log"
    exit 1
  }
  server_bin="$FREEBUSY_BENCH_TARGET/server/freebusy-server"
}

if wants backend; then
  build_server
  port=${FREEBUSY_BENCH_PORT:-39217}
  port2=$((port + 1))
  db_dir=$(mktemp -d)
  cores=$(nproc)
  all_cores="0-$((cores - 1))"
  # PostgreSQL: a throwaway cluster of scripts/postgres.sh, with fsync on as in
  # production (the reads measured here do not touch the disk either way).
  # A folder of its own: as root, the cluster's unprivileged owner must reach it.
  pg_dir=$(mktemp -d "${TMPDIR:-/tmp}/freebusy-bench-pg.XXXXXX")
  pg_url="$(scripts/postgres.sh start "$pg_dir")/postgres"
  python3 bench/history_seed.py > "$db_dir/history.json"
  # Per-request log lines off (RUST_LOG=warn): the same for both routes, and a load test
  # would otherwise mostly measure writing logs.
  server_pids=()
  start_server() { # cores port db [flags...]
    local cores=$1 at=$2 db=$3
    shift 3
    RUST_LOG=warn taskset -c "$cores" "$server_bin" --listen "127.0.0.1:$at" --db "$db" \
      --demo --rate-per-second 4000000000 --rate-burst 4000000000 "$@" \
      > "$RESULTS/server-$at.out" 2>> "$RESULTS/server.err" &
    local pid=$!
    server_pids+=("$pid")
    for _ in $(seq 1200); do
      kill -0 "$pid" 2> /dev/null || break # exited (e.g. the port is taken)
      curl -fsS "http://127.0.0.1:$at/healthz" > /dev/null 2>&1 && return 0
      sleep 0.1
    done
    echo "the server did not start:" >&2
    tail -n 20 "$RESULTS/server.err" >&2
    return 1
  }
  stop_servers() {
    local pid
    for pid in "${server_pids[@]}"; do
      kill "$pid" 2> /dev/null || true
      wait "$pid" 2> /dev/null || true
    done
    server_pids=()
  }
  trap 'stop_servers; scripts/postgres.sh remove "$pg_dir"; rm -rf "$db_dir"' EXIT
  # The demo week is the current one (Monday 00:00 UTC, 7 days), Zonio-style unix seconds.
  monday=$(date -u -d "$(date -u +%F) -$(($(date -u +%u) - 1)) days" +%s)
  week_path="/alice@example.com?start=$monday&end=$((monday + 7 * 86400))"
  # The history seed's first and last full weeks (Mondays 2016-06-06 and 2026-05-25).
  year1=$(date -u -d 2016-06-06 +%s)
  year10=$(date -u -d 2026-05-25 +%s)
  history_path() { echo "/history@example.com?start=$1&end=$(($1 + 7 * 86400))"; }
  duration=${BENCH_WRK_SECONDS:-10}
  # Bounded: wrk stops after $duration seconds; loopback only.
  run_wrk() { # cores label url [connections]
    taskset -c "$1" wrk -t2 -c"${4:-64}" -d"${duration}s" --latency "$3" > "$RESULTS/wrk-$2.txt" 2>&1
  }
  count_periods() {
    curl -fsS "$1" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).length))' 2> /dev/null || echo "?"
  }
  # Layouts on this 2-core machine: both processes share all cores (the whole machine),
  # and the server alone on one core with wrk on the other; then PostgreSQL behind one
  # server, and behind two (two wrk processes, one per server, at the same time).
  say "backend: SQLite, server and wrk sharing cores $all_cores (loading the ten-year seed)"
  start_server "$all_cores" "$port" "$db_dir/bench.sqlite3" --seed "$db_dir/history.json"
  base="http://127.0.0.1:$port"
  periods=$(count_periods "$base$week_path")
  periods_history="$(count_periods "$base$(history_path "$year1")")/$(count_periods "$base$(history_path "$year10")")"
  say "backend: the week query returns $periods periods; the history weeks $periods_history"
  run_wrk "$all_cores" shared-week "$base$week_path"
  run_wrk "$all_cores" shared-healthz "$base/healthz"
  run_wrk "$all_cores" sqlite-history-year1 "$base$(history_path "$year1")"
  run_wrk "$all_cores" sqlite-history-year10 "$base$(history_path "$year10")"
  stop_servers
  if [ "$cores" -ge 2 ]; then
    say "backend: SQLite, server on core 1, wrk on core 0"
    start_server 1 "$port" "$db_dir/bench.sqlite3"
    run_wrk 0 split-week "$base$week_path"
    run_wrk 0 split-healthz "$base/healthz"
    stop_servers
  fi
  say "backend: PostgreSQL, one server (loading the ten-year seed)"
  start_server "$all_cores" "$port" "$pg_url" --seed "$db_dir/history.json"
  run_wrk "$all_cores" postgres-week "$base$week_path"
  run_wrk "$all_cores" postgres-healthz "$base/healthz"
  run_wrk "$all_cores" postgres-history-year1 "$base$(history_path "$year1")"
  run_wrk "$all_cores" postgres-history-year10 "$base$(history_path "$year10")"
  say "backend: PostgreSQL, two servers, one wrk each at the same time"
  start_server "$all_cores" "$port2" "$pg_url"
  for route in week healthz; do
    path=$week_path
    [ "$route" = healthz ] && path=/healthz
    run_wrk "$all_cores" "replica1-$route" "http://127.0.0.1:$port$path" 32 &
    first=$!
    run_wrk "$all_cores" "replica2-$route" "http://127.0.0.1:$port2$path" 32
    wait "$first"
  done
  stop_servers
  {
    printf '{"cores":%d,"periods":"%s","historyPeriods":"%s","duration":%d' \
      "$cores" "$periods" "$periods_history" "$duration"
    for f in "$RESULTS"/wrk-*.txt; do
      name=$(basename "$f" .txt)
      wrk_member "${name#wrk-}" "$f"
    done
    printf '}\n'
  } > "$RESULTS/backend.json"
fi

# ------------------------------------------------------------------ sources

if wants sources; then
  build_server
  port=${FREEBUSY_BENCH_PORT:-39217}
  feed_port=$((port + 1))
  caldav_port=$((port + 2))
  accounts=50
  radicale="$FREEBUSY_VENV/bin/radicale"
  [ -x "$radicale" ] || { echo "no Radicale in $FREEBUSY_VENV: run scripts/setup.sh" >&2; exit 1; }
  work=$(mktemp -d)
  events=$(python3 bench/sources/fixture.py "$work" "$feed_port" "$accounts" "$caldav_port")
  python3 -m http.server --bind 127.0.0.1 "$feed_port" --directory "$work/feeds" > "$RESULTS/feeds.log" 2>&1 &
  feed_pid=$!
  # The CalDAV calendars: one Radicale (from the test virtualenv) holding all 50.
  HOME="$work/radicale" "$radicale" --config "$work/radicale/config" \
    --hosts "127.0.0.1:$caldav_port" --storage-filesystem-folder "$work/radicale/storage" \
    --auth-type htpasswd --auth-htpasswd-filename "$work/radicale/users" \
    --auth-htpasswd-encryption plain --auth-delay 0 --web-type none --logging-level warning \
    > "$RESULTS/radicale.log" 2>&1 &
  radicale_pid=$!
  export BENCH_CALDAV_PASSWORD=bench
  server_pid=""
  stop_all() {
    [ -n "$server_pid" ] && { kill "$server_pid" 2> /dev/null || true; wait "$server_pid" 2> /dev/null || true; }
    kill "$feed_pid" "$radicale_pid" 2> /dev/null || true
    wait "$feed_pid" "$radicale_pid" 2> /dev/null || true
    rm -rf "$work"
  }
  trap stop_all EXIT
  monday=$(date -u -d "$(date -u +%F) -$(($(date -u +%u) - 1)) days" +%s)
  sed -e "s/ACCOUNTS/$accounts/; s/START/$monday/; s/FINISH/$((monday + 7 * 86400))/" \
    bench/sources/rotate.lua > "$work/rotate.lua"
  duration=${BENCH_WRK_SECONDS:-10}
  for kind in listed feeds caldav; do
    rm -f "$work/bench.sqlite3"*
    RUST_LOG=warn "$server_bin" --listen "127.0.0.1:$port" --db "$work/bench.sqlite3" \
      --seed "$work/seed-$kind.json" --token "bench-ops=ops@example.com:read_sources" \
      --rate-per-second 4000000000 --rate-burst 4000000000 \
      > "$RESULTS/server-$kind.out" 2>> "$RESULTS/server-$kind.err" &
    server_pid=$!
    # Ready when every source has a snapshot (for the listed seed: at once).
    ready=""
    for _ in $(seq 600); do
      if curl -fsS -H 'Authorization: Bearer bench-ops' "http://127.0.0.1:$port/v1/sources" 2> /dev/null |
        python3 -c 'import json,sys; s=json.load(sys.stdin)["sources"]; sys.exit(0 if all(x["state"]=="ok" for x in s) else 1)'; then
        ready=1 && break
      fi
      sleep 0.1
    done
    [ -n "$ready" ] || { echo "the $kind server did not get ready" >&2; tail -n 20 "$RESULTS/server-$kind.err" >&2; exit 1; }
    say "sources: $accounts accounts, $kind, week query (wrk -t2 -c64 -d${duration}s, rotating accounts)"
    wrk -t2 -c64 -d"${duration}s" --latency -s "$work/rotate.lua" "http://127.0.0.1:$port" \
      > "$RESULTS/wrk-sources-$kind.txt" 2>&1
    kill "$server_pid" && wait "$server_pid" 2> /dev/null || true
    server_pid=""
  done
  {
    printf '{"accounts":%d,"events":%d,"duration":%d' "$accounts" "$events" "$duration"
    for kind in listed feeds caldav; do
      wrk_member "$kind" "$RESULTS/wrk-sources-$kind.txt"
    done
    printf '}\n'
  } > "$RESULTS/sources.json"
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print("bench: sources: listed %s req/s, feeds %s req/s (%.2fx), caldav %s req/s (%.2fx; goal >= 0.8x)" % (r["listed"]["rps"], r["feeds"]["rps"], r["feeds"]["rps"]/r["listed"]["rps"], r["caldav"]["rps"], r["caldav"]["rps"]/r["listed"]["rps"]))' "$RESULTS/sources.json"
  stop_all
  trap - EXIT
fi

# ------------------------------------------------------------------ summary

node bench/summary.mjs "$RESULTS" | tee "$RESULTS/summary.md"
