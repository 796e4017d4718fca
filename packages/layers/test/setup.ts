// Layers depend on no backend; the tests run everything on the CPU backend.
import { cpu } from '@stride/backend-cpu';
import { type Backend, registerBackend, setBackend } from '@stride/core';

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
