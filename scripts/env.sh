# Sourced by the other scripts: where tools and builds live, and the PATH that finds them.
# shellcheck shell=bash

# Tools installed from npm (binaryen's wasm-opt) live outside the clone, like the build
# cache, so that fresh clones on one machine share them.
export FREEBUSY_TOOLS="${FREEBUSY_TOOLS:-$HOME/.cache/freebusy/tools}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/freebusy/target}"
# The npm tools come first: trunk must find binaryen 132's wasm-opt before any older one
# (Debian's wasm-opt 108 exports the wrong table and breaks the bundle at start-up).
export PATH="$FREEBUSY_TOOLS/node_modules/.bin:${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
# Python tools (scripts/python-tools.txt) live in a virtualenv named by a hash of that
# list, so a clone with other pins never rebuilds (or breaks) another clone's venv.
FREEBUSY_VENV="${FREEBUSY_VENV:-$FREEBUSY_TOOLS/venv-$(grep -Ev '^[[:space:]]*(#|$)' "$(dirname "${BASH_SOURCE[0]}")/python-tools.txt" | sha256sum | cut -c1-12)}"
export FREEBUSY_VENV
