#!/usr/bin/env bash
# Runs the demo: sets the machine up, builds the widget in release mode and serves the
# page on http://127.0.0.1:8080 until Ctrl-C.
#
# Not yet: the backend with demo data on a second port (the server issue) — the page
# shows the widget alone for now.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/env.sh
echo "demo: building the widget (release) and serving it on http://127.0.0.1:8080 — Ctrl-C stops"
exec trunk serve --release --no-autoreload
