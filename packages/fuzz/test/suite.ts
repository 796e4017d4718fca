/**
 * The fuzz suite of one backend: one test per fuzzed function, replaying its cases from the
 * fixture (or from FUZZ_FIXTURE, the file `pnpm --filter @stride/fuzz fuzz` writes) and failing
 * with every failing call, grouped by kind. The failures are also written to
 * test-results/fuzz-<backend>.json for scripts/report.ts.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { getBackend } from '@stride/core';
import { afterAll, describe, expect, it } from 'vitest';
import { type Case, dtypesOf, type TorchOutcome } from '../src/describe.js';
import { readFixture } from '../src/fixture.js';
import { type Failure, runCase } from '../src/replay.js';
import { SPEC_BY_OP } from '../src/specs.js';

const RESULTS = fileURLToPath(new URL('../test-results/', import.meta.url));

/** Shown per function in a failing test's message; the JSON file has them all. */
const SHOWN = 25;

export function fuzzSuite(
  backend: string,
  setup: () => Promise<unknown>,
  /** Replay every n-th case of each function (1: all; a spec may ask for fewer, webgpuEvery). */
  every = 1,
): void {
  const fixture = readFixture(process.env.FUZZ_FIXTURE || undefined);
  const byOp = new Map<string, (Case & { torch: TorchOutcome })[]>();
  for (const c of fixture.cases) {
    const list = byOp.get(c.op) ?? [];
    list.push(c);
    byOp.set(c.op, list);
  }
  const all: Record<string, { cases: number; failures: Failure[] }> = {};

  describe(`fuzz on ${backend} (seed ${fixture.seed}, ${fixture.runsPerOp} calls per function, PyTorch ${fixture.torch})`, () => {
    afterAll(() => {
      mkdirSync(RESULTS, { recursive: true });
      writeFileSync(
        `${RESULTS}fuzz-${backend}.json`,
        JSON.stringify({ backend, seed: fixture.seed, ops: all }, null, 1),
      );
    });

    for (const [op, cases] of byOp) {
      it(op, async () => {
        await setup();
        const spec = SPEC_BY_OP.get(op);
        if (!spec) throw new Error(`the fixture has cases for ${op}, which has no spec`);
        const failures: Failure[] = [];
        // Cases whose tensors this backend cannot hold (float64 on WebGPU) are left out.
        const dtypes: readonly string[] = getBackend().dtypes;
        const share = every === 1 ? 1 : Math.max(every, spec.webgpuEvery ?? every);
        const picked = cases.filter(
          (c, i) => i % share === 0 && [...dtypesOf(c.args)].every((d) => dtypes.includes(d)),
        );
        for (const c of picked) failures.push(...(await runCase(spec, c, c.torch)));
        all[op] = { cases: picked.length, failures };
        expect(failures.length, summary(op, picked.length, failures)).toBe(0);
      });
    }
  });
}

function summary(op: string, cases: number, failures: Failure[]): string {
  const lines = [`${op}: ${failures.length} failures in ${cases} calls`];
  const kinds = new Map<string, Failure[]>();
  for (const f of failures) kinds.set(f.kind, [...(kinds.get(f.kind) ?? []), f]);
  for (const [kind, list] of kinds) {
    lines.push(`  ${kind} (${list.length}):`);
    for (const f of list.slice(0, SHOWN)) {
      lines.push(`    ${f.call}\n      Stride: ${f.stride}\n      PyTorch: ${f.torch}`);
    }
    if (list.length > SHOWN) lines.push(`    … ${list.length - SHOWN} more`);
  }
  return lines.join('\n');
}
