// Layers depend on no backend; the tests run everything on the CPU backend.
import { cpu } from '@stride/backend-cpu';
import { type Backend, registerBackend, StrideError, setBackend } from '@stride/core';

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
