/**
 * The case list: for every fuzzed function, `runs` calls drawn with fast-check from a fixed seed,
 * one in five valid (so a wrong value is caught too) and the rest made bad by one or two
 * mutations.
 */
import fc from 'fast-check';
import type { Case } from './describe.js';
import { mutateCall } from './mutate.js';
import type { OpSpec } from './ops.js';

/** Percentages of valid calls and of calls with two mutations (the rest have one). */
const VALID = 20;
const TWICE = 15;

export function generateCases(specs: readonly OpSpec[], seed: number, runs: number): Case[] {
  const cases: Case[] = [];
  for (const spec of specs) {
    const receiver = spec.lib === 'method';
    const keys = spec.keys ?? [];
    const arb = fc.tuple(spec.gen, fc.integer({ min: 0, max: 99 })).chain(([args, r]) => {
      if (r < VALID) return fc.constant({ args, how: 'valid' });
      const once = mutateCall(args, keys, receiver);
      if (r < 100 - TWICE) return once;
      return once.chain((m) =>
        mutateCall(m.args, keys, receiver).map((m2) => ({
          args: m2.args,
          how: `${m.how}; ${m2.how}`,
        })),
      );
    });
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
