import type { Coalesced } from '@stride/core';

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
