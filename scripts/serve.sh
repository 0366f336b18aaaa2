#!/usr/bin/env bash
# Installs whatever is missing (scripts/setup.sh), then serves the playground at
# http://127.0.0.1:8080 with `trunk serve` (rebuilds and reloads on changes).
# Extra arguments go to `trunk serve` (for example `--release`).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$KUBEPLAY_ROOT"
echo "serve: http://127.0.0.1:8080 (Ctrl-C to stop)"
exec trunk --skip-version-check serve --address 127.0.0.1 --port 8080 "$@"
