/**
 * Gradient clipping, as `torch.nn.utils.clip_grad_norm_` and `clip_grad_value_`. Gradients are
 * changed in place through `assign`, so a handle on `p.grad` taken before sees the clipped values.
 */
import {
  abs,
  add,
  cast,
  clamp,
  div,
  isFloat,
  isTensor,
  max,
  min,
  mul,
  ne,
  noGrad,
  pow,
  sqrt,
  stack,
  sum,
  type Tensor,
  tidy,
  zeros,
} from '@stride/core';
import { arg, disposedParameter, fail, option, parametersHint, show } from './check.js';

/** A bound: above 0, and Infinity for none. */
const positive = option.custom<number>('a number > 0', (v) => typeof v === 'number' && v > 0);

function parameterList(fn: string, parameters: Tensor | Iterable<Tensor>): Tensor[] {
  if (isTensor(parameters)) return [parameters];
  if (parameters === null || typeof parameters !== 'object' || !(Symbol.iterator in parameters)) {
    fail(
      fn,
      `parameters must be a tensor or an iterable of tensors, got ${show(parameters)}${parametersHint(parameters)}`,
    );
  }
  const list = [...parameters];
  list.forEach((p, i) => {
    if (!isTensor(p)) fail(fn, `parameters[${i}] must be a Tensor, got ${show(p)}`);
    // A disposed parameter has no gradient: it would be skipped, and nothing clipped.
    if (p.isDisposed) fail(fn, disposedParameter(`parameters[${i}]`, p));
  });
  return list;
}

function gradsOf(fn: string, params: Tensor[]): Tensor[] {
  const grads: Tensor[] = [];
  params.forEach((p, i) => {
    const g = p.grad as unknown;
    if (g === null) return;
    if (!isTensor(g)) {
      fail(fn, `the gradient of parameters[${i}] must be a Tensor or null, got ${show(g)}`);
    }
    if (g.isDisposed) fail(fn, `the gradient of parameters[${i}] was disposed`);
    if (!isFloat(g.dtype))
      fail(fn, `the gradient of parameters[${i}] is ${g.dtype}; gradients are float tensors`);
    grads.push(g);
  });
  return grads;
}

/** The p-norm of all entries; p may be Infinity, -Infinity or 0 (the count of non-zeros). */
function vectorNorm(x: Tensor, p: number): Tensor {
  if (p === Number.POSITIVE_INFINITY) return max(abs(x));
  if (p === Number.NEGATIVE_INFINITY) return min(abs(x));
  if (p === 0) return sum(cast(ne(x, 0), x.dtype));
  if (p === 1) return sum(abs(x));
  if (p === 2) return sqrt(sum(mul(x, x)));
  return pow(sum(pow(abs(x), p)), 1 / p);
}

/**
 * Scales all gradients together so that their joint `normType`-norm (as if concatenated into one
 * vector) is at most `maxNorm`: each is multiplied by min(1, maxNorm / (total + 1e-6)), PyTorch's
 * clip coefficient, also when it is 1 (so no value has to be read back).
 *
 * Returns the total norm before clipping as a new scalar tensor, like PyTorch, rather than a
 * number: reading it would wait for the device. `await total.item()` gives the number; the
 * caller disposes the tensor. Parameters without a gradient are ignored; with none at all the
 * result is 0. All gradients must be on one device.
 */
export function clipGradNorm(
  parameters: Tensor | Iterable<Tensor>,
  maxNorm: number,
  normType = 2,
): Tensor {
  const fn = 'clipGradNorm';
  const params = parameterList(fn, parameters);
  // 0 would zero every gradient; Infinity clips nothing and only measures the norm.
  arg(fn, 'maxNorm', maxNorm, positive);
  arg(
    fn,
    'normType',
    normType,
    option.custom(
      'a number (Infinity for the max norm)',
      (v) => typeof v === 'number' && !Number.isNaN(v),
    ),
  );
  const grads = gradsOf(fn, params);
  if (grads.length === 0) return zeros([], { device: params[0]?.device });
  const first = grads[0] as Tensor;
  grads.forEach((g, i) => {
    if (g.device !== first.device) {
      fail(
        fn,
        `gradients are on '${first.device}' and '${g.device}' (gradient ${i}); clip each device's parameters separately`,
      );
    }
  });
  return noGrad(() =>
    tidy(() => {
      const norms = grads.map((g) => cast(vectorNorm(g, normType), first.dtype));
      // PyTorch takes the max of the per-gradient max norms, and otherwise the norm of the
      // per-gradient norms, even of a single one (which matters for normType 0).
      const total =
        normType === Number.POSITIVE_INFINITY
          ? norms.length === 1
            ? (norms[0] as Tensor)
            : max(stack(norms))
          : vectorNorm(stack(norms), normType);
      const coef = clamp(div(maxNorm, add(total, 1e-6)), undefined, 1);
      for (const g of grads) g.assign(mul(g, cast(coef, g.dtype)));
      return total;
    }),
  );
}

/** Clamps every gradient into [−clipValue, clipValue], in place. */
export function clipGradValue(parameters: Tensor | Iterable<Tensor>, clipValue: number): void {
  const fn = 'clipGradValue';
  const params = parameterList(fn, parameters);
  // 0 would zero every gradient, as maxNorm 0 would in clipGradNorm.
  arg(fn, 'clipValue', clipValue, positive);
  const grads = gradsOf(fn, params);
  noGrad(() =>
    tidy(() => {
      for (const g of grads) g.assign(clamp(g, -clipValue, clipValue));
    }),
  );
}
