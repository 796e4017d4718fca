import type { KernelTensor, TypedArray } from '@stride/core';
import type { Gemm } from './gemm.js';
import { gemm as defaultGemm, gemmInt } from './gemm.js';

type T = KernelTensor<TypedArray>;

/**
 * Batched matrix product per the contract: `a` is [Ba, M, K] ([Ba, K, M] when `transposeA`),
 * `b` is [Bb, K, N] ([Bb, N, K] when `transposeB`), a batch of 1 broadcasts; output [B, M, N].
 */
export function matmul(
  a: T,
  b: T,
  transposeA: boolean,
  transposeB: boolean,
  gemm: Gemm = defaultGemm,
): TypedArray {
  const [ba, a1, a2] = a.shape;
  const [bb, b1, b2] = b.shape;
  // A batch of 1 broadcasts, also against a batch of 0.
  const batch = ba === 1 ? bb : ba;
  const m = transposeA ? a2 : a1;
  const k = transposeA ? a1 : a2;
  const n = transposeB ? b1 : b2;
  const aRs = transposeA ? 1 : k;
  const aCs = transposeA ? m : 1;
  const bRs = transposeB ? 1 : n;
  const bCs = transposeB ? k : 1;
  const aStep = ba === 1 ? 0 : m * k;
  const bStep = bb === 1 ? 0 : k * n;
  const mn = m * n;
  const x = a.storage;
  const y = b.storage;

  if (a.dtype === 'int32') {
    const out = new Int32Array(batch * mn);
    for (let i = 0; i < batch; i++) {
      gemmInt(m, n, k, x, i * aStep, aRs, aCs, y, i * bStep, bRs, bCs, out, i * mn, n);
    }
    return out;
  }

  const out = a.dtype === 'float64' ? new Float64Array(batch * mn) : new Float32Array(batch * mn);
  if (out.length === 0) return out;
  // float64 accumulates straight into the output; float32 goes through a double scratch.
  const acc = out instanceof Float64Array ? out : new Float64Array(out.length);
  if (bb === 1 && ba === batch && !transposeA) {
    // One shared right operand and row-major left operands: the batch is just more rows.
    gemm(batch * m, n, k, x, 0, aRs, aCs, y, 0, bRs, bCs, acc, 0, n);
  } else {
    for (let i = 0; i < batch; i++) {
      gemm(m, n, k, x, i * aStep, aRs, aCs, y, i * bStep, bRs, bCs, acc, i * mn, n);
    }
  }
  if (acc !== out) out.set(acc);
  return out;
}
