#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on a free loopback port, for the tests, the benchmarks
# and trying several replicas by hand. It uses Debian's server binaries
# (scripts/setup.sh installs them when missing) and never touches a system cluster.
#
# Usage:
#   scripts/postgres.sh start DIR    initdb DIR (unless it holds a cluster already) and
#                                    start it; prints its URL, also kept in DIR/url
#   scripts/postgres.sh stop DIR     stop it (fast shutdown); the data stays, and `start`
#                                    brings it back on the same port
#   scripts/postgres.sh remove DIR   stop it and delete DIR
#   scripts/postgres.sh run CMD...   a fresh cluster in a temporary folder for as long as
#                                    CMD runs, with FREEBUSY_TEST_POSTGRES set to its URL;
#                                    removed afterwards; exits with CMD's status
#
# The URL is `postgres://postgres@127.0.0.1:PORT` with no database name: append
# `/postgres` (the one initdb makes) or a database of your own. Authentication is
# `trust`, and the cluster listens on 127.0.0.1 only. As root, the cluster runs as an
# unprivileged user (PostgreSQL refuses to run as root): `postgres`, which Debian's
# package creates.
#
# Env: FREEBUSY_PG_BIN   server binaries (default: the newest /usr/lib/postgresql/*/bin)
#      FREEBUSY_PG_USER  who runs the cluster when this runs as root (default: postgres)
#      FREEBUSY_PG_FAST  1: fsync off, for tests only (a crash of the cluster, not of a
#                        server using it, may then lose data); `run` sets it
set -euo pipefail

say() { printf 'postgres: %s\n' "$*" >&2; }

pg_bin() {
  if [ -n "${FREEBUSY_PG_BIN:-}" ]; then
    echo "$FREEBUSY_PG_BIN"
    return
  fi
  local newest
  newest=$(ls -d /usr/lib/postgresql/*/bin 2> /dev/null | sort -V | tail -n 1 || true)
  if [ -z "$newest" ] || [ ! -x "$newest/initdb" ]; then
    say "no PostgreSQL server binaries in /usr/lib/postgresql/*/bin (scripts/setup.sh installs them)"
    return 1
  fi
  echo "$newest"
}

# Runs a command as the cluster's owner: ourselves, or the unprivileged user as root.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u "${FREEBUSY_PG_USER:-postgres}" -- "$@"
  else
    "$@"
  fi
}

# A port nobody listens on now (the kernel's pick for port 0).
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

start() {
  local dir=$1 bin port
  bin=$(pg_bin)
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  if [ "$(id -u)" -eq 0 ]; then
    chown "${FREEBUSY_PG_USER:-postgres}" "$dir"
    if ! as_owner test -w "$dir"; then
      say "$dir is not reachable by the user ${FREEBUSY_PG_USER:-postgres}: use a folder under /tmp"
      return 1
    fi
  fi
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    local no_sync=()
    [ "${FREEBUSY_PG_FAST:-0}" = 1 ] && no_sync=(--no-sync)
    as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 "${no_sync[@]}" \
      --locale=C.UTF-8 > "$dir/initdb.log" 2>&1 || {
      tail -n 20 "$dir/initdb.log" >&2
      return 1
    }
    port=$(free_port)
    echo "$port" > "$dir/port"
    # Settings live in the cluster's own file, so a restart keeps them.
    {
      echo "listen_addresses = '127.0.0.1'"
      echo "port = $port"
      echo "unix_socket_directories = '$dir'"
      echo "max_connections = 300"
      if [ "${FREEBUSY_PG_FAST:-0}" = 1 ]; then
        echo "fsync = off"
        echo "synchronous_commit = off"
        echo "full_page_writes = off"
      fi
    } | as_owner tee -a "$dir/data/postgresql.conf" > /dev/null
  fi
  port=$(cat "$dir/port")
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/data/server.log" -w -t 60 start > /dev/null || {
    tail -n 20 "$dir/data/server.log" >&2
    return 1
  }
  echo "postgres://postgres@127.0.0.1:$port" | tee "$dir/url"
}

stop() {
  local dir=$1 bin
  bin=$(pg_bin)
  [ -f "$dir/data/postmaster.pid" ] || return 0
  as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop > /dev/null
}

remove() {
  local dir=$1
  [ -d "$dir" ] || return 0
  stop "$dir" || true
  rm -rf "$dir"
}

run() {
  local status=0
  # Global, for the trap: it runs after this function has returned.
  run_dir=$(mktemp -d "${TMPDIR:-/tmp}/freebusy-pg.XXXXXX")
  trap 'remove "$run_dir"' EXIT
  trap 'exit 130' INT TERM
  local dir=$run_dir
  FREEBUSY_TEST_POSTGRES=$(FREEBUSY_PG_FAST=${FREEBUSY_PG_FAST:-1} start "$dir") || {
    say "the throwaway cluster did not start"
    return 1
  }
  export FREEBUSY_TEST_POSTGRES
  say "throwaway cluster at $FREEBUSY_TEST_POSTGRES ($dir)"
  "$@" || status=$?
  return "$status"
}

case "${1:-}" in
  start | stop | remove)
    [ $# -eq 2 ] || {
      echo "usage: scripts/postgres.sh $1 DIR" >&2
      exit 2
    }
    "$1" "$2"
    ;;
  run)
    shift
    [ $# -gt 0 ] || {
      echo "usage: scripts/postgres.sh run CMD..." >&2
      exit 2
    }
    run "$@"
    ;;
  *)
    echo "usage: scripts/postgres.sh start|stop|remove DIR, or scripts/postgres.sh run CMD..." >&2
    exit 2
    ;;
esac
