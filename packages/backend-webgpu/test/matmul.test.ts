/**
 * `matmul` against the CPU backend on random inputs: sizes that cross the tile edges (128, 64,
 * 32, 16 and the 16-deep K steps), K = 1, vec4 and scalar operands, every transpose, broadcast
 * batches, split-K, int32 wrap-around and empty products, with both GEMM modes (tiled, as on a
 * GPU, and direct, as on a CPU adapter).
 *
 * Each transpose and tile compiles its own shader, and so does each choice of vec4 or scalar
 * loads for A, B and the output (an operand is read as vec4 when its contiguous axis is a
 * multiple of 4). On SwiftShader (WebGPU in CI) compiling takes far longer than running a
 * product, so the sizes reach every tile (8, 16, 32, 64 and 128 rows) with each transpose, and
 * all-vec4 and all-scalar operands with each transpose, and otherwise reuse those shaders.
 *
 * Tolerance: the CPU sums in float64 and rounds once, the GPU sums in float32 (in tile order), so
 * each element may differ by the float32 accumulation bound γ_K·Σ_k |a_ik·b_kj| with
 * γ_K ≈ K·2⁻²⁴ (plus one rounding of the result). `expectGemmClose` checks exactly that bound,
 * computed per element from |A|·|B|.
 */
import { cpu } from '@stride/backend-cpu';
import type { KernelTensor, TypedArray } from '@stride/core';
import { beforeAll, describe, it } from 'vitest';
import type { GpuStorage, WebGpuBackend } from '../src/index.js';
import { setGemmMode } from '../src/kernels/gemm-wgsl.js';
import { expectClose } from './compare.js';
import { expectGemmClose, randoms } from './gemm-check.js';
import { makeBackend } from './helpers.js';

const ref = cpu();
let gpu: WebGpuBackend;

beforeAll(async () => {
  gpu = await makeBackend();
});

function cpuT(data: TypedArray, shape: number[]): KernelTensor<TypedArray> {
  const dtype = data instanceof Int32Array ? 'int32' : 'float32';
  return { storage: data, shape, dtype };
}

function gpuT(data: TypedArray, shape: number[]): KernelTensor<GpuStorage> {
  const dtype = data instanceof Int32Array ? 'int32' : 'float32';
  return { storage: gpu.upload(data, dtype), shape, dtype };
}

function abs(x: Float32Array): Float32Array {
  return x.map(Math.abs);
}

interface Case {
  ba: number;
  bb: number;
  m: number;
  k: number;
  n: number;
  ta?: boolean;
  tb?: boolean;
}

async function check({ ba, bb, m, k, n, ta = false, tb = false }: Case): Promise<void> {
  const aShape = ta ? [ba, k, m] : [ba, m, k];
  const bShape = tb ? [bb, n, k] : [bb, k, n];
  const x = randoms(ba * m * k, 1 + m * 7 + k * 13 + n);
  const y = randoms(bb * k * n, 2 + m + k * 5 + n * 11);
  const expected = ref.matmul(cpuT(x, aShape), cpuT(y, bShape), ta, tb);
  const bound = ref.matmul(cpuT(abs(x), aShape), cpuT(abs(y), bShape), ta, tb);
  const a = gpuT(x, aShape);
  const b = gpuT(y, bShape);
  const out = gpu.matmul(a, b, ta, tb);
  const actual = await gpu.read(out, 'float32', expected.length);
  for (const s of [a.storage, b.storage, out]) gpu.free(s);
  const what = `[${aShape}]${ta ? 'ᵀ' : ''} · [${bShape}]${tb ? 'ᵀ' : ''}`;
  expectGemmClose(what, actual, expected, bound, k);
}

describe.each(['tiled', 'direct'] as const)('matmul float32, %s GEMM', (mode) => {
  beforeAll(() => setGemmMode(gpu.context, mode));

  // [m, k, n], the tile it picks, and whether A, B and the output are read as vec4.
  const sizes: [number, number, number][] = [
    [1, 1, 1], // 32, scalar
    [5, 1, 7],
    [1, 301, 1], // long K
    [16, 16, 64], // 16, vec4
    [17, 15, 63], // 32, scalar
    [64, 64, 64], // 64, vec4
    [65, 33, 67], // 64, scalar: partial tiles on every axis
    [31, 17, 33],
    [130, 70, 129],
    [65, 1, 67], // K = 1
    [42, 13, 9],
    [6, 25, 200], // 8; B and the output vec4 where N is contiguous
  ];
  for (const [m, k, n] of sizes) {
    // In the direct mode a tile only shapes the workgroup; the 16-row one is left to the others.
    if (mode === 'direct' && m === 16) continue;
    for (const ta of [false, true]) {
      for (const tb of [false, true]) {
        it(`${m}×${k}·${k}×${n} ta=${ta} tb=${tb}`, () => check({ ba: 1, bb: 1, m, k, n, ta, tb }));
      }
    }
  }

  it('batches, and a batch of 1 broadcast on either side', async () => {
    await check({ ba: 3, bb: 3, m: 9, k: 8, n: 12 });
    await check({ ba: 3, bb: 3, m: 9, k: 7, n: 13, ta: true, tb: true });
    await check({ ba: 1, bb: 4, m: 20, k: 12, n: 36 });
    await check({ ba: 4, bb: 1, m: 20, k: 12, n: 36 });
    await check({ ba: 4, bb: 1, m: 20, k: 12, n: 36, ta: true });
    await check({ ba: 4, bb: 1, m: 5, k: 3, n: 7, tb: true });
    await check({ ba: 1, bb: 5, m: 33, k: 9, n: 5, ta: true, tb: true });
    // Enough 128×64 tiles to pick them: 64 batches of 129 × 64.
    await check({ ba: 64, bb: 64, m: 129, k: 8, n: 64 });
    await check({ ba: 64, bb: 64, m: 129, k: 7, n: 64, ta: true, tb: true });
  });

  it('split-K: long K under few output tiles', async () => {
    await check({ ba: 1, bb: 1, m: 4, k: 1000, n: 8 });
    await check({ ba: 1, bb: 1, m: 9, k: 777, n: 7, ta: true });
    await check({ ba: 2, bb: 2, m: 16, k: 2048, n: 20, tb: true });
    await check({ ba: 1, bb: 1, m: 1, k: 4096, n: 1 });
  });

  it('empty products: M, N or the batch 0 give no elements, K = 0 gives zeros', async () => {
    const zero = (shape: number[]) =>
      gpuT(new Float32Array(shape.reduce((p, d) => p * d, 1)), shape);
    for (const [aShape, bShape, size] of [
      [[1, 0, 3], [1, 3, 4], 0],
      [[1, 2, 3], [1, 3, 0], 0],
      [[0, 2, 3], [1, 3, 4], 0],
      [[2, 2, 0], [1, 0, 5], 20],
    ] as const) {
      const out = gpu.matmul(zero([...aShape]), zero([...bShape]), false, false);
      const got = await gpu.read(out, 'float32', size);
      expectClose('empty', got, new Float32Array(size));
    }
  });
});

describe('matmul int32', () => {
  it('wraps like C, with transposes and broadcasting', async () => {
    for (const [ba, bb, m, k, n, ta, tb] of [
      [1, 1, 5, 7, 3, false, false],
      [2, 1, 4, 6, 9, true, false],
      [1, 3, 8, 2, 5, false, true],
      [2, 2, 3, 5, 4, true, true],
    ] as const) {
      const aShape = ta ? [ba, k, m] : [ba, m, k];
      const bShape = tb ? [bb, n, k] : [bb, k, n];
      const x = Int32Array.from(randoms(ba * m * k, m + 3), (v) => Math.round(v * 2 ** 30));
      const y = Int32Array.from(randoms(bb * k * n, n + 5), (v) => Math.round(v * 1000));
      const expected = ref.matmul(cpuT(x, aShape), cpuT(y, bShape), ta, tb);
      const out = gpu.matmul(gpuT(x, aShape), gpuT(y, bShape), ta, tb);
      expectClose('int32', await gpu.read(out, 'int32', expected.length), expected);
    }
  });
});
