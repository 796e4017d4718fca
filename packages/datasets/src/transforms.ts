import {
  bitsAt,
  checkOptions,
  DEFAULT_MAX_STORAGE_BYTES,
  fmtShape,
  option,
  uniformAt,
} from '@stride/core';
import { checkHostBatch } from './check-batch.js';
import type { HostBatch } from './dataset.js';
import { describeValue, fail } from './fail.js';

/**
 * Batch transforms: functions from a host batch to a new host batch. Random ones draw from
 * `seed` only (the DataLoader passes a different seed for every batch of every epoch, derived
 * from its own), so a run is reproducible. Images are [N, C, H, W] (or [N, H, W]); the batch
 * given is never modified.
 */
export type Transform = (batch: HostBatch, seed: number) => HostBatch;

/**
 * Checks what a transform is given: a well-formed host batch, and a seed in the generator's
 * range (`seed >>> 0` would otherwise turn 2^32 into 0, and 1.5 into 1, without a word).
 */
function checkInput(fn: string, batch: unknown, seed: unknown): HostBatch {
  if (!Number.isSafeInteger(seed) || (seed as number) < 0 || (seed as number) > 2 ** 32 - 1) {
    fail(
      fn,
      `seed must be an integer from 0 to ${2 ** 32 - 1}, got ${typeof seed === 'number' ? seed : describeValue(seed)}`,
    );
  }
  return checkHostBatch(fn, 'batch', batch);
}

/** Applies transforms in order, each with its own seed derived from the batch's. */
export function compose(...transforms: Transform[]): Transform {
  const fn = 'compose';
  for (const [i, t] of transforms.entries()) {
    if (typeof t !== 'function')
      fail(fn, `transform ${i} is not a function (got ${describeValue(t)})`);
    if (t.constructor?.name === 'AsyncFunction') {
      fail(fn, `transform ${i} is an async function: transforms must be synchronous`);
    }
  }
  return (batch, seed) =>
    transforms.reduce(
      (b, t, i) =>
        checkHostBatch(fn, `the batch that transform ${i} returned`, t(b, bitsAt(seed, i))),
      checkInput(fn, batch, seed),
    );
}

/** One number, or a non-empty array of numbers, each passing `test`; undefined otherwise. */
function numbers(v: unknown, test: (x: number) => boolean): number[] | undefined {
  const values = typeof v === 'number' ? [v] : Array.isArray(v) ? [...v] : undefined;
  return values && values.length > 0 && values.every((x) => typeof x === 'number' && test(x))
    ? values
    : undefined;
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
  // The arithmetic is in float32, where 1e39 is Infinity and 1e-46 is 0 (a division by zero).
  const means = numbers(mean, (m) => Number.isFinite(Math.fround(m)));
  if (!means) {
    fail(
      fn,
      `mean must be a number or a non-empty array of numbers (finite in float32), got ${show(mean)}`,
    );
  }
  const stds = numbers(std, (s) => Math.fround(s) > 0 && Number.isFinite(Math.fround(s)));
  if (!stds) {
    fail(
      fn,
      `std must be a positive number or a non-empty array of them (nonzero and finite in float32), got ${show(std)}`,
    );
  }
  return (input, seed) => {
    const batch = checkInput(fn, input, seed);
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
  const o = checkOptions(fn, options, {
    size: intOrPair(1, '[height, width]'),
    padding: intOrPair(0, '[vertical, horizontal]'),
    fill: option.number(),
  });
  const pair = (v: number | readonly number[] | undefined): [number, number] | undefined =>
    v === undefined ? undefined : typeof v === 'number' ? [v, v] : [v[0] as number, v[1] as number];
  const size = pair(o.size);
  const [padY, padX] = pair(o.padding) ?? [0, 0];
  const fill = o.fill ?? 0;
  return (input, seed) => {
    const batch = checkInput(fn, input, seed);
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
    const outBytes = 4 * n * planes * outH * outW;
    if (outBytes > DEFAULT_MAX_STORAGE_BYTES) {
      fail(
        fn,
        `the output [${[...xShape.slice(0, -2), outH, outW].join(',')}] would take ${outBytes} bytes, more than the ${DEFAULT_MAX_STORAGE_BYTES} (2 GiB) one typed array holds`,
      );
    }
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

/** The rule of an option that takes one integer ≥ `min` or a pair of them. */
function intOrPair(min: number, pair: string) {
  const ok = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= min;
  return option.custom<number | readonly [number, number]>(
    `an integer ≥ ${min} or a pair ${pair} of them`,
    (v) => ok(v) || (Array.isArray(v) && v.length === 2 && v.every(ok)),
  );
}

/** Moves each image by up to `maxShift` pixels in each direction, filling with `fill`. */
export function randomShift(maxShift: number, fill = 0): Transform {
  const fn = 'randomShift';
  if (!Number.isSafeInteger(maxShift) || maxShift < 0) {
    fail(fn, `maxShift must be a non-negative integer, got ${show(maxShift)}`);
  }
  if (typeof fill !== 'number' || !Number.isFinite(fill)) {
    fail(fn, `fill must be a finite number, got ${show(fill)}`);
  }
  const crop = randomCrop({ padding: maxShift, fill });
  // Errors about the batch name the function the caller made the transform with.
  return (input, seed) => crop(checkInput(fn, input, seed), seed);
}

/** Mirrors each image left to right with probability `p`, independently per image. */
export function randomHorizontalFlip(p = 0.5): Transform {
  const fn = 'randomHorizontalFlip';
  if (typeof p !== 'number' || !(p >= 0 && p <= 1))
    fail(fn, `p must be a probability in [0, 1], got ${show(p)}`);
  return (input, seed) => {
    const batch = checkInput(fn, input, seed);
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

/** A value as a message shows it: numbers and arrays as written, anything else by kind. */
function show(v: unknown): string {
  if (typeof v === 'number') return String(v);
  if (Array.isArray(v))
    return `[${v.map((e) => (typeof e === 'number' ? String(e) : describeValue(e))).join(',')}]`;
  return describeValue(v);
}
