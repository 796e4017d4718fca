import { type FileHandle, open, stat } from 'node:fs/promises';
import { fmtBytes, StrideError } from '../errors.js';
import {
  type DecodeSafetensorsOptions,
  encodeSafetensors,
  type SafetensorsContents,
} from '../io/safetensors.js';
import { DECODE_SAFETENSORS_OPTIONS, decodeWith } from '../io/safetensors-read.js';
import { checkOptions } from '../options.js';
import type { Tensor } from '../tensor.js';
import { replaceFile, writeFileAtomic } from './atomic-write.js';
import { describeOsError, errorCode } from './fs-errors.js';
import { checkPath } from './path-arg.js';

/**
 * Checkpoint files in Node: `@stride/core/node`. Kept out of the main entry so that
 * `@stride/core` itself never imports a Node module and bundles for the browser as is.
 */

export { writeFileAtomic };

/** Reads go out in pieces, as writes do, so that no single read call needs the whole file. */
const CHUNK_BYTES = 64 * 1024 * 1024;

/**
 * Writes named tensors (a state dict) to `path` as a safetensors file, atomically: if anything
 * fails, including the process dying mid-write, the file that was at `path` is left as it was.
 * See `writeFileAtomic` for links, permissions and the temporary file.
 */
export async function saveSafetensors(
  path: string,
  tensors: Record<string, Tensor>,
  metadata?: Record<string, string>,
): Promise<void> {
  const fn = 'saveSafetensors';
  checkPath(fn, path);
  let bytes: Uint8Array;
  try {
    bytes = await encodeSafetensors(tensors, metadata);
  } catch (error) {
    throw wrap(fn, `${path} was not written (it is unchanged)`, error);
  }
  await replaceFile(fn, path, bytes);
}

/** Reads a safetensors file written by Stride, PyTorch or any other safetensors writer. */
export async function loadSafetensors(
  path: string,
  options: DecodeSafetensorsOptions = {},
): Promise<SafetensorsContents> {
  const fn = 'loadSafetensors';
  checkPath(fn, path);
  const checked = checkOptions(fn, options, DECODE_SAFETENSORS_OPTIONS);
  const bytes = await readWholeFile(fn, path);
  return decodeWith({ fn, source: path }, bytes, checked);
}

/** The file's bytes, or a StrideError that says why not in words (and the error code). */
async function readWholeFile(fn: string, path: string): Promise<Uint8Array> {
  const failed = (detail: string, cause?: unknown): StrideError => {
    const error = new StrideError(fn, detail);
    if (cause !== undefined) error.cause = cause;
    return error;
  };
  let handle: FileHandle;
  let size: number;
  try {
    // Checked before opening: opening a named pipe would wait for a writer, maybe forever.
    const stats = await stat(path);
    if (stats.isDirectory()) throw failed(`${path} is a directory, not a file (EISDIR)`);
    if (!stats.isFile()) throw failed(`${path} is not a regular file`);
    size = stats.size;
    handle = await open(path, 'r');
  } catch (error) {
    if (error instanceof StrideError) throw error;
    const code = errorCode(error);
    if (code === 'ENOENT') throw failed(`no file at ${path} (ENOENT)`, error);
    if (code === 'EACCES' || code === 'EPERM') {
      throw failed(`no permission to read ${path} (${code})`, error);
    }
    throw failed(`could not read ${path}: ${describeOsError(error)}`, error);
  }
  try {
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(size);
    } catch (error) {
      throw failed(
        `${path} is ${fmtBytes(size)}, more than one buffer can hold in this JavaScript engine`,
        error,
      );
    }
    let at = 0;
    while (at < size) {
      const length = Math.min(CHUNK_BYTES, size - at);
      const { bytesRead } = await handle.read(bytes, at, length, at);
      if (bytesRead === 0) break; // shorter than it was a moment ago
      at += bytesRead;
    }
    return at === size ? bytes : bytes.subarray(0, at);
  } catch (error) {
    if (error instanceof StrideError) throw error;
    throw failed(`could not read ${path}: ${describeOsError(error)}`, error);
  } finally {
    await handle.close().catch(() => undefined);
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
