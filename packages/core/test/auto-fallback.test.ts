import { afterEach, describe, expect, it } from 'vitest';
import { cpu } from '../../backend-cpu/src/index.js';
import {
  listBackends,
  registerBackend,
  resetWarnings,
  StrideError,
  type StrideWarning,
  setBackend,
  setWarningHandler,
} from '../src/index.js';

// Runs in order: nothing is registered for the first test; then the CPU backend (priority 0) is,
// and a GPU plugin that cannot start outranks it.
const warnings: StrideWarning[] = [];
setWarningHandler((w) => warnings.push(w));
afterEach(() => {
  warnings.length = 0;
  resetWarnings();
});

describe("setBackend('auto') falling back", () => {
  it('fails with every cause when nothing starts', async () => {
    registerBackend({ name: 'cpu', priority: 0, init: () => Promise.reject(new Error('no wasm')) });
    registerBackend({
      name: 'gpu-without-adapter',
      priority: 10,
      init: () => Promise.reject(new Error('no adapter')),
    });
    await expect(setBackend('auto')).rejects.toThrow(
      "setBackend: no registered backend could start: 'gpu-without-adapter' could not start (no adapter); 'cpu' could not start (no wasm)",
    );
  });

  it('registers the CPU backend', () => {
    registerBackend(cpu());
    expect(listBackends()).toContain('cpu');
  });

  it('says once which backend could not start, why, and how to silence it', async () => {
    registerBackend({
      name: 'gpu-without-adapter',
      priority: 10,
      init: () => Promise.reject(new StrideError('webgpu', 'no WebGPU adapter is available')),
    });
    expect((await setBackend('auto')).name).toBe('cpu');
    expect(warnings.map((w) => w.message)).toEqual([
      "Stride: setBackend('auto') is using 'cpu': 'gpu-without-adapter' could not start " +
        '(webgpu: no WebGPU adapter is available). ' +
        "Fix that, or call setBackend('cpu') to choose it without this warning.",
    ]);
    await setBackend('auto');
    expect(warnings).toHaveLength(1);
  });

  it('says nothing when the preferred backend starts, or when a backend is chosen by name', async () => {
    registerBackend({
      name: 'gpu-without-adapter',
      priority: 10,
      init: () => Promise.reject(new Error('x')),
    });
    await setBackend('cpu');
    registerBackend({
      name: 'gpu-without-adapter',
      priority: -1,
      init: () => Promise.reject(new Error('x')),
    });
    expect((await setBackend('auto')).name).toBe('cpu');
    expect(warnings).toEqual([]);
  });
});
