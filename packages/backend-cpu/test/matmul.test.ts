import { cpu } from '@stride/backend-cpu';
import type { DType } from '@stride/core';
import { describe, expect, it } from 'vitest';
import { gemm } from '../src/gemm.js';
import type { KT } from './helpers.js';
import { expectClose, expectExact, randomTensor, seeded, tensor } from './helpers.js';

const b = cpu();

/** Reference: plain triple loop in double over the logical (untransposed) operands. */
function naiveMatmul(a: KT, c: KT, ta: boolean, tb: boolean, wrap = false): number[] {
  const [ba, a1, a2] = a.shape;
  const [bb, b1, b2] = c.shape;
  const batch = ba === 1 ? bb : ba;
  const m = ta ? a2 : a1;
  const k = ta ? a1 : a2;
  const n = tb ? b1 : b2;
  const A = (bi: number, i: number, p: number) =>
    a.storage[(ba === 1 ? 0 : bi) * m * k + (ta ? p * m + i : i * k + p)];
  const B = (bi: number, p: number, j: number) =>
    c.storage[(bb === 1 ? 0 : bi) * k * n + (tb ? j * k + p : p * n + j)];
  const out: number[] = [];
  for (let bi = 0; bi < batch; bi++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) {
          s = wrap ? (s + Math.imul(A(bi, i, p), B(bi, p, j))) | 0 : s + A(bi, i, p) * B(bi, p, j);
        }
        out.push(s);
      }
    }
  }
  return out;
}

function operands(
  batchA: number,
  batchB: number,
  m: number,
  k: number,
  n: number,
  ta: boolean,
  tb: boolean,
  dtype: DType,
  seed: number,
): [KT, KT] {
  const a = randomTensor(ta ? [batchA, k, m] : [batchA, m, k], dtype, seed);
  const c = randomTensor(tb ? [batchB, n, k] : [batchB, k, n], dtype, seed + 1);
  return [a, c];
}

describe('matmul', () => {
  const sizes: [number, number, number][] = [
    [1, 1, 1],
    [3, 5, 7],
    [2, 4, 4],
    [17, 33, 9],
    [1, 40, 13],
    [70, 300, 530],
  ];
  for (const [m, k, n] of sizes) {
    for (const ta of [false, true]) {
      for (const tb of [false, true]) {
        it(`float64 ${m}x${k} * ${k}x${n} transposeA=${ta} transposeB=${tb}`, () => {
          const [a, c] = operands(1, 1, m, k, n, ta, tb, 'float64', m + k + n);
          const out = b.matmul(a, c, ta, tb);
          expect(out).toBeInstanceOf(Float64Array);
          expectClose(out, naiveMatmul(a, c, ta, tb), 1e-12, 1e-12);
        });
      }
    }
  }

  for (const [ba, bb] of [
    [3, 3],
    [3, 1],
    [1, 3],
  ]) {
    for (const ta of [false, true]) {
      it(`broadcasts batches ${ba} and ${bb} (transposeA=${ta})`, () => {
        const [a, c] = operands(ba, bb, 5, 6, 7, ta, !ta, 'float32', 40 + ba);
        const out = b.matmul(a, c, ta, !ta);
        expect(out.length).toBe(3 * 5 * 7);
        expectClose(out, naiveMatmul(a, c, ta, !ta), 1e-6, 1e-6);
      });
    }
  }

  it('TypeScript kernels round float32 results once from a double accumulation', () => {
    const [a, c] = operands(1, 1, 9, 700, 11, false, false, 'float32', 7);
    const out = cpu({ kernels: 'js' }).matmul(a, c, false, false);
    expect(out).toBeInstanceOf(Float32Array);
    const ref = naiveMatmul(a, c, false, false);
    // Every output is the correctly rounded double sum, up to reassociation in double.
    expectClose(out, ref.map(Math.fround), 1.2e-7, 1e-9);
  });

  it('wraps int32 products and sums', () => {
    const a = tensor([65536, 2, 3, -4], [1, 2, 2], 'int32');
    const c = tensor([65536, 1, 7, 2147483647], [1, 2, 2], 'int32');
    const out = b.matmul(a, c, false, false);
    expect(out).toBeInstanceOf(Int32Array);
    expectExact(out, naiveMatmul(a, c, false, false, true));
    expectExact(out, [
      14,
      (65536 + 2 * 2147483647) | 0,
      (65536 * 3 + -28) | 0,
      (3 - 4 * 2147483647) | 0,
    ]);
    const [x, y] = operands(2, 2, 6, 5, 4, true, true, 'int32', 9);
    expectExact(b.matmul(x, y, true, true), naiveMatmul(x, y, true, true, true));
  });

  it('handles empty dimensions', () => {
    const zk = b.matmul(tensor([], [1, 2, 0]), tensor([], [1, 0, 3]), false, false);
    expectExact(zk, [0, 0, 0, 0, 0, 0]);
    expect(b.matmul(tensor([], [1, 0, 4]), randomTensor([1, 4, 3]), false, false).length).toBe(0);
    expect(b.matmul(tensor([], [0, 2, 4]), randomTensor([1, 4, 3]), false, false).length).toBe(0);
  });
});

describe('gemm', () => {
  it('accumulates C += A * B over arbitrary strides and offsets', () => {
    const rnd = seeded(99);
    const m = 13;
    const n = 9;
    const k = 300;
    // A stored column-major inside a larger buffer at an offset; B row-major with padding.
    const aOff = 5;
    const a = Float32Array.from({ length: aOff + m * k }, () => rnd());
    const bOff = 3;
    const ldb = n + 2;
    const bb = Float64Array.from({ length: bOff + k * ldb }, () => rnd());
    const ldc = n + 4;
    const cOff = 7;
    const c = Float64Array.from({ length: cOff + m * ldc }, () => rnd());
    const expected = Float64Array.from(c);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += a[aOff + i + p * m] * bb[bOff + p * ldb + j];
        expected[cOff + i * ldc + j] += s;
      }
    }
    gemm(m, n, k, a, aOff, 1, m, bb, bOff, ldb, 1, c, cOff, ldc);
    expectClose(c, expected, 1e-12, 1e-12);
  });
});
