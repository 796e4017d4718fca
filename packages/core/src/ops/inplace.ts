/**
 * In-place updates in PyTorch's spelling (`zero_`, `fill_`, `copy_`): the explicit exceptions to
 * "tensors are values", like `assign`, which they are built on. They are meant for parameters,
 * buffers and gradients, so they refuse a tensor with autograd history (the result of an op),
 * and they never record a gradient themselves (as under `torch.no_grad()`): the tensor stays a
 * leaf. The autograd graph of earlier steps, and tensors made from the old numbers (a `reshape`,
 * a `detach()`), keep the old numbers: the new ones go into new storage.
 */
import { noGrad } from '../autograd.js';
import { fail, fmtShape } from '../errors.js';
import { backendOfTensor } from '../kernel.js';
import { showValue } from '../options.js';
import { shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { checkValueFits, full } from './creation.js';
import { expand } from './layout.js';

/** Throws unless `t` is a live leaf tensor (one that no op with a gradient made). */
function checkTarget(fn: string, t: Tensor): void {
  backendOfTensor(fn, 'tensor', t);
  if (!t.isLeaf) {
    fail(
      fn,
      `tensor ${fmtShape(t.shape)} is the result of an op that records gradients; only leaf tensors (parameters, buffers, gradients) are updated in place: use the new tensor itself, or detach() it first`,
    );
  }
}

/** Replaces `t`'s numbers with those of `value` (same shape and dtype) and frees `value`. */
function replace(t: Tensor, value: Tensor): Tensor {
  t.assign(value);
  value.dispose();
  return t;
}

/** `fill_(value)`: sets every element of leaf `t` to `value`, in place; returns `t`. */
export function fill_(t: Tensor, value: number | boolean): Tensor {
  return fillNamed('fill_', t, value);
}

/** `zero_()`: sets every element of leaf `t` to 0, in place; returns `t`. */
export function zero_(t: Tensor): Tensor {
  return fillNamed('zero_', t, 0);
}

/** `fill_` whose errors name `fn`. */
function fillNamed(fn: string, t: Tensor, value: number | boolean): Tensor {
  checkTarget(fn, t);
  if (typeof value !== 'number' && typeof value !== 'boolean') {
    fail(fn, `value must be a number or a boolean, got ${showValue(value)}`);
  }
  checkValueFits(fn, 'value', Number(value), t.dtype, 'cast the tensor to float32 first');
  return replace(
    t,
    noGrad(() => full(t.shape, Number(value), { dtype: t.dtype, device: t.device })),
  );
}

/**
 * `copy_(src)`: copies `src`'s numbers into leaf `t`, in place; returns `t`. `src` must have
 * `t`'s dtype and device and a shape that broadcasts to `t`'s (PyTorch's rule).
 */
export function copy_(t: Tensor, src: Tensor): Tensor {
  const fn = 'copy_';
  checkTarget(fn, t);
  backendOfTensor(fn, 'src', src);
  if (src.backend !== t.backend) {
    fail(
      fn,
      `src is on '${src.device}' but the tensor is on '${t.device}'; move it first with await src.to('${t.device}')`,
    );
  }
  if (src.dtype !== t.dtype) {
    fail(fn, `src is ${src.dtype} but the tensor is ${t.dtype}; cast it first`);
  }
  const fits =
    src.rank <= t.rank &&
    src.shape.every((d, i) => d === 1 || d === t.shape[t.rank - src.rank + i]);
  if (!fits) {
    fail(
      fn,
      `src ${fmtShape(src.shape)} does not broadcast to the tensor's shape ${fmtShape(t.shape)}`,
    );
  }
  if (shapesEqual(src.shape, t.shape)) return t.assign(src);
  return replace(
    t,
    noGrad(() => expand(src, t.shape)),
  );
}
