import { withGrad } from '../autograd.js';
import { fail, fmtShape, StrideError } from '../errors.js';
import { backendOf, checkOutputSize, wrap } from '../kernel.js';
import { showValue } from '../options.js';
import { normalizeAxis } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { tidy } from '../tidy.js';
import { cast, eq } from './arithmetic.js';
import { arange, zeros } from './creation.js';
import { reshape, unsqueeze } from './layout.js';

/**
 * Checks integer indices against [0, bound), throwing a `StrideError` from `fn` that names `arg`,
 * the first value out of range and `extra` (what the bound is). A backend with `readSync` has
 * the values read and checked here; a GPU (`checkIndices`) checks them on the device without
 * stalling its pipeline, and throws the same error, marked as found there, at its next read.
 */
export function checkIndexRange(
  fn: string,
  arg: string,
  index: Tensor,
  bound: number,
  extra = '',
): void {
  const { backend } = index;
  if (index.size === 0) return;
  const problem = (v: number) =>
    `${arg} holds ${v}, out of range for size ${bound}${extra} (${arg} ${fmtShape(index.shape)})`;
  if (backend.readSync) {
    const values = backend.readSync(index._ref.storage, index.dtype, index.size);
    for (let i = 0; i < values.length; i++) {
      const v = values[i] as number;
      if (v < 0 || v >= bound) fail(fn, problem(v));
    }
  } else if (backend.checkIndices) {
    backend.checkIndices(
      index._kernel(),
      0,
      bound,
      (v) =>
        new StrideError(
          fn,
          `${problem(v)}; found on the '${backend.name}' device and reported at the first read after the call`,
        ),
    );
  }
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
    `indices ${fmtShape(indices.shape)}`,
  );
  checkIndexRange(fn, 'indices', indices, numClasses, ' (numClasses)');
  const classes = arange(0, numClasses, 1, { device: indices.device });
  const expanded = unsqueeze(indices, -1);
  const mask = eq(expanded, classes);
  const out = cast(mask, 'int32');
  for (const t of [classes, expanded, mask]) t.dispose();
  return out;
}
