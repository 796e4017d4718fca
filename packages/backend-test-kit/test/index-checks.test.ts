/**
 * Index values on a backend that cannot read synchronously: such a backend must check them with
 * `checkIndices` (or be refused at registration), and the kit's error cases then pass when the
 * first read after the call throws. Shown with the CPU backend dressed as such a device: no
 * `readSync`, and a `checkIndices` that keeps the failure until the next `read`.
 */
import { cpu } from '@stride/backend-cpu';
import {
  type Backend,
  crossEntropy,
  registerBackend,
  StrideError,
  setBackend,
  sizeOf,
  type TypedArray,
  tensor,
  tidy,
} from '@stride/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKEND_CHECKS } from '../src/backend-checks.js';
import { ERROR_CASES, errorOf } from '../src/index.js';

const base = cpu({ threads: 1 });
afterAll(() => base.destroy());

/** The CPU backend as a device would be: index checks reported at the next read. */
function deviceLike(name: string): Backend<TypedArray> {
  const { readSync, ...rest } = base;
  let failure: Error | null = null;
  return {
    ...rest,
    name,
    checkIndices: (index, low, high, report) => {
      const size = sizeOf(index.shape);
      for (const v of (readSync as NonNullable<typeof readSync>)(index.storage, 'int32', size)) {
        if (v < low || v >= high) {
          failure ??= report(v);
          return;
        }
      }
    },
    read: async (storage, dtype, size) => {
      const reported = failure;
      failure = null;
      if (reported) throw reported;
      return base.read(storage, dtype, size);
    },
  };
}

describe('registration', () => {
  it('refuses a backend that has neither readSync nor checkIndices', () => {
    const { readSync: _, ...blind } = base;
    expect(() => registerBackend({ ...blind, name: 'blind' })).toThrow(StrideError);
    expect(() => registerBackend({ ...blind, name: 'blind' })).toThrow(
      "registerBackend: backend 'blind' has neither readSync nor checkIndices, so core cannot " +
        'check the index values of gather, scatterAdd, oneHot and the class losses (implement ' +
        'checkIndices; see backend.ts of @stride/core)',
    );
    registerBackend(deviceLike('device-like'));
  });
});

describe('a backend that reports index values at the next read', () => {
  beforeAll(async () => {
    registerBackend(deviceLike('device'));
    await setBackend('device');
  });

  const indexCases = ERROR_CASES.filter((c) => / holds -?\d+, out of range/.test(c.message.source));

  it('covers the index cases of the error table', () => {
    expect(indexCases.map((c) => `${c.fn}: ${c.name}`).sort()).toEqual([
      'crossEntropy: class index out of range',
      'crossEntropy: class index out of range, with class weights',
      'crossEntropy: class index out of range, with ignoreIndex',
      'gather: gather index out of range',
      'gather: negative gather index',
      'nllLoss: class index out of range, with class weights',
      'nllLoss: negative class index that is not ignoreIndex',
      'oneHot: class index out of range',
      'scatterAdd: scatter index out of range',
    ]);
  });

  for (const c of indexCases) {
    it(`${c.fn}: ${c.name}: the call returns, the read of its result throws`, async () => {
      // The call returns; its check waits for a read, here of an unrelated tensor.
      const out = tidy(c.run) as { dispose(): void };
      const other = tensor([0]);
      await expect(other.data()).rejects.toThrow(c.message);
      expect(Array.from(await other.data())).toEqual([0]);
      out.dispose();
      other.dispose();
      const error = await errorOf(c);
      expect(error).toBeInstanceOf(StrideError);
      expect((error as StrideError).fn).toBe(c.fn);
      expect((error as StrideError).message).toMatch(c.message);
      expect((error as StrideError).message).toMatch(
        /; found on the 'device' device and reported at the first read after the call$/,
      );
    });
  }

  it('an ignored target is not reported', async () => {
    const logits = tensor(new Float32Array(6), { shape: [2, 3] });
    const loss = crossEntropy(logits, tensor(Int32Array.of(-100, 1)));
    expect(await loss.item()).toBeCloseTo(Math.log(3), 6);
    logits.dispose();
    loss.dispose();
  });

  it("passes the kit's direct check of checkIndices", async () => {
    const check = BACKEND_CHECKS.find((c) => c.name.startsWith('index values are checked'));
    if (!check) throw new Error('the kit has no check of index values');
    // The check throws, naming what went wrong, when the backend's checkIndices misbehaves.
    await expect(check.run(deviceLike('direct'))).resolves.toBeUndefined();
  });
});
