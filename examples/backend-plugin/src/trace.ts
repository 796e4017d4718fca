/**
 * `trace`: a minimal third-party Stride backend. It is the CPU backend with two kernels of its
 * own, written in plain TypeScript: a naive float32 matmul and a float32 unary (relu, neg, abs
 * and square; every other op goes to the CPU backend). It counts the calls of its own kernels,
 * so a test can show that they, not the CPU's, ran.
 *
 * Composing with a spread, `{ ...cpu(), name: 'trace', matmul, unary }`, is the supported way to
 * ship a partial backend: the CPU backend's members close over their state instead of using
 * `this`, so they keep working when copied onto another object, and its `storageStats` and
 * `free` keep counting the storages its kernels make.
 */
import { type CpuOptions, cpu } from '@stride/backend-cpu';
import type { Backend, KernelTensor, TypedArray, UnaryOp } from '@stride/core';

/** How many times each of trace's own kernels ran. */
export interface TraceCalls {
  matmul: number;
  unary: number;
}

export interface TraceBackend extends Backend<TypedArray> {
  readonly calls: TraceCalls;
}

const OWN_UNARY: Partial<Record<UnaryOp, (v: number) => number>> = {
  relu: (v) => Math.max(v, 0),
  neg: (v) => -v,
  abs: Math.abs,
  square: (v) => v * v,
};

/** The trace backend over a CPU backend made with `options` (see `CpuOptions`). */
export function trace(options: CpuOptions = {}): TraceBackend {
  const base = cpu(options);
  const calls: TraceCalls = { matmul: 0, unary: 0 };

  /**
   * The contract's batched matmul (see `Backend.matmul` in @stride/core): `a` is [Ba, M, K]
   * ([Ba, K, M] when transposeA), `b` is [Bb, K, N] ([Bb, N, K] when transposeB), a batch of 1
   * is broadcast. Accumulates in double and rounds once, like the CPU backend.
   */
  function matmul(
    a: KernelTensor<TypedArray>,
    b: KernelTensor<TypedArray>,
    transposeA: boolean,
    transposeB: boolean,
  ): TypedArray {
    if (a.dtype !== 'float32') return base.matmul(a, b, transposeA, transposeB);
    calls.matmul++;
    const [ba, a1, a2] = a.shape as [number, number, number];
    const [bb, b1, b2] = b.shape as [number, number, number];
    const [m, k] = transposeA ? [a2, a1] : [a1, a2];
    const n = transposeB ? b1 : b2;
    const batch = Math.max(ba, bb);
    const out = new Float32Array(batch * m * n);
    for (let p = 0; p < batch; p++) {
      const ao = (ba === 1 ? 0 : p) * a1 * a2;
      const bo = (bb === 1 ? 0 : p) * b1 * b2;
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          let sum = 0;
          for (let q = 0; q < k; q++) {
            const av = a.storage[ao + (transposeA ? q * a2 + i : i * a2 + q)] as number;
            const bv = b.storage[bo + (transposeB ? j * b2 + q : q * b2 + j)] as number;
            sum += av * bv;
          }
          out[(p * m + i) * n + j] = sum;
        }
      }
    }
    // Handing the result over through the CPU backend's upload makes it one of its storages, so
    // its storageStats counts it until core frees it.
    return base.upload(out, 'float32');
  }

  function unary(op: UnaryOp, x: KernelTensor<TypedArray>): TypedArray {
    const f = OWN_UNARY[op];
    if (!f || x.dtype !== 'float32') return base.unary(op, x);
    calls.unary++;
    const out = Float32Array.from(x.storage, f);
    return base.upload(out, 'float32');
  }

  return { ...base, name: 'trace', matmul, unary, calls };
}
