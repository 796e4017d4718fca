import { uniformAt } from '@stride/core';
import { describe, expect, it } from 'vitest';
import {
  compose,
  type HostBatch,
  normalize,
  randomCrop,
  randomHorizontalFlip,
  randomShift,
} from '../src/index.js';
import { strideError } from './setup.js';

/** A batch of `n` images [c, h, w] whose pixel values encode (image, channel, row, col). */
function images(n: number, c: number, h: number, w: number): HostBatch {
  const x = new Float32Array(n * c * h * w);
  for (let i = 0; i < x.length; i++) x[i] = i + 1;
  return { x, xShape: [n, c, h, w], y: new Int32Array(n), yShape: [n] };
}

function at(b: HostBatch, ...idx: number[]): number {
  let flat = 0;
  for (let d = 0; d < idx.length; d++) flat = flat * (b.xShape[d] as number) + (idx[d] as number);
  return b.x[flat] as number;
}

describe('normalize', () => {
  it('subtracts the mean and divides by the std of each channel, in float32', () => {
    const batch = {
      x: new Float32Array([0, 0.5, 1, 0.2, 0.4, 0.6]),
      xShape: [1, 2, 3],
      y: new Int32Array(1),
      yShape: [1],
    };
    const out = normalize([0.5, 0.1307], [0.25, 0.3081])(batch, 0);
    const f = Math.fround;
    const expected = [0, 0.5, 1]
      .map((v) => f(f(v - 0.5) / f(0.25)))
      .concat([0.2, 0.4, 0.6].map((v) => f(f(f(v) - f(0.1307)) / f(0.3081))));
    expect(Array.from(out.x)).toEqual(expected);
    expect(Array.from(out.x.subarray(0, 3))).toEqual([-2, 0, 2]);
    // The input batch is left alone.
    expect(batch.x[0]).toBe(0);
  });

  it('applies one value to every channel, and checks the channel count', async () => {
    const b = images(2, 3, 1, 1);
    expect(Array.from(normalize(1, 2)(b, 0).x)).toEqual(Array.from(b.x, (v) => (v - 1) / 2));
    expect((await strideError(() => normalize([0, 0], [1, 1])(b, 0))).message).toBe(
      'normalize: mean has 2 values but the batch [2,3,1,1] has 3 channels',
    );
    expect((await strideError(() => normalize(0, 0))).message).toBe(
      'normalize: std must be a positive number or a non-empty array of them (nonzero and finite in float32), got 0',
    );
  });
});

describe('randomCrop and randomShift', () => {
  it('cuts each image at its own offset from the padded image, same offset in all channels', () => {
    const b = images(16, 2, 5, 6);
    const out = randomCrop({ size: [3, 4], padding: 1 })(b, 42);
    expect(out.xShape).toEqual([16, 2, 3, 4]);
    const offsets = new Set<string>();
    for (let n = 0; n < 16; n++) {
      // Find the offset from the top-left pixel that comes from the image (padding is 0).
      let found: [number, number] | undefined;
      for (let dy = -1; dy <= 3 && !found; dy++) {
        for (let dx = -1; dx <= 3 && !found; dx++) {
          let ok = true;
          for (let c = 0; c < 2 && ok; c++) {
            for (let r = 0; r < 3 && ok; r++) {
              for (let k = 0; k < 4 && ok; k++) {
                const sr = dy + r;
                const sc = dx + k;
                const want = sr < 0 || sr >= 5 || sc < 0 || sc >= 6 ? 0 : at(b, n, c, sr, sc);
                ok = at(out, n, c, r, k) === want;
              }
            }
          }
          if (ok) found = [dy, dx];
        }
      }
      expect(found, `image ${n}: no shift reproduces it`).toHaveLength(2);
      offsets.add(String(found));
    }
    expect(offsets.size).toBeGreaterThan(4);
    // Same seed, same crops; another seed, other crops.
    expect(randomCrop({ size: [3, 4], padding: 1 })(b, 42).x).toEqual(out.x);
    expect(randomCrop({ size: [3, 4], padding: 1 })(b, 43).x).not.toEqual(out.x);
  });

  it('shifts by at most maxShift, filling with zeros, keeping the size', () => {
    const b = images(50, 1, 4, 4);
    const out = randomShift(1)(b, 7);
    expect(out.xShape).toEqual([50, 1, 4, 4]);
    let shifted = 0;
    for (let n = 0; n < 50; n++) {
      const img = Array.from(out.x.subarray(n * 16, (n + 1) * 16));
      const src = Array.from(b.x.subarray(n * 16, (n + 1) * 16));
      // Every nonzero value is the source pixel at most one row/col away.
      img.forEach((v, i) => {
        if (v === 0) return;
        const j = src.indexOf(v);
        expect(Math.abs(Math.floor(j / 4) - Math.floor(i / 4))).toBeLessThanOrEqual(1);
        expect(Math.abs((j % 4) - (i % 4))).toBeLessThanOrEqual(1);
      });
      if (img.some((v, i) => v !== src[i])) shifted++;
    }
    expect(shifted).toBeGreaterThan(25);
    expect(Array.from(randomShift(0)(b, 7).x)).toEqual(Array.from(b.x));
  });

  it('matches a per-pixel reference for any fill, padding and size', () => {
    const cases: [number, number, number, number, [number, number], [number, number], number][] = [
      // n, c, h, w, size, padding, fill
      [8, 1, 28, 28, [28, 28], [1, 1], 0],
      [6, 3, 5, 7, [4, 6], [2, 1], 0.5],
      [5, 2, 4, 4, [6, 7], [3, 3], -0],
      [4, 1, 3, 9, [1, 2], [0, 4], -1],
    ];
    for (const [n, c, h, w, size, padding, fill] of cases) {
      const b = images(n, c, h, w);
      const seed = 7 * n + h;
      const out = randomCrop({ size, padding, fill })(b, seed);
      const [outH, outW] = size;
      const expected = new Float32Array(n * c * outH * outW);
      let i = 0;
      for (let img = 0; img < n; img++) {
        const top =
          Math.floor(uniformAt(seed, 2 * img) * (h + 2 * padding[0] - outH + 1)) - padding[0];
        const left =
          Math.floor(uniformAt(seed, 2 * img + 1) * (w + 2 * padding[1] - outW + 1)) - padding[1];
        for (let ch = 0; ch < c; ch++) {
          for (let r = 0; r < outH; r++) {
            for (let k = 0; k < outW; k++, i++) {
              const sr = top + r;
              const sc = left + k;
              expected[i] = sr < 0 || sr >= h || sc < 0 || sc >= w ? fill : at(b, img, ch, sr, sc);
            }
          }
        }
      }
      expect(out.xShape).toEqual([n, c, outH, outW]);
      for (let j = 0; j < expected.length; j++) expect(Object.is(out.x[j], expected[j])).toBe(true);
    }
  });

  it('checks sizes and rank', async () => {
    const b = images(1, 1, 4, 4);
    expect((await strideError(() => randomCrop({ size: 7, padding: 1 })(b, 0))).message).toBe(
      'randomCrop: size [7,7] is larger than the padded image [6,6] (batch [1,1,4,4], padding [1,1])',
    );
    expect((await strideError(() => randomCrop({ padding: -1 }))).message).toBe(
      "randomCrop: option 'padding' must be an integer ≥ 0 or a pair [vertical, horizontal] of them, got -1",
    );
    expect((await strideError(() => randomCrop()({ ...b, xShape: [1, 16] }, 0))).message).toBe(
      'randomCrop: expected images [N,C,H,W] or [N,H,W], got a batch of shape [1,16]',
    );
    expect((await strideError(() => randomCrop()({ ...b, xShape: [16] }, 0))).message).toBe(
      'randomCrop: batch: x holds 16 samples (xShape [16]) but y holds 1 (yShape [1])',
    );
  });
});

describe('randomHorizontalFlip', () => {
  it('mirrors every row of the chosen images, per the seed', () => {
    const b = images(40, 2, 2, 3);
    const all = randomHorizontalFlip(1)(b, 3);
    expect(Array.from(all.x.subarray(0, 6))).toEqual([3, 2, 1, 6, 5, 4]);
    expect(Array.from(randomHorizontalFlip(0)(b, 3).x)).toEqual(Array.from(b.x));
    const half = randomHorizontalFlip(0.5)(b, 3);
    let flipped = 0;
    for (let n = 0; n < 40; n++) {
      const img = half.x.subarray(n * 12, (n + 1) * 12);
      const same = img.every((v, i) => v === b.x[n * 12 + i]);
      const mirrored = img.every((v, i) => v === all.x[n * 12 + i]);
      expect(same !== mirrored).toBe(true);
      if (mirrored) flipped++;
    }
    expect(flipped).toBeGreaterThan(10);
    expect(flipped).toBeLessThan(30);
    expect(randomHorizontalFlip(0.5)(b, 3).x).toEqual(half.x);
  });

  it('composes with other transforms, each with its own seed', () => {
    const b = images(8, 1, 3, 3);
    const t = compose(randomHorizontalFlip(0.5), normalize(0.5, 2));
    expect(t(b, 1).x).toEqual(t(b, 1).x);
    expect(t(b, 1).x).not.toEqual(t(b, 2).x);
  });
});

describe('the transforms check what they are given', () => {
  const message = async (f: () => unknown) => (await strideError(f)).message;

  it('checks randomCrop options', async () => {
    expect(await message(() => randomCrop({ sise: 3 } as never))).toBe(
      "randomCrop: unknown option 'sise' (did you mean 'size'?); the options are size, padding, fill",
    );
    expect(await message(() => randomCrop({ size: 0 }))).toBe(
      "randomCrop: option 'size' must be an integer ≥ 1 or a pair [height, width] of them, got 0",
    );
    expect(await message(() => randomCrop({ size: [3] as never }))).toBe(
      "randomCrop: option 'size' must be an integer ≥ 1 or a pair [height, width] of them, got [3]",
    );
    expect(await message(() => randomCrop({ padding: 1.5 }))).toBe(
      "randomCrop: option 'padding' must be an integer ≥ 0 or a pair [vertical, horizontal] of them, got 1.5",
    );
    expect(await message(() => randomCrop({ fill: Number.NaN }))).toBe(
      "randomCrop: option 'fill' must be a number, got NaN",
    );
    expect(
      await message(() => randomCrop({ size: 50_000, padding: 25_000 })(images(1, 1, 1, 1), 0)),
    ).toBe(
      'randomCrop: the output [1,1,50000,50000] would take 10000000000 bytes, more than the 2147483648 (2 GiB) one typed array holds',
    );
  });

  it('checks the arguments of normalize, randomShift and randomHorizontalFlip', async () => {
    expect(await message(() => normalize({ r: 0.5 } as never, 1))).toBe(
      'normalize: mean must be a number or a non-empty array of numbers (finite in float32), got an object',
    );
    expect(await message(() => normalize('0.5' as never, 1))).toBe(
      'normalize: mean must be a number or a non-empty array of numbers (finite in float32), got string',
    );
    expect(await message(() => normalize(1e39, 1))).toBe(
      'normalize: mean must be a number or a non-empty array of numbers (finite in float32), got 1e+39',
    );
    // 1e-46 is 0 in float32: the division would give Infinity.
    expect(await message(() => normalize([0.5, 0.5], [0.2, 1e-46]))).toBe(
      'normalize: std must be a positive number or a non-empty array of them (nonzero and finite in float32), got [0.2,1e-46]',
    );
    expect(await message(() => normalize([], 1))).toMatch(/^normalize: mean must be .*, got \[\]$/);
    expect(await message(() => randomShift(1.5))).toBe(
      'randomShift: maxShift must be a non-negative integer, got 1.5',
    );
    expect(await message(() => randomShift(1, Number.NaN))).toBe(
      'randomShift: fill must be a finite number, got NaN',
    );
    expect(await message(() => randomHorizontalFlip('0.5' as never))).toBe(
      'randomHorizontalFlip: p must be a probability in [0, 1], got string',
    );
  });

  it('checks the batch and the seed each transform is applied to', async () => {
    const b = images(2, 1, 2, 2);
    expect(
      await message(() => normalize(0, 1)({ ...b, x: new Float64Array(b.x) } as never, 0)),
    ).toBe('normalize: batch: x must be a Float32Array, got a Float64Array');
    expect(await message(() => randomHorizontalFlip()({ ...b, xShape: [2, 2, 3] }, 0))).toBe(
      'randomHorizontalFlip: batch: x has 8 values but xShape [2,2,3] describes 12',
    );
    expect(await message(() => randomShift(1)(b, 2 ** 32))).toBe(
      'randomShift: seed must be an integer from 0 to 4294967295, got 4294967296',
    );
    expect(await message(() => randomCrop()(b, 0.5))).toBe(
      'randomCrop: seed must be an integer from 0 to 4294967295, got 0.5',
    );
    expect(await message(() => randomCrop()(Promise.resolve(b) as never, 0))).toBe(
      'randomCrop: batch is a Promise: datasets and transforms must be synchronous (read the data into memory first, e.g. as an ArrayDataset, and batch it from there)',
    );
  });

  it('checks what compose is given and what each transform returns', async () => {
    const b = images(2, 1, 2, 2);
    expect(await message(() => compose(randomShift(1), 'flip' as never))).toBe(
      'compose: transform 1 is not a function (got string)',
    );
    expect(await message(() => compose((async (x: HostBatch) => x) as never))).toBe(
      'compose: transform 0 is an async function: transforms must be synchronous',
    );
    const halves = (x: HostBatch) => ({ ...x, xShape: [4, 1, 1, 2] });
    expect(await message(() => compose(halves)(b, 0))).toBe(
      'compose: the batch that transform 0 returned: x holds 4 samples (xShape [4,1,1,2]) but y holds 2 (yShape [2])',
    );
  });
});
