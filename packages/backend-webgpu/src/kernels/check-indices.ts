/**
 * `checkIndices`: whether any value of an int32 index lies outside [low, high), found on the GPU
 * and reported at the next read (see index-checks.ts for the flag words and the reporting).
 *
 * Two launches: one invocation per value marks the first position out of range in the check's
 * slot (`atomicMax` of n - p; only values out of range touch the flags), then a single
 * invocation copies the value at that position into the slot, so the report names a value
 * without the index storage having to outlive the call.
 *
 * A storage's values never change (kernels make new storages), so a storage already checked
 * against the same range is not checked again while that check is pending (it reports at the
 * same read) or once it has passed: class labels checked by a loss every step are checked once.
 * A check that failed (or whose read failed) is forgotten, so the next one runs and reports.
 */
import type { KernelTensor } from '@stride/core';
import { sizeOf } from '@stride/core';
import type { GpuContext } from '../context.js';
import type { GpuStorage } from '../storage.js';
import { bindings, main, uniforms } from '../wgsl.js';

/** Words: count, the first and last values in range (i32), the slot's first flag word. */
const MARK = `
${uniforms(4)}
${bindings({ index: 'i32' }, { flags: 'atomic<u32>' })}
${main(`if (i >= word(0u)) { return; }
  let v = index[i];
  if (v < iword(1u) || v > iword(2u)) { atomicMax(&flags[word(3u)], word(0u) - i); }`)}
`;

/** Words: count, the slot's first flag word. */
const PICK = `
${uniforms(2)}
${bindings({ index: 'i32' }, { flags: 'atomic<u32>' })}
${main(
  `if (i != 0u) { return; }
  let at = word(1u);
  let mark = atomicLoad(&flags[at]);
  if (mark != 0u) { atomicStore(&flags[at + 1u], bitcast<u32>(index[word(0u) - mark])); }`,
  1,
)}
`;

/** The ranges each storage was checked against and did not fail (pending or passed). */
const checked = new WeakMap<GpuStorage, Set<string>>();

const I32_MIN = -(2 ** 31);
const I32_MAX = 2 ** 31 - 1;

/** `x` clamped to the int32 range (no int32 value lies beyond a bound outside it). */
function toI32(x: number): number {
  return Math.min(Math.max(x, I32_MIN), I32_MAX);
}

export function checkIndices(
  ctx: GpuContext,
  index: KernelTensor<GpuStorage>,
  low: number,
  high: number,
  report: (value: number) => Error,
): void {
  const n = sizeOf(index.shape);
  if (n === 0) return;
  const range = `${low}:${high}`;
  let known = checked.get(index.storage);
  if (known?.has(range)) return;
  if (!known) {
    known = new Set();
    checked.set(index.storage, known);
  }
  const ranges = known;
  ranges.add(range);
  const slot = ctx.indexChecks.add(report, (passed) => {
    if (!passed) ranges.delete(range);
  });
  // A range that holds no int32 value has every value out of it: first > last says so.
  const empty = high <= low || low > I32_MAX || high - 1 < I32_MIN;
  const [first, last] = empty ? [I32_MAX, I32_MIN] : [toI32(low), toI32(high - 1)];
  ctx.run({
    name: 'checkIndices',
    code: MARK,
    inputs: [index.storage],
    outputs: [slot],
    uniforms: [n, first, last, slot.word],
    // The slot differs from check to check.
    cacheUniforms: false,
    threads: n,
  });
  ctx.run({
    name: 'checkIndices',
    code: PICK,
    inputs: [index.storage],
    outputs: [slot],
    uniforms: [n, slot.word],
    cacheUniforms: false,
    threads: 1,
    workgroupSize: 1,
  });
}
