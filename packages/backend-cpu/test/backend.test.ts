import type { Gemm } from '@stride/backend-cpu';
import { cpu, gemm } from '@stride/backend-cpu';
import type { Backend, TypedArray } from '@stride/core';
import { normalAt, uniformAt } from '@stride/core';
import { describe, expect, it } from 'vitest';
import { expectExact, tensor } from './helpers.js';

describe('cpu()', () => {
  const b: Backend<TypedArray> = cpu();

  it('describes itself', () => {
    expect(b.name).toBe('cpu');
    expect([...b.dtypes].sort()).toEqual(['bool', 'float32', 'float64', 'int32']);
    expect(typeof b.readSync).toBe('function');
  });

  it('uploads and reads copies, never aliases', async () => {
    const values = new Float32Array([1, 2, 3]);
    const s = b.upload(values, 'float32');
    values[0] = 99;
    expectExact(s, [1, 2, 3]);
    const r = await b.read(s, 'float32', 3);
    expect(r).toBeInstanceOf(Float32Array);
    r[1] = -1;
    expectExact(b.readSync?.(s, 'float32', 3) ?? [], [1, 2, 3]);
    b.free(s);
  });

  it('converts on upload', () => {
    expectExact(b.upload(new Float64Array([1.7, -1.7]), 'int32'), [1, -1]);
    expectExact(b.upload(new Int32Array([0, 5, -2]), 'bool'), [0, 1, 1]);
    expect(b.upload(new Float64Array([0.1]), 'float32')[0]).toBe(Math.fround(0.1));
  });

  it('fills with the value cast to the dtype', () => {
    expectExact(b.fill(3, 'int32', 2.9), [2, 2, 2]);
    expectExact(b.fill(2, 'bool', 0.5), [1, 1]);
    expectExact(b.fill(2, 'bool', 0), [0, 0]);
    expectExact(b.fill(2, 'float32', 0.1), [Math.fround(0.1), Math.fround(0.1)]);
    expect(b.fill(0, 'float64', 1).length).toBe(0);
  });

  it('random follows the shared counter-based generator', () => {
    const u = b.random(5, 'float32', 'uniform', 42, 100);
    expect(u).toBeInstanceOf(Float32Array);
    expectExact(
      u,
      [100, 101, 102, 103, 104].map((i) => uniformAt(42, i)),
    );
    const n = b.random(4, 'float64', 'normal', 7, 3);
    expectExact(
      n,
      [3, 4, 5, 6].map((i) => normalAt(7, i)),
    );
    const n32 = b.random(4, 'float32', 'normal', 7, 3);
    expectExact(
      n32,
      [3, 4, 5, 6].map((i) => Math.fround(normalAt(7, i))),
    );
    // Offsets continue a stream exactly.
    const whole = b.random(10, 'float64', 'uniform', 1, 0);
    expectExact(b.random(4, 'float64', 'uniform', 1, 6), whole.subarray(6));
  });

  it('routes matmul and the convolutions through an injected gemm', () => {
    let calls = 0;
    const counting: Gemm = (...args) => {
      calls++;
      gemm(...args);
    };
    const c = cpu({ gemm: counting });
    const a = tensor([1, 2, 3, 4], [1, 2, 2]);
    expectExact(c.matmul(a, a, false, false), [7, 10, 15, 22]);
    const p = { stride: [1], padBefore: [0], padAfter: [0], dilation: [1], groups: 1 };
    c.conv(tensor([1, 2, 3], [1, 1, 3]), tensor([1, 1], [1, 1, 2]), p);
    c.convBackwardInput(tensor([1, 1], [1, 1, 2]), tensor([1, 1], [1, 1, 2]), [1, 1, 3], p);
    c.convBackwardFilter(tensor([1, 2, 3], [1, 1, 3]), tensor([1, 1], [1, 1, 2]), [1, 1, 2], p);
    expect(calls).toBe(4);
  });

  it('lets a single kernel be replaced by spreading', () => {
    const replaced: Backend<TypedArray> = { ...cpu(), name: 'cpu-custom' };
    const a = tensor([1, 2], [2]);
    expectExact(replaced.binary('add', a, a, [2]), [2, 4]);
  });
});
