import type { Shape } from '@stride/core';

export function sizeOf(shape: Shape): number {
  let size = 1;
  for (let i = 0; i < shape.length; i++) size *= shape[i];
  return size;
}

/** Row-major strides of a dense tensor. */
export function stridesOf(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = acc;
    acc *= shape[i];
  }
  return strides;
}

/**
 * Strides that read a dense tensor of `shape` as if it were broadcast to `outShape` (NumPy
 * rules): missing leading axes and axes of length 1 get stride 0.
 */
export function broadcastStrides(shape: Shape, outShape: Shape): number[] {
  const rank = outShape.length;
  const lead = rank - shape.length;
  const strides = new Array<number>(rank).fill(0);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i + lead] = shape[i] === 1 ? 0 : acc;
    acc *= shape[i];
  }
  return strides;
}

export interface Coalesced {
  readonly shape: number[];
  readonly strides: number[][];
}

/**
 * Drops axes of length 1 and merges neighbouring axes that every operand walks as one, so that
 * loops run over as few and as long rows as possible. The result has rank >= 1.
 */
export function coalesce(shape: Shape, strides: readonly (readonly number[])[]): Coalesced {
  const dims: number[] = [];
  const out: number[][] = strides.map(() => []);
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    if (d === 1) continue;
    const last = dims.length - 1;
    let merge = last >= 0;
    for (let j = 0; merge && j < strides.length; j++) {
      if (out[j][last] !== strides[j][i] * d) merge = false;
    }
    if (merge) {
      dims[last] *= d;
      for (let j = 0; j < strides.length; j++) out[j][last] = strides[j][i];
    } else {
      dims.push(d);
      for (let j = 0; j < strides.length; j++) out[j].push(strides[j][i]);
    }
  }
  if (dims.length === 0) {
    dims.push(1);
    for (let j = 0; j < strides.length; j++) out[j].push(0);
  }
  return { shape: dims, strides: out };
}

/**
 * Walks the rows of a coalesced iteration space: all axes but the last, in row-major order,
 * keeping one running offset per operand. The caller loops over the last axis itself, which is
 * where the time goes.
 */
export class RowWalker {
  /** Number of rows (product of all axes but the last). */
  readonly rows: number;
  /** Length of the last axis. */
  readonly length: number;
  /** Stride of each operand along the last axis. */
  readonly step: Int32Array;
  /** Offset of each operand at the start of the current row. */
  readonly offset: Int32Array;
  private readonly dims: readonly number[];
  private readonly strides: readonly (readonly number[])[];
  private readonly index: Int32Array;

  constructor(c: Coalesced, base?: readonly number[]) {
    const rank = c.shape.length;
    this.dims = c.shape;
    this.strides = c.strides;
    this.length = c.shape[rank - 1];
    let rows = 1;
    for (let i = 0; i < rank - 1; i++) rows *= c.shape[i];
    this.rows = rows;
    this.step = Int32Array.from(c.strides, (s) => s[rank - 1]);
    this.offset = Int32Array.from(c.strides, (_, j) => (base === undefined ? 0 : base[j]));
    this.index = new Int32Array(Math.max(rank - 1, 0));
  }

  /** Moves to the next row. */
  next(): void {
    const { dims, strides, index, offset } = this;
    const ops = strides.length;
    for (let d = index.length - 1; d >= 0; d--) {
      index[d]++;
      if (index[d] < dims[d]) {
        for (let j = 0; j < ops; j++) offset[j] += strides[j][d];
        return;
      }
      index[d] = 0;
      for (let j = 0; j < ops; j++) offset[j] -= strides[j][d] * (dims[d] - 1);
    }
  }
}
