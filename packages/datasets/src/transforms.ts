import { bitsAt, fmtShape, uniformAt } from '@stride/core';
import type { HostBatch } from './dataset.js';
import { fail } from './fail.js';

/**
 * Batch transforms: functions from a host batch to a new host batch. Random ones draw from
 * `seed` only (the DataLoader passes a different seed for every batch of every epoch, derived
 * from its own), so a run is reproducible. Images are [N, C, H, W] (or [N, H, W]); the batch
 * given is never modified.
 */
export type Transform = (batch: HostBatch, seed: number) => HostBatch;

/** Applies transforms in order, each with its own seed derived from the batch's. */
export function compose(...transforms: Transform[]): Transform {
  for (const [i, t] of transforms.entries()) {
    if (typeof t !== 'function')
      fail('compose', `transform ${i} is not a function (got ${typeof t})`);
  }
  return (batch, seed) => transforms.reduce((b, t, i) => t(b, bitsAt(seed, i)), batch);
}

/**
 * `(x - mean[c]) / std[c]` per channel (axis 1), as torchvision's `Normalize`, in float32
 * arithmetic so the values match PyTorch's bit for bit. A single number applies to all channels.
 */
export function normalize(
  mean: number | readonly number[],
  std: number | readonly number[],
): Transform {
  const fn = 'normalize';
  const means = typeof mean === 'number' ? [mean] : [...mean];
  const stds = typeof std === 'number' ? [std] : [...std];
  if (means.length === 0 || !means.every(Number.isFinite))
    fail(fn, `mean must be finite numbers, got ${JSON.stringify(mean)}`);
  if (stds.length === 0 || !stds.every((s) => Number.isFinite(s) && s > 0)) {
    fail(fn, `std must be positive numbers, got ${JSON.stringify(std)}`);
  }
  return (batch) => {
    const { xShape } = batch;
    const channels = xShape.length >= 2 ? (xShape[1] as number) : 1;
    const per = (name: string, values: number[]) => {
      if (values.length !== 1 && values.length !== channels) {
        fail(
          fn,
          `${name} has ${values.length} values but the batch ${fmtShape(xShape)} has ${channels} channels`,
        );
      }
      return Float32Array.from(
        { length: channels },
        (_, c) => values[values.length === 1 ? 0 : c] as number,
      );
    };
    const m = per('mean', means);
    const s = per('std', stds);
    const inner = xShape.slice(2).reduce((a, b) => a * b, 1);
    const x = new Float32Array(batch.x.length);
    for (let i = 0; i < x.length; i++) {
      const c = Math.floor(i / inner) % channels;
      x[i] = Math.fround(Math.fround((batch.x[i] as number) - (m[c] as number)) / (s[c] as number));
    }
    return { ...batch, x };
  };
}

/** Options of `randomCrop`. */
export interface RandomCropOptions {
  /** Output height and width; defaults to the input's (a random shift by up to `padding`). */
  size?: number | readonly [number, number];
  /** Pixels added on each side before cropping: one number, or [vertical, horizontal]. */
  padding?: number | readonly [number, number];
  /** The value of the padding. */
  fill?: number;
}

/**
 * Pads each image and cuts a `size` window at a random position, independently per image,
 * as torchvision's `RandomCrop(size, padding)`.
 */
export function randomCrop(options: RandomCropOptions = {}): Transform {
  const fn = 'randomCrop';
  const pair = (name: string, v: unknown, min: number): [number, number] | undefined => {
    if (v === undefined) return undefined;
    const p = typeof v === 'number' ? [v, v] : v;
    if (!Array.isArray(p) || p.length !== 2 || !p.every((d) => Number.isInteger(d) && d >= min)) {
      fail(fn, `${name} must be an integer >= ${min} or a pair of them, got ${JSON.stringify(v)}`);
    }
    return [p[0], p[1]];
  };
  const size = pair('size', options.size, 1);
  const [padY, padX] = pair('padding', options.padding, 0) ?? [0, 0];
  const fill = options.fill ?? 0;
  return (batch, seed) => {
    const { xShape } = batch;
    if (xShape.length < 3)
      fail(fn, `expected images [N,C,H,W] or [N,H,W], got a batch of shape ${fmtShape(xShape)}`);
    const h = xShape[xShape.length - 2] as number;
    const w = xShape[xShape.length - 1] as number;
    const [outH, outW] = size ?? [h, w];
    const padH = h + 2 * padY;
    const padW = w + 2 * padX;
    if (outH > padH || outW > padW) {
      fail(
        fn,
        `size [${outH},${outW}] is larger than the padded image [${padH},${padW}] (batch ${fmtShape(xShape)}, padding [${padY},${padX}])`,
      );
    }
    const n = xShape[0] as number;
    const planes = xShape.slice(1, -2).reduce((a, b) => a * b, 1);
    const x = new Float32Array(n * planes * outH * outW);
    const src = batch.x;
    for (let b = 0; b < n; b++) {
      // Window origin in padded coordinates, then shifted to input coordinates.
      const top = Math.floor(uniformAt(seed, 2 * b) * (padH - outH + 1)) - padY;
      const left = Math.floor(uniformAt(seed, 2 * b + 1) * (padW - outW + 1)) - padX;
      // Output columns [c0, c1) read the image; the rest of each row is fill.
      const c0 = Math.min(outW, Math.max(0, -left));
      const c1 = Math.max(c0, Math.min(outW, w - left));
      for (let p = 0; p < planes; p++) {
        const plane = (b * planes + p) * h * w;
        for (let r = 0; r < outH; r++) {
          const sr = top + r;
          const dst = ((b * planes + p) * outH + r) * outW;
          if (sr < 0 || sr >= h) {
            if (!Object.is(fill, 0)) x.fill(fill, dst, dst + outW);
            continue;
          }
          if (!Object.is(fill, 0)) {
            x.fill(fill, dst, dst + c0);
            x.fill(fill, dst + c1, dst + outW);
          }
          const from = plane + sr * w + left;
          for (let c = c0; c < c1; c++) x[dst + c] = src[from + c] as number;
        }
      }
    }
    return { ...batch, x, xShape: [...xShape.slice(0, -2), outH, outW] };
  };
}

/** Moves each image by up to `maxShift` pixels in each direction, filling with `fill`. */
export function randomShift(maxShift: number, fill = 0): Transform {
  if (!Number.isInteger(maxShift) || maxShift < 0) {
    fail('randomShift', `maxShift must be a non-negative integer, got ${maxShift}`);
  }
  return randomCrop({ padding: maxShift, fill });
}

/** Mirrors each image left to right with probability `p`, independently per image. */
export function randomHorizontalFlip(p = 0.5): Transform {
  const fn = 'randomHorizontalFlip';
  if (typeof p !== 'number' || !(p >= 0 && p <= 1))
    fail(fn, `p must be a probability in [0, 1], got ${p}`);
  return (batch, seed) => {
    const { xShape } = batch;
    if (xShape.length < 2)
      fail(fn, `expected a batch of images with a width axis, got shape ${fmtShape(xShape)}`);
    const n = xShape[0] as number;
    const w = xShape[xShape.length - 1] as number;
    const perSample = n === 0 ? 0 : batch.x.length / n;
    const x = new Float32Array(batch.x);
    for (let b = 0; b < n; b++) {
      if (uniformAt(seed, b) >= p) continue;
      for (let row = b * perSample; row < (b + 1) * perSample; row += w) {
        x.subarray(row, row + w).reverse();
      }
    }
    return { ...batch, x };
  };
}
