/**
 * Layout conversions for TensorFlow.js, whose native layouts are NHWC images and HWIO filters.
 * They run when a workload is prepared and when its results are checked, never while timed.
 */

/** `[n, c, h, w]` → `[n, h, w, c]`. */
export function nchwToNhwc(a: Float32Array, [n, c, h, w]: readonly number[]): Float32Array {
  const out = new Float32Array(a.length);
  const [N, C, H, W] = [n, c, h, w] as [number, number, number, number];
  for (let i = 0; i < N; i++)
    for (let ch = 0; ch < C; ch++)
      for (let y = 0; y < H; y++)
        for (let x = 0; x < W; x++)
          out[((i * H + y) * W + x) * C + ch] = a[((i * C + ch) * H + y) * W + x] as number;
  return out;
}

/** `[n, h, w, c]` → `[n, c, h, w]`; `shape` is the NCHW shape. */
export function nhwcToNchw(a: Float32Array, [n, c, h, w]: readonly number[]): Float32Array {
  const out = new Float32Array(a.length);
  const [N, C, H, W] = [n, c, h, w] as [number, number, number, number];
  for (let i = 0; i < N; i++)
    for (let ch = 0; ch < C; ch++)
      for (let y = 0; y < H; y++)
        for (let x = 0; x < W; x++)
          out[((i * C + ch) * H + y) * W + x] = a[((i * H + y) * W + x) * C + ch] as number;
  return out;
}

/** Filters `[o, i, kh, kw]` → `[kh, kw, i, o]`. */
export function oihwToHwio(a: Float32Array, [o, i, h, w]: readonly number[]): Float32Array {
  const out = new Float32Array(a.length);
  const [O, I, H, W] = [o, i, h, w] as [number, number, number, number];
  for (let oc = 0; oc < O; oc++)
    for (let ic = 0; ic < I; ic++)
      for (let y = 0; y < H; y++)
        for (let x = 0; x < W; x++)
          out[((y * W + x) * I + ic) * O + oc] = a[((oc * I + ic) * H + y) * W + x] as number;
  return out;
}

/** Filters `[kh, kw, i, o]` → `[o, i, kh, kw]`; `shape` is the OIHW shape. */
export function hwioToOihw(a: Float32Array, [o, i, h, w]: readonly number[]): Float32Array {
  const out = new Float32Array(a.length);
  const [O, I, H, W] = [o, i, h, w] as [number, number, number, number];
  for (let oc = 0; oc < O; oc++)
    for (let ic = 0; ic < I; ic++)
      for (let y = 0; y < H; y++)
        for (let x = 0; x < W; x++)
          out[((oc * I + ic) * H + y) * W + x] = a[((y * W + x) * I + ic) * O + oc] as number;
  return out;
}

/** A row-major `[rows, cols]` matrix transposed. */
export function transpose(a: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(a.length);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) out[c * rows + r] = a[r * cols + c] as number;
  return out;
}

/**
 * A linear layer after a flatten: PyTorch's weight `[out, c·h·w]` reads a CHW-flattened input;
 * the same layer after an NHWC flatten is the kernel `[h·w·c, out]` with its rows permuted.
 */
export function chwLinearToHwcKernel(
  weight: Float32Array,
  out: number,
  [c, h, w]: readonly number[],
): Float32Array {
  const [C, H, W] = [c, h, w] as [number, number, number];
  const kernel = new Float32Array(weight.length);
  for (let o = 0; o < out; o++)
    for (let ch = 0; ch < C; ch++)
      for (let y = 0; y < H; y++)
        for (let x = 0; x < W; x++)
          kernel[((y * W + x) * C + ch) * out + o] = weight[
            o * C * H * W + (ch * H + y) * W + x
          ] as number;
  return kernel;
}

/** The inverse of `chwLinearToHwcKernel`. */
export function hwcKernelToChwLinear(
  kernel: Float32Array,
  out: number,
  [c, h, w]: readonly number[],
): Float32Array {
  const [C, H, W] = [c, h, w] as [number, number, number];
  const weight = new Float32Array(kernel.length);
  for (let o = 0; o < out; o++)
    for (let ch = 0; ch < C; ch++)
      for (let y = 0; y < H; y++)
        for (let x = 0; x < W; x++)
          weight[o * C * H * W + (ch * H + y) * W + x] = kernel[
            ((y * W + x) * C + ch) * out + o
          ] as number;
  return weight;
}
