/**
 * The shape helpers backends index with: broadcast strides, and coalescing an iteration space
 * (checked by walking it: every coalesced position reads what the original one read).
 */
import { describe, expect, it } from 'vitest';
import { broadcastStrides, coalesce, sizeOf, stridesOf } from '../src/index.js';

/** Every operand offset, in row-major order over `shape`. */
function offsets(shape: readonly number[], strides: readonly (readonly number[])[]): number[][] {
  const out: number[][] = [];
  const index = shape.map(() => 0);
  for (let i = 0; i < sizeOf(shape); i++) {
    out.push(strides.map((s) => s.reduce((acc, st, d) => acc + st * (index[d] as number), 0)));
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++(index[d] as number) < (shape[d] as number)) break;
      index[d] = 0;
    }
  }
  return out;
}

describe('broadcastStrides', () => {
  it('gives stride 0 to missing and length-1 axes', () => {
    expect(broadcastStrides([3, 1], [2, 3, 4])).toEqual([0, 1, 0]);
    expect(broadcastStrides([2, 3, 4], [2, 3, 4])).toEqual([12, 4, 1]);
    expect(broadcastStrides([], [5])).toEqual([0]);
  });
});

describe('coalesce', () => {
  it('merges a dense same-shape space to rank 1', () => {
    const s = stridesOf([2, 3, 4]);
    expect(coalesce([2, 3, 4], [s, s])).toEqual({ shape: [24], strides: [[1], [1]] });
  });

  it('drops length-1 axes and keeps rank >= 1', () => {
    expect(coalesce([1, 1], [[5, 1]])).toEqual({ shape: [1], strides: [[0]] });
    expect(coalesce([2, 1, 3], [[3, 7, 1]])).toEqual({ shape: [6], strides: [[1]] });
  });

  it('keeps axes apart where one operand does not walk them as one', () => {
    const shape = [2, 3, 4];
    const strides = [stridesOf(shape), broadcastStrides([3, 1], shape), [1, 8, 2]];
    const c = coalesce(shape, strides);
    expect(c.shape).toEqual([2, 3, 4]);
    expect(offsets(c.shape, c.strides)).toEqual(offsets(shape, strides));
  });

  it('walks the same offsets as the original space', () => {
    const shape = [3, 1, 4, 5];
    const strides = [
      stridesOf(shape),
      broadcastStrides([4, 5], shape),
      broadcastStrides([3, 1, 1, 1], shape),
    ];
    const c = coalesce(shape, strides);
    expect(c.shape).toEqual([3, 20]);
    expect(offsets(c.shape, c.strides)).toEqual(offsets(shape, strides));
  });
});
