#!/usr/bin/env bash
# `pnpm test`: the whole suite on this machine's Node, then the library packages' suites again on
# Node 24 (the LTS most people run; Node 20, where the toolchain is pinned, is the oldest Stride
# supports), so that a kernel or worker that breaks on either fails here. With arguments
# (`pnpm test packages/core`) only vitest runs, with them, on this Node.
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/system-deps.sh || exit $?
pnpm --silent wasm || exit $?

if [ "$#" -gt 0 ]; then
  exec vitest run "$@"
fi

vitest run
status=$?
bash scripts/test-node24.sh || status=1
exit "$status"
