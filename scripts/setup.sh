#!/usr/bin/env bash
# Installs whatever building and testing Kubeplay needs and is missing, then sets up
# the environment. Run it directly (`scripts/setup.sh`) to install, or source it from
# another script to also get the environment (PATH, CARGO_TARGET_DIR, NODE_PATH).
#
# Needs: rustup, cargo, node and npm. Installs, only when missing or at another version:
#   - the Rust target wasm32-unknown-unknown
#   - trunk 0.21.14 (the last release that builds with Rust 1.95)
#   - wasm-bindgen-cli at exactly the wasm-bindgen version in Cargo.lock
#   - the npm packages pinned in package-lock.json (binaryen for wasm-opt,
#     playwright-core for the browser tests), into the cache, not the clone
#   - the crates in Cargo.lock (`cargo fetch`), so later builds can run offline
#
# Caches live outside the clone so that a second run on the same machine is fast:
#   KUBEPLAY_CACHE (default ~/.cache/kubeplay)
#     target/   CARGO_TARGET_DIR for every build the scripts run
#     node/     package.json, package-lock.json and node_modules
set -euo pipefail

KUBEPLAY_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
KUBEPLAY_CACHE="${KUBEPLAY_CACHE:-$HOME/.cache/kubeplay}"
TRUNK_VERSION="0.21.14"
CARGO_BIN="${CARGO_HOME:-$HOME/.cargo}/bin"
export KUBEPLAY_ROOT KUBEPLAY_CACHE
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$KUBEPLAY_CACHE/target}"
export PATH="$KUBEPLAY_CACHE/node/node_modules/.bin:$CARGO_BIN:$PATH"
export NODE_PATH="$KUBEPLAY_CACHE/node/node_modules${NODE_PATH:+:$NODE_PATH}"

say() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

for tool in rustup cargo node npm; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is not installed (Kubeplay needs rustup, cargo, Node.js and npm)"
done
mkdir -p "$KUBEPLAY_CACHE"

# 1. The wasm target.
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "installing the Rust target wasm32-unknown-unknown"
    rustup target add wasm32-unknown-unknown
fi

# 2. trunk. Built in cargo's own temporary dir, not in the project's target dir.
if [ "$(trunk --version 2>/dev/null || true)" != "trunk $TRUNK_VERSION" ]; then
    say "installing trunk $TRUNK_VERSION (cargo install, about 10 minutes on 2 cores)"
    env -u CARGO_TARGET_DIR cargo install --locked trunk --version "$TRUNK_VERSION"
fi

# 3. wasm-bindgen-cli, the version Cargo.lock pins for the wasm-bindgen crate.
#    (`--locked` fails on the registry for some versions, so it is not used here.)
WASM_BINDGEN_VERSION="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$KUBEPLAY_ROOT/Cargo.lock")"
[ -n "$WASM_BINDGEN_VERSION" ] || die "could not read the wasm-bindgen version from Cargo.lock"
if [ "$(wasm-bindgen --version 2>/dev/null || true)" != "wasm-bindgen $WASM_BINDGEN_VERSION" ]; then
    say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (cargo install, a few minutes)"
    env -u CARGO_TARGET_DIR cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi

# 4. npm packages, installed into the cache; `npm ci` again only when the lock changed.
NODE_DIR="$KUBEPLAY_CACHE/node"
LOCK_HASH="$(cat "$KUBEPLAY_ROOT/package.json" "$KUBEPLAY_ROOT/package-lock.json" | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$NODE_DIR/.lock-hash" 2>/dev/null || true)" != "$LOCK_HASH" ] || [ ! -d "$NODE_DIR/node_modules" ]; then
    say "installing npm packages from package-lock.json into $NODE_DIR"
    mkdir -p "$NODE_DIR"
    rm -f "$NODE_DIR/.lock-hash"
    cp "$KUBEPLAY_ROOT/package.json" "$KUBEPLAY_ROOT/package-lock.json" "$NODE_DIR/"
    (cd "$NODE_DIR" && npm ci --no-audit --no-fund --loglevel=error)
    echo "$LOCK_HASH" >"$NODE_DIR/.lock-hash"
fi
command -v wasm-opt >/dev/null 2>&1 || die "wasm-opt not found in $NODE_DIR/node_modules/.bin"

# 5. The crates, so that `trunk build --offline` and the tests need no network.
(cd "$KUBEPLAY_ROOT" && cargo fetch --quiet)

say "ready: $(trunk --version), $(wasm-bindgen --version), $(wasm-opt --version | head -n 1), node $(node --version)"
say "CARGO_TARGET_DIR=$CARGO_TARGET_DIR"
