/**
 * The equivariance panel's transforms on plain arrays: a shift drops what leaves the frame and
 * brings zeros in (no wrap-around), a turn is `rot90` of @stride/equivariant (PyTorch's), T⁻¹
 * undoes T where nothing was lost, and the mask of compared positions leaves out exactly the band
 * a shift spoils.
 */
import { cpu } from '@stride/backend-cpu';
import { registerBackend, StrideError, tensor } from '@stride/core';
import { rot90 } from '@stride/equivariant';
import { describe, expect, it } from 'vitest';
import {
  applyTransform,
  comparableMask,
  rotatePlane,
  shiftPlane,
  undoTransform,
} from '../web/equivariance/transform.js';
import { seededRandom } from '../web/ui/seeded-random.js';

registerBackend(cpu({ threads: 1, relaxedSimd: false }));

/** 1, 2, …, n² in a row-major n × n plane. */
const counting = (n: number) => Float32Array.from({ length: n * n }, (_, i) => i + 1);

function randomPlane(n: number, seed: number): Float32Array {
  const random = seededRandom(seed);
  return Float32Array.from({ length: n * n }, () => random() * 2 - 1);
}

describe('shiftPlane', () => {
  it('moves pixels right and down, drops those that leave and brings zeros in', () => {
    // 1  2  3  4          0  0  0  0
    // 5  6  7  8   →      0  1  2  3     (dx = 1, dy = 1)
    // 9 10 11 12          0  5  6  7
    // 13 14 15 16         0  9 10 11
    expect(Array.from(shiftPlane(counting(4), 4, 1, 1))).toEqual([
      0, 0, 0, 0, 0, 1, 2, 3, 0, 5, 6, 7, 0, 9, 10, 11,
    ]);
    expect(Array.from(shiftPlane(counting(4), 4, -2, 0))).toEqual([
      3, 4, 0, 0, 7, 8, 0, 0, 11, 12, 0, 0, 15, 16, 0, 0,
    ]);
    expect(Array.from(shiftPlane(counting(3), 3, 0, -1))).toEqual([4, 5, 6, 7, 8, 9, 0, 0, 0]);
  });

  it('does not wrap around: shifting back does not bring lost pixels back', () => {
    const x = counting(5);
    const there = shiftPlane(x, 5, 2, 0);
    const back = shiftPlane(there, 5, -2, 0);
    for (let y = 0; y < 5; y++) {
      for (let c = 0; c < 5; c++) {
        // Columns 3 and 4 left the frame on the way there; zeros came back in their place.
        expect(back[y * 5 + c]).toBe(c < 3 ? x[y * 5 + c] : 0);
      }
    }
    // The sum shows it too: a wrap-around shift keeps every value.
    const sum = (a: Float32Array) => a.reduce((s, v) => s + v, 0);
    expect(sum(there)).toBeLessThan(sum(x));
  });

  it('empties the frame when the shift is as large as the frame', () => {
    expect(shiftPlane(counting(4), 4, 4, 0).every((v) => v === 0)).toBe(true);
    expect(shiftPlane(counting(4), 4, 0, -7).every((v) => v === 0)).toBe(true);
  });

  it('fills with a given value and reads a plane at an offset', () => {
    const two = new Float32Array([9, 9, 9, 9, 1, 2, 3, 4]);
    expect(Array.from(shiftPlane(two, 2, 1, 0, Number.NaN, 4))).toEqual([
      Number.NaN,
      1,
      Number.NaN,
      3,
    ]);
  });
});

describe('rotatePlane', () => {
  it('turns counter-clockwise as displayed, like torch.rot90', () => {
    expect(Array.from(rotatePlane([1, 2, 3, 4], 2, 1))).toEqual([2, 4, 1, 3]);
    expect(Array.from(rotatePlane([1, 2, 3, 4], 2, 2))).toEqual([4, 3, 2, 1]);
    expect(Array.from(rotatePlane([1, 2, 3, 4], 2, -1))).toEqual([3, 1, 4, 2]);
  });

  it('equals rot90 of @stride/equivariant for every number of turns', async () => {
    for (const n of [1, 4, 5]) {
      const x = randomPlane(n, n);
      for (const k of [-5, -1, 0, 1, 2, 3, 4, 7]) {
        const expected = await rot90(tensor(x, { shape: [n, n] }), k, [0, 1]).data();
        expect(Array.from(rotatePlane(x, n, k)), `n ${n}, k ${k}`).toEqual(Array.from(expected));
      }
    }
  });
});

describe('applyTransform and undoTransform', () => {
  it('turns first, then shifts', () => {
    const x = counting(4);
    const t = { dx: 1, dy: -1, turns: 1 };
    expect(Array.from(applyTransform(x, 4, t))).toEqual(
      Array.from(shiftPlane(rotatePlane(x, 4, 1), 4, 1, -1)),
    );
  });

  it('undoes the transform exactly when nothing left the frame', () => {
    // Ink only in the middle 4 × 4 of an 8 × 8 frame: shifts up to 2 lose nothing.
    const x = new Float32Array(64);
    const random = seededRandom(3);
    for (let y = 2; y < 6; y++) for (let c = 2; c < 6; c++) x[y * 8 + c] = random();
    for (const t of [
      { dx: 2, dy: 0, turns: 0 },
      { dx: -2, dy: 1, turns: 3 },
      { dx: 0, dy: 0, turns: 2 },
    ]) {
      expect(Array.from(undoTransform(applyTransform(x, 8, t), 8, t))).toEqual(Array.from(x));
    }
  });

  it('reads what left the frame as the fill value', () => {
    const back = undoTransform(counting(3), 3, { dx: 1, dy: 0, turns: 0 }, Number.NaN);
    expect(Array.from(back)).toEqual([2, 3, Number.NaN, 5, 6, Number.NaN, 8, 9, Number.NaN]);
  });
});

describe('comparableMask', () => {
  it('compares everywhere when nothing is shifted, even under a turn', () => {
    for (const turns of [0, 1, 2, 3]) {
      expect(comparableMask(28, 5, { dx: 0, dy: 0, turns }).every((v) => v === 1)).toBe(true);
    }
  });

  it('leaves out the band of (k − 1) / 2 pixels of the shifted frame, in the input’s coordinates', () => {
    const mask = comparableMask(28, 5, { dx: 3, dy: -1, turns: 0 });
    for (let y = 0; y < 28; y++) {
      for (let x = 0; x < 28; x++) {
        // Position (y, x) lands on (y − 1, x + 3), which must be at least 2 pixels from each edge.
        const inside = y - 1 >= 2 && y - 1 <= 25 && x + 3 >= 2 && x + 3 <= 25;
        expect(mask[y * 28 + x], `(${y}, ${x})`).toBe(inside ? 1 : 0);
      }
    }
    expect(mask.reduce((s, v) => s + v, 0)).toBe(23 * 24);
  });

  it('turns the band back with the input under a turn and a shift', () => {
    const t = { dx: 4, dy: 0, turns: 1 };
    const mask = comparableMask(10, 3, t);
    // Compared positions are those that T sends into the inner 8 × 8 (1 pixel from each edge):
    // T of the mask is 1 exactly there, in the columns the shift by 4 filled from the frame.
    const landed = applyTransform(Float32Array.from(mask), 10, t);
    for (let y = 0; y < 10; y++) {
      for (let x = 0; x < 10; x++) {
        const expected = y >= 1 && y <= 8 && x >= 4 && x <= 8 ? 1 : 0;
        expect(landed[y * 10 + x], `(${y}, ${x})`).toBe(expected);
      }
    }
    expect(mask.reduce((s, v) => s + v, 0)).toBe(8 * 5);
  });
});

describe('errors', () => {
  it('names the function and the bad argument', () => {
    expect(() => shiftPlane([1, 2, 3], 2, 1, 0)).toThrow(StrideError);
    expect(() => shiftPlane([1, 2, 3], 2, 1, 0)).toThrow(
      /shiftPlane: a 2×2 plane at offset 0 needs 4 values, got 3/,
    );
    expect(() => rotatePlane([1, 2, 3, 4], 0, 1)).toThrow(
      /rotatePlane: size must be a positive integer, got 0/,
    );
    expect(() => applyTransform([1, 2, 3, 4], 2, { dx: 0.5, dy: 0, turns: 0 })).toThrow(
      /applyTransform: transform.dx must be an integer, got 0.5/,
    );
    expect(() => comparableMask(28, 4, { dx: 1, dy: 0, turns: 0 })).toThrow(
      /comparableMask: kernel must be an odd integer from 1 to size 28, got 4/,
    );
  });
});
