/**
 * The longer run: fresh cases for FUZZ_SEED (default: a random seed, printed) with FUZZ_RUNS
 * calls per function (default 200), PyTorch's outcomes recorded live (/usr/bin/python3 with
 * torch; without it only the invariants are checked), then the suite on both backends:
 *
 *     FUZZ_RUNS=500 FUZZ_SEED=7 pnpm --filter @stride/fuzz fuzz
 *
 * The cases go to test-results/fuzz-cases-<seed>.json (FUZZ_FIXTURE=<that file> replays them
 * again), the failures to test-results/fuzz-<backend>.json (`pnpm --filter @stride/fuzz report`).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { makeFixture } from '../src/fixture.js';

const seed = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const runs = Number(process.env.FUZZ_RUNS ?? 200);
const dir = fileURLToPath(new URL('../test-results/', import.meta.url));
mkdirSync(dir, { recursive: true });
const path = `${dir}fuzz-cases-${seed}.json`;
const fixture = makeFixture(seed, runs);
writeFileSync(path, JSON.stringify(fixture));
console.log(
  `${fixture.cases.length} cases (seed ${seed}, ${runs} per function, PyTorch ${fixture.torch}) → ${path}`,
);
const run = spawnSync('pnpm', ['exec', 'vitest', 'run', ...process.argv.slice(2)], {
  cwd: fileURLToPath(new URL('..', import.meta.url)),
  env: { ...process.env, FUZZ_FIXTURE: path },
  stdio: 'inherit',
});
process.exit(run.status ?? 1);
