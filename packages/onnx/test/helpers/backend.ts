/** The importer's tests run on the CPU backend, which also has float64 for ONNX's DOUBLE tests. */
import { cpu } from '@stride/backend-cpu';
import { registerBackend, StrideError } from '@stride/core';

registerBackend(cpu());

/** The message of the StrideError `fn` throws; fails the test if it throws anything else or nothing. */
export function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof StrideError) return error.message;
    throw error;
  }
  throw new Error('expected a StrideError, but nothing was thrown');
}
