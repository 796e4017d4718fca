import { withGrad } from '../autograd.js';
import { engine } from '../engine.js';
import { fail, fmtShape } from '../errors.js';
import { backendOf, backendOfTensor, checkOutputSize, wrap } from '../kernel.js';
import { allEntries, checkOptions, option, showValue } from '../options.js';
import { broadcastShapes, normalizeAxes, normalizeAxis, shapesEqual, stridesOf } from '../shape.js';
import { isTensor, shareStorage, type Tensor } from '../tensor.js';
import { tidy } from '../tidy.js';
import { traced } from '../trace.js';
import { needsGrad, unbroadcast } from './arithmetic.js';
import { checkValueFits, full, zeros } from './creation.js';

/** Same numbers, new shape (one dimension may be -1). Shares storage; no copy. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  return reshapeNamed('reshape', x, shape);
}

/** `reshape` whose errors name `fn` (`view` is the same op under PyTorch's other name). */
export function reshapeNamed(fn: string, x: Tensor, shape: readonly number[]): Tensor {
  backendOfTensor(fn, 'input', x);
  if (!Array.isArray(shape)) fail(fn, `shape must be an array, got ${String(shape)}`);
  let inferred = -1;
  let known = 1;
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i] as number;
    if (d === -1) {
      if (inferred >= 0) fail(fn, `only one dimension can be -1, got ${fmtShape(shape)}`);
      inferred = i;
    } else known *= d;
  }
  for (const d of shape) {
    if (!Number.isInteger(d) || d < -1) fail(fn, `invalid size ${d} in shape ${fmtShape(shape)}`);
  }
  if (inferred >= 0 ? known === 0 || x.size % known !== 0 : known !== x.size) {
    fail(
      fn,
      `shape ${fmtShape(shape)} is invalid for input ${fmtShape(x.shape)} of size ${x.size}`,
    );
  }
  let out = shape;
  if (inferred >= 0) {
    out = shape.slice();
    (out as number[])[inferred] = x.size / known;
  }
  // The record keeps the shape as asked for (with its -1): an exporter may leave that axis free.
  return traced('reshape', [x], { shape: [...shape] }, () => {
    const result = shareStorage(x, out);
    if (!needsGrad(x)) return result;
    const from = x.shape;
    return withGrad(fn, result, [x], [], (dy) => [reshape(dy, from)]);
  });
}

/** Flattens dims `startDim..endDim` (inclusive) into one. */
export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  const fn = 'flatten';
  backendOfTensor(fn, 'input', x);
  // A 0-d tensor flattens to [1]; its dims are checked as for a 1-d one, as PyTorch does.
  const s = normalizeAxis(fn, startDim, x.rank, 'startDim');
  const e = normalizeAxis(fn, endDim, x.rank, 'endDim');
  if (x.rank === 0) return reshape(x, [1]);
  if (s > e)
    fail(fn, `startDim ${startDim} comes after endDim ${endDim} for shape ${fmtShape(x.shape)}`);
  const merged = x.shape.slice(s, e + 1).reduce((n, d) => n * d, 1);
  return traced(fn, [x], { startDim: s, endDim: e }, () =>
    reshape(x, [...x.shape.slice(0, s), merged, ...x.shape.slice(e + 1)]),
  );
}

/** Removes size-1 dims (only `dim` when given, if its size is 1). */
export function squeeze(x: Tensor, dim?: number | readonly number[]): Tensor {
  const fn = 'squeeze';
  backendOfTensor(fn, 'input', x);
  const axes = dim === undefined ? x.shape.map((_, i) => i) : normalizeAxes(fn, dim, x.rank);
  const squeezed = axes.filter((i) => x.shape[i] === 1);
  return traced(fn, [x], { axes: squeezed }, () =>
    reshape(
      x,
      x.shape.filter((d, i) => !(d === 1 && axes.includes(i))),
    ),
  );
}

/** Inserts a size-1 dim at `dim` (in the range [-rank-1, rank]). */
export function unsqueeze(x: Tensor, dim: number): Tensor {
  const fn = 'unsqueeze';
  backendOfTensor(fn, 'input', x);
  const axis = normalizeAxis(fn, dim, x.rank + 1);
  return traced(fn, [x], { axis }, () =>
    reshape(x, [...x.shape.slice(0, axis), 1, ...x.shape.slice(axis)]),
  );
}

/** Runs the strided-copy kernel; `adjoint` turns the output gradient back into the input's. */
function stridedCopy(
  fn: string,
  x: Tensor,
  outShape: readonly number[],
  strides: readonly number[],
  offset: number,
  adjoint: (dy: Tensor) => Tensor,
): Tensor {
  const backend = x.backend;
  const out = wrap(
    backend,
    backend.strided(x._kernel(), outShape, strides, offset),
    outShape,
    x.dtype,
  );
  return withGrad(fn, out, [x], [], (dy) => [adjoint(dy)]);
}

/** Writes `src` into a zero tensor of `shape` at a strided view: the adjoint of a slice. */
function scatterView(
  src: Tensor,
  shape: readonly number[],
  strides: readonly number[],
  offset: number,
): Tensor {
  const base = zeros(shape, { dtype: src.dtype, device: src.device });
  const backend = src.backend;
  const out = wrap(
    backend,
    backend.stridedWrite(base._kernel(), src._kernel(), strides, offset),
    shape,
    src.dtype,
  );
  base.dispose();
  return out;
}

/** Reorders dims: output dim i is input dim `dims[i]`. */
export function permute(x: Tensor, dims: readonly number[]): Tensor {
  const fn = 'permute';
  backendOfTensor(fn, 'input', x);
  if (!Array.isArray(dims) || dims.length !== x.rank) {
    fail(fn, `dims must list all ${x.rank} dims of ${fmtShape(x.shape)}, got [${String(dims)}]`);
  }
  const perm = dims.map((d) => normalizeAxis(fn, d, x.rank));
  if (new Set(perm).size !== perm.length) fail(fn, `dims repeat an axis: [${dims.join(',')}]`);
  const inStrides = stridesOf(x.shape);
  const outShape = perm.map((p) => x.shape[p] as number);
  const inverse = perm.map((_, i) => perm.indexOf(i));
  return traced(fn, [x], { perm }, () =>
    stridedCopy(
      fn,
      x,
      outShape,
      perm.map((p) => inStrides[p] as number),
      0,
      (dy) => permute(dy, inverse),
    ),
  );
}

/** Swaps two dims. */
export function transpose(x: Tensor, dim0 = -2, dim1 = -1): Tensor {
  const fn = 'transpose';
  backendOfTensor(fn, 'input', x);
  if (x.rank < 2 && dim0 === -2 && dim1 === -1) return reshape(x, x.shape);
  const a = normalizeAxis(fn, dim0, x.rank, 'dim0');
  const b = normalizeAxis(fn, dim1, x.rank, 'dim1');
  const perm = x.shape.map((_, i) => i);
  perm[a] = b;
  perm[b] = a;
  return permute(x, perm);
}

/** Broadcasts to `shape` (NumPy rules; -1 keeps a dim). Copies; the gradient sums back. */
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  const fn = 'expand';
  const backend = backendOfTensor(fn, 'input', x);
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= -1)) {
    fail(
      fn,
      `shape must be an array of sizes (integers, -1 to keep a dim), got ${showValue(shape)}`,
    );
  }
  const lead = shape.length - x.rank;
  if (lead < 0) fail(fn, `cannot expand ${fmtShape(x.shape)} to fewer dims ${fmtShape(shape)}`);
  const target = shape.map((d, i) => (d === -1 && i >= lead ? (x.shape[i - lead] as number) : d));
  const out = broadcastShapes(fn, x.shape, target);
  if (!shapesEqual(out, target))
    fail(fn, `cannot expand ${fmtShape(x.shape)} to ${fmtShape(shape)}`);
  if (shapesEqual(x.shape, target)) return reshape(x, target);
  checkOutputSize(fn, backend, target, x.dtype, () => `input ${fmtShape(x.shape)}`);
  const inStrides = stridesOf(x.shape);
  const strides = target.map((_, i) =>
    i < lead || x.shape[i - lead] === 1 ? 0 : (inStrides[i - lead] as number),
  );
  const from = x.shape;
  return stridedCopy(fn, x, target, strides, 0, (dy) => unbroadcast(dy, from));
}

/** One entry of an `index` spec: a number picks one position (dropping the dim), null keeps all. */
export type IndexSpec =
  | number
  | null
  | {
      /** First position kept; negative counts from the end. Default 0. */
      start?: number;
      /** Position the slice stops before; negative counts from the end. Default: the size. */
      end?: number;
      /** Positive distance between kept positions. Default 1. */
      step?: number;
    };

/**
 * Basic indexing like `x[1, :, 2:5, ::2]` in PyTorch: `index(x, 1, null, {start: 2, end: 5},
 * {step: 2})`. Missing trailing entries keep whole dims. Steps are positive (use `flip`).
 */
export function index(x: Tensor, ...specs: IndexSpec[]): Tensor {
  return indexNamed('index', x, specs);
}

const SLICE_SPEC = {
  start: option.integer(),
  end: option.integer(),
  step: option.integer({ min: 1 }),
} as const;

function indexNamed(fn: string, x: Tensor, specs: readonly IndexSpec[]): Tensor {
  backendOfTensor(fn, 'input', x);
  specs.forEach((spec, d) => {
    if (spec === null || typeof spec === 'number') return;
    if (typeof spec !== 'object' || Array.isArray(spec)) {
      fail(fn, `index ${d} must be a number, null or { start, end, step }, got ${showValue(spec)}`);
    }
    checkOptions(fn, spec, SLICE_SPEC, `index ${d}`);
  });
  if (specs.length > x.rank)
    fail(fn, `too many indices (${specs.length}) for a tensor of rank ${x.rank}`);
  const inStrides = stridesOf(x.shape);
  const outShape: number[] = [];
  const strides: number[] = [];
  let offset = 0;
  x.shape.forEach((size, d) => {
    const spec = specs[d] ?? null;
    const stride = inStrides[d] as number;
    if (typeof spec === 'number') {
      if (!Number.isInteger(spec) || spec < -size || spec >= size) {
        fail(
          fn,
          `index ${spec} is out of range for dim ${d} of size ${size} (shape ${fmtShape(x.shape)})`,
        );
      }
      offset += (spec < 0 ? spec + size : spec) * stride;
      return;
    }
    const step = spec?.step ?? 1;
    if (!Number.isInteger(step) || step <= 0)
      fail(fn, `step must be a positive integer, got ${step} for dim ${d}`);
    const clampIndex = (v: number | undefined, dflt: number): number => {
      if (v === undefined) return dflt;
      if (!Number.isInteger(v)) fail(fn, `slice bounds must be integers, got ${v} for dim ${d}`);
      const r = v < 0 ? v + size : v;
      return Math.min(Math.max(r, 0), size);
    };
    const start = clampIndex(spec?.start, 0);
    const end = clampIndex(spec?.end, size);
    const n = end > start ? Math.ceil((end - start) / step) : 0;
    outShape.push(n);
    strides.push(stride * step);
    offset += n > 0 ? start * stride : 0;
  });
  const from = x.shape;
  return stridedCopy(fn, x, outShape, strides, offset, (dy) =>
    scatterView(dy, from, strides, offset),
  );
}

/** `x[..., start:end:step, ...]` along one dim. */
export function slice(x: Tensor, dim: number, start?: number, end?: number, step = 1): Tensor {
  const fn = 'slice';
  backendOfTensor(fn, 'input', x);
  const axis = normalizeAxis(fn, dim, x.rank);
  for (const [name, v] of [
    ['start', start],
    ['end', end],
  ] as const) {
    if (v !== undefined && v !== null && !Number.isSafeInteger(v)) {
      fail(fn, `${name} must be an integer, got ${showValue(v)}`);
    }
  }
  if (!Number.isSafeInteger(step) || step < 1) {
    fail(fn, `step must be a positive integer, got ${showValue(step)}`);
  }
  const specs: IndexSpec[] = x.shape.map(() => null);
  specs[axis] = { start: start ?? undefined, end: end ?? undefined, step };
  return indexNamed(fn, x, specs);
}

/** Reverses the order along each of `dims`. */
export function flip(x: Tensor, dims: number | readonly number[]): Tensor {
  const fn = 'flip';
  backendOfTensor(fn, 'input', x);
  if (dims === undefined) fail(fn, 'dims is required: the dims to reverse');
  const axes = normalizeAxes(fn, dims, x.rank);
  const inStrides = stridesOf(x.shape);
  let offset = 0;
  const strides = x.shape.map((size, d) => {
    const s = inStrides[d] as number;
    if (!axes.includes(d)) return s;
    offset += size > 0 ? (size - 1) * s : 0;
    return -s;
  });
  if (x.size === 0) return reshape(x, x.shape);
  return stridedCopy(fn, x, x.shape, strides, offset, (dy) => flip(dy, axes));
}

/** A non-empty array of tensors, without holes, for `concat` and `stack`. */
function checkTensorList(fn: string, tensors: unknown): void {
  if (!Array.isArray(tensors) || tensors.length === 0) {
    fail(fn, `expected a non-empty array of tensors, got ${showValue(tensors)}`);
  }
  for (let i = 0; i < tensors.length; i++) {
    if (!isTensor(tensors[i]))
      fail(fn, `tensors[${i}] must be a Tensor, got ${showValue(tensors[i])}`);
  }
}

/** Joins tensors along an existing dim. */
export function concat(tensors: readonly Tensor[], dim = 0): Tensor {
  const fn = 'concat';
  checkTensorList(fn, tensors);
  const backend = backendOf(
    fn,
    tensors.map((t, i) => [`tensors[${i}]`, t] as const),
  );
  const first = tensors[0] as Tensor;
  tensors.forEach((t, i) => {
    if (t.rank === 0) {
      fail(fn, `tensors[${i}] is 0-d and cannot be concatenated; use stack, or reshape it to [1]`);
    }
  });
  const axis = normalizeAxis(fn, dim, first.rank);
  for (const [i, t] of tensors.entries() as IterableIterator<[number, Tensor]>) {
    if (t.dtype !== first.dtype)
      fail(fn, `tensors[${i}] is ${t.dtype} but tensors[0] is ${first.dtype}`);
    if (t.rank !== first.rank || t.shape.some((d, k) => k !== axis && d !== first.shape[k])) {
      fail(
        fn,
        `tensors[${i}] ${fmtShape(t.shape)} does not match tensors[0] ${fmtShape(first.shape)} outside dim ${axis}`,
      );
    }
  }
  const sizes = tensors.map((t) => t.shape[axis] as number);
  const outShape = [...first.shape];
  outShape[axis] = sizes.reduce((a, b) => a + b, 0);
  checkOutputSize(fn, backend, outShape, first.dtype);
  return traced(fn, tensors, { axis }, () => {
    const out = wrap(
      backend,
      backend.concat(
        tensors.map((t) => t._kernel()),
        axis,
      ),
      outShape,
      first.dtype,
    );
    return withGrad(fn, out, tensors, [], (dy) => {
      let start = 0;
      return sizes.map((n) => {
        const g = slice(dy, axis, start, start + n);
        start += n;
        return g;
      });
    });
  });
}

/** Joins same-shape tensors along a new dim. */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  const fn = 'stack';
  checkTensorList(fn, tensors);
  backendOf(
    fn,
    tensors.map((t, i) => [`tensors[${i}]`, t] as const),
  );
  const first = tensors[0] as Tensor;
  for (const [i, t] of tensors.entries()) {
    if (t.dtype !== first.dtype) {
      fail(fn, `tensors[${i}] is ${t.dtype} but tensors[0] is ${first.dtype}`);
    }
    if (!shapesEqual(t.shape, first.shape)) {
      fail(
        fn,
        `tensors[${i}] ${fmtShape(t.shape)} differs from tensors[0] ${fmtShape(first.shape)}`,
      );
    }
  }
  const axis = normalizeAxis(fn, dim, first.rank + 1);
  const outShape = [...first.shape];
  outShape.splice(axis, 0, tensors.length);
  checkOutputSize(fn, first.backend, outShape, first.dtype);
  return tidy(() =>
    concat(
      tensors.map((t) => unsqueeze(t, axis)),
      axis,
    ),
  );
}

/** Splits into pieces of `size` along `dim` (the last may be smaller), like `torch.split`. */
export function split(x: Tensor, size: number | readonly number[], dim = 0): Tensor[] {
  const fn = 'split';
  backendOfTensor(fn, 'input', x);
  const axis = normalizeAxis(fn, dim, x.rank);
  const n = x.shape[axis] as number;
  let sizes: number[];
  if (typeof size === 'number') {
    if (!Number.isInteger(size) || size <= 0)
      fail(fn, `size must be a positive integer, got ${showValue(size)}`);
    sizes = [];
    for (let s = 0; s < n; s += size) sizes.push(Math.min(size, n - s));
    // An empty dim splits into one empty piece, as in PyTorch.
    if (n === 0) sizes.push(0);
  } else {
    if (
      !Array.isArray(size) ||
      !allEntries(size, (k) => Number.isSafeInteger(k) && (k as number) >= 0)
    ) {
      fail(
        fn,
        `size must be a positive integer or an array of non-negative integers, got ${showValue(size)}`,
      );
    }
    sizes = [...size];
    if (sizes.reduce((a, b) => a + b, 0) !== n) {
      fail(
        fn,
        `sizes [${sizes.join(',')}] do not add up to ${n}, the size of dim ${axis} of ${fmtShape(x.shape)}`,
      );
    }
  }
  let start = 0;
  return sizes.map((k) => {
    const t = slice(x, axis, start, start + k);
    start += k;
    return t;
  });
}

/** Splits into `chunks` nearly equal pieces along `dim`, like `torch.chunk`. */
export function chunk(x: Tensor, chunks: number, dim = 0): Tensor[] {
  backendOfTensor('chunk', 'input', x);
  if (x.rank === 0) fail('chunk', 'input must have at least 1 dim, got a 0-d tensor');
  if (!Number.isInteger(chunks) || chunks <= 0)
    fail('chunk', `chunks must be a positive integer, got ${chunks}`);
  const axis = normalizeAxis('chunk', dim, x.rank);
  return split(x, Math.max(1, Math.ceil((x.shape[axis] as number) / chunks)), axis);
}

/**
 * How `pad` fills: with `value` (`'constant'`), by mirroring without repeating the edge
 * (`'reflect'`), or by repeating the edge (`'replicate'`).
 */
export type PadMode = 'constant' | 'reflect' | 'replicate';

/**
 * Pads like `torch.nn.functional.pad`: `pad` lists (before, after) pairs starting from the LAST
 * dim. `reflect` mirrors without repeating the edge; `replicate` repeats the edge.
 */
export function pad(
  x: Tensor,
  padding: readonly number[],
  mode: PadMode = 'constant',
  value = 0,
): Tensor {
  if (engine.trace === null) return padImpl(x, padding, mode, value);
  // Recorded with PyTorch's argument order: pairs from the last dim back.
  const pairs = Array.isArray(padding) ? [...padding] : padding;
  return traced('pad', [x], { padding: pairs, mode, value }, () =>
    padImpl(x, padding, mode, value),
  );
}

function padImpl(x: Tensor, padding: readonly number[], mode: PadMode, value: number): Tensor {
  const fn = 'pad';
  backendOfTensor(fn, 'input', x);
  if (!Array.isArray(padding) || padding.length % 2 !== 0 || padding.length / 2 > x.rank) {
    fail(
      fn,
      `pad must hold (before, after) pairs for at most ${x.rank} dims, got [${String(padding)}]`,
    );
  }
  for (const p of padding) {
    if (!Number.isInteger(p)) fail(fn, `pad sizes must be integers, got [${padding.join(',')}]`);
    if (p < 0 && mode !== 'constant') {
      fail(
        fn,
        `negative pad sizes (cropping) need mode 'constant', got [${padding.join(',')}] with '${mode}'`,
      );
    }
  }
  if (!['constant', 'reflect', 'replicate'].includes(mode)) {
    fail(fn, `mode must be 'constant', 'reflect' or 'replicate', got ${String(mode)}`);
  }
  if (typeof value !== 'number') fail(fn, `value must be a number, got ${showValue(value)}`);
  if (mode !== 'constant' && value !== 0) {
    fail(fn, `value ${value} is only used by mode 'constant'; mode '${mode}' takes none`);
  }
  checkValueFits(fn, 'value', value, x.dtype, `use a value an ${x.dtype} tensor holds`);
  const before = x.shape.map(() => 0);
  const after = x.shape.map(() => 0);
  for (let i = 0; i < padding.length / 2; i++) {
    before[x.rank - 1 - i] = padding[2 * i] as number;
    after[x.rank - 1 - i] = padding[2 * i + 1] as number;
  }
  if (mode === 'constant') {
    if (before.every((p) => p >= 0) && after.every((p) => p >= 0))
      return padConstant(x, before, after, value);
    // Negative pads crop, as in PyTorch: slice first, then pad what remains positive.
    const specs = x.shape.map((size, d) => {
      const start = Math.max(0, -(before[d] as number));
      const end = size - Math.max(0, -(after[d] as number));
      if (end < start)
        fail(fn, `pad [${padding.join(',')}] crops more than dim ${d} of size ${size} holds`);
      return { start, end };
    });
    return tidy(() =>
      padConstant(
        index(x, ...specs),
        before.map((p) => Math.max(p, 0)),
        after.map((p) => Math.max(p, 0)),
        value,
      ),
    );
  }
  // Built from slices, flips and concat, so its gradient comes from theirs.
  return tidy(() => {
    let out = x;
    for (let d = 0; d < x.rank; d++) {
      const b = before[d] as number;
      const a = after[d] as number;
      if (b === 0 && a === 0) continue;
      const size = out.shape[d] as number;
      if (mode === 'reflect' && (b >= size || a >= size)) {
        fail(
          fn,
          `reflect padding (${b}, ${a}) must be smaller than dim ${d} of size ${size} (input ${fmtShape(x.shape)})`,
        );
      }
      if (size === 0) fail(fn, `cannot ${mode}-pad the empty dim ${d} of ${fmtShape(x.shape)}`);
      const parts: Tensor[] = [];
      if (b > 0)
        parts.push(
          mode === 'reflect' ? flip(slice(out, d, 1, b + 1), d) : repeatEdge(out, d, 0, b),
        );
      parts.push(out);
      if (a > 0)
        parts.push(
          mode === 'reflect'
            ? flip(slice(out, d, size - a - 1, size - 1), d)
            : repeatEdge(out, d, size - 1, a),
        );
      out = concat(parts, d);
    }
    return out === x ? reshape(x, x.shape) : out;
  });
}

function repeatEdge(x: Tensor, dim: number, at: number, times: number): Tensor {
  const edge = slice(x, dim, at, at + 1);
  const shape = [...x.shape];
  shape[dim] = times;
  return expand(edge, shape);
}

function padConstant(
  x: Tensor,
  before: readonly number[],
  after: readonly number[],
  value: number,
): Tensor {
  const outShape = x.shape.map((d, i) => d + (before[i] as number) + (after[i] as number));
  const outStrides = stridesOf(outShape);
  const offset = before.reduce((o, b, i) => o + b * (outStrides[i] as number), 0);
  const backend = x.backend;
  checkOutputSize('pad', backend, outShape, x.dtype, () => `input ${fmtShape(x.shape)}`);
  const base = full(outShape, value, { dtype: x.dtype, device: x.device });
  const out = wrap(
    backend,
    backend.stridedWrite(base._kernel(), x._kernel(), outStrides, offset),
    outShape,
    x.dtype,
  );
  base.dispose();
  const inShape = x.shape;
  return withGrad('pad', out, [x], [], (dy) => [
    wrap(
      dy.backend,
      dy.backend.strided(dy._kernel(), inShape, outStrides, offset),
      inShape,
      dy.dtype,
    ),
  ]);
}
