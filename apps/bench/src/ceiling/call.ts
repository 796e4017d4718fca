/**
 * The ceiling as a benchmark row: each call runs the kernel on every thread at once, timed like
 * any other row (src/measure.ts), so the ceiling and the GEMM rows are medians taken alike, in
 * the same process, one after the other.
 */
import { setFlagsFromString } from 'node:v8';
import type { Prepared } from '../measure.js';
import type { Workload } from '../workloads.js';
import { flopsPerCall, supported } from './kernel.js';
import { startCeilingPool } from './threads.js';

export async function ceilingCall(
  w: Workload & { kind: 'fma-ceiling' },
  threads: number,
): Promise<Prepared> {
  // Node 20 compiles relaxed SIMD behind a flag; the ceiling is measured whatever the backend uses.
  if (w.variant === 'relaxed' && !supported('relaxed')) {
    setFlagsFromString('--experimental-wasm-relaxed-simd');
  }
  if (!supported(w.variant)) {
    throw new Error(
      `${w.variant === 'relaxed' ? 'relaxed SIMD' : 'SIMD128'} is not supported by this engine`,
    );
  }
  const pool = await startCeilingPool(w.variant, threads);
  let last: Float32Array[] = [];
  return {
    step: async () => {
      last = await pool.run(w.iterations);
    },
    sync: async () => undefined,
    // Every chain converges to c / (1 − m) = 2, whatever the count: the check compares these.
    outputs: async () => {
      const all = new Float32Array(last.reduce((n, a) => n + a.length, 0));
      let at = 0;
      for (const a of last) {
        all.set(a, at);
        at += a.length;
      }
      return { acc: all };
    },
    extra: () => ({
      flops: threads * flopsPerCall(w.iterations, pool.chains),
      threads,
      chains: pool.chains,
    }),
    dispose: () => pool.close(),
  };
}
