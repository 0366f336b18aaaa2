#!/usr/bin/env bash
# The whole test suite: installs whatever is missing (scripts/setup.sh), then
#   1. the native tests of every crate in the workspace (unit, scenario, corpus),
#   2. the release wasm build through trunk (offline),
#   3. the browser tests in headless Chromium against that build.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$KUBEPLAY_ROOT"

# Fail early, before the long builds, when there is no browser.
CHROMIUM="$(scripts/find-chromium.sh)"
export KUBEPLAY_CHROMIUM="$CHROMIUM"

step() { printf '\n== %s\n' "$*"; }

step "native tests: cargo test --workspace"
cargo test --workspace

step "release wasm build: trunk build --release --offline"
trunk --skip-version-check build --release --offline
for f in dist/*.wasm; do
    echo "wasm: $f $(wc -c <"$f") bytes, $(gzip -9 -c "$f" | wc -c) bytes gzipped"
done

step "browser tests: headless $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
node tests/browser/smoke.cjs dist
