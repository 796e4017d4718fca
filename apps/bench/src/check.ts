/**
 * Checks a row's outputs against the reference row's (Stride on the CPU): the same inputs must
 * give the same results within float32 rounding, or the row compared different computations.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OutputCheck } from './protocol.js';

/**
 * Largest difference allowed, relative to the output's largest magnitude. Sums of up to ~25,000
 * float32 products in different orders (blocked, threaded, on a GPU) differ by about 1e-6 of
 * that; a wrong layout, padding or formula differs by order 1.
 */
export const TOLERANCE = 1e-4;

function readF32(file: string): Float32Array {
  const b = readFileSync(file);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

function relativeError(value: Float32Array, reference: Float32Array): number {
  let scale = 0;
  let diff = 0;
  for (let i = 0; i < reference.length; i++) {
    const r = reference[i] as number;
    const v = value[i] as number;
    if (Number.isNaN(v) || Number.isNaN(r)) {
      if (Number.isNaN(v) !== Number.isNaN(r)) return Number.POSITIVE_INFINITY;
      continue;
    }
    scale = Math.max(scale, Math.abs(r));
    diff = Math.max(diff, Math.abs(v - r));
  }
  return scale > 0 ? diff / scale : diff;
}

/** Compares the `.bin` outputs in `dir` with those in `referenceDir`. */
export function checkOutputs(dir: string, referenceDir: string, against: string): OutputCheck {
  if (!existsSync(referenceDir)) return { status: 'unchecked', detail: 'no reference outputs' };
  let worst = { name: '', err: 0 };
  for (const file of readdirSync(referenceDir).sort()) {
    const name = file.replace(/\.bin$/, '');
    const path = join(dir, file);
    if (!existsSync(path)) {
      return { status: 'invalid', against, detail: `output ${name} is missing` };
    }
    const value = readF32(path);
    const reference = readF32(join(referenceDir, file));
    if (value.length !== reference.length) {
      const detail = `output ${name} has ${value.length} values, the reference ${reference.length}`;
      return { status: 'invalid', against, detail };
    }
    const err = relativeError(value, reference);
    if (!(err <= worst.err)) worst = { name, err };
  }
  if (!Number.isFinite(worst.err)) {
    return {
      status: 'invalid',
      against,
      detail: `output ${worst.name} has NaN where the reference does not`,
    };
  }
  return {
    status: worst.err <= TOLERANCE ? 'valid' : 'invalid',
    against,
    relError: Number(worst.err.toPrecision(3)),
    tolerance: TOLERANCE,
    ...(worst.name ? { detail: `worst: ${worst.name}` } : {}),
  };
}
