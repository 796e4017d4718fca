import type { PoolParams, TypedArray } from '@stride/core';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { cpu } from '../src/index.js';
import { WasmRuntime } from '../src/wasm/runtime.js';
import type { KT } from './helpers.js';
import { seeded } from './helpers.js';

// Large tensors whose storages live in the kernels' memory take the WebAssembly relu, relu
// gradient and 2×2 max pooling; they must give what the TypeScript kernels give, bit for bit.
const wasm = cpu({ threads: 2, relaxedSimd: false });
const js = cpu({ kernels: 'js' });
afterAll(() => wasm.destroy());

/** Random values with the awkward ones mixed in: ±0, NaN, ±∞, and ties. */
function awkward(n: number, seed: number): Float32Array {
  const rnd = seeded(seed);
  const special = [0, -0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1, 1];
  return Float32Array.from({ length: n }, (_, i) =>
    i % 97 === 0 ? (special[(i / 97) % special.length] as number) : Math.round(rnd() * 8) / 4,
  );
}

function on(b: ReturnType<typeof cpu>, values: Float32Array, shape: number[]): KT {
  return { storage: b.upload(values, 'float32'), shape, dtype: 'float32' };
}

/**
 * Sums of the same floats in double, rounded once but added in different orders: equal, or a
 * float32 ulp apart.
 */
function expectWithinUlp(got: TypedArray, want: TypedArray): void {
  expect(got.length).toBe(want.length);
  for (let c = 0; c < want.length; c++) {
    const ulp = 2 ** (Math.floor(Math.log2(Math.abs(want[c] as number))) - 23);
    expect(Math.abs((got[c] as number) - (want[c] as number))).toBeLessThanOrEqual(ulp);
  }
}

const bits = (a: TypedArray) => Array.from(new Int32Array(a.buffer, a.byteOffset, a.length));

function pool(shape: number[], stride: number): PoolParams {
  const out = [2, 3].map((i) => Math.floor(((shape[i] as number) - 2) / stride) + 1);
  return {
    kernel: [2, 2],
    stride: [stride, stride],
    padding: [0, 0],
    dilation: [1, 1],
    outSize: out,
    countIncludePad: true,
  };
}

describe('WebAssembly maps and pooling', () => {
  const shape = [16, 6, 28, 28];
  const n = 16 * 6 * 28 * 28;

  it('relu matches the TypeScript kernel bit for bit, NaN and signed zeros included', () => {
    const v = awkward(n, 1);
    // Signalling and negative NaNs keep every bit too, in vectors and in the scalar tail.
    const words = new Int32Array(v.buffer);
    for (const at of [5, 6, 7, 8, n - 1]) words[at] = at % 2 ? 0x7f800001 : 0xffc00001 | 0;
    const got = wasm.unary('relu', on(wasm, v, shape));
    expect(got.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(bits(got)).toEqual(bits(js.unary('relu', on(js, v, shape))));
  });

  it('the relu gradient matches the TypeScript kernel bit for bit', () => {
    const x = awkward(n, 2);
    const dy = awkward(n, 3);
    const got = wasm.reluBackward?.(on(wasm, dy, shape), on(wasm, x, shape)) as TypedArray;
    const want = js.reluBackward?.(on(js, dy, shape), on(js, x, shape)) as TypedArray;
    expect(got.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(bits(got)).toEqual(bits(want));
  });

  for (const [name, s, stride] of [
    ['LeNet pool1', [16, 6, 28, 28], 2],
    ['odd size', [8, 5, 23, 21], 2],
    // Five windows a row: one group of four, then the last four again, overlapping it.
    ['LeNet pool2', [64, 16, 10, 10], 2],
    ['rows of three windows, fewer than a group', [64, 8, 6, 6], 2],
    ['overlapping windows (stride 1)', [4, 3, 40, 40], 1],
  ] as const) {
    it(`2×2 max pooling, ${name}: values and indices as the TypeScript kernel`, () => {
      const size = s.reduce((a, b) => a * b, 1);
      const v = awkward(size, 4);
      const p = pool([...s], stride);
      const got = wasm.maxPool(on(wasm, v, [...s]), p);
      const want = js.maxPool(on(js, v, [...s]), p);
      expect(got.indices.buffer).toBeInstanceOf(SharedArrayBuffer);
      expect(Array.from(got.indices)).toEqual(Array.from(want.indices));
      expect(bits(got.values)).toEqual(bits(want.values));
      // The maxima alone (no gradient to route): the same values without the indices.
      const alone = wasm.maxPoolValues?.(on(wasm, v, [...s]), p) as TypedArray;
      expect(alone.buffer).toBeInstanceOf(SharedArrayBuffer);
      expect(bits(alone)).toEqual(bits(want.values));
    });
  }

  /** Full-precision values (so that results round) with ±0, NaN, ±∞ and subnormals mixed in. */
  function rounding(count: number, seed: number): Float32Array {
    const rnd = seeded(seed);
    const special = [0, -0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e-40];
    return Float32Array.from({ length: count }, (_, i) =>
      i % 89 === 0 ? (special[(i / 89) % special.length] as number) : (rnd() * 2 - 1) * 3,
    );
  }
  // A NaN's payload is the engine's choice; every other value must match bit for bit.
  const bitsOrNaN = (a: TypedArray) => {
    const words = bits(a);
    return Array.from(a, (v, i) => (Number.isNaN(v) ? 'NaN' : words[i]));
  };

  for (const [name, aShape, bShape] of [
    ['equal shapes', [64, 400], [64, 400]],
    ['a bias added to a batch', [256, 120], [120]],
    ['a scalar on the right', [200, 100], []],
    ['a scalar on the left', [], [200, 100]],
    ['a column repeated along rows', [300, 1], [300, 70]],
    ['a bias on both sides of a broadcast', [1, 90, 1], [200, 1, 1]],
    // Three axes after merging: the TypeScript walk, with the same results.
    ['a channel bias over planes', [8, 16, 100], [16, 1]],
  ] as const) {
    it(`float32 add, sub, mul and div, ${name}: as the TypeScript kernels, bit for bit`, () => {
      const outShape: number[] = aShape.length >= bShape.length ? [...aShape] : [...bShape];
      for (let i = 0; i < outShape.length; i++) {
        const ai = aShape[aShape.length - outShape.length + i] ?? 1;
        const bi = bShape[bShape.length - outShape.length + i] ?? 1;
        outShape[i] = Math.max(ai, bi);
      }
      const size = (s: readonly number[]) => s.reduce((x, y) => x * y, 1);
      const av = rounding(size(aShape), 5);
      const bv = rounding(size(bShape), 6);
      for (const op of ['add', 'sub', 'mul', 'div'] as const) {
        const got = wasm.binary(op, on(wasm, av, [...aShape]), on(wasm, bv, [...bShape]), outShape);
        const want = js.binary(op, on(js, av, [...aShape]), on(js, bv, [...bShape]), outShape);
        expect(bitsOrNaN(got), op).toEqual(bitsOrNaN(want));
      }
    });
  }

  it('the sum over all but the channels (a bias gradient) matches the TypeScript reduction', () => {
    const s = [16, 6, 28, 28];
    const v = Float32Array.from(awkward(n, 11), (x) => (Number.isFinite(x) ? x : 0.5));
    const got = wasm.reduce('sum', on(wasm, v, s), [0, 2, 3]);
    const want = js.reduce('sum', on(js, v, s), [0, 2, 3]);
    expect(got.buffer).toBeInstanceOf(SharedArrayBuffer);
    expectWithinUlp(got, want);
    // A NaN anywhere in a channel makes its sum NaN.
    v[5 * 784 + 3] = Number.NaN;
    const withNan = wasm.reduce('sum', on(wasm, v, s), [0, 2, 3]);
    expect(Array.from(withNan, Number.isNaN)).toEqual([false, false, false, false, false, true]);
  });

  // LeNet-5's fully connected activations at batch 64 (5,376 and 7,680 floats), and a small
  // pooling and bias gradient: from 1,024 elements a map is one WebAssembly job, which took a
  // quarter of the time of the TypeScript loop on these sizes.
  describe('small tensors take the WebAssembly maps too', () => {
    const jobs = (body: () => void): number => {
      const run = vi.spyOn(WasmRuntime.prototype, 'run');
      try {
        body();
        return run.mock.calls.length;
      } finally {
        run.mockRestore();
      }
    };

    for (const s of [[64, 84], [64, 120], [1024]]) {
      it(`relu and its gradient, [${s}]`, () => {
        const count = s.reduce((a, b) => a * b, 1);
        const x = awkward(count, 12);
        const dy = awkward(count, 13);
        let got: TypedArray | undefined;
        let grad: TypedArray | undefined;
        const ran = jobs(() => {
          got = wasm.unary('relu', on(wasm, x, s));
          grad = wasm.reluBackward?.(on(wasm, dy, s), on(wasm, x, s));
        });
        expect(ran).toBe(2);
        expect(bits(got as TypedArray)).toEqual(bits(js.unary('relu', on(js, x, s))));
        const want = js.reluBackward?.(on(js, dy, s), on(js, x, s)) as TypedArray;
        expect(bits(grad as TypedArray)).toEqual(bits(want));
      });
    }

    it('below 1,024 elements the TypeScript kernels run', () => {
      const x = awkward(1023, 14);
      expect(jobs(() => wasm.unary('relu', on(wasm, x, [1023])))).toBe(0);
    });

    it('a bias added to a batch of 64, [64, 84] + [84]', () => {
      const a = rounding(64 * 84, 15);
      const b = rounding(84, 16);
      for (const op of ['add', 'sub', 'mul', 'div'] as const) {
        let got: TypedArray | undefined;
        const ran = jobs(() => {
          got = wasm.binary(op, on(wasm, a, [64, 84]), on(wasm, b, [84]), [64, 84]);
        });
        expect(ran, op).toBe(1);
        const want = js.binary(op, on(js, a, [64, 84]), on(js, b, [84]), [64, 84]);
        expect(bitsOrNaN(got as TypedArray), op).toEqual(bitsOrNaN(want));
      }
    });

    it('2×2 max pooling of [2, 6, 10, 10]', () => {
      const s = [2, 6, 10, 10];
      const v = awkward(1200, 17);
      const p = pool(s, 2);
      let got: ReturnType<typeof wasm.maxPool> | undefined;
      expect(jobs(() => (got = wasm.maxPool(on(wasm, v, s), p)))).toBe(1);
      const want = js.maxPool(on(js, v, s), p);
      expect(Array.from(got?.indices ?? [])).toEqual(Array.from(want.indices));
      expect(bits(got?.values as TypedArray)).toEqual(bits(want.values));
    });

    it('the bias gradient of [2, 6, 10, 10]', () => {
      const s = [2, 6, 10, 10];
      const v = Float32Array.from(awkward(1200, 18), (x) => (Number.isFinite(x) ? x : 0.5));
      let got: TypedArray | undefined;
      expect(jobs(() => (got = wasm.reduce('sum', on(wasm, v, s), [0, 2, 3])))).toBe(1);
      expectWithinUlp(got as TypedArray, js.reduce('sum', on(js, v, s), [0, 2, 3]));
    });
  });

  it('an Adam step matches the TypeScript kernel bit for bit', () => {
    const m = 48_003;
    const s = [m];
    const h = {
      beta1: 0.9,
      beta2: 0.999,
      stepSize: 0.003 / 0.1,
      biasCorrection2Sqrt: 0.0447,
      eps: 1e-8,
    };
    const sq = Float32Array.from(awkward(m, 10), (x) => x * x);
    const inputs = (b: ReturnType<typeof cpu>) =>
      [awkward(m, 7), awkward(m, 8), awkward(m, 9), sq].map((v) => on(b, v, s)) as [KT, KT, KT, KT];
    const got = wasm.adamStep?.(...inputs(wasm), h);
    const want = js.adamStep?.(...inputs(js), h);
    expect(got?.param.buffer).toBeInstanceOf(SharedArrayBuffer);
    for (const key of ['param', 'expAvg', 'expAvgSq'] as const) {
      expect(bits(got?.[key] as TypedArray)).toEqual(bits(want?.[key] as TypedArray));
    }
  });

  it('the max-pool gradient (disjoint windows) matches the TypeScript kernel bit for bit', () => {
    const p = pool(shape, 2);
    const x = awkward(n, 5);
    const { indices } = wasm.maxPool(on(wasm, x, shape), p);
    const outShape = [16, 6, 14, 14];
    const dy = awkward(16 * 6 * 14 * 14, 6);
    const idx: KT = { storage: indices, shape: outShape, dtype: 'int32' };
    const jsIdx: KT = { storage: Int32Array.from(indices), shape: outShape, dtype: 'int32' };
    const got = wasm.maxPoolBackward(on(wasm, dy, outShape), idx, shape, p);
    const want = js.maxPoolBackward(on(js, dy, outShape), jsIdx, shape, p);
    expect(got.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(bits(got)).toEqual(bits(want));
  });
});
