/**
 * Shape arithmetic on the host: the ops that exporters chain to compute shapes, axes and sizes
 * (Shape, Gather, Unsqueeze, Concat, Slice, Squeeze, Cast and element-wise arithmetic) carried out
 * on plain number arrays, plus the shape rules shared with their device forms (Reshape's 0 and -1,
 * Slice's clamping, NumPy broadcasting).
 */
import { type Host, type HostKind, host } from './values.js';

/** The product of `dims` (1 for none). */
export function prod(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

/** NumPy broadcasting of two shapes, or undefined when they do not broadcast. */
export function broadcastDims(a: readonly number[], b: readonly number[]): number[] | undefined {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) return undefined;
    out.push(x === 1 ? y : x);
  }
  return out;
}

/** Row-major strides of `dims`. */
function stridesOf(dims: readonly number[]): number[] {
  const s = new Array<number>(dims.length);
  let acc = 1;
  for (let i = dims.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= dims[i] as number;
  }
  return s;
}

/** The flat index into `dims` (broadcast to `out`) of the multi-index `idx` of `out`. */
function broadcastIndex(idx: readonly number[], dims: readonly number[], out: number): number {
  const strides = stridesOf(dims);
  let flat = 0;
  const offset = out - dims.length;
  for (let i = 0; i < dims.length; i++) {
    const d = dims[i] as number;
    if (d !== 1) flat += (idx[offset + i] as number) * (strides[i] as number);
  }
  return flat;
}

/** The multi-index of flat position `i` in `dims`. */
function unravel(i: number, dims: readonly number[]): number[] {
  const out = new Array<number>(dims.length);
  let rest = i;
  for (let d = dims.length - 1; d >= 0; d--) {
    const n = dims[d] as number;
    out[d] = rest % n;
    rest = Math.floor(rest / n);
  }
  return out;
}

/** Element-wise `op` with broadcasting; the result has kind `kind` (undefined: broadcast fails). */
export function hostBinary(
  a: Host,
  b: Host,
  kind: HostKind,
  op: (x: number, y: number) => number,
): Host | undefined {
  const dims = broadcastDims(a.dims, b.dims);
  if (!dims) return undefined;
  const n = prod(dims);
  const values = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const idx = unravel(i, dims);
    values[i] = op(
      a.values[broadcastIndex(idx, a.dims, dims.length)] as number,
      b.values[broadcastIndex(idx, b.dims, dims.length)] as number,
    );
  }
  return host(kind, dims, values, a.wide || b.wide);
}

/** Element-wise `op` of one host value. */
export function hostUnary(a: Host, op: (x: number) => number, kind: HostKind = a.kind): Host {
  return host(kind, a.dims, a.values.map(op), a.wide);
}

/** ONNX Gather on the host: `indices` (non-negative, checked by the caller) along `axis`. */
export function hostGather(data: Host, indices: Host, axis: number): Host {
  const outer = prod(data.dims.slice(0, axis));
  const dim = data.dims[axis] as number;
  const inner = prod(data.dims.slice(axis + 1));
  const values: number[] = [];
  for (let o = 0; o < outer; o++) {
    for (const j of indices.values) {
      const base = (o * dim + j) * inner;
      for (let k = 0; k < inner; k++) values.push(data.values[base + k] as number);
    }
  }
  const dims = [...data.dims.slice(0, axis), ...indices.dims, ...data.dims.slice(axis + 1)];
  return host(data.kind, dims, values, data.wide);
}

/** ONNX Concat on the host (the caller checked that the dims agree off `axis`). */
export function hostConcat(parts: readonly Host[], axis: number): Host {
  const first = parts[0] as Host;
  const outer = prod(first.dims.slice(0, axis));
  const values: number[] = [];
  for (let o = 0; o < outer; o++) {
    for (const p of parts) {
      const chunk = prod(p.dims.slice(axis));
      for (let k = 0; k < chunk; k++) values.push(p.values[o * chunk + k] as number);
    }
  }
  const dims = [...first.dims];
  dims[axis] = parts.reduce((n, p) => n + (p.dims[axis] as number), 0);
  return host(
    first.kind,
    dims,
    values,
    parts.some((p) => p.wide),
  );
}

/** One axis of a slice: start, number of elements, step (any sign). */
export interface AxisSlice {
  readonly axis: number;
  readonly start: number;
  readonly count: number;
  readonly step: number;
}

/**
 * ONNX Slice's rule for one axis: negative starts and ends count from the end, then both are
 * clamped ([0, dim] for a positive step, [-1, dim - 1] for a negative one).
 */
export function sliceAxis(
  axis: number,
  dim: number,
  start: number,
  end: number,
  step: number,
): AxisSlice {
  let s = start < 0 ? start + dim : start;
  let e = end < 0 ? end + dim : end;
  if (step > 0) {
    s = Math.min(Math.max(s, 0), dim);
    e = Math.min(Math.max(e, 0), dim);
    return { axis, start: s, count: Math.max(0, Math.ceil((e - s) / step)), step };
  }
  s = Math.min(Math.max(s, -1), dim - 1);
  e = Math.min(Math.max(e, -1), dim - 1);
  return { axis, start: s, count: Math.max(0, Math.ceil((e - s) / step)), step };
}

/** ONNX Slice on the host. */
export function hostSlice(data: Host, slices: readonly AxisSlice[]): Host {
  const dims = [...data.dims];
  const per = new Map(slices.map((s) => [s.axis, s]));
  for (const s of slices) dims[s.axis] = s.count;
  const n = prod(dims);
  const strides = stridesOf(data.dims);
  const values = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const idx = unravel(i, dims);
    let flat = 0;
    for (let d = 0; d < dims.length; d++) {
      const s = per.get(d);
      const j = s ? s.start + (idx[d] as number) * s.step : (idx[d] as number);
      flat += j * (strides[d] as number);
    }
    values[i] = data.values[flat] as number;
  }
  return host(data.kind, dims, values, data.wide);
}

/**
 * The dims Reshape produces: `0` copies the input's dim at that position (unless `allowZero`),
 * one `-1` takes what is left. Returns a string saying why the shape is refused.
 */
export function reshapeDims(
  input: readonly number[],
  shape: readonly number[],
  allowZero: boolean,
): number[] | string {
  const out = shape.map((d, i) => {
    if (d === 0 && !allowZero) {
      if (i >= input.length) return Number.NaN;
      return input[i] as number;
    }
    return d;
  });
  if (out.some((d) => Number.isNaN(d))) return 'a 0 in shape has no input dim to copy';
  const unknown = out.filter((d) => d === -1).length;
  if (unknown > 1) return 'shape has more than one -1';
  if (out.some((d) => d < -1 || !Number.isInteger(d))) return 'shape holds an invalid size';
  const total = prod(input);
  if (unknown === 1) {
    const known = prod(out.filter((d) => d !== -1));
    if (known === 0 || total % known !== 0) {
      return `the input's ${total} elements cannot fill it`;
    }
    return out.map((d) => (d === -1 ? total / known : d));
  }
  if (prod(out) !== total) return `it holds ${prod(out)} elements but the input has ${total}`;
  return out;
}
