import { fail, messageOf } from './fail.js';

/** True if `bytes` starts with the gzip magic number (1f 8b); IDX files start with 00 00. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Decompresses gzip data with the platform's `DecompressionStream`, present in every current
 * browser and in Node 18+, so the package needs no compression library and no Node module.
 */
export async function gunzip(fn: string, source: string, bytes: Uint8Array): Promise<Uint8Array> {
  if (typeof DecompressionStream === 'undefined') {
    fail(
      fn,
      `${source} is gzip-compressed, but this platform has no DecompressionStream; decompress it first`,
    );
  }
  const input = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(bytes);
      controller.close();
    },
  });
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    const reader = input
      .pipeThrough(new DecompressionStream('gzip') as ReadableWritablePair<Uint8Array, Uint8Array>)
      .getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      total += value.length;
    }
  } catch (error) {
    fail(
      fn,
      `${source}: expected valid gzip data, found corrupt or truncated data (${messageOf(error)})`,
    );
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
