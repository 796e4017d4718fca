import { describe, expect, it } from 'vitest';
import { cpu } from '../../backend-cpu/src/index.js';
import {
  BACKEND_CONTRACT_VERSION,
  type Backend,
  getBackend,
  initBackend,
  listBackends,
  registerBackend,
  StrideError,
  setBackend,
  tensor,
} from '../src/index.js';
import './setup.js';

describe('backend registry', () => {
  it("'auto' picks the highest-priority backend that starts, else falls back", async () => {
    registerBackend({
      name: 'broken-gpu',
      priority: 10,
      init: () => Promise.reject(new Error('no adapter')),
    });
    registerBackend({
      name: 'fast',
      priority: 5,
      init: async () => Object.create(cpu(), { name: { value: 'fast' } }),
    });
    const chosen = await setBackend('auto');
    expect(chosen.name).toBe('fast');
    expect(tensor([1, 2]).device).toBe('fast');
    await setBackend('cpu');
    expect(getBackend().name).toBe('cpu');
  });

  it('explains unknown and unready backends', async () => {
    await expect(setBackend('tpu')).rejects.toThrow(
      /setBackend: no backend named 'tpu' is registered/,
    );
    await expect(initBackend('broken-gpu')).rejects.toThrow('no adapter');
    expect(() => tensor([1], { device: 'broken-gpu' })).toThrow(StrideError);
    expect(() => tensor([1], { device: 'broken-gpu' })).toThrow(
      /tensor: device 'broken-gpu' is not ready/,
    );
    expect(() => registerBackend({ name: 'auto', init: cpu })).toThrow(/'auto' is reserved/);
  });

  it('reports float64 as unsupported on a backend without it', async () => {
    const f32only = Object.create(cpu(), {
      name: { value: 'f32' },
      dtypes: { value: ['float32', 'int32', 'bool'] },
    });
    registerBackend(f32only);
    expect(() => tensor([1.5], { dtype: 'float64', device: 'f32' })).toThrow(
      /tensor: the 'f32' backend does not support float64 \(it supports float32, int32, bool\)/,
    );
  });
});

describe('the contract check at registration', () => {
  /** A backend as a plain-JavaScript plugin might hand it over: untyped, maybe incomplete. */
  function untyped(changes: Record<string, unknown>, drop: readonly string[] = []): Backend {
    const b: Record<string, unknown> = { ...cpu(), ...changes };
    for (const k of drop) delete b[k];
    return b as unknown as Backend;
  }

  it('names every missing required kernel and the contract version', () => {
    expect(BACKEND_CONTRACT_VERSION).toBe(1);
    const incomplete = untyped({ name: 'trace' }, ['concat', 'gather']);
    expect(() => registerBackend(incomplete)).toThrow(StrideError);
    expect(() => registerBackend(incomplete)).toThrow(
      "registerBackend: backend 'trace' is missing required kernels: concat, gather (contract version 1)",
    );
    // A member that is there but not a function is as missing as an absent one.
    expect(() => registerBackend(untyped({ name: 'trace', storageStats: 3 }))).toThrow(
      /missing required kernels: storageStats \(/,
    );
    expect(listBackends()).not.toContain('trace');
  });

  it('checks the version a backend states against core', () => {
    expect(() => registerBackend(untyped({ name: 'old', contractVersion: 0 }))).toThrow(
      "registerBackend: backend 'old' implements contract version 0, but this @stride/core " +
        'implements contract version 1',
    );
    expect(() => registerBackend(untyped({ name: 'none' }, ['contractVersion']))).toThrow(
      /registerBackend: backend 'none' states no contractVersion, but this @stride\/core implements contract version 1/,
    );
    expect(() => registerBackend(untyped({ name: 'f', adamStep: 'fast' }))).toThrow(
      "registerBackend: backend 'f' has optional kernels that are not functions: adamStep",
    );
    expect(() => registerBackend(untyped({ name: 'half' }, ['crossEntropyBackward']))).toThrow(
      "registerBackend: backend 'half' has crossEntropy without crossEntropyBackward (core calls the two as a pair, or neither)",
    );
    expect(() => registerBackend(untyped({ name: 'new', contractVersion: 2 }))).toThrow(
      "registerBackend: backend 'new' implements contract version 2, newer than this " +
        "@stride/core's 1: upgrade @stride/core to a release that implements it",
    );
    expect(() => registerBackend(untyped({ name: 'str', contractVersion: '1' }))).toThrow(
      `registerBackend: backend 'str' states contractVersion "1" (a string), which must be the number 1`,
    );
  });

  it('names every problem at once', () => {
    expect(() =>
      registerBackend(untyped({ name: 'all', contractVersion: 0, dtypes: [] }, ['concat'])),
    ).toThrow(
      "registerBackend: backend 'all' implements contract version 0, but this @stride/core " +
        'implements contract version 1 (set contractVersion: 1 once the backend implements it; ' +
        'see backend.ts of @stride/core); it is missing required kernels: concat (contract ' +
        'version 1); it lists no dtypes (got )',
    );
  });

  it('releases what a plugin started when its backend fails the check', async () => {
    let destroyed = 0;
    registerBackend({
      name: 'half',
      init: () => untyped({ name: 'half', destroy: () => destroyed++ }, ['gather']),
    });
    await expect(setBackend('half')).rejects.toThrow(/missing required kernels: gather/);
    expect(destroyed).toBe(1);
  });

  it('accepts inherited kernels, and checks a plugin when it is initialised', async () => {
    registerBackend(Object.create(cpu(), { name: { value: 'inherits' } }));
    expect(listBackends()).toContain('inherits');
    registerBackend({ name: 'late', init: () => untyped({ name: 'late' }, ['matmul']) });
    await expect(setBackend('late')).rejects.toThrow(
      "setBackend: backend 'late' is missing required kernels: matmul (contract version 1)",
    );
    // The failure is not cached as a ready backend: the active one is unchanged.
    expect(getBackend().name).toBe('cpu');
  });
});

describe('device loss', () => {
  it('initialises a plugin again once its backend reports it was lost', async () => {
    let lost = false;
    let inits = 0;
    registerBackend({
      name: 'flaky',
      init: () => {
        inits++;
        const b = Object.create(cpu(), { name: { value: 'flaky' } });
        const mine = inits;
        b.isLost = () => lost && mine === 1;
        return b;
      },
    });
    const first = await setBackend('flaky');
    expect(await setBackend('flaky')).toBe(first);
    lost = true;
    const second = await setBackend('flaky');
    expect(second).not.toBe(first);
    expect(inits).toBe(2);
    await setBackend('cpu');
  });
});
