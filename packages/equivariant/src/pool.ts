/**
 * Pooling of p4 feature maps `[N, C, 4, H, W]`: over the rotation axis (group pooling, which
 * turns an equivariant map into an invariant one) and over space (max pooling of every rotation
 * plane alike, which keeps equivariance when its window grid is symmetric under a quarter turn).
 */
import {
  checkOptions,
  fail,
  fmtShape,
  max,
  maxPool2d,
  mean,
  option,
  reshape,
  type Tensor,
  tidy,
} from '@stride/core';
import { checkP4Map, pairOf, perAxis, sameDeviceAndDtype, show, tensorArg } from './check.js';

/** How `p4Pool` pools the four rotations of each channel. */
export type P4PoolMode = 'max' | 'mean';

const MODE = option.oneOf('max', 'mean');

/** Checks a pooling mode for `fn`; returns it. */
export function checkMode(fn: string, mode: unknown): P4PoolMode {
  if (!MODE.test(mode)) fail(fn, `mode must be ${MODE.expected}, got ${show(mode)}`);
  return mode as P4PoolMode;
}

/**
 * Group pooling: the maximum (default) or the mean over the rotation axis of a p4 feature map,
 * `[N, C, 4, H, W]` → `[N, C, H, W]`. A quarter turn of the network's input turns each output
 * plane and permutes the rotations cyclically, so after this pooling the result just turns with
 * the input (and a global spatial pooling after it is invariant).
 *
 * @example
 * ```ts
 * p4Pool(randn([8, 10, 4, 28, 28])).shape;        // [8, 10, 28, 28]
 * p4Pool(randn([8, 10, 4, 7, 7]), 'mean').shape;  // [8, 10, 7, 7]
 * ```
 */
export function p4Pool(x: Tensor, mode: P4PoolMode = 'max'): Tensor {
  const fn = 'p4Pool';
  tensorArg(fn, 'input', x);
  checkMode(fn, mode);
  checkP4Map(fn, 'input', x);
  return mode === 'max' ? max(x, 2) : mean(x, 2);
}

/** Options of `p4MaxPool2d`. Per-axis values are one number for both axes or one per axis. */
export interface P4MaxPoolOptions {
  /** Window size. */
  kernelSize: number | readonly number[];
  /** Step between windows; defaults to the kernel size. */
  stride?: number | readonly number[] | null;
  /** Implicit padding (with -∞) on both sides, at most half the kernel size. Default 0. */
  padding?: number | readonly number[];
}

/** The rules of `p4MaxPool2d`'s options, which `P4MaxPool2d` takes too. */
export const P4_MAX_POOL_OPTIONS = {
  kernelSize: perAxis(1),
  stride: option.nullable(perAxis(1)),
  padding: perAxis(0),
} as const;

/**
 * Spatial max pooling of a p4 feature map: every rotation plane of every channel pooled alike,
 * `[N, C, 4, H, W]` → `[N, C, 4, H', W']` (sizes as `maxPool2d`'s). `options` may be just the
 * kernel size. Equivariance survives it when the windows tile the map symmetrically:
 * (H + 2·padding − kernelSize) divisible by the stride, as for 2×2 windows on an even size.
 *
 * @example
 * ```ts
 * p4MaxPool2d(randn([8, 10, 4, 28, 28]), 2).shape; // [8, 10, 4, 14, 14]
 * ```
 */
export function p4MaxPool2d(x: Tensor, options: P4MaxPoolOptions | number): Tensor {
  const fn = 'p4MaxPool2d';
  tensorArg(fn, 'input', x);
  const o =
    typeof options === 'number' || Array.isArray(options)
      ? checkOptions(fn, { kernelSize: options }, P4_MAX_POOL_OPTIONS)
      : checkOptions(fn, options, P4_MAX_POOL_OPTIONS);
  if (o.kernelSize === undefined) fail(fn, 'kernelSize is required');
  checkP4Map(fn, 'input', x);
  sameDeviceAndDtype(fn, [['input', x]]);
  const kernel = pairOf(o.kernelSize);
  const stride = o.stride == null ? kernel : pairOf(o.stride);
  const padding = pairOf(o.padding ?? 0);
  if (padding.some((p, i) => p > Math.floor(kernel[i] / 2))) {
    fail(
      fn,
      `padding ${show(padding)} must be at most half the kernel size ${show(kernel)} (padding <= floor(kernel / 2))`,
    );
  }
  const [n, c, , h, w] = x.shape as [number, number, number, number, number];
  const padded = [h + 2 * padding[0], w + 2 * padding[1]];
  if (padded.some((size, i) => size < kernel[i])) {
    fail(
      fn,
      `kernel ${show(kernel)} is larger than the padded input ${show(padded)} (input ${fmtShape(x.shape)}, padding ${show(padding)})`,
    );
  }
  const out = padded.map((size, i) => Math.floor((size - kernel[i]) / stride[i]) + 1);
  return tidy(() => {
    const y = maxPool2d(reshape(x, [n, c * 4, h, w]), { kernelSize: kernel, stride, padding });
    return reshape(y, [n, c, 4, ...out]);
  });
}
