/**
 * `matmul`: batched matrix product per the contract (`a` [Ba, M, K] or [Ba, K, M] transposed,
 * `b` [Bb, K, N] or [Bb, N, K], a batch of 1 broadcast). float32 runs on the tiled GEMM of
 * gemm-wgsl.ts: transposes only change which axis of an operand is contiguous (and so which
 * orientation its loader has), an operand whose contiguous axis is a multiple of 4 is read with
 * vec4 loads, and the batch is the GEMM's `z`, or extra rows of A when B is shared. int32 (rare:
 * no training path multiplies integers) uses a plain kernel that wraps like C.
 */
import type { KernelTensor } from '@stride/core';
import type { GpuContext } from '../context.js';
import type { GpuStorage } from '../storage.js';
import { bindings, main, uniforms } from '../wgsl.js';
import { gemmBindings, gemmCode, gemmMode, kw, pickTile, rowVecFn, runGemm } from './gemm-wgsl.js';

type T = KernelTensor<GpuStorage>;

export function matmul(
  ctx: GpuContext,
  a: T,
  b: T,
  transposeA: boolean,
  transposeB: boolean,
): GpuStorage {
  const [ba, a1, a2] = a.shape;
  const [bb, b1, b2] = b.shape;
  // A batch of 1 broadcasts, also against a batch of 0.
  const batch = ba === 1 ? bb : ba;
  const m = transposeA ? a2 : a1;
  const k = transposeA ? a1 : a2;
  const n = transposeB ? b1 : b2;
  const out = ctx.alloc(a.dtype, batch * m * n);
  if (batch * m * n === 0) return out;
  if (a.dtype === 'int32') {
    matmulInt(ctx, a, b, out, transposeA, transposeB, batch, m, k, n);
    return out;
  }
  // One shared B and row-major A's: the batch is just more rows of one product, which fills
  // tiles better than a small M per batch item.
  const fold = bb === 1 && ba === batch && !transposeA;
  const rows = fold ? batch * m : m;
  const z = fold ? 1 : batch;
  const vecA = (transposeA ? m : k) % 4 === 0;
  const vecB = (transposeB ? k : n) % 4 === 0;
  const vecOut = n % 4 === 0;
  const tile = pickTile(rows, n, z);
  // Rows and columns of each operand as stored: A is [M, K] or [K, M], B is [K, N] or [N, K].
  const [aRows, aCols] = transposeA ? ['dimK()', 'dimM()'] : ['dimM()', 'dimK()'];
  const [bRows, bCols] = transposeB ? ['dimN()', 'dimK()'] : ['dimK()', 'dimN()'];
  const key = `matmul:${transposeA}:${transposeB}:${vecA}:${vecB}:${vecOut}`;
  const code = gemmCode(
    key,
    {
      tile,
      aAxis: transposeA ? 'm' : 'k',
      bAxis: transposeB ? 'k' : 'n',
      vecOut,
      words: 2,
      decls: `
${gemmBindings({ a: vecA, b: vecB }, vecOut)}
${rowVecFn('rowA', 'a', aRows, aCols, vecA)}
${rowVecFn('rowB', 'b', bRows, bCols, vecB)}
fn loadA(z: u32, m: u32, k: u32) -> vec4<f32> {
  return ${transposeA ? `rowA(z * ${kw(0)}, k, m)` : `rowA(z * ${kw(0)}, m, k)`};
}
fn loadB(z: u32, k: u32, n: u32) -> vec4<f32> {
  return ${transposeB ? `rowB(z * ${kw(1)}, n, k)` : `rowB(z * ${kw(1)}, k, n)`};
}
fn outRow(z: u32, m: u32) -> u32 { return (z * dimM() + m) * dimN(); }
fn outCol(z: u32, n: u32) -> u32 { return n; }
`,
    },
    gemmMode(ctx),
  );
  runGemm(ctx, {
    name: 'matmul',
    code,
    tile,
    inputs: [a.storage, b.storage],
    out,
    outSize: batch * m * n,
    m: rows,
    n,
    k,
    z,
    // Elements between batch items of A and B: 0 for a broadcast batch of 1 (and when folded).
    words: [fold || ba === 1 ? 0 : m * k, bb === 1 ? 0 : k * n],
    splitK: true,
  });
  return out;
}

/** One invocation per output; A(i, p) = a[i·aRs + p·aCs], B(p, j) = b[p·bRs + j·bCs]. */
const INT_CODE = `
${uniforms(10)}
${bindings({ a: 'i32', b: 'i32' }, { c: 'i32' })}
${main(`if (i >= word(0u)) { return; }
  let m = word(1u);
  let n = word(2u);
  let col = i % n;
  let t = i / n;
  let row = t % m;
  let z = t / m;
  var ai = z * word(4u) + row * word(6u);
  var bi = z * word(5u) + col * word(9u);
  var s = 0i;
  for (var p = 0u; p < word(3u); p++) {
    s += a[ai] * b[bi];
    ai += word(7u);
    bi += word(8u);
  }
  c[i] = s;`)}
`;

function matmulInt(
  ctx: GpuContext,
  a: T,
  b: T,
  out: GpuStorage,
  transposeA: boolean,
  transposeB: boolean,
  batch: number,
  m: number,
  k: number,
  n: number,
): void {
  const size = batch * m * n;
  ctx.run({
    name: 'matmul',
    code: INT_CODE,
    inputs: [a.storage, b.storage],
    outputs: [out],
    uniforms: [
      size,
      m,
      n,
      k,
      a.shape[0] === 1 ? 0 : m * k,
      b.shape[0] === 1 ? 0 : k * n,
      transposeA ? 1 : k,
      transposeA ? m : 1,
      transposeB ? 1 : n,
      transposeB ? k : 1,
    ],
    threads: size,
  });
}
