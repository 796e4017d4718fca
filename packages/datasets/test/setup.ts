import { cpu } from '@stride/backend-cpu';
import { type Backend, registerBackend, setBackend } from '@stride/core';
import { ArrayDataset } from '../src/index.js';

// Registered at import time so that tensors built while a test file loads have a backend.
registerBackend(cpu());

/** Makes the CPU backend active. */
export async function useCpu(): Promise<Backend> {
  return setBackend('cpu');
}

/** IDX bytes (big-endian) for a magic type code, dims and values. */
export function idxBytes(type: number, dims: number[], values: ArrayLike<number>): Uint8Array {
  const size = { 8: 1, 9: 1, 11: 2, 12: 4, 13: 4, 14: 8 }[type] ?? 1;
  const out = new Uint8Array(4 + 4 * dims.length + values.length * size);
  const view = new DataView(out.buffer);
  out[2] = type;
  out[3] = dims.length;
  for (const [i, d] of dims.entries()) view.setUint32(4 + 4 * i, d, false);
  const at = 4 + 4 * dims.length;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    const o = at + i * size;
    if (type === 0x08) view.setUint8(o, v);
    else if (type === 0x09) view.setInt8(o, v);
    else if (type === 0x0b) view.setInt16(o, v, false);
    else if (type === 0x0c) view.setInt32(o, v, false);
    else if (type === 0x0d) view.setFloat32(o, v, false);
    else view.setFloat64(o, v, false);
  }
  return out;
}

/** Runs `promise` and returns the StrideError it rejects with (fails the test otherwise). */
export async function strideError(promise: Promise<unknown> | (() => unknown)): Promise<Error> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (error) {
    if ((error as Error).name !== 'StrideError') throw error;
    return error as Error;
  }
  throw new Error('expected a StrideError, but nothing was thrown');
}

/** `n` samples of `shape` (2 values) where sample i holds [i, -i], label i. */
export function numbered(n = 10, shape: readonly number[] = [2]): ArrayDataset {
  const x = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    x[2 * i] = i;
    x[2 * i + 1] = -i;
  }
  return new ArrayDataset(
    x,
    shape,
    Int32Array.from({ length: n }, (_, i) => i),
  );
}
