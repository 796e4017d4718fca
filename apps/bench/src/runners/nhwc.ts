/**
 * Layout conversions for TensorFlow.js, whose native layouts are NHWC images and HWIO filters.
 * They run when a workload is prepared and when its results are checked, never while timed.
 * Each is an axis permutation of a row-major array, through the one `permute` below.
 */

/**
 * `a` of `shape` with its axes reordered: axis `d` of the result is axis `order[d]` of `a`
 * (PyTorch's `permute`), copied to a new row-major array.
 */
export function permute(
  a: Float32Array,
  shape: readonly number[],
  order: readonly number[],
): Float32Array {
  const strides = shape.map((_, d) => shape.slice(d + 1).reduce((p, s) => p * s, 1));
  const outShape = order.map((d) => shape[d] as number);
  const srcStrides = order.map((d) => strides[d] as number);
  const index = outShape.map(() => 0);
  const out = new Float32Array(a.length);
  let src = 0;
  for (let i = 0; i < out.length; i++) {
    out[i] = a[src] as number;
    // Step the result's index like an odometer, moving the source offset along.
    for (let d = outShape.length - 1; d >= 0; d--) {
      src += srcStrides[d] as number;
      if (++(index[d] as number) < (outShape[d] as number)) break;
      src -= (srcStrides[d] as number) * (outShape[d] as number);
      index[d] = 0;
    }
  }
  return out;
}

/** `[n, c, h, w]` → `[n, h, w, c]`. */
export function nchwToNhwc(a: Float32Array, [n, c, h, w]: readonly number[]): Float32Array {
  return permute(a, [n, c, h, w] as number[], [0, 2, 3, 1]);
}

/** `[n, h, w, c]` → `[n, c, h, w]`; `shape` is the NCHW shape. */
export function nhwcToNchw(a: Float32Array, [n, c, h, w]: readonly number[]): Float32Array {
  return permute(a, [n, h, w, c] as number[], [0, 3, 1, 2]);
}

/** Filters `[o, i, kh, kw]` → `[kh, kw, i, o]`. */
export function oihwToHwio(a: Float32Array, [o, i, h, w]: readonly number[]): Float32Array {
  return permute(a, [o, i, h, w] as number[], [2, 3, 1, 0]);
}

/** Filters `[kh, kw, i, o]` → `[o, i, kh, kw]`; `shape` is the OIHW shape. */
export function hwioToOihw(a: Float32Array, [o, i, h, w]: readonly number[]): Float32Array {
  return permute(a, [h, w, i, o] as number[], [3, 2, 0, 1]);
}

/** A row-major `[rows, cols]` matrix transposed. */
export function transpose(a: Float32Array, rows: number, cols: number): Float32Array {
  return permute(a, [rows, cols], [1, 0]);
}

/**
 * A linear layer after a flatten: PyTorch's weight `[out, c·h·w]` reads a CHW-flattened input;
 * the same layer after an NHWC flatten is the kernel `[h·w·c, out]`, that is the weight viewed as
 * `[out, c, h, w]` and permuted to `[h, w, c, out]`.
 */
export function chwLinearToHwcKernel(
  weight: Float32Array,
  out: number,
  [c, h, w]: readonly number[],
): Float32Array {
  return permute(weight, [out, c, h, w] as number[], [2, 3, 1, 0]);
}

/** The inverse of `chwLinearToHwcKernel`. */
export function hwcKernelToChwLinear(
  kernel: Float32Array,
  out: number,
  [c, h, w]: readonly number[],
): Float32Array {
  return permute(kernel, [h, w, c, out] as number[], [3, 2, 0, 1]);
}
