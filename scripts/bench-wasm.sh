#!/usr/bin/env bash
# The scheduler benchmark in wasm, run by Node.js: builds crates/bench-wasm with the
# release profile the page uses, generates its JS bindings, and times the phases.
# Usage: scripts/bench-wasm.sh [NODES] [PODS]   (default 5000 150000)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$KUBEPLAY_ROOT"
NODES="${1:-5000}"
PODS="${2:-150000}"
cargo build --release --target wasm32-unknown-unknown -p kubeplay-bench-wasm
OUT="$KUBEPLAY_CACHE/bench-wasm"
wasm-bindgen --target nodejs --out-dir "$OUT" "$CARGO_TARGET_DIR/wasm32-unknown-unknown/release/kubeplay_bench_wasm.wasm"
node - "$OUT" "$NODES" "$PODS" <<'JS'
const [dir, nodes, pods] = process.argv.slice(2);
const { SchedulerBench } = require(`${dir}/kubeplay_bench_wasm.js`);
const { performance } = require('perf_hooks');
let t = performance.now();
const b = new SchedulerBench(Number(nodes));
const tNodes = (performance.now() - t) / 1000;
t = performance.now();
const created = b.create_pods(Number(pods));
const tCreate = (performance.now() - t) / 1000;
t = performance.now();
const bound = b.schedule();
const tSched = (performance.now() - t) / 1000;
console.log(`wasm (Node ${process.version}): nodes: ${nodes} registered in ${tNodes.toFixed(3)} s`);
console.log(`pods: ${created} created in ${tCreate.toFixed(3)} s (${Math.round(created / tCreate)} creates/s)`);
console.log(`scheduling: ${bound} of ${created} pods bound in ${tSched.toFixed(3)} s (${Math.round(bound / tSched)} pods/s)`);
JS
