import {
  checkOptions,
  fmtShape,
  isTensor,
  option,
  resolveDevice,
  type Tensor,
  tensor,
} from '@stride/core';
import { checkHostBatch } from './check-batch.js';
import { describeValue, fail } from './fail.js';

/**
 * A batch on the host, before it becomes tensors: what a dataset produces and what transforms
 * change. Keeping batches on the host until the last step lets transforms be plain loops over
 * typed arrays, and uploads each batch to the device once.
 */
export interface HostBatch {
  /** Inputs, row-major, of shape `xShape` (batch first, e.g. [N,1,28,28]). */
  x: Float32Array;
  /** The shape of `x`, batch first. */
  xShape: number[];
  /** Targets: class indices (int32) or values (float32), of shape `yShape` (batch first). */
  y: Int32Array | Float32Array;
  /** The shape of `y`, batch first (`[N]` for class indices). */
  yShape: number[];
}

/** A batch as tensors. */
export interface Batch {
  /** The inputs, float32, e.g. `[N, 1, 28, 28]`. */
  x: Tensor;
  /** The targets: int32 class indices `[N]`, or float32 values. */
  y: Tensor;
}

/**
 * Anything a `DataLoader` can batch: a length and a way to gather samples by index. `getBatch`
 * is synchronous: a dataset that must wait for its data (a `fetch`, a file) reads it first.
 */
export interface Dataset {
  /** The number of samples; indices run from 0 to `length - 1`. */
  readonly length: number;
  /** The samples at `indices`, in that order, as one new host batch. */
  getBatch(indices: ArrayLike<number>): HostBatch;
}

/**
 * A dataset held in typed arrays, one sample after another. Uint8 inputs are pixels: batches
 * hold them as float32 in [0, 1] (`v / 255`, as torchvision's `ToTensor`), so 60,000 MNIST
 * images take 47 MB rather than 188 MB.
 */
export class ArrayDataset implements Dataset {
  /** The number of samples. */
  readonly length: number;
  /** The shape of one input, e.g. `[1, 28, 28]`. */
  readonly sampleShape: readonly number[];
  /** The shape of one target: `[]` for a class index. */
  readonly targetShape: readonly number[];
  private readonly sampleSize: number;
  private readonly targetSize: number;

  /**
   * @param x all inputs, row-major, `length × sampleShape`
   * @param sampleShape the shape of one input, e.g. [1, 28, 28]
   * @param y all targets, `length × targetShape`
   * @param targetShape the shape of one target: [] (the default) for a class index
   */
  constructor(
    readonly x: Float32Array | Uint8Array,
    sampleShape: readonly number[],
    readonly y: Int32Array | Float32Array,
    targetShape: readonly number[] = [],
  ) {
    const fn = 'ArrayDataset';
    if (!(x instanceof Float32Array || x instanceof Uint8Array))
      fail(fn, `x must be a Float32Array or a Uint8Array, got ${describeValue(x)}`);
    if (!(y instanceof Int32Array || y instanceof Float32Array))
      fail(fn, `y must be an Int32Array or a Float32Array, got ${describeValue(y)}`);
    for (const [name, shape] of [
      ['sampleShape', sampleShape],
      ['targetShape', targetShape],
    ] as const) {
      if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
        fail(
          fn,
          `${name} must be a list of non-negative integers, got ${Array.isArray(shape) ? JSON.stringify(shape) : describeValue(shape)}`,
        );
      }
    }
    this.sampleShape = Object.freeze([...sampleShape]);
    this.targetShape = Object.freeze([...targetShape]);
    this.sampleSize = sampleShape.reduce((a, b) => a * b, 1);
    this.targetSize = targetShape.reduce((a, b) => a * b, 1);
    if (this.sampleSize === 0 && x.length !== 0) {
      fail(
        fn,
        `x has ${x.length} values but sampleShape ${fmtShape(sampleShape)} holds none, so the number of samples is unknown`,
      );
    }
    this.length = this.sampleSize === 0 ? 0 : x.length / this.sampleSize;
    if (!Number.isInteger(this.length)) {
      fail(
        fn,
        `x has ${x.length} values, not a whole number of samples of shape ${fmtShape(sampleShape)} (${this.sampleSize} values each)`,
      );
    }
    if (y.length !== this.length * this.targetSize) {
      fail(
        fn,
        `x holds ${this.length} samples but y has ${y.length} values; expected ${this.length * this.targetSize} (${this.length} targets of shape ${fmtShape(targetShape)})`,
      );
    }
  }

  /**
   * The samples at `indices` (an array or typed array of integers from 0 to `length - 1`), in
   * that order, as one new host batch.
   */
  getBatch(indices: ArrayLike<number>): HostBatch {
    const fn = 'ArrayDataset.getBatch';
    if (!Array.isArray(indices) && !isTypedArray(indices)) {
      fail(fn, `indices must be an array of integers, got ${describeValue(indices)}`);
    }
    const n = indices.length;
    const { sampleSize: s, targetSize: t } = this;
    const x = new Float32Array(n * s);
    const y = this.y instanceof Int32Array ? new Int32Array(n * t) : new Float32Array(n * t);
    const pixels = this.x instanceof Uint8Array ? this.x : null;
    for (let b = 0; b < n; b++) {
      const i = indices[b] as number;
      if (!Number.isInteger(i) || i < 0 || i >= this.length) {
        fail(
          fn,
          `indices[${b}] is ${typeof i === 'number' ? i : describeValue(i)}, not an index from 0 to ${this.length - 1} (the dataset holds ${this.length} samples)`,
        );
      }
      if (pixels) {
        for (let k = 0, from = i * s, to = b * s; k < s; k++) {
          x[to + k] = (pixels[from + k] as number) / 255;
        }
      } else {
        x.set((this.x as Float32Array).subarray(i * s, (i + 1) * s), b * s);
      }
      y.set(this.y.subarray(i * t, (i + 1) * t), b * t);
    }
    return { x, xShape: [n, ...this.sampleShape], y, yShape: [n, ...this.targetShape] };
  }

  /**
   * Samples `[start, end)` as a dataset that shares this one's arrays (e.g. a quick subset).
   * As in Python's slicing, a negative bound counts from the end and bounds are clamped.
   */
  slice(start = 0, end = this.length): ArrayDataset {
    for (const [name, v] of [
      ['start', start],
      ['end', end],
    ] as const) {
      if (!Number.isSafeInteger(v)) {
        fail('ArrayDataset.slice', `${name} must be an integer, got ${String(v)}`);
      }
    }
    const lo = Math.max(0, Math.min(this.length, start < 0 ? this.length + start : start));
    const hi = Math.max(lo, Math.min(this.length, end < 0 ? this.length + end : end));
    return new ArrayDataset(
      this.x.subarray(lo * this.sampleSize, hi * this.sampleSize),
      this.sampleShape,
      this.y.subarray(lo * this.targetSize, hi * this.targetSize),
      this.targetShape,
    );
  }

  /** Every sample as two tensors, `x` [length, ...sampleShape] float32 and `y` [length, ...]. */
  toTensors(options?: {
    /** Backend name for the tensors; defaults to the active backend. */
    device?: string;
  }): Batch {
    const fn = 'ArrayDataset.toTensors';
    const o = checkOptions(fn, options, { device: option.string });
    return uploadBatch(fn, this.getBatch(range(this.length)), o.device);
  }
}

/** Wraps tensors (float32 inputs; int32 or float32 targets, same first dimension) as a dataset. */
export async function tensorDataset(x: Tensor, y: Tensor): Promise<ArrayDataset> {
  const fn = 'tensorDataset';
  for (const [name, t] of [
    ['x', x],
    ['y', y],
  ] as const) {
    if (!isTensor(t)) fail(fn, `${name} must be a tensor, got ${describeValue(t)}`);
    if (t.isDisposed) fail(fn, `${name} is disposed (${t.dtype} ${fmtShape(t.shape)})`);
  }
  if (x.dtype !== 'float32') fail(fn, `x must be float32, got ${x.dtype} ${fmtShape(x.shape)}`);
  if (y.dtype !== 'int32' && y.dtype !== 'float32')
    fail(fn, `y must be int32 or float32, got ${y.dtype} ${fmtShape(y.shape)}`);
  if (x.rank === 0 || y.rank === 0 || x.shape[0] !== y.shape[0]) {
    fail(
      fn,
      `x and y must have the same first dimension, got x ${fmtShape(x.shape)} and y ${fmtShape(y.shape)}`,
    );
  }
  const [xs, ys] = await Promise.all([x.data(), y.data()]);
  return new ArrayDataset(
    xs as Float32Array,
    x.shape.slice(1),
    ys as Int32Array | Float32Array,
    y.shape.slice(1),
  );
}

/** Uploads a host batch as new tensors on `device` (default: the active backend). */
export function toTensors(batch: HostBatch, device?: string): Batch {
  const fn = 'toTensors';
  checkHostBatch(fn, 'batch', batch);
  if (device !== undefined && typeof device !== 'string') {
    fail(fn, `device must be a backend name (a string), got ${describeValue(device)}`);
  }
  return uploadBatch(fn, batch, device);
}

/**
 * `toTensors` of a checked batch for the public function `fn`, whose name an unknown or
 * unready device error carries.
 */
export function uploadBatch(fn: string, batch: HostBatch, device: string | undefined): Batch {
  if (device !== undefined) resolveDevice(fn, device);
  const x = tensor(batch.x, { shape: batch.xShape, dtype: 'float32', device });
  try {
    const y = tensor(batch.y, {
      shape: batch.yShape,
      dtype: batch.y instanceof Int32Array ? 'int32' : 'float32',
      device,
    });
    return { x, y };
  } catch (error) {
    x.dispose();
    throw error;
  }
}

export function range(n: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return out;
}

/** A typed array (not a DataView): what `getBatch` takes besides an array. */
function isTypedArray(v: unknown): v is ArrayLike<number> {
  return ArrayBuffer.isView(v) && !(v instanceof DataView);
}
