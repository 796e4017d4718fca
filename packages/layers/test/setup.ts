// Layers depend on no backend; the tests run everything on the CPU backend.
import { cpu } from '@stride/backend-cpu';
import {
  type Backend,
  gradOf,
  ones,
  registerBackend,
  StrideError,
  setBackend,
  type Tensor,
  tensor,
  tidy,
} from '@stride/core';

// Registered at import time so that modules built while a test file loads have a backend.
registerBackend(cpu());

/** Makes the CPU backend active. */
export async function useCpu(): Promise<Backend> {
  return setBackend('cpu');
}

/** `v`, which the test knows is there (a BatchNorm buffer, a bias); throws otherwise. */
export function must<T>(v: T | null | undefined): T {
  if (v === null || v === undefined) throw new Error('expected a value, got none');
  return v;
}

/**
 * The message of the StrideError `run` throws; fails the test if it throws nothing or anything
 * else (a TypeError would mean an unchecked input).
 */
export function errorOf(run: () => unknown): string {
  try {
    run();
  } catch (e) {
    if (!(e instanceof StrideError)) throw new Error(`expected a StrideError, got ${String(e)}`);
    return e.message;
  }
  throw new Error('expected a StrideError, but nothing was thrown');
}

/** `errorOf` for a promise: the message of the StrideError it rejects with. */
export async function rejectionOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (e) {
    if (!(e instanceof StrideError)) throw new Error(`expected a StrideError, got ${String(e)}`);
    return e.message;
  }
  throw new Error('expected a StrideError, but the promise resolved');
}

/**
 * The receptive field of `layer` on a 1-d input `[1, 1, length]`, found without `summary()`: the
 * input elements with a nonzero gradient of one output are those it sees, and the field is the
 * widest span of them over all outputs.
 */
export function receptiveFieldBySupport(
  layer: { forward(x: Tensor): Tensor },
  length: number,
): number {
  return tidy(() => {
    const x = ones([1, 1, length], { requiresGrad: true });
    const y = layer.forward(x);
    const outputs = y.shape[2] as number;
    let widest = 0;
    for (let o = 0; o < outputs; o++) {
      const seed = new Float32Array(outputs);
      seed[o] = 1;
      const gradOutputs = tensor(seed, { shape: y.shape });
      const [g] = gradOf(y, x, { gradOutputs, retainGraph: true });
      const values = (g as Tensor).dataSync();
      const seen = [...values.keys()].filter((i) => values[i] !== 0);
      const first = seen[0];
      const last = seen.at(-1);
      if (first !== undefined && last !== undefined) widest = Math.max(widest, last - first + 1);
    }
    return widest;
  });
}
