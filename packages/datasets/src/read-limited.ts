import { fail } from './fail.js';
import { maybeGunzip } from './gzip.js';
import type { Chunks } from './source.js';

/**
 * All bytes of `chunks` (inflated if gzip-compressed), for formats without a header that
 * states their size: reading stops, with a StrideError from `fn`, at the first chunk that
 * takes the total past `maxBytes`, and `tooMuch(found)` says why that is too much.
 */
export async function readLimited(
  fn: string,
  source: string,
  chunks: Chunks,
  maxBytes: number,
  tooMuch: (found: number) => string,
): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let total = 0;
  // Throwing out of the loop closes the inflater and the file.
  for await (const chunk of maybeGunzip(fn, source, chunks)) {
    total += chunk.length;
    if (total > maxBytes) fail(fn, `${source}: ${tooMuch(total)}`);
    // The chunk may be a view of a buffer its producer reuses or keeps: copy it.
    parts.push(chunk.slice());
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
