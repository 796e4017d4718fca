import { StrideError } from '@stride/core';
import { drain } from './drain.js';
import { describeValue, fail, messageOf } from './fail.js';

/**
 * Where bytes can come from: a file path (Node), a URL (`fetch`; `file:` URLs in Node), bytes
 * already in memory (an `ArrayBuffer` or a typed array), or a `ReadableStream` of bytes (a
 * `fetch` body, `file.stream()` of a file input).
 */
export type ByteSource = string | URL | ArrayBuffer | ArrayBufferView | ReadableStream<Uint8Array>;

/**
 * The bytes of a source, read a chunk at a time as the reader asks for them, so that a reader
 * that finds too much data can stop without the rest ever being read. Breaking out of the loop
 * (or throwing in it) closes the file or connection.
 */
export type Chunks = AsyncIterable<Uint8Array>;

/** Thrown (and caught by callers that try several names) when a file or URL does not exist. */
export class NotFound extends Error {}

export const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';

/** How much of a file one read takes: large enough to be fast, small next to any limit. */
const FILE_CHUNK = 1 << 20;

/** How much of bytes already in memory a chunk holds: the unit a reader can stop after. */
const MEMORY_CHUNK = 1 << 16;

/**
 * Node's modules, loaded only when a path is read. The specifier is a variable so that browser
 * bundlers (Vite, webpack, esbuild) do not try to resolve a Node module in a browser build.
 */
export function importNode<T>(specifier: string): Promise<T> {
  return import(/* @vite-ignore */ /* webpackIgnore: true */ specifier) as Promise<T>;
}

function isStream(source: unknown): source is ReadableStream<Uint8Array> {
  return typeof ReadableStream !== 'undefined' && source instanceof ReadableStream;
}

/** A short description of `source` for error messages. */
export function describeSource(source: ByteSource): string {
  if (typeof source === 'string') return source;
  if (source instanceof URL) return source.href;
  if (isStream(source)) return 'the given ReadableStream';
  return `the given ${source instanceof ArrayBuffer ? 'ArrayBuffer' : source.constructor.name} (${source.byteLength} bytes)`;
}

/**
 * Opens `source` for reading: a missing file or a 404 throws `NotFound` here, before any byte
 * is read, so that callers can try another name.
 */
export async function openSource(fn: string, source: ByteSource): Promise<Chunks> {
  if (source instanceof ArrayBuffer) return memoryChunks(new Uint8Array(source));
  if (ArrayBuffer.isView(source)) {
    return memoryChunks(new Uint8Array(source.buffer, source.byteOffset, source.byteLength));
  }
  if (isStream(source)) return streamChunks(fn, describeSource(source), source);
  if (source instanceof URL) {
    return source.protocol === 'file:' && isNode ? openPath(fn, source) : openUrl(fn, source.href);
  }
  if (typeof source !== 'string' || source === '') {
    fail(
      fn,
      `expected a file path, a URL, an ArrayBuffer, a typed array or a ReadableStream, got ${source === '' ? 'an empty string' : describeValue(source)}`,
    );
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source) && !/^file:/i.test(source))
    return openUrl(fn, source);
  if (isNode) return openPath(fn, /^file:/i.test(source) ? new URL(source) : source);
  // In a browser a plain string is a URL relative to the page.
  return openUrl(fn, source);
}

async function* memoryChunks(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += MEMORY_CHUNK) {
    yield bytes.subarray(at, at + MEMORY_CHUNK);
  }
}

async function openPath(fn: string, path: string | URL): Promise<Chunks> {
  const fs = await importNode<typeof import('node:fs/promises')>('node:fs/promises');
  let handle: import('node:fs/promises').FileHandle;
  try {
    handle = await fs.open(path, 'r');
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') throw new NotFound(String(path));
    fail(fn, `could not read ${String(path)}: ${messageOf(error)}`);
  }
  return fileChunks(fn, String(path), handle);
}

async function* fileChunks(
  fn: string,
  path: string,
  handle: import('node:fs/promises').FileHandle,
): AsyncGenerator<Uint8Array> {
  try {
    for (;;) {
      // A new buffer per read: the reader may keep the chunk it is given.
      const buffer = new Uint8Array(FILE_CHUNK);
      let bytesRead: number;
      try {
        ({ bytesRead } = await handle.read(buffer, 0, FILE_CHUNK, null));
      } catch (error) {
        fail(fn, `could not read ${path}: ${messageOf(error)}`);
      }
      if (bytesRead === 0) return;
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    await handle.close();
  }
}

async function openUrl(fn: string, url: string): Promise<Chunks> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    fail(fn, `could not fetch ${url}: ${messageOf(error)}`);
  }
  if (response.status === 404) {
    await response.body?.cancel();
    throw new NotFound(url);
  }
  if (!response.ok) {
    await response.body?.cancel();
    fail(fn, `could not fetch ${url}: HTTP ${response.status} ${response.statusText}`);
  }
  return response.body ? streamChunks(fn, url, response.body) : memoryChunks(new Uint8Array(0));
}

function streamChunks(fn: string, name: string, stream: ReadableStream<Uint8Array>): Chunks {
  if (stream.locked) {
    fail(fn, `${name} is locked: another reader is reading it (pass a stream nobody reads yet)`);
  }
  return readStream(fn, name, stream.getReader());
}

async function* readStream(
  fn: string,
  name: string,
  reader: ReadableStreamDefaultReader<Uint8Array>,
): AsyncGenerator<Uint8Array> {
  try {
    // Stops the body or the stream's source when the reader stops early.
    const chunks = drain<unknown>(
      () => reader.read(),
      (error) => new StrideError(fn, `could not read ${name}: ${messageOf(error)}`),
      () => reader.cancel().catch(() => undefined),
    );
    for await (const chunk of chunks) {
      if (!(chunk instanceof Uint8Array)) {
        fail(fn, `${name}: expected chunks of bytes (Uint8Array), got ${describeValue(chunk)}`);
      }
      yield chunk;
    }
  } finally {
    reader.releaseLock();
  }
}
