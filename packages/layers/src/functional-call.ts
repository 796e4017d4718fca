/**
 * `functionalCall(module, params, ...inputs)`: the module's forward with given tensors in place
 * of its parameters, as PyTorch's `torch.func.functional_call`, so that a JAX-style loop can take
 * gradients of a model with respect to a tree of parameters.
 */
import { Tensor } from '@stride/core';
import { fail, show } from './check.js';
import { Module, type TensorSlot, tensorSlots } from './module.js';

const fmt = (shape: readonly number[]): string => `[${shape.join(',')}]`;

/**
 * Runs `module.forward(...inputs)` with the tensors of `params` in place of the module's own
 * parameters (and buffers), as PyTorch's `torch.func.functional_call`. `params` maps the names of
 * `namedParameters()` and `namedBuffers()` (those of `stateDict()`) to tensors of the same shape,
 * dtype and device. As in PyTorch, a name left out keeps the module's own tensor, so `params`
 * may hold only the parameters to differentiate; a name the module lacks is an error (PyTorch
 * ignores it, which hides a misspelt name). The given tensors may be any tensors, results of
 * other ops included, so gradients flow back to them; the module's own parameters are untouched,
 * and are back in place afterwards even if forward throws. A parameter shared by two layers is
 * replaced in both by any one of its names.
 *
 * @example
 * ```ts
 * const model = new Linear(3, 1);
 * const params = Object.fromEntries(model.namedParameters());  // { weight, bias }
 * const loss = (p: Record<string, Tensor>) => mseLoss(functionalCall(model, p, x), y);
 * const { value, grads } = valueAndGrad(loss)(params);          // grads.weight, grads.bias
 * ```
 */
export function functionalCall<M extends Module>(
  module: M,
  params: Readonly<Record<string, Tensor>> | ReadonlyMap<string, Tensor>,
  ...inputs: Parameters<M['forward']>
): ReturnType<M['forward']> {
  const fn = 'functionalCall';
  if (!(module instanceof Module)) fail(fn, `module must be a Module, got ${show(module)}`);
  if (
    params === null ||
    typeof params !== 'object' ||
    Array.isArray(params) ||
    params instanceof Tensor
  ) {
    fail(fn, `params must be an object or a Map of tensors by name, got ${show(params)}`);
  }
  const given = new Map<string, unknown>(
    params instanceof Map ? params : Object.entries(params as Record<string, Tensor>),
  );
  const slots = tensorSlots(module, fn);
  // Every field holding one tensor is swapped together: a shared parameter has several names.
  const byTensor = new Map<Tensor, TensorSlot[]>();
  for (const s of slots) byTensor.set(s.tensor, [...(byTensor.get(s.tensor) ?? []), s]);
  const names = new Set(slots.map((s) => s.name));
  const problems: string[] = [];
  const unknown = [...given.keys()].filter((k) => !names.has(k));
  const swaps: [TensorSlot, Tensor][] = [];
  for (const [tensor, holders] of byTensor) {
    const named = holders.filter((s) => given.has(s.name));
    const first = named[0];
    // Not given: the module's own tensor stays, as in PyTorch.
    if (first === undefined) continue;
    const value = given.get(first.name);
    const other = named.find((s) => given.get(s.name) !== value);
    if (other) {
      problems.push(
        `${first.name} and ${other.name} name one shared ${first.kind} but are given different tensors`,
      );
    } else if (!(value instanceof Tensor)) {
      problems.push(`${first.name} must be a Tensor, got ${show(value)}`);
    } else if (value.isDisposed) {
      problems.push(`${first.name} was disposed`);
    } else if (fmt(value.shape) !== fmt(tensor.shape)) {
      problems.push(
        `${first.name} has shape ${fmt(value.shape)} in params but ${fmt(tensor.shape)} in the model`,
      );
    } else if (value.dtype !== tensor.dtype) {
      problems.push(`${first.name} is ${value.dtype} in params but ${tensor.dtype} in the model`);
    } else if (value.device !== tensor.device) {
      problems.push(
        `${first.name} is on '${value.device}' in params but on '${tensor.device}' in the model`,
      );
    } else {
      for (const s of holders) swaps.push([s, value]);
    }
  }
  if (unknown.length > 0) {
    problems.unshift(
      `unknown names ${unknown.join(', ')} (the names are those of namedParameters() and namedBuffers())`,
    );
  }
  if (problems.length > 0) fail(fn, `cannot call ${module.typeName}: ${problems.join('; ')}`);
  const fields = (s: TensorSlot): Record<string, unknown> =>
    s.owner as unknown as Record<string, unknown>;
  for (const [s, value] of swaps) fields(s)[s.prop] = value;
  try {
    return module.forward(...inputs) as ReturnType<M['forward']>;
  } finally {
    for (const [s] of swaps) fields(s)[s.prop] = s.tensor;
  }
}
