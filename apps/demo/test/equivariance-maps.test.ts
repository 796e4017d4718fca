/**
 * The equivariance panel's numbers with the page's trained conv1 on MNIST test digits: shifting
 * the input shifts the plain and the p4 maps exactly away from the border band; turning it changes
 * the plain maps by a large fraction of their size and the p4 maps only by float rounding, once
 * each plane is turned back and the rotation axis rolled back. Memory stays flat over repeated
 * updates.
 */
import { cpu } from '@stride/backend-cpu';
import { memory, registerBackend, StrideError, tensor } from '@stride/core';
import { type ArrayDataset, loadMnist } from '@stride/datasets';
import type { LeNet5 } from '@stride/layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { compareEquivariance, type MapComparison } from '../web/equivariance/compare.js';
import { quarterTurns, rotatePlane, shiftPlane } from '../web/equivariance/transform.js';
import { shippedLenet } from './shipped-lenet.js';

registerBackend(cpu({ threads: 1, relaxedSimd: false }));

const SIZE = 28;
const AREA = SIZE * SIZE;

let model: LeNet5;
let digits: { image: Float32Array; label: number }[];

beforeAll(async () => {
  model = shippedLenet();
  const test: ArrayDataset = await loadMnist({ train: false });
  digits = [0, 1, 2, 3, 4].map((i) => {
    const { x, y } = test.getBatch([i]);
    return { image: Float32Array.from(x), label: y[0] as number };
  });
});

const run = (image: Float32Array, t: { dx: number; dy: number; turns: number }) =>
  compareEquivariance(model.conv1.weight, model.conv1.bias, image, SIZE, t);

/** Largest |a − b| over the positions of each plane where `keep(y, x)` holds. */
function maxDiffWhere(
  a: Float32Array,
  b: Float32Array,
  planes: number,
  keep: (y: number, x: number) => boolean,
): number {
  let m = 0;
  for (let p = 0; p < planes; p++) {
    for (let y = 0; y < SIZE; y++) {
      for (let x = 0; x < SIZE; x++) {
        if (!keep(y, x)) continue;
        const i = p * AREA + y * SIZE + x;
        m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
      }
    }
  }
  return m;
}

/** Every plane of `c.original` shifted by (dx, dy), with zeros in: T f(x) for a shift T. */
function shiftedOriginal(c: MapComparison, dx: number, dy: number): Float32Array {
  const out = new Float32Array(c.planes * AREA);
  for (let p = 0; p < c.planes; p++)
    out.set(shiftPlane(c.original, SIZE, dx, dy, 0, p * AREA), p * AREA);
  return out;
}

const SHIFTS = [
  { dx: 3, dy: 0 },
  { dx: -2, dy: 5 },
  { dx: 0, dy: -4 },
  { dx: 9, dy: 0 },
  { dx: -7, dy: 8 },
];

describe('a shift', () => {
  it('shifts the conv1 maps exactly, away from the border band', () => {
    for (const { image } of digits) {
      for (const { dx, dy } of SHIFTS) {
        const r = run(image, { dx, dy, turns: 0 });
        // Checked directly, forwards: conv1(T x) against T conv1(x), at positions of the shifted
        // frame at least 2 pixels (conv1's 5×5 half-width) from every edge, whose source is in
        // the frame.
        const interior = (y: number, x: number) =>
          y >= 2 &&
          y <= 25 &&
          x >= 2 &&
          x <= 25 &&
          y - dy >= 0 &&
          y - dy < SIZE &&
          x - dx >= 0 &&
          x - dx < SIZE;
        for (const c of [r.plain, r.p4]) {
          expect(
            maxDiffWhere(c.transformed, shiftedOriginal(c, dx, dy), c.planes, interior),
          ).toBeLessThanOrEqual(1e-6);
          // And as the panel reports it, after undoing.
          expect(c.maxDifference, `dx ${dx}, dy ${dy}`).toBeLessThanOrEqual(1e-6);
          expect(c.scale).toBeGreaterThan(1);
        }
        expect(r.mask.reduce((s, v) => s + v, 0)).toBe(
          (24 - Math.max(0, Math.abs(dx) - 2)) * (24 - Math.max(0, Math.abs(dy) - 2)),
        );
      }
    }
  });

  it('does change the maps in the band when ink leaves the frame: the band is not left out for nothing', () => {
    // Digit 0 is a 7 whose bar reaches column 20 or so: 9 pixels right pushes ink out.
    const { image } = digits[0] as { image: Float32Array };
    const r = run(image, { dx: 9, dy: 0, turns: 0 });
    expect(r.transformedInput.reduce((s, v) => s + v, 0)).toBeLessThan(
      image.reduce((s, v) => s + v, 0) - 1,
    );
    const band = (_y: number, x: number) => x >= 26;
    const gap = maxDiffWhere(r.plain.transformed, shiftedOriginal(r.plain, 9, 0), 6, band);
    expect(gap / r.plain.scale).toBeGreaterThan(0.05);
  });

  it('moves the panel’s input without wrap-around: what leaves is gone, zeros come in', () => {
    const { image } = digits[0] as { image: Float32Array };
    const r = run(image, { dx: 9, dy: -6, turns: 0 });
    for (let y = 0; y < SIZE; y++) {
      for (let x = 0; x < SIZE; x++) {
        const from = y + 6 < SIZE && x - 9 >= 0 ? (image[(y + 6) * SIZE + x - 9] as number) : 0;
        expect(r.transformedInput[y * SIZE + x]).toBe(from);
      }
    }
    // Columns 0-8 and rows 22-27 came in from outside: all zero, though the digit has ink
    // that a wrap-around would have brought there.
    for (let y = 0; y < SIZE; y++) {
      for (let x = 0; x < 9; x++) expect(r.transformedInput[y * SIZE + x]).toBe(0);
    }
  });
});

describe('a quarter turn', () => {
  it('changes the plain conv1 maps by a large fraction of their size, whatever the digit', () => {
    for (const { image, label } of digits) {
      for (const turns of [1, 2, 3]) {
        const r = run(image, { dx: 0, dy: 0, turns });
        // Measured 0.93-1.9 on these digits; an equivariant layer would give ~1e-7.
        expect(
          r.plain.maxDifference / r.plain.scale,
          `digit ${label}, ${turns} turns`,
        ).toBeGreaterThan(0.5);
      }
    }
  });

  it('turns each p4 plane and rolls the rotation axis by one per turn, to float rounding', () => {
    for (const { image, label } of digits) {
      for (const t of [
        { dx: 0, dy: 0, turns: 1 },
        { dx: 0, dy: 0, turns: 2 },
        { dx: 0, dy: 0, turns: 3 },
        { dx: 2, dy: -3, turns: 3 },
        { dx: -4, dy: 1, turns: 1 },
      ]) {
        const r = run(image, t);
        expect(r.p4.maxDifference, `digit ${label}, ${JSON.stringify(t)}`).toBeLessThanOrEqual(
          1e-5,
        );
        if (t.dx === 0 && t.dy === 0) {
          // Forwards and by hand: plane r of p4(T x) is plane r − turns of p4(x), turned.
          for (let o = 0; o < 6; o++) {
            for (let rot = 0; rot < 4; rot++) {
              const from = (o * 4 + quarterTurns(rot - t.turns)) * AREA;
              const expected = rotatePlane(r.p4.original, SIZE, t.turns, from);
              const got = r.p4.transformed.subarray((o * 4 + rot) * AREA, (o * 4 + rot + 1) * AREA);
              let m = 0;
              for (let i = 0; i < AREA; i++)
                m = Math.max(m, Math.abs((got[i] as number) - (expected[i] as number)));
              expect(m).toBeLessThanOrEqual(1e-5);
            }
          }
        }
      }
    }
  });

  it('needs the roll of the rotation axis: turning the planes back alone leaves a large difference', () => {
    const { image } = digits[1] as { image: Float32Array };
    const r = run(image, { dx: 0, dy: 0, turns: 1 });
    let m = 0;
    for (let p = 0; p < 24; p++) {
      const back = rotatePlane(r.p4.transformed, SIZE, -1, p * AREA);
      for (let i = 0; i < AREA; i++)
        m = Math.max(m, Math.abs((back[i] as number) - (r.p4.original[p * AREA + i] as number)));
    }
    expect(m / r.p4.scale).toBeGreaterThan(0.5);
  });

  it('leaves a plain convolution with a symmetric filter unchanged: the trained filters’ orientation is what breaks it', () => {
    // A 5×5 "blob" filter, symmetric under quarter turns.
    const blob = new Float32Array(25);
    for (let y = 0; y < 5; y++)
      for (let x = 0; x < 5; x++) blob[y * 5 + x] = 1 / (1 + (y - 2) ** 2 + (x - 2) ** 2);
    const w = tensor(blob, { shape: [1, 1, 5, 5], device: 'cpu' });
    const b = tensor([0.1], { device: 'cpu' });
    const r = compareEquivariance(w, b, (digits[2] as { image: Float32Array }).image, SIZE, {
      dx: 0,
      dy: 0,
      turns: 1,
    });
    expect(r.plain.maxDifference).toBeLessThanOrEqual(1e-6);
    expect(r.plain.scale).toBeGreaterThan(1);
    w.dispose();
    b.dispose();
  });
});

describe('the p4 layer built from conv1', () => {
  it('has conv1’s own map as its rotation plane 0', () => {
    const r = run((digits[3] as { image: Float32Array }).image, { dx: 0, dy: 0, turns: 0 });
    expect(r.plain.planes).toBe(6);
    expect(r.p4.planes).toBe(24);
    let m = 0;
    for (let o = 0; o < 6; o++) {
      for (let i = 0; i < AREA; i++) {
        m = Math.max(
          m,
          Math.abs(
            (r.p4.original[o * 4 * AREA + i] as number) -
              (r.plain.original[o * AREA + i] as number),
          ),
        );
      }
    }
    expect(m).toBeLessThanOrEqual(1e-6);
    // With nothing moved, every comparison is exact and covers the whole frame.
    expect(r.plain.maxDifference).toBe(0);
    expect(r.p4.maxDifference).toBe(0);
    expect(r.mask.every((v) => v === 1)).toBe(true);
  });
});

describe('memory', () => {
  it('stays flat over repeated updates', () => {
    const { image } = digits[0] as { image: Float32Array };
    run(image, { dx: 1, dy: 0, turns: 1 });
    const before = memory();
    for (let i = 0; i < 30; i++) run(image, { dx: (i % 7) - 3, dy: (i % 5) - 2, turns: i });
    const after = memory();
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numBytes).toBe(before.numBytes);
  });
});

describe('errors', () => {
  it('names the argument and the shapes', () => {
    const w = model.conv1.weight;
    const image = new Float32Array(AREA);
    const t = { dx: 0, dy: 0, turns: 0 };
    expect(() => compareEquivariance(model.conv2.weight, null, image, SIZE, t)).toThrow(
      StrideError,
    );
    expect(() => compareEquivariance(model.conv2.weight, null, image, SIZE, t)).toThrow(
      /compareEquivariance: weight must be \[outChannels, 1, k, k\] with an odd k .* got weight \[16,6,5,5\]/,
    );
    expect(() => compareEquivariance(w, model.conv2.bias, image, SIZE, t)).toThrow(
      /compareEquivariance: bias must be null or a tensor \[6\] .* got bias \[16\]/,
    );
    expect(() => compareEquivariance(w, null, new Float32Array(100), SIZE, t)).toThrow(
      /compareEquivariance: image must hold size × size values .* got 100 values for size 28/,
    );
  });
});
