#!/usr/bin/env bash
# Turns a fresh machine into one that builds and tests everything: the wasm32 target,
# trunk, wasm-bindgen-cli at the lockfile's version, wasm-opt (binaryen), Chromium with
# its driver, Firefox with geckodriver, the Cronofy Node SDK (a real client of the
# Cronofy-style API), the Python test tools (one pinned virtualenv: the iCalendar
# oracle, the API fuzzer), and PostgreSQL's server binaries (for the throwaway clusters
# of scripts/postgres.sh).
# Idempotent: it installs only what is missing or at the wrong version, and says what it
# does. Everything comes from crates.io, npm, PyPI or Debian's packages: nothing here
# downloads a prebuilt binary from anywhere else (these machines can't).
#
# Usage: scripts/setup.sh          (called by scripts/test.sh and scripts/demo.sh)
set -euo pipefail

readonly TRUNK_VERSION=0.21.14
# binaryen from npm, not Debian: Debian's wasm-opt 108 exports wasm-bindgen's externref
# table as the function table, and the optimised bundle throws at start-up.
readonly BINARYEN_VERSION=132.0.0
readonly PLAYWRIGHT_VERSION=1.65.1
# esbuild packages the widget (scripts/package-widget.mjs, trunk's post_build hook) and
# bundles the npm package in the page tests; axe-core audits the widget's states.
readonly ESBUILD_VERSION=0.28.2
readonly AXE_VERSION=4.14.1
readonly CRONOFY_SDK_VERSION=3.8.4
cd "$(dirname "$0")/.."
source scripts/env.sh

say() { printf 'setup: %s\n' "$*"; }

# apt-get as root, or through sudo when there is one.
apt_get() {
  if [ "$(id -u)" -eq 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo DEBIAN_FRONTEND=noninteractive apt-get "$@"
  else
    say "need root (or sudo) to run: apt-get $*" >&2
    return 1
  fi
}

# The version the lockfile resolved for a crate (first match), or nothing.
locked_version() {
  awk -v name="$1" '
    $0 == "name = \"" name "\"" { found = 1; next }
    found && /^version = / { gsub(/"/, "", $3); print $3; exit }
  ' Cargo.lock
}

# Installs a crate's binary unless `$bin --version` already reports `$want`.
cargo_install() {
  local bin=$1 crate=$2 want=$3
  shift 3
  local have=""
  if command -v "$bin" >/dev/null 2>&1; then
    have=$("$bin" --version 2>/dev/null | head -n 1 | awk '{print $2}' || true)
  fi
  if [ "$have" = "$want" ]; then
    say "$bin $want present"
    return
  fi
  say "installing $crate $want from crates.io (have: ${have:-none}; takes minutes)"
  cargo install "$crate" --version "=$want" "$@"
}

# 1. Rust: the wasm target and the lint/format components.
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
else
  say "wasm32-unknown-unknown target present"
fi
for component in rustfmt clippy; do
  if ! rustup component list --installed | grep -q "^$component"; then
    say "adding rustup component $component"
    rustup component add "$component"
  fi
done

# 2. Debian packages: browsers, the Chromium driver, Node.js for binaryen, python3 and curl.
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
command -v firefox-esr >/dev/null 2>&1 || missing+=(firefox-esr)
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
# The release smoke test and the demo serve pages with Python and probe them with curl.
command -v python3 >/dev/null 2>&1 || missing+=(python3)
command -v curl >/dev/null 2>&1 || missing+=(curl)
# Chromium and its driver must be the same version: a lone upgrade of one breaks tests.
if [ ${#missing[@]} -eq 0 ]; then
  chromium_v=$(chromium --version 2>/dev/null | awk '{print $2}')
  driver_v=$(chromedriver --version 2>/dev/null | awk '{print $2}')
  if [ "$chromium_v" != "$driver_v" ]; then
    say "chromium $chromium_v and chromedriver $driver_v differ: reinstalling both"
    missing+=(chromium chromium-driver)
  fi
fi
if [ ${#missing[@]} -gt 0 ]; then
  say "installing Debian packages: ${missing[*]}"
  apt_get update -q
  apt_get install -y -q "${missing[@]}"
else
  say "chromium, chromedriver, firefox-esr, node, python3, curl present"
fi

# 2b. PostgreSQL from Debian: the server binaries and btree_gist (its exclusion
#     constraints), for scripts/postgres.sh's throwaway clusters. No system cluster:
#     postgresql-common is told not to create (and start) one on install.
install_postgres() {
  if ls /usr/lib/postgresql/*/bin/initdb > /dev/null 2>&1 &&
    ls /usr/share/postgresql/*/extension/btree_gist.control > /dev/null 2>&1; then
    say "PostgreSQL server present ($(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1))"
  else
    say "installing PostgreSQL from Debian (postgresql, postgresql-contrib; no cluster is created)"
    local conf=/etc/postgresql-common/createcluster.d/freebusy.conf
    if [ "$(id -u)" -eq 0 ]; then
      mkdir -p "$(dirname "$conf")" && echo "create_main_cluster = false" > "$conf"
    else
      sudo mkdir -p "$(dirname "$conf")" && echo "create_main_cluster = false" | sudo tee "$conf" > /dev/null
    fi
    apt_get update -q
    apt_get install -y -q postgresql postgresql-contrib
  fi
  # As root, clusters run as this unprivileged user (the package creates it).
  if [ "$(id -u)" -eq 0 ] && ! id -u postgres > /dev/null 2>&1; then
    say "creating the system user postgres"
    useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
  fi
}
install_postgres

# 3. wasm-opt: binaryen's own build on npm (wasm-opt as a Node program).
have_binaryen=$(wasm-opt --version 2>/dev/null | awk '{print $3}' || true)
if [ "$have_binaryen" = "${BINARYEN_VERSION%%.*}" ] &&
  [ "$(command -v wasm-opt)" = "$FREEBUSY_TOOLS/node_modules/.bin/wasm-opt" ]; then
  say "wasm-opt $have_binaryen present"
else
  say "installing binaryen $BINARYEN_VERSION (wasm-opt) from npm into $FREEBUSY_TOOLS"
  mkdir -p "$FREEBUSY_TOOLS"
  npm install --prefix "$FREEBUSY_TOOLS" --no-audit --no-fund --silent "binaryen@$BINARYEN_VERSION"
fi

# npm_tool NAME VERSION WHY: the npm package NAME at exactly VERSION in $FREEBUSY_TOOLS.
npm_tool() {
  local name=$1 want=$2 why=$3 have
  have=$(node -p "require('$FREEBUSY_TOOLS/node_modules/$name/package.json').version" 2>/dev/null || true)
  if [ "$have" = "$want" ]; then
    say "$name $have present"
    return
  fi
  say "installing $name $want ($why) from npm into $FREEBUSY_TOOLS"
  mkdir -p "$FREEBUSY_TOOLS"
  npm install --prefix "$FREEBUSY_TOOLS" --no-audit --no-fund --silent "$name@$want"
}

# 3b. Playwright's library (not its browser download) drives Debian's Chromium in the
#     end-to-end tests.
npm_tool playwright-core "$PLAYWRIGHT_VERSION" "end-to-end tests"
# 3c. esbuild packages the widget and bundles the npm package in the page tests (its
#     platform binary is an npm package too); axe-core audits the widget's states.
npm_tool esbuild "$ESBUILD_VERSION" "the widget's packaging"
npm_tool axe-core "$AXE_VERSION" "accessibility audit"
# 3d. Cronofy's own Node SDK: server/tests/cronofy_sdk.rs reads pages with it.
npm_tool cronofy "$CRONOFY_SDK_VERSION" "Cronofy's Node SDK"

# 3e. Python tools in one virtualenv outside the clone, $FREEBUSY_VENV (scripts/env.sh
#     names it by a hash of the list): exactly the pins of scripts/python-tools.txt
#     (dependencies included, installed with --no-deps; the iCalendar oracle, the API
#     fuzzer, the CalDAV servers), rebuilt only when missing or when what it holds
#     differs from the list. Add a tool to the list, not another venv.
python_tools() {
  local list=$1 venv="$FREEBUSY_VENV"
  local wanted have
  wanted=$(grep -Ev '^\s*(#|$)' "$list" | tr 'A-Z_' 'a-z-' | sort)
  have=$("$venv/bin/python3" -m pip freeze --disable-pip-version-check 2>/dev/null | tr 'A-Z_' 'a-z-' | sort || true)
  if [ "$have" = "$wanted" ]; then
    say "python tools present ($venv)"
    return
  fi
  if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
    say "installing Debian package python3-venv"
    apt_get update -q
    apt_get install -y -q python3-venv
  fi
  say "installing python tools ($list) from PyPI into $venv"
  rm -rf "$venv"
  mkdir -p "$FREEBUSY_TOOLS"
  python3 -m venv "$venv"
  "$venv/bin/python3" -m pip install --quiet --disable-pip-version-check --no-deps -r "$list"
}
python_tools scripts/python-tools.txt

# 4. Cargo.lock must exist to know which wasm-bindgen CLI to install.
if [ ! -f Cargo.lock ]; then
  say "resolving Cargo.lock"
  cargo generate-lockfile
fi
wasm_bindgen_version=$(locked_version wasm-bindgen)
if [ -z "$wasm_bindgen_version" ]; then
  say "Cargo.lock names no wasm-bindgen version" >&2
  exit 1
fi

# 5. Tools from crates.io. wasm-bindgen-cli is installed WITHOUT --locked: its own
#    lockfile wants a crate version this registry mirror lacks.
cargo_install trunk trunk "$TRUNK_VERSION" --locked
cargo_install wasm-bindgen wasm-bindgen-cli "$wasm_bindgen_version"
if command -v geckodriver >/dev/null 2>&1; then
  say "geckodriver present ($(geckodriver --version | head -n 1))"
else
  say "installing geckodriver from crates.io (takes minutes)"
  cargo install geckodriver --locked
fi

# 6. trunk builds offline (Trunk.toml), so every crate must be in the local cache first.
say "fetching crates (cargo fetch)"
cargo fetch --quiet

say "ready"
