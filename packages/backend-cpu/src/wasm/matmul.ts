import type { KernelTensor, TypedArray } from '@stride/core';
import { jobWords } from './jobs.js';
import type { WasmRuntime } from './runtime.js';

type T = KernelTensor<TypedArray>;

/** Below this many multiply-adds a job is one unit: waking a thread would cost more. */
const MIN_PARALLEL_MACS = 1 << 16;
/**
 * Below this many multiply-adds, one unit per thread rather than two. Every unit packs the whole
 * operand it shares with the others (A for blocks of columns), and on layers of LeNet-5's size
 * that repeated packing, and three units on two threads, cost more than the balance a second
 * unit buys: measured alternately on 2 threads, 64×120·120×84 took 18.5 µs instead of 37–40, and
 * 64×400·400×120 78–88 µs instead of 82–106, while 256³ and 512³ did not change.
 */
const SMALL_MACS = 1 << 24;
const MR = 4;
const NR = 8;

/**
 * Batched float32 matmul per the contract on the WebAssembly GEMM, its units blocks of rows or
 * columns of each batch item; null when the call does not fit in the kernels' memory.
 */
export function matmul(
  rt: WasmRuntime,
  a: T,
  b: T,
  transposeA: boolean,
  transposeB: boolean,
): Float32Array | null {
  const [ba, a1, a2] = a.shape as [number, number, number];
  const [bb, b1, b2] = b.shape as [number, number, number];
  const batch = ba === 1 ? bb : ba;
  const m = transposeA ? a2 : a1;
  const k = transposeA ? a1 : a2;
  const n = transposeB ? b1 : b2;
  if (batch * m * n === 0) return new Float32Array(batch * m * n);
  rt.begin();
  const ap = rt.put(a.storage as Float32Array);
  const bp = rt.put(b.storage as Float32Array);
  const cp = rt.output(batch * m * n);
  const work = rt.alloc(rt.gemmWorkBytes * rt.threads);
  if (ap < 0 || bp < 0 || cp < 0 || work < 0) return null;
  // A shared right operand with row-major left operands: the batch is just more rows.
  const fold = bb === 1 && ba === batch && !transposeA && batch > 1;
  const rows = fold ? batch * m : m;
  const items = fold ? 1 : batch;
  const [mParts, nParts] = split(rt, items, rows, n, k);
  rt.run(
    jobWords('matmul', {
      units: items * mParts * nParts,
      batch: items,
      m: rows,
      n,
      k,
      a: ap,
      aRs: transposeA ? 1 : k,
      aCs: transposeA ? m : 1,
      aBatch: ba === 1 ? 0 : m * k,
      b: bp,
      bRs: transposeB ? 1 : n,
      bCs: transposeB ? k : 1,
      bBatch: bb === 1 ? 0 : k * n,
      c: cp,
      ldc: n,
      cBatch: m * n,
      mParts,
      nParts,
      work,
      workBytes: rt.gemmWorkBytes,
    }),
  );
  return rt.take(cp, batch * m * n);
}

/**
 * Row and column blocks per batch item, so that every thread has about two units (one for small
 * products).
 */
function split(rt: WasmRuntime, batch: number, m: number, n: number, k: number): [number, number] {
  const threads = rt.threads;
  const macs = batch * m * n * k;
  if (threads === 1 || batch >= 2 * threads || macs < MIN_PARALLEL_MACS) return [1, 1];
  const parts = Math.ceil(((macs < SMALL_MACS ? 1 : 2) * threads) / batch);
  if (n >= m) return [1, Math.max(1, Math.min(parts, Math.ceil(n / (4 * NR))))];
  return [Math.max(1, Math.min(parts, Math.ceil(m / (4 * MR)))), 1];
}
