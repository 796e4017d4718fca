/**
 * maxPool asks a backend with `maxPoolValues` for the maxima alone when no indices are kept (no
 * gradient recorded, none returned), and gets the same values; otherwise it calls `maxPool`.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { cpu } from '../../backend-cpu/src/index.js';
import {
  type Backend,
  maxPool2d,
  noGrad,
  randn,
  registerBackend,
  setBackend,
  type TypedArray,
} from '../src/index.js';

const calls = { values: 0, full: 0 };

beforeAll(async () => {
  const base = cpu({ threads: 2 });
  const counting: Backend<TypedArray> = {
    ...base,
    name: 'cpu-pool-counting',
    maxPool: (x, p) => {
      calls.full++;
      return base.maxPool(x, p);
    },
    maxPoolValues: (x, p) => {
      calls.values++;
      return (base.maxPoolValues as NonNullable<typeof base.maxPoolValues>)(x, p);
    },
  };
  registerBackend(counting);
  await setBackend('cpu-pool-counting');
});

describe('maxPool without indices', () => {
  it('takes the maxima alone only when nothing needs the indices, with the same values', () => {
    const x = randn([4, 3, 12, 12]);
    const w = randn([4, 3, 12, 12]);
    w.requiresGrad = true;
    const before = { ...calls };
    const alone = maxPool2d(x, 2);
    const inNoGrad = noGrad(() => maxPool2d(w, 2));
    expect(calls.values - before.values).toBe(2);
    expect(calls.full - before.full).toBe(0);
    const recorded = maxPool2d(w, 2);
    const withIndices = maxPool2d(x, { kernelSize: 2, returnIndices: true });
    expect(calls.full - before.full).toBe(2);
    expect(calls.values - before.values).toBe(2);
    expect(Array.from(alone.dataSync())).toEqual(Array.from(withIndices.values.dataSync()));
    expect(Array.from(inNoGrad.dataSync())).toEqual(Array.from(recorded.dataSync()));
    // The recorded one still routes its gradient.
    recorded.sum().backward();
    expect(Array.from(w.grad?.dataSync() ?? []).filter((v) => v === 1).length).toBe(4 * 3 * 36);
  });
});
