/**
 * The short paths of op dispatch: operands of one shape skip broadcasting, operands of one dtype
 * skip casting, and an op whose inputs need no gradient builds no graph. Each must give what the
 * general path gives, and leave nothing behind.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  add,
  type DType,
  div,
  eq,
  gt,
  isGradEnabled,
  maximum,
  memory,
  mul,
  noGrad,
  StrideError,
  sub,
  type Tensor,
  tensor,
  tidy,
  where,
} from '../src/index.js';
import { useCpu } from './setup.js';

beforeAll(useCpu);

/** Deterministic values in [-3, 3) with a few repeats, so comparisons see ties. */
function values(n: number, seed: number): number[] {
  let s = seed;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return Math.round(((s >>> 8) / 16777216) * 24 - 12) / 4;
  });
}

function make(shape: number[], dtype: DType, seed: number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = values(n, seed).map((x) => (dtype === 'bool' ? +(x > 0) : x));
  const typed = {
    float32: Float32Array,
    float64: Float64Array,
    int32: Int32Array,
    bool: Uint8Array,
  }[dtype].from(v.map((x) => (dtype === 'int32' ? Math.trunc(x) : x)));
  return tensor(typed, { shape, dtype });
}

describe('same-shape operands', () => {
  const ops = [add, sub, mul, maximum, eq, gt] as const;
  for (const dtype of ['float32', 'float64', 'int32', 'bool'] as const) {
    it(`${dtype}: equal shapes give what a broadcast of the same numbers gives`, () => {
      tidy(() => {
        const a = make([3, 4], dtype, 1);
        const b = make([3, 4], dtype, 2);
        // Subtracting two bools is refused, as in PyTorch.
        for (const op of dtype === 'bool' ? ops.filter((o) => o !== sub) : ops) {
          const fast = op(a, b);
          // [3, 4] against [1, 3, 4] goes through broadcasting.
          const general = op(a, b.reshape([1, 3, 4]));
          expect(fast.dtype).toBe(general.dtype);
          expect(fast.shape).toEqual([3, 4]);
          expect(general.reshape([3, 4]).arraySync()).toEqual(fast.arraySync());
        }
      });
    });
  }

  it('an output shares no mutable shape with its inputs', () => {
    const a = tensor([
      [1, 2],
      [3, 4],
    ]);
    const y = a.add(a);
    expect(Object.isFrozen(y.shape)).toBe(true);
    expect(y.shape).toEqual([2, 2]);
    expect(() => (y.shape as number[]).push(1)).toThrow();
    const shape = [2, 2];
    const z = tensor(new Float32Array(4), { shape });
    shape[0] = 9;
    expect(z.shape).toEqual([2, 2]);
    for (const t of [a, y, z]) t.dispose();
  });
});

describe('scalars and promotion', () => {
  it('lifts numbers on either side and promotes like PyTorch', () => {
    const i = tensor([1, 2, 3]);
    expect(i.dtype).toBe('int32');
    expect(add(i, 1).dtype).toBe('int32');
    expect(add(1.5, i).arraySync()).toEqual([2.5, 3.5, 4.5]);
    expect(add(1.5, i).dtype).toBe('float32');
    expect(div(i, 2).arraySync()).toEqual([0.5, 1, 1.5]);
    expect(sub(10, i).arraySync()).toEqual([9, 8, 7]);
    const f = tensor(new Float64Array([0.25, -1]));
    expect(mul(f, i.reshape([3, 1])).dtype).toBe('float64');
    expect(where(gt(f, 0), f, 0).arraySync()).toEqual([0.25, 0]);
  });

  it('leaves nothing but the result, with or without gradients', () => {
    const x = tensor([1, -2, 3]);
    const w = tensor([0.5, -0.5, 2], { requiresGrad: true });
    const before = memory();
    // int32 times a float: a lifted scalar and a cast operand, both temporaries.
    const y = mul(x, 2.5);
    expect(memory().numTensors).toBe(before.numTensors + 1);
    const z = noGrad(() => maximum(w, 1));
    expect(memory().numTensors).toBe(before.numTensors + 2);
    const loss = mul(w, x).sum();
    loss.backward();
    expect(w.grad?.arraySync()).toEqual([1, -2, 3]);
    for (const t of [x, w, y, z, loss]) t.dispose();
  });

  it('keeps its error messages', () => {
    const a = tensor([1, 2, 3]);
    expect(() => add(a, tensor([1, 2]))).toThrow(
      new StrideError('add', 'shapes [3] and [2] cannot be broadcast together'),
    );
    expect(() => add(a, 'x' as unknown as number)).toThrow(
      'add: other must be a Tensor or a number, got string x',
    );
    const gone = tensor([1, 2, 3]);
    gone.dispose();
    expect(() => mul(a, gone)).toThrow('mul: other [3] was disposed and can no longer be used');
    expect(() => mul(gone, 2)).toThrow('mul: input [3] was disposed and can no longer be used');
    a.dispose();
  });
});

describe('gradients only where they are needed', () => {
  it('records a graph only for inputs that require gradients, and only with grad enabled', () => {
    const a = tensor([1.5, 2], { requiresGrad: true });
    const b = tensor([3, 4]);
    expect(isGradEnabled()).toBe(true);
    const y = mul(a, b);
    expect(y.requiresGrad).toBe(true);
    expect(y.isLeaf).toBe(false);
    const c = mul(b, b);
    expect(c.requiresGrad).toBe(false);
    expect(c.isLeaf).toBe(true);
    const d = noGrad(() => mul(a, b));
    expect(d.requiresGrad).toBe(false);
    const u = noGrad(() => a.exp());
    expect(u.isLeaf).toBe(true);
    const cast = a.cast('float64');
    expect(cast.requiresGrad).toBe(true);
    expect(noGrad(() => a.cast('float64')).requiresGrad).toBe(false);
    for (const t of [a, b, y, c, d, u, cast]) t.dispose();
  });
});

describe('reshape', () => {
  it('infers one dimension and keeps its messages', () => {
    const x = tensor(new Float32Array(12), { shape: [3, 4] });
    expect(x.reshape([-1, 6]).shape).toEqual([2, 6]);
    expect(x.reshape([2, -1, 3]).shape).toEqual([2, 2, 3]);
    const shape = [4, 3];
    const y = x.reshape(shape);
    shape[0] = 1;
    expect(y.shape).toEqual([4, 3]);
    expect(() => x.reshape([-1, -1])).toThrow(
      new StrideError('reshape', 'only one dimension can be -1, got [-1,-1]'),
    );
    expect(() => x.reshape([2.5, -1])).toThrow('reshape: invalid size 2.5 in shape [2.5,-1]');
    expect(() => x.reshape([5, -1])).toThrow(
      'reshape: shape [5,-1] is invalid for input [3,4] of size 12',
    );
    expect(() => x.reshape([0, -1])).toThrow(
      'reshape: shape [0,-1] is invalid for input [3,4] of size 12',
    );
    expect(() => x.reshape([2, 7])).toThrow(
      'reshape: shape [2,7] is invalid for input [3,4] of size 12',
    );
    for (const t of [x, y]) t.dispose();
  });
});
