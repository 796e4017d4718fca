import { readFile } from 'node:fs/promises';
import { fail, StrideError } from '../errors.js';
import {
  type DecodeSafetensorsOptions,
  decodeSafetensors,
  encodeSafetensors,
  type SafetensorsContents,
} from '../io/safetensors.js';
import type { Tensor } from '../tensor.js';
import { writeFileAtomic } from './atomic-write.js';

/**
 * Checkpoint files in Node: `@stride/core/node`. Kept out of the main entry so that
 * `@stride/core` itself never imports a Node module and bundles for the browser as is.
 */

export { writeFileAtomic };

/**
 * Writes named tensors (a state dict) to `path` as a safetensors file, atomically: if anything
 * fails, including the process dying mid-write, the file that was at `path` is left as it was.
 */
export async function saveSafetensors(
  path: string,
  tensors: Record<string, Tensor>,
  metadata?: Record<string, string>,
): Promise<void> {
  const fn = 'saveSafetensors';
  if (typeof path !== 'string' || path === '')
    fail(fn, `path must be a non-empty string, got ${JSON.stringify(path)}`);
  let bytes: Uint8Array;
  try {
    bytes = await encodeSafetensors(tensors, metadata);
  } catch (error) {
    throw wrap(fn, `${path} was not written (it is unchanged)`, error);
  }
  try {
    await writeFileAtomic(path, bytes);
  } catch (error) {
    throw wrap(fn, `could not write ${path} (the previous file, if any, is unchanged)`, error);
  }
}

/** Reads a safetensors file written by Stride, PyTorch or any other safetensors writer. */
export async function loadSafetensors(
  path: string,
  options: DecodeSafetensorsOptions = {},
): Promise<SafetensorsContents> {
  const fn = 'loadSafetensors';
  if (typeof path !== 'string' || path === '')
    fail(fn, `path must be a non-empty string, got ${JSON.stringify(path)}`);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw wrap(fn, `no file at ${path}`, error);
    throw wrap(fn, `could not read ${path}`, error);
  }
  try {
    return decodeSafetensors(bytes, options);
  } catch (error) {
    throw wrap(fn, `${path} is not a valid safetensors file`, error);
  }
}

/** A StrideError for `fn` that keeps the underlying error's message (and the error as `cause`). */
function wrap(fn: string, context: string, error: unknown): StrideError {
  let detail: string;
  if (error instanceof StrideError) detail = error.message.slice(error.fn.length + 2);
  else if (error instanceof Error) detail = error.message;
  else detail = String(error);
  const wrapped = new StrideError(fn, `${context}: ${detail}`);
  wrapped.cause = error;
  return wrapped;
}
