import { fmtShape } from '@stride/core';
import type { HostBatch } from './dataset.js';
import { describeValue, fail } from './fail.js';

/**
 * Checks that `batch` is a host batch whose arrays match their shapes, batch first, and of `n`
 * samples when `n` is given; `what` names it in the messages ("the batch that
 * dataset.getBatch returned"). A Promise gets its own message: datasets and transforms are
 * synchronous, and a Promise read as a batch would have no data.
 */
export function checkHostBatch(fn: string, what: string, batch: unknown, n?: number): HostBatch {
  if (typeof (batch as { then?: unknown } | null)?.then === 'function') {
    fail(
      fn,
      `${what} is a Promise: datasets and transforms must be synchronous (read the data into memory first, e.g. as an ArrayDataset, and batch it from there)`,
    );
  }
  if (batch === null || typeof batch !== 'object') {
    fail(fn, `${what} must be a host batch { x, xShape, y, yShape }, got ${describeValue(batch)}`);
  }
  const { x, xShape, y, yShape } = batch as Partial<Record<keyof HostBatch, unknown>>;
  if (!(x instanceof Float32Array))
    fail(fn, `${what}: x must be a Float32Array, got ${describeValue(x)}`);
  if (!(y instanceof Int32Array || y instanceof Float32Array)) {
    fail(fn, `${what}: y must be an Int32Array or a Float32Array, got ${describeValue(y)}`);
  }
  const xs = checkShape(fn, what, 'xShape', xShape, 'x', x.length);
  const ys = checkShape(fn, what, 'yShape', yShape, 'y', y.length);
  if (xs[0] !== ys[0]) {
    fail(
      fn,
      `${what}: x holds ${xs[0]} samples (xShape ${fmtShape(xs)}) but y holds ${ys[0]} (yShape ${fmtShape(ys)})`,
    );
  }
  if (n !== undefined && xs[0] !== n) {
    fail(
      fn,
      `${what}: expected ${n} samples, one per index, found ${xs[0]} (xShape ${fmtShape(xs)})`,
    );
  }
  return batch as HostBatch;
}

function checkShape(
  fn: string,
  what: string,
  name: string,
  shape: unknown,
  array: string,
  length: number,
): number[] {
  if (
    !Array.isArray(shape) ||
    shape.length === 0 ||
    !shape.every((d) => Number.isSafeInteger(d) && d >= 0)
  ) {
    fail(
      fn,
      `${what}: ${name} must be a list of non-negative integers, batch first, got ${Array.isArray(shape) ? JSON.stringify(shape) : describeValue(shape)}`,
    );
  }
  const size = shape.reduce((a: number, b: number) => a * b, 1);
  if (size !== length) {
    fail(
      fn,
      `${what}: ${array} has ${length} values but ${name} ${fmtShape(shape)} describes ${size}`,
    );
  }
  return shape;
}
