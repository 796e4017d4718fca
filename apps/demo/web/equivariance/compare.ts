/**
 * The equivariance panel's numbers: one filter bank applied to an image and to its transformed
 * copy, as a plain convolution (`conv2d`) and as a p4 lifting convolution (`p4LiftConv2d`, the
 * same filters in their four quarter turns), with the transform undone on the second result and
 * compared with the first. For a shift both agree away from the frame's edges; for a turn only the
 * p4 maps do, once the rotation axis is rolled back too.
 */
import { conv2d, fail, fmtShape, isTensor, noGrad, type Tensor, tensor, tidy } from '@stride/core';
import { p4LiftConv2d } from '@stride/equivariant';
import {
  applyTransform,
  comparableMask,
  type PlaneTransform,
  quarterTurns,
  undoTransform,
} from './transform.js';

/** One layer's maps of the image and of its transformed copy, and how far apart they are. */
export interface MapComparison {
  /** Planes of `size × size`: one per channel (plain), or four per channel (p4, rotation r = 0..3). */
  readonly planes: number;
  /** f(x), `planes` planes one after another. */
  readonly original: Float32Array;
  /** f(T x). */
  readonly transformed: Float32Array;
  /**
   * T⁻¹ applied to f(T x), plane by plane; for p4 maps, plane r of channel o is taken from
   * rotation (r + turns) mod 4, which undoes the cyclic shift of the rotation axis. NaN where T
   * pushed the value out of the frame.
   */
  readonly undone: Float32Array;
  /** |undone − original| where the mask allows a comparison, NaN elsewhere. */
  readonly difference: Float32Array;
  /** The largest entry of `difference` (0 when nothing is compared). */
  readonly maxDifference: number;
  /** The largest |f(x)|: the scale the difference is measured against. */
  readonly scale: number;
}

export interface EquivarianceResult {
  readonly size: number;
  /** The image x. */
  readonly input: Float32Array;
  /** T x: turned, then shifted, with zeros coming in. */
  readonly transformedInput: Float32Array;
  /** 1 where maps are compared (in x's coordinates), 0 in the band a shift leaves out. */
  readonly mask: Uint8Array;
  /** `conv2d(x, weight, { bias, padding: 'same' })`: `[channels, size, size]`. */
  readonly plain: MapComparison;
  /** `p4LiftConv2d(x, weight, { bias, padding })`: `[channels, 4, size, size]`. */
  readonly p4: MapComparison;
}

/**
 * Runs `weight` (`[O, 1, k, k]`, k odd) with `bias` (`[O]` or null) over `image` (`size × size`)
 * and over its transform `t`, as a plain and as a p4 lifting convolution with zero padding that
 * keeps the size, and compares each result, undone, with the maps of the untouched image. All
 * tensors it makes are freed before it returns.
 *
 * @example
 * ```ts
 * const r = compareEquivariance(lenet.conv1.weight, lenet.conv1.bias, digit, 28, { dx: 3, dy: 0, turns: 1 });
 * r.plain.maxDifference / r.plain.scale;   // large: a plain convolution does not turn with its input
 * r.p4.maxDifference;                      // ~1e-7: the p4 maps turn, and their rotation axis rolls by one
 * ```
 */
export function compareEquivariance(
  weight: Tensor,
  bias: Tensor | null,
  image: ArrayLike<number>,
  size: number,
  t: PlaneTransform,
): EquivarianceResult {
  const fn = 'compareEquivariance';
  if (!isTensor(weight)) fail(fn, 'weight must be a Tensor');
  const [outChannels, inChannels, kh, kw] = weight.shape as number[];
  if (weight.rank !== 4 || inChannels !== 1 || kh !== kw || (kh as number) % 2 !== 1) {
    fail(
      fn,
      `weight must be [outChannels, 1, k, k] with an odd k (filters over one image channel), got weight ${fmtShape(weight.shape)}`,
    );
  }
  if (bias !== null && (!isTensor(bias) || bias.rank !== 1 || bias.shape[0] !== outChannels)) {
    fail(
      fn,
      `bias must be null or a tensor [${outChannels}] (one per filter), got ${isTensor(bias) ? `bias ${fmtShape(bias.shape)}` : String(bias)}`,
    );
  }
  if (!Number.isSafeInteger(size) || size < (kh as number) || image.length !== size * size) {
    fail(
      fn,
      `image must hold size × size values with size ≥ ${kh} (the kernel), got ${image.length} values for size ${size}`,
    );
  }
  const k = kh as number;
  const transformedInput = applyTransform(image, size, t);
  const mask = comparableMask(size, k, t);
  const [plainMaps, p4Maps] = noGrad(() =>
    tidy(() => {
      // Both images in one batch: [x, T x].
      const batch = new Float32Array(2 * size * size);
      batch.set(Float32Array.from(image), 0);
      batch.set(transformedInput, size * size);
      const x = tensor(batch, {
        shape: [2, 1, size, size],
        dtype: 'float32',
        device: weight.device,
      });
      const padding = (k - 1) / 2;
      const options = { bias, padding };
      const plain = conv2d(x, weight, options).dataSync() as Float32Array;
      const p4 = p4LiftConv2d(x, weight, options).dataSync() as Float32Array;
      return [plain.slice(), p4.slice()];
    }),
  );
  const channels = outChannels as number;
  return {
    size,
    input: Float32Array.from(image),
    transformedInput,
    mask,
    plain: compareMaps(plainMaps as Float32Array, channels, size, t, mask, () => 0),
    p4: compareMaps(p4Maps as Float32Array, channels * 4, size, t, mask, (plane) => {
      // f(T x)[o, r] = T f(x)[o, r − turns]: the source of undone plane (o, r) is (o, r + turns).
      const o = Math.floor(plane / 4);
      return o * 4 + quarterTurns((plane % 4) + t.turns) - plane;
    }),
  };
}

/**
 * Splits the batch of two maps, undoes `t` on the second plane by plane (reading plane
 * `p + from(p)` for undone plane p) and measures the difference where `mask` is 1.
 */
function compareMaps(
  maps: Float32Array,
  planes: number,
  size: number,
  t: PlaneTransform,
  mask: Uint8Array,
  from: (plane: number) => number,
): MapComparison {
  const area = size * size;
  const original = maps.slice(0, planes * area);
  const transformed = maps.slice(planes * area, 2 * planes * area);
  const undone = new Float32Array(planes * area);
  const difference = new Float32Array(planes * area);
  let maxDifference = 0;
  let scale = 0;
  for (let p = 0; p < planes; p++) {
    const back = undoTransform(transformed, size, t, Number.NaN, (p + from(p)) * area);
    undone.set(back, p * area);
    for (let i = 0; i < area; i++) {
      const a = original[p * area + i] as number;
      scale = Math.max(scale, Math.abs(a));
      if (mask[i] !== 1) {
        difference[p * area + i] = Number.NaN;
        continue;
      }
      const d = Math.abs((back[i] as number) - a);
      difference[p * area + i] = d;
      maxDifference = Math.max(maxDifference, d);
    }
  }
  return { planes, original, transformed, undone, difference, maxDifference, scale };
}
