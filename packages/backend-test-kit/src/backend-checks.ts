/**
 * Backend-level sanity checks that the op fixtures do not reach: the shared random streams,
 * storage round trips for every dtype, reads, casts and empty tensors, and the adjoint test of
 * transposed convolution (adjoint-checks.ts). (Mixing two backends in one op needs a second
 * backend; core's own tests cover that.)
 */
import {
  add,
  type Backend,
  cast,
  full,
  manualSeed,
  matmul,
  memory,
  type NestedArray,
  normalAt,
  rand,
  randn,
  sum,
  type Tensor,
  type TypedArray,
  tensor,
  tidy,
  uniformAt,
  zeros,
} from '@stride/core';
import { assert, expect } from 'vitest';
import { ADJOINT_CHECKS } from './adjoint-checks.js';

export interface BackendCheck {
  readonly name: string;
  /** A capability the check needs; without it the check is skipped. */
  readonly needs?: 'float64' | 'readSync';
  readonly run: (backend: Backend) => Promise<void>;
}

/** Makes a tensor (intermediates are disposed), reads it, disposes it. */
async function valuesOf(make: () => Tensor): Promise<TypedArray> {
  const t = tidy(make);
  try {
    return await t.data();
  } finally {
    t.dispose();
  }
}

async function arrayOf(
  make: () => Tensor,
): Promise<{ shape: readonly number[]; dtype: string; value: NestedArray }> {
  const t = tidy(make);
  try {
    return { shape: t.shape, dtype: t.dtype, value: await t.array() };
  } finally {
    t.dispose();
  }
}

function mean(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] as number;
  return s / v.length;
}

function stdDev(v: ArrayLike<number>): number {
  const m = mean(v);
  let s = 0;
  for (let i = 0; i < v.length; i++) s += ((v[i] as number) - m) ** 2;
  return Math.sqrt(s / (v.length - 1));
}

/** Element-wise identity that tells -0 from 0 and accepts NaN = NaN: a storage round trip. */
function expectSameBits(actual: ArrayLike<number>, expected: ArrayLike<number>): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(actual[i], expected[i])) {
      assert.fail(`element ${i}: got ${actual[i]}, expected ${expected[i]}`);
    }
  }
}

const SEED = 20240611;
const SAMPLES = 10_000;

function randomChecks(dtype: 'float32' | 'float64'): BackendCheck[] {
  const needs = dtype === 'float64' ? ('float64' as const) : undefined;
  // float32 storage rounds the shared float64 definition once; uniforms have 24 bits, so exact.
  const round = dtype === 'float32' ? Math.fround : (v: number) => v;
  // A GPU evaluates Box-Muller's log/sqrt/cos in float32: allow a few float32 ulps of them.
  const normalTol = dtype === 'float32' ? 1e-4 : 1e-9;
  return [
    {
      name: `rand ${dtype}: the same seed gives the same numbers, another seed others`,
      needs,
      run: async () => {
        const a = await valuesOf(() => rand([257], { seed: SEED, dtype }));
        const b = await valuesOf(() => rand([257], { seed: SEED, dtype }));
        const c = await valuesOf(() => rand([257], { seed: SEED + 1, dtype }));
        expectSameBits(a, b);
        let same = 0;
        for (let i = 0; i < a.length; i++) if (a[i] === c[i]) same++;
        expect(same).toBeLessThan(5);
      },
    },
    {
      name: `rand ${dtype}: element i is uniformAt(seed, i) of the shared generator`,
      needs,
      run: async () => {
        const v = await valuesOf(() => rand([1000], { seed: SEED, dtype }));
        const want = Array.from({ length: 1000 }, (_, i) => round(uniformAt(SEED, i)));
        expectSameBits(v, want);
      },
    },
    {
      name: `randn ${dtype}: element i is normalAt(seed, i) of the shared generator`,
      needs,
      run: async () => {
        const v = await valuesOf(() => randn([1000], { seed: SEED, dtype }));
        for (let i = 0; i < v.length; i++) {
          const want = normalAt(SEED, i);
          const err = Math.abs((v[i] as number) - want);
          if (!(err <= normalTol * (1 + Math.abs(want)))) {
            assert.fail(`element ${i}: got ${v[i]}, expected ${want}`);
          }
        }
      },
    },
    {
      name: `rand ${dtype}: manualSeed replays the stream, consecutive draws continue it`,
      needs,
      run: async () => {
        manualSeed(77);
        const a = await valuesOf(() => rand([10], { dtype }));
        const b = await valuesOf(() => rand([15], { dtype }));
        manualSeed(77);
        const both = await valuesOf(() => rand([25], { dtype }));
        expectSameBits(both, [...a, ...b]);
      },
    },
    {
      name: `rand ${dtype}: ${SAMPLES} samples lie in [0, 1) with mean 0.5`,
      needs,
      run: async () => {
        const v = await valuesOf(() => rand([SAMPLES], { seed: SEED, dtype }));
        for (let i = 0; i < v.length; i++) {
          const x = v[i] as number;
          if (!(x >= 0 && x < 1)) assert.fail(`element ${i} is ${x}, outside [0, 1)`);
        }
        // The standard error of the mean is 0.29 / 100: 0.01 is over 3 of them.
        expect(Math.abs(mean(v) - 0.5)).toBeLessThan(0.01);
      },
    },
    {
      name: `randn ${dtype}: ${SAMPLES} samples have mean 0 and standard deviation 1`,
      needs,
      run: async () => {
        const v = await valuesOf(() => randn([100, 100], { seed: SEED, dtype }));
        expect(v.length).toBe(SAMPLES);
        // Standard errors: 0.01 for the mean, 0.007 for the standard deviation.
        expect(Math.abs(mean(v))).toBeLessThan(0.04);
        expect(Math.abs(stdDev(v) - 1)).toBeLessThan(0.03);
      },
    },
  ];
}

export const BACKEND_CHECKS: readonly BackendCheck[] = [
  ...randomChecks('float32'),
  ...randomChecks('float64'),
  {
    name: 'float32 round trip keeps every value bit for bit',
    run: async () => {
      const values = Float32Array.from([
        0,
        -0,
        1.5,
        -2.25,
        0.1,
        3.4028234663852886e38,
        -3.4028234663852886e38,
        1.1754943508222875e-38,
        Infinity,
        -Infinity,
        NaN,
        123456.789,
      ]);
      const t = await arrayOf(() => tensor(values));
      expect(t.dtype).toBe('float32');
      expect(t.shape).toEqual([values.length]);
      expectSameBits(await valuesOf(() => tensor(values)), values);
    },
  },
  {
    name: 'float64 round trip keeps every value bit for bit',
    needs: 'float64',
    run: async () => {
      const values = Float64Array.from([
        0.1,
        -0,
        1e300,
        -1e-300,
        Math.PI,
        NaN,
        -Infinity,
        2 ** 53 + 2,
      ]);
      expectSameBits(await valuesOf(() => tensor(values)), values);
      expect((await arrayOf(() => tensor(values))).dtype).toBe('float64');
    },
  },
  {
    name: 'int32 round trip keeps the extremes',
    run: async () => {
      const values = Int32Array.from([-2147483648, -1, 0, 1, 2147483647, 123456789, -987654321]);
      const v = await valuesOf(() => tensor(values));
      expect(v).toBeInstanceOf(Int32Array);
      expectSameBits(v, values);
    },
  },
  {
    name: 'bool round trip: stored as 0/1 bytes, read back as booleans',
    run: async () => {
      const t = await arrayOf(() =>
        tensor([
          [true, false, true],
          [false, false, true],
        ]),
      );
      expect(t.dtype).toBe('bool');
      expect(t.value).toEqual([
        [true, false, true],
        [false, false, true],
      ]);
      const v = await valuesOf(() => tensor([true, false, true]));
      expect(v).toBeInstanceOf(Uint8Array);
      expectSameBits(v, [1, 0, 1]);
    },
  },
  {
    name: 'data() and array() read row-major contents of any rank',
    run: async () => {
      const nested = [
        [
          [1, 2, 3],
          [4, 5, 6],
        ],
        [
          [7, 8, 9],
          [10, 11, 12],
        ],
      ];
      const t = await arrayOf(() => tensor(nested, { dtype: 'float32' }));
      expect(t.shape).toEqual([2, 2, 3]);
      expect(t.value).toEqual(nested);
      expectSameBits(
        await valuesOf(() => tensor(nested, { dtype: 'float32' })),
        Array.from({ length: 12 }, (_, i) => i + 1),
      );
      expect((await arrayOf(() => full([], 2.5))).value).toBe(2.5);
      const s = tensor(7.25);
      try {
        expect(await s.item()).toBe(7.25);
      } finally {
        s.dispose();
      }
    },
  },
  {
    name: 'empty tensors: creation, element-wise ops, reductions and matmul of size 0',
    run: async () => {
      expect((await valuesOf(() => zeros([2, 0]))).length).toBe(0);
      expect((await arrayOf(() => zeros([2, 0]))).value).toEqual([[], []]);
      expect((await valuesOf(() => add(zeros([0, 3]), 1))).length).toBe(0);
      expectSameBits(await valuesOf(() => sum(zeros([0, 3]), 0)), [0, 0, 0]);
      // A product over an empty inner dimension is all zeros.
      expectSameBits(
        await valuesOf(() => matmul(full([2, 0], 1), full([0, 3], 1))),
        [0, 0, 0, 0, 0, 0],
      );
    },
  },
  {
    name: 'cast: float to int32 truncates toward zero, anything to bool is x != 0',
    run: async () => {
      const x = Float32Array.from([-1.7, 1.7, 2.5, -0.5, 0, 3]);
      expectSameBits(await valuesOf(() => cast(tensor(x), 'int32')), [-1, 1, 2, 0, 0, 3]);
      expectSameBits(
        await valuesOf(() => cast(tensor(Float32Array.from([0, -0.5, 2, NaN, -0])), 'bool')),
        [0, 1, 1, 1, 0],
      );
      expectSameBits(
        await valuesOf(() => cast(tensor(Int32Array.from([-3, 0, 7])), 'float32')),
        [-3, 0, 7],
      );
      expectSameBits(await valuesOf(() => cast(tensor([true, false]), 'float32')), [1, 0]);
    },
  },
  {
    name: 'dataSync() and arraySync() agree with data()',
    needs: 'readSync',
    run: async () => {
      const t = tensor([
        [1.5, -2],
        [3, 4.25],
      ]);
      try {
        expectSameBits(t.dataSync(), await t.data());
        expect(t.arraySync()).toEqual(await t.array());
      } finally {
        t.dispose();
      }
    },
  },
  {
    name: 'index values are checked: by a synchronous read, or by checkIndices, whose next read throws the report of the first value out of range, once',
    run: async (backend) => {
      if (!backend.checkIndices) {
        // registerBackend refuses a backend with neither; core then reads the indices itself.
        expect(typeof backend.readSync).toBe('function');
        return;
      }
      const check = backend.checkIndices;
      const values = { a: [0, 2, 5, 7, -1, 9], b: [1, 2], c: [-4, 0] };
      const s = {
        a: backend.upload(Int32Array.from(values.a), 'int32'),
        b: backend.upload(Int32Array.from(values.b), 'int32'),
        c: backend.upload(Int32Array.from(values.c), 'int32'),
      };
      const at = (k: keyof typeof s) => ({
        storage: s[k],
        shape: [values[k].length],
        dtype: 'int32' as const,
      });
      const report = (name: string) => (v: number) => new Error(`${name} holds ${v}`);
      /** The message the read of `b` throws, or null when it returns [1, 2]. */
      const readB = async (size = 2): Promise<string | null> => {
        try {
          const got = await backend.read(s.b, 'int32', size);
          expectSameBits(got, values.b.slice(0, size));
          return null;
        } catch (e) {
          return (e as Error).message;
        }
      };
      try {
        check(at('b'), 0, 3, report('b'));
        check(at('a'), 0, 5, report('a'));
        check(at('c'), -2, 3, report('c'));
        // The earliest failed check, its first value out of range in row-major order.
        expect(await readB()).toBe('a holds 5');
        // Every check before that read is settled: the next read returns.
        expect(await readB()).toBe(null);
        // A read of nothing reports too; the bound below is inclusive, the one above is not.
        check(at('c'), -4, 1, report('c from -4'));
        check(at('a'), -1, 10, report('a to 10'));
        check(at('c'), -3, 1, report('c'));
        expect(await readB(0)).toBe('c holds -4');
        check(at('a'), -1, 9, report('a'));
        expect(await readB()).toBe('a holds 9');
        expect(await readB()).toBe(null);
      } finally {
        for (const storage of Object.values(s)) backend.free(storage);
      }
    },
  },
  {
    name: 'memory() counts a live tensor and its bytes until it is disposed',
    run: async () => {
      const before = memory();
      const t = zeros([4, 5]);
      const during = memory();
      t.dispose();
      expect(during.numTensors - before.numTensors).toBe(1);
      expect(during.numBytes - before.numBytes).toBe(80);
    },
  },
  ...ADJOINT_CHECKS,
];
