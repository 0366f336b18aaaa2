#!/usr/bin/env bash
# Prints the path of a Chromium for the browser tests ($KUBEPLAY_CHROMIUM, else chromium,
# chromium-browser or google-chrome on PATH), or fails with how to install one.
set -euo pipefail
if [ -n "${KUBEPLAY_CHROMIUM:-}" ]; then
    [ -x "$KUBEPLAY_CHROMIUM" ] || { echo "KUBEPLAY_CHROMIUM=$KUBEPLAY_CHROMIUM is not an executable" >&2; exit 1; }
    echo "$KUBEPLAY_CHROMIUM"
    exit 0
fi
for name in chromium chromium-browser google-chrome; do
    if command -v "$name" >/dev/null 2>&1; then
        command -v "$name"
        exit 0
    fi
done
cat >&2 <<'MSG'
Chromium not found (looked for chromium, chromium-browser and google-chrome on PATH).
The browser tests need it. On Debian or Ubuntu install it with:
    sudo apt-get install -y chromium chromium-driver
or point KUBEPLAY_CHROMIUM at a Chromium or Chrome binary.
MSG
exit 1
