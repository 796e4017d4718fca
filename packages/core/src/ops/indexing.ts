import { noGrad, withGrad } from '../autograd.js';
import type { Backend } from '../backend.js';
import { fail, fmtShape, StrideError } from '../errors.js';
import { backendOf, backendOfPair, checkOutputSize, wrap } from '../kernel.js';
import { showValue } from '../options.js';
import { broadcastShapes, normalizeAxis } from '../shape.js';
import { isTensor, type Tensor } from '../tensor.js';
import { tidy } from '../tidy.js';
import { traced } from '../trace.js';
import { cast, eq, where } from './arithmetic.js';
import { arange, checkValueFits, scalarOn, zeros } from './creation.js';
import { expand, reshape, unsqueeze } from './layout.js';

/**
 * Refuses a tensor that holds a value `isBad` finds, with a `StrideError` from `fn` whose message
 * `report` writes. A backend with `readSync` has the values read and checked here, and `report`
 * gets the first bad value and its element. A GPU (`checkIndices`) checks them on the device
 * without stalling its pipeline: `onDevice` gives the int32 tensor it checks against [0, high)
 * (the values themselves, or a 0/1 mask of the bad ones with high 1), `report` gets the value the
 * device found and a null element, and the error, marked as found there, is thrown at the next
 * read.
 */
export function checkValues(
  fn: string,
  t: Tensor,
  isBad: (v: number) => boolean,
  report: (v: number, element: number | null) => string,
  onDevice: () => { checked: Tensor; high: number },
): void {
  const { backend } = t;
  if (t.size === 0) return;
  if (backend.readSync) {
    const values = backend.readSync(t._ref.storage, t.dtype, t.size);
    for (let i = 0; i < values.length; i++) {
      const v = values[i] as number;
      if (isBad(v)) fail(fn, report(v, i));
    }
  } else if (backend.checkIndices) {
    const { checked, high } = onDevice();
    backend.checkIndices(
      checked._kernel(),
      0,
      high,
      (v) =>
        new StrideError(
          fn,
          `${report(v, null)}; found on the '${backend.name}' device and reported at the first read after the call`,
        ),
    );
  }
}

/**
 * Checks integer indices against [0, bound), throwing a `StrideError` from `fn` that names `arg`,
 * the first value out of range and `extra` (what the bound is), here or, on a GPU, at the next
 * read (`checkValues`).
 */
export function checkIndexRange(
  fn: string,
  arg: string,
  index: Tensor,
  bound: number,
  extra = '',
): void {
  checkValues(
    fn,
    index,
    (v) => v < 0 || v >= bound,
    (v) =>
      `${arg} holds ${v}, out of range for size ${bound}${extra} (${arg} ${fmtShape(index.shape)})`,
    () => ({ checked: index, high: bound }),
  );
}

/** `torch.gather`: picks values of `x` along `dim` at the positions in `index` (int32). */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  const fn = 'gather';
  const backend = backendOf(fn, [
    ['input', x],
    ['index', index],
  ]);
  if (index.dtype !== 'int32') fail(fn, `index must be an int32 tensor, got ${index.dtype}`);
  const axis = normalizeAxis(fn, dim, x.rank);
  if (x.rank === 0 && index.rank === 0) {
    // Scalars gather as one-element vectors: kernels only ever see at least one dimension.
    return tidy(() => reshape(gather(reshape(x, [1]), 0, reshape(index, [1])), []));
  }
  if (index.rank !== x.rank) {
    fail(fn, `index ${fmtShape(index.shape)} must have the rank of input ${fmtShape(x.shape)}`);
  }
  for (let d = 0; d < x.rank; d++) {
    if (d !== axis && (index.shape[d] as number) > (x.shape[d] as number)) {
      fail(
        fn,
        `index ${fmtShape(index.shape)} is larger than input ${fmtShape(x.shape)} at dim ${d}`,
      );
    }
  }
  checkIndexRange(fn, 'index', index, x.shape[axis] as number, ` of dim ${axis}`);
  const out = wrap(
    backend,
    backend.gather(x._kernel(), axis, index._kernel()),
    index.shape,
    x.dtype,
  );
  const xShape = x.shape;
  return withGrad(fn, out, [x], [index], (dy, [idx]) => {
    const base = zeros(xShape, { dtype: dy.dtype, device: dy.device });
    return [scatterAdd(base, axis, idx as Tensor, dy)];
  });
}

/** `torch.scatter_add`: adds `src` into a copy of `x` at `index` along `dim`. */
export function scatterAdd(x: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  const fn = 'scatterAdd';
  const backend = backendOf(fn, [
    ['input', x],
    ['index', index],
    ['src', src],
  ]);
  if (index.dtype !== 'int32') fail(fn, `index must be an int32 tensor, got ${index.dtype}`);
  if (src.dtype !== x.dtype) fail(fn, `src is ${src.dtype} but input is ${x.dtype}`);
  const axis = normalizeAxis(fn, dim, x.rank);
  if (
    index.rank !== x.rank ||
    src.rank !== x.rank ||
    index.shape.some((d, i) => d !== src.shape[i])
  ) {
    fail(
      fn,
      `index ${fmtShape(index.shape)} and src ${fmtShape(src.shape)} must match each other and the rank of input ${fmtShape(x.shape)}`,
    );
  }
  checkIndexRange(fn, 'index', index, x.shape[axis] as number, ` of dim ${axis}`);
  const out = wrap(
    backend,
    backend.scatterAdd(x._kernel(), axis, index._kernel(), src._kernel()),
    x.shape,
    x.dtype,
  );
  return withGrad(fn, out, [x, src], [index], (dy, [idx]) => [dy, gather(dy, axis, idx as Tensor)]);
}

/** One-hot encoding of int32 class indices: a new last dim of `numClasses`, int32 0/1. */
export function oneHot(indices: Tensor, numClasses: number): Tensor {
  const fn = 'oneHot';
  backendOf(fn, [['indices', indices]]);
  if (indices.dtype !== 'int32') fail(fn, `indices must be an int32 tensor, got ${indices.dtype}`);
  if (!Number.isInteger(numClasses) || numClasses <= 0) {
    fail(fn, `numClasses must be a positive integer, got ${showValue(numClasses)}`);
  }
  const backend = indices.backend;
  checkOutputSize(
    fn,
    backend,
    [...indices.shape, numClasses],
    'int32',
    () => `indices ${fmtShape(indices.shape)}`,
  );
  checkIndexRange(fn, 'indices', indices, numClasses, ' (numClasses)');
  const classes = arange(0, numClasses, 1, { device: indices.device });
  const expanded = unsqueeze(indices, -1);
  const mask = eq(expanded, classes);
  const out = cast(mask, 'int32');
  for (const t of [classes, expanded, mask]) t.dispose();
  return out;
}

/**
 * `torch.index_select`: the slices of `x` along `dim` at the positions in `index` (a 1-d int32
 * tensor), in that order; a position may repeat. The output is `x`'s shape with dim `dim` of
 * size `index.size`. The gradient adds each slice's gradient back at its position (scatterAdd).
 *
 * @example
 * ```ts
 * const x = tensor([[1, 2, 3], [4, 5, 6]], { dtype: 'float32' });
 * indexSelect(x, 1, tensor([2, 0, 2])).arraySync(); // [[3, 1, 3], [6, 4, 6]]
 * indexSelect(x, 0, tensor([1])).arraySync();       // [[4, 5, 6]]
 * ```
 */
export function indexSelect(x: Tensor, dim: number, index: Tensor): Tensor {
  const fn = 'indexSelect';
  const backend = backendOf(fn, [
    ['input', x],
    ['index', index],
  ]);
  if (index.dtype !== 'int32') fail(fn, `index must be an int32 tensor, got ${index.dtype}`);
  if (index.rank > 1) fail(fn, `index must be 1-d, got ${fmtShape(index.shape)}`);
  if (x.rank === 0) fail(fn, 'input must have at least 1 dim, got a 0-d tensor');
  const axis = normalizeAxis(fn, dim, x.rank);
  const outShape = x.shape.map((d, i) => (i === axis ? index.size : d));
  checkOutputSize(
    fn,
    backend,
    outShape,
    x.dtype,
    () => `input ${fmtShape(x.shape)}, index ${fmtShape(index.shape)}`,
  );
  checkIndexRange(fn, 'index', index, x.shape[axis] as number, ` of dim ${axis}`);
  return traced(fn, [x, index], { axis }, () =>
    indexSelectRun(fn, backend, x, axis, index, outShape),
  );
}

function indexSelectRun(
  fn: string,
  backend: Backend,
  x: Tensor,
  axis: number,
  index: Tensor,
  outShape: number[],
): Tensor {
  // The gather kernel takes an index of the output's shape: the positions, broadcast.
  const column = x.shape.map((_, i) => (i === axis ? index.size : 1));
  const positions = noGrad(() => tidy(() => expand(reshape(index, column), outShape)));
  const out = wrap(
    backend,
    backend.gather(x._kernel(), axis, positions._kernel()),
    outShape,
    x.dtype,
  );
  const xShape = x.shape;
  const result = withGrad(fn, out, [x], [positions], (dy, [idx]) => {
    const base = zeros(xShape, { dtype: dy.dtype, device: dy.device });
    return [scatterAdd(base, axis, idx as Tensor, dy)];
  });
  positions.dispose();
  return result;
}

/**
 * `torch.masked_fill`: `x` with `value` wherever `mask` (a bool tensor) is true. `mask` and `x`
 * broadcast together (the output has their broadcast shape). `value` is a number (which `x`'s
 * dtype must hold exactly) or a 0-d tensor, cast to `x`'s dtype; gradients flow to `x` where
 * `mask` is false and to a tensor `value` where it is true.
 *
 * @example
 * ```ts
 * const scores = tensor([[1, 2, 3], [4, 5, 6]], { dtype: 'float32' });
 * const future = tensor([false, true, true]);           // broadcast over the rows
 * maskedFill(scores, future, -Infinity).arraySync();    // [[1, -Infinity, -Infinity], [4, -Infinity, -Infinity]]
 * ```
 */
export function maskedFill(x: Tensor, mask: Tensor, value: number | boolean | Tensor): Tensor {
  const fn = 'maskedFill';
  const backend = backendOf(fn, [
    ['input', x],
    ['mask', mask],
  ]);
  if (mask.dtype !== 'bool') fail(fn, `mask must be a bool tensor, got ${mask.dtype}`);
  const outShape = broadcastShapes(fn, x.shape, mask.shape);
  checkOutputSize(
    fn,
    backend,
    outShape,
    x.dtype,
    () => `input ${fmtShape(x.shape)}, mask ${fmtShape(mask.shape)}`,
  );
  let fill: Tensor;
  if (isTensor(value)) {
    backendOfPair(fn, 'input', x, 'value', value);
    if (value.rank !== 0) {
      fail(fn, `value must be a number or a 0-d tensor, got a tensor ${fmtShape(value.shape)}`);
    }
    fill = cast(value, x.dtype);
  } else if (typeof value === 'number' || typeof value === 'boolean') {
    checkValueFits(fn, 'value', Number(value), x.dtype, `cast the input to float32 first`);
    fill = scalarOn(backend, Number(value), x.dtype);
  } else {
    return fail(fn, `value must be a number, a boolean or a 0-d tensor, got ${showValue(value)}`);
  }
  try {
    return where(mask, fill, x);
  } finally {
    if (fill !== value) fill.dispose();
  }
}
