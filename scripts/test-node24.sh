#!/usr/bin/env bash
# The library packages' test suites on Node 24, fetched once from the npm registry (the package
# `node-<platform>-<arch>` ships the official binary; the bench fetches it the same way) into
# apps/bench/node_modules/.cache/node/. The report goes to test-results/results-node24.json, which
# .ci/run counts with the main one. The demo, the docs site and the browser projects run on the
# main pass only: they test the page and the packaging, not the runtime, and the suite must stay
# within its time budget.
set -euo pipefail
cd "$(dirname "$0")/.."

NODE24_VERSION=24.22.3
PROJECTS=(
  @stride/core
  @stride/backend-cpu
  @stride/backend-test-kit
  @stride/layers
  @stride/optimizers
  @stride/datasets
  @stride/equivariant
  @stride/onnx
)

if ! node24="$(pnpm --filter @stride/bench --silent fetch-node "$NODE24_VERSION")"; then
  echo "test-node24: could not fetch Node $NODE24_VERSION from the npm registry" >&2
  exit 1
fi
echo "Node $("$node24" --version): ${PROJECTS[*]}"

args=()
for p in "${PROJECTS[@]}"; do args+=(--project "$p"); done
rm -f test-results/results-node24.json
# Node 24 first on PATH, so that what the tests start (tsx, worker scripts, pnpm) runs on it too.
PATH="$(dirname "$node24"):$PATH" "$node24" node_modules/vitest/vitest.mjs run "${args[@]}" \
  --outputFile.json=test-results/results-node24.json
