/**
 * The case list: for every fuzzed function, `runs` calls drawn with fast-check from a fixed seed,
 * about one in five valid (so a wrong value is caught too) and the rest made bad by one mutation.
 */
import fc from 'fast-check';
import type { Case } from './describe.js';
import { mutateCall } from './mutate.js';
import type { OpSpec } from './ops.js';

/** The share of valid calls among the generated ones. */
const VALID_SHARE = 0.2;

export function generateCases(specs: readonly OpSpec[], seed: number, runs: number): Case[] {
  const cases: Case[] = [];
  for (const spec of specs) {
    const arb = fc
      .tuple(spec.gen, fc.integer({ min: 0, max: 99 }))
      .chain(([args, r]) =>
        r < VALID_SHARE * 100
          ? fc.constant({ args, how: 'valid' })
          : mutateCall(args, spec.keys ?? []),
      );
    // One seed per op (the run's seed and its name), so adding an op leaves the others' cases
    // as they were.
    const drawn = fc.sample(arb, { seed: (seed * 1009 + hash(spec.op)) | 0, numRuns: runs });
    const seen = new Set<string>();
    for (const d of drawn) {
      const key = JSON.stringify(d.args);
      if (seen.has(key)) continue;
      seen.add(key);
      cases.push({ id: cases.length, op: spec.op, args: d.args, how: d.how });
    }
  }
  return cases;
}

function hash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}
