import { arange, gradcheck, tensor } from '@stride/core';
import { describe, expect, it } from 'vitest';
import { rot90 } from '../src/index.js';
import { errorOf, rand64 } from './helpers.js';

// Values from torch.rot90 (PyTorch 1.13) on the same inputs.
describe('rot90', () => {
  const x = arange(6).reshape([2, 3]);

  it('turns from the first dim towards the second, as torch.rot90 (default k 1, dims [0, 1])', async () => {
    expect(await rot90(x).array()).toEqual([
      [2, 5],
      [1, 4],
      [0, 3],
    ]);
    expect(await rot90(x, 2).array()).toEqual([
      [5, 4, 3],
      [2, 1, 0],
    ]);
    expect(await rot90(x, -1).array()).toEqual([
      [3, 0],
      [4, 1],
      [5, 2],
    ]);
  });

  it('counts turns modulo 4 (a whole number of turns gives the input back)', async () => {
    expect(await rot90(x, 5).array()).toEqual(await rot90(x, 1).array());
    expect(await rot90(x, 7).array()).toEqual(await rot90(x, -1).array());
    const same = rot90(x, 4);
    expect(await same.array()).toEqual(await x.array());
  });

  it('turns in the plane of any two dims, negative ones too', async () => {
    const y = arange(24).reshape([2, 3, 4]);
    expect(await rot90(y, 1, [2, 0]).array()).toEqual([
      [
        [12, 0],
        [16, 4],
        [20, 8],
      ],
      [
        [13, 1],
        [17, 5],
        [21, 9],
      ],
      [
        [14, 2],
        [18, 6],
        [22, 10],
      ],
      [
        [15, 3],
        [19, 7],
        [23, 11],
      ],
    ]);
    expect(rot90(y, 3, [-1, -3]).shape).toEqual([4, 3, 2]);
    expect(await rot90(y, -2, [1, 2]).array()).toEqual([
      [
        [11, 10, 9, 8],
        [7, 6, 5, 4],
        [3, 2, 1, 0],
      ],
      [
        [23, 22, 21, 20],
        [19, 18, 17, 16],
        [15, 14, 13, 12],
      ],
    ]);
  });

  it('undoes itself: k turns and then -k turns give the input back', async () => {
    const y = rand64([3, 5, 5], 1);
    for (const k of [1, 2, 3]) {
      expect(await rot90(rot90(y, k, [1, 2]), -k, [1, 2]).array()).toEqual(await y.array());
    }
  });

  it('has a gradient (float64 gradcheck)', async () => {
    const y = rand64([2, 3, 4], 2);
    for (const k of [0, 1, 2, 3]) {
      // A non-scalar output is checked through a random projection: the whole Jacobian.
      const r = await gradcheck((t) => rot90(t, k, [1, 2]), [y]);
      expect(r.ok, `k = ${k}: ${JSON.stringify(r.worst)}`).toBe(true);
    }
  });

  it('rejects bad arguments with messages that name them', () => {
    expect(errorOf(() => rot90(tensor([1, 2, 3])))).toBe(
      'rot90: input must have at least 2 dims to rotate, got input [3]',
    );
    expect(errorOf(() => rot90(x, 1.5))).toBe(
      'rot90: k must be an integer (quarter turns), got 1.5',
    );
    expect(errorOf(() => rot90(x, 1, [0] as unknown as [number, number]))).toBe(
      'rot90: dims must be an array of 2 integers (the plane to rotate in), got [0]',
    );
    expect(errorOf(() => rot90(x, 1, [0, 0]))).toBe(
      'rot90: dims must be two different dims, got [0,0] for input [2,3]',
    );
    expect(errorOf(() => rot90(x, 1, [0, -2]))).toBe(
      'rot90: dims must be two different dims, got [0,-2] for input [2,3]',
    );
    expect(errorOf(() => rot90(x, 1, [0, 2]))).toBe(
      'rot90: dims [0,2] are out of range for input [2,3] (expected each in [-2, 1])',
    );
    expect(errorOf(() => rot90([[1]] as never))).toBe('rot90: input must be a Tensor, got [[1]]');
  });
});
