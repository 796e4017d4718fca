import { fail, messageOf } from './fail.js';

/**
 * Where bytes can come from: a file path (Node), a URL (`fetch`; `file:` URLs in Node), or
 * bytes already in memory (an `ArrayBuffer` or a typed array, e.g. from a file input).
 */
export type ByteSource = string | URL | ArrayBuffer | ArrayBufferView;

/** Thrown (and caught by callers that try several names) when a file or URL does not exist. */
export class NotFound extends Error {}

export const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';

/**
 * Node's modules, loaded only when a path is read. The specifier is a variable so that browser
 * bundlers (Vite, webpack, esbuild) do not try to resolve a Node module in a browser build.
 */
export function importNode<T>(specifier: string): Promise<T> {
  return import(/* @vite-ignore */ /* webpackIgnore: true */ specifier) as Promise<T>;
}

/** A short description of `source` for error messages. */
export function describeSource(source: ByteSource): string {
  if (typeof source === 'string') return source;
  if (source instanceof URL) return source.href;
  return `the given ${source instanceof ArrayBuffer ? 'ArrayBuffer' : source.constructor.name} (${source.byteLength} bytes)`;
}

/** Reads all bytes of `source`; a missing file or a 404 throws `NotFound`. */
export async function readSource(fn: string, source: ByteSource): Promise<Uint8Array> {
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  if (ArrayBuffer.isView(source))
    return new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
  if (source instanceof URL) {
    return source.protocol === 'file:' && isNode ? readPath(fn, source) : readUrl(fn, source.href);
  }
  if (typeof source !== 'string' || source === '') {
    fail(
      fn,
      `expected a file path, a URL, an ArrayBuffer or a typed array, got ${source === '' ? 'an empty string' : typeof source}`,
    );
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source) && !/^file:/i.test(source))
    return readUrl(fn, source);
  if (isNode) return readPath(fn, /^file:/i.test(source) ? new URL(source) : source);
  // In a browser a plain string is a URL relative to the page.
  return readUrl(fn, source);
}

async function readPath(fn: string, path: string | URL): Promise<Uint8Array> {
  const fs = await importNode<typeof import('node:fs/promises')>('node:fs/promises');
  try {
    return await fs.readFile(path);
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') throw new NotFound(String(path));
    fail(fn, `could not read ${String(path)}: ${messageOf(error)}`);
  }
}

async function readUrl(fn: string, url: string): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    fail(fn, `could not fetch ${url}: ${messageOf(error)}`);
  }
  if (response.status === 404) throw new NotFound(url);
  if (!response.ok)
    fail(fn, `could not fetch ${url}: HTTP ${response.status} ${response.statusText}`);
  return new Uint8Array(await response.arrayBuffer());
}
