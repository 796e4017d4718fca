/**
 * Index values out of range on the GPU: core records a check on the device (`checkIndices`)
 * before every op that uses index values, and the next read throws the `StrideError` of the op
 * the user called, with the first value out of range; then the backend goes on. Compared with
 * the CPU backend, which checks the same values synchronously.
 */
import { cpu } from '@stride/backend-cpu';
import {
  crossEntropy,
  gather,
  nllLoss,
  oneHot,
  registerBackend,
  StrideError,
  scatterAdd,
  setBackend,
  type Tensor,
  tensor,
  tidy,
  zeros,
} from '@stride/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebGpuBackend } from '../src/index.js';
import { SLOTS_PER_BUFFER } from '../src/index-checks.js';
import { makeBackend } from './helpers.js';

let gpu: WebGpuBackend;
const ref = cpu({ threads: 1 });

beforeAll(async () => {
  gpu = await makeBackend();
  registerBackend(gpu);
  registerBackend(ref);
  await setBackend('webgpu');
});
afterAll(() => ref.destroy());

const ints = (values: number[], shape = [values.length], device = 'webgpu') =>
  tensor(Int32Array.from(values), { shape, device });
const floats = (values: number[], shape: number[], device = 'webgpu') =>
  tensor(Float32Array.from(values), { shape, device });
const FOUND = "; found on the 'webgpu' device and reported at the first read after the call";

/** The StrideError the first read of `make()`'s result throws (the call itself must not). */
async function readError(make: () => Tensor): Promise<StrideError> {
  const out = tidy(make);
  try {
    await out.data();
  } catch (e) {
    expect(e).toBeInstanceOf(StrideError);
    return e as StrideError;
  } finally {
    out.dispose();
  }
  throw new Error('the read returned');
}

/** The values of `make()`'s result. */
async function values(make: () => Tensor): Promise<number[]> {
  const out = tidy(make);
  try {
    return Array.from(await out.data());
  } finally {
    out.dispose();
  }
}

describe('an index out of range is reported at the next read, naming the op', () => {
  const logits = (device = 'webgpu') =>
    floats([1, 2, 3, 0, 1, 0, 2, 2, 2, -1, 0, 1], [4, 3], device);

  it('crossEntropy, with a class target too large, negative or far too large', async () => {
    for (const bad of [3, -1, 1000]) {
      const e = await readError(() => crossEntropy(logits(), ints([0, bad, 2, 1])));
      expect(e.fn).toBe('crossEntropy');
      expect(e.message).toBe(
        `crossEntropy: target holds ${bad}, out of range for size 3 (the number of classes; ` +
          `ignoreIndex is -100) (target [4])${FOUND}`,
      );
    }
  });

  it('nllLoss, and with class weights the first value out of range of several', async () => {
    const e = await readError(() => nllLoss(logits(), ints([0, 1, 7, -5])));
    expect(e.message).toBe(
      'nllLoss: target holds 7, out of range for size 3 (the number of classes; ignoreIndex is ' +
        `-100) (target [4])${FOUND}`,
    );
    const w = await readError(() =>
      crossEntropy(logits(), ints([0, -5, 7, 1]), { weight: floats([1, 2, 3], [3]) }),
    );
    expect(w.message).toMatch(/^crossEntropy: target holds -5, out of range for size 3 /);
  });

  it('gather, scatterAdd and oneHot', async () => {
    const x = () => floats([1, 2, 3, 4, 5, 6], [2, 3]);
    const g = await readError(() => gather(x(), 1, ints([0, 3], [2, 1])));
    expect(g.message).toBe(
      `gather: index holds 3, out of range for size 3 of dim 1 (index [2,1])${FOUND}`,
    );
    const s = await readError(() =>
      scatterAdd(x(), 0, ints([1, -2, 0], [1, 3]), floats([1, 1, 1], [1, 3])),
    );
    expect(s.message).toBe(
      `scatterAdd: index holds -2, out of range for size 2 of dim 0 (index [1,3])${FOUND}`,
    );
    const o = await readError(() => oneHot(ints([2, 0, 3]), 3));
    expect(o.message).toBe(
      `oneHot: indices holds 3, out of range for size 3 (numClasses) (indices [3])${FOUND}`,
    );
  });

  it('ignored targets are not reported, with and without class weights: values as on the CPU', async () => {
    const weight = (device = 'webgpu') => floats([0.5, 2, 1], [3], device);
    const cases = [
      (d: string) => crossEntropy(logits(d), ints([0, -100, 2, -100], [4], d)),
      (d: string) => crossEntropy(logits(d), ints([0, 7, 2, 1], [4], d), { ignoreIndex: 7 }),
      (d: string) =>
        crossEntropy(logits(d), ints([2, 1, -3, 0], [4], d), {
          ignoreIndex: -3,
          weight: weight(d),
        }),
      (d: string) =>
        nllLoss(logits(d), ints([5, 1, 0, 5], [4], d), {
          ignoreIndex: 5,
          weight: weight(d),
          reduction: 'none',
        }),
    ];
    for (const make of cases) {
      const want = await values(() => make('cpu'));
      const got = await values(() => make('webgpu'));
      expect(got.length).toBe(want.length);
      for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i] as number, 5);
    }
  });
});

describe('reporting', () => {
  it('names the first value out of range in row-major order, however the GPU ran', async () => {
    const index = Array.from({ length: 5000 }, (_, i) => i % 7);
    index[4321] = 9;
    index[1234] = -8;
    index[3000] = 12;
    const e = await readError(() => oneHot(ints(index), 7));
    expect(e.message).toMatch(/^oneHot: indices holds -8, out of range for size 7 /);
  });

  it('reports the earliest failed check, settles the others, and the backend goes on', async () => {
    const x = floats([1, 2, 3], [3]);
    const first = tidy(() => gather(x, 0, ints([4])));
    const second = tidy(() => oneHot(ints([9]), 3));
    const fine = tidy(() => gather(x, 0, ints([2, 0])));
    // Any read reports: here one of a tensor that has nothing to do with either check.
    await expect(fine.data()).rejects.toThrow(/^gather: index holds 4, out of range for size 3 /);
    expect(Array.from(await second.data())).toEqual([0, 0, 0]);
    expect(Array.from(await fine.data())).toEqual([3, 1]);
    expect(gpu.context.indexChecks.pendingCount).toBe(0);
    for (const t of [x, first, second, fine]) t.dispose();
  });

  it('reports at a read of nothing, and at sync()', async () => {
    const bad = tidy(() => oneHot(ints([5]), 2));
    const empty = zeros([0]);
    await expect(empty.data()).rejects.toThrow(/^oneHot: indices holds 5, /);
    const again = tidy(() => oneHot(ints([-1]), 2));
    await expect(gpu.sync()).rejects.toThrow(/^oneHot: indices holds -1, /);
    await gpu.sync();
    expect(Array.from(await empty.data())).toEqual([]);
    for (const t of [bad, empty, again]) t.dispose();
  });

  it(`keeps more than ${SLOTS_PER_BUFFER} checks between two reads`, async () => {
    const x = floats([1, 2, 3], [3]);
    const outs: Tensor[] = [];
    const before = gpu.storageStats();
    for (let k = 0; k < SLOTS_PER_BUFFER + 40; k++) {
      const index = k === SLOTS_PER_BUFFER + 20 ? [1, 3] : [k % 3];
      outs.push(tidy(() => gather(x, 0, ints(index))));
    }
    expect(gpu.context.indexChecks.pendingCount).toBe(SLOTS_PER_BUFFER + 40);
    // Pending checks hold no storage of their own.
    expect(gpu.storageStats().count - before.count).toBe(outs.length);
    await expect(outs[0]?.data()).rejects.toThrow(/^gather: index holds 3, /);
    expect(Array.from(await (outs[5] as Tensor).data())).toEqual([3]);
    for (const t of [x, ...outs]) t.dispose();
  });
});
