import { StrideError } from '@stride/core';
import { drain } from './drain.js';
import { fail, messageOf } from './fail.js';
import { type Chunks, importNode, isNode } from './source.js';

/** True if `bytes` starts with the gzip magic number (1f 8b); IDX files start with 00 00. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Compressed bytes handed to the browser's decompressor at a time. A browser inflates a whole
 * input chunk before it looks at backpressure, and deflate expands at most about 1032:1, so a
 * reader that stops early has at most ~16 MB inflated behind it.
 */
const WEB_INPUT_CHUNK = 1 << 14;

/** How gzip data is inflated: `node:zlib` in Node, `DecompressionStream` elsewhere. */
export type Inflater = 'node' | 'web';

/**
 * The bytes of `chunks`, inflated as they are read if they start with the gzip magic number,
 * as they are otherwise. Inflation follows the reader: nothing is inflated ahead of what it
 * asks for (beyond a small buffer), so a reader that stops at a limit never holds more.
 * Corrupt or truncated gzip data throws a StrideError from `fn` naming `source`.
 */
export async function* maybeGunzip(
  fn: string,
  source: string,
  chunks: Chunks,
  inflater: Inflater = isNode ? 'node' : 'web',
): AsyncGenerator<Uint8Array> {
  const it = chunks[Symbol.asyncIterator]();
  // Enough of the start to see the magic number (a stream may deliver it a byte at a time).
  const head: Uint8Array[] = [];
  let headLength = 0;
  let ended = false;
  while (headLength < 2) {
    const next = await it.next();
    if (next.done) {
      ended = true;
      break;
    }
    head.push(next.value);
    headLength += next.value.length;
  }
  const start = concat(head, headLength);
  const all = resume(start, ended ? undefined : it);
  if (!isGzip(start)) {
    yield* all;
    return;
  }
  yield* inflater === 'node' ? nodeGunzip(fn, source, all) : webGunzip(fn, source, all);
}

/** `first`, then the rest of `it`; closing this closes `it`. */
async function* resume(
  first: Uint8Array,
  it: AsyncIterator<Uint8Array> | undefined,
): AsyncGenerator<Uint8Array> {
  if (first.length > 0) yield first;
  if (!it) return;
  yield* drain(
    () => it.next(),
    (error) => error,
    async () => it.return?.(),
  );
}

function concat(parts: readonly Uint8Array[], length: number): Uint8Array {
  if (parts.length === 1) return parts[0] as Uint8Array;
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * What the decompressor said. Node 24's DecompressionStream rejects a truncated stream with an
 * empty message and only zlib's code (`Z_BUF_ERROR`), where Node 20 says "unexpected end of file".
 */
function inflateProblem(error: unknown): string {
  const message = messageOf(error);
  if (message !== '') return message;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? `zlib ${code}` : String(error);
}

/** Errors of the source (already StrideErrors) pass; the decompressor's become one. */
function gzipError(fn: string, source: string, error: unknown): unknown {
  if (error instanceof StrideError) return error;
  return new StrideError(
    fn,
    `${source}: expected valid gzip data, found corrupt or truncated data (${inflateProblem(error)})`,
  );
}

/**
 * `node:zlib` through a pipeline: the gunzip stream stops inflating while its output waits to
 * be read (Node's `DecompressionStream` would instead take in the whole input at once).
 */
async function* nodeGunzip(fn: string, source: string, input: Chunks): AsyncGenerator<Uint8Array> {
  const [stream, zlib] = await Promise.all([
    importNode<typeof import('node:stream')>('node:stream'),
    importNode<typeof import('node:zlib')>('node:zlib'),
  ]);
  const compressed = stream.Readable.from(input, { objectMode: false, highWaterMark: 1 << 14 });
  let settled: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    settled = resolve;
  });
  // The stream buffers fixed, not the platform default (16 KiB in Node 20, 64 KiB from Node 22):
  // what is read ahead of the reader stays small on every Node.
  // (zlib hands its options to the stream it makes; its type does not list the stream's.)
  const buffer: import('node:stream').TransformOptions = { highWaterMark: 1 << 14 };
  const gunzip = zlib.createGunzip(buffer as import('node:zlib').ZlibOptions);
  // The callback sees the error that the loop below also sees: it only says when all is closed.
  const inflated = stream.pipeline(compressed, gunzip, () => settled());
  const it = inflated[Symbol.asyncIterator]();
  try {
    for (;;) {
      let next: IteratorResult<Uint8Array>;
      try {
        next = await it.next();
      } catch (error) {
        throw gzipError(fn, source, error);
      }
      if (next.done) return;
      yield next.value;
    }
  } finally {
    // On an early exit, destroying the pipeline closes the input; its error, or the caller's,
    // is reported only once the file or stream is closed.
    inflated.destroy();
    await done;
  }
}

/** The platform's `DecompressionStream`, fed small chunks on demand. */
async function* webGunzip(fn: string, source: string, input: Chunks): AsyncGenerator<Uint8Array> {
  if (typeof DecompressionStream === 'undefined') {
    fail(
      fn,
      `${source} is gzip-compressed, but this platform has no DecompressionStream; decompress it first`,
    );
  }
  const it = input[Symbol.asyncIterator]();
  const compressed = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const next = await it.next();
        if (next.done) {
          controller.close();
          return;
        }
        for (let at = 0; at < next.value.length; at += WEB_INPUT_CHUNK) {
          controller.enqueue(next.value.subarray(at, at + WEB_INPUT_CHUNK));
        }
      },
      async cancel() {
        await it.return?.();
      },
    },
    { highWaterMark: 0 },
  );
  const inflater = new DecompressionStream('gzip') as ReadableWritablePair<Uint8Array, Uint8Array>;
  // Settles once the input is closed, after the output is cancelled or the input ended.
  const piped = compressed.pipeTo(inflater.writable).catch(() => undefined);
  const reader = inflater.readable.getReader();
  try {
    // Cancelling the output cancels the pipe, which closes the input.
    yield* drain<Uint8Array>(
      () => reader.read(),
      (error) => gzipError(fn, source, error),
      () => reader.cancel().catch(() => undefined),
    );
  } finally {
    await piped;
  }
}
