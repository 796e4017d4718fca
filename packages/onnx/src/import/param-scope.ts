/**
 * Where an imported model keeps its parameters and buffers, so that the state dict's keys are the
 * ONNX initializer names. A dotted name (`features.0.weight`, as PyTorch and Stride export) is
 * nested into child modules (`features`, then `0`, holding `weight`), giving the module tree a
 * PyTorch user knows; any name that cannot be a property path (`onnx::Conv_12`, a segment that
 * would shadow a Module member such as `training`, an empty segment) is kept whole as the
 * state-dict key of a tensor on the nearest scope.
 */
import { fail, type Tensor } from '@stride/core';
import { Module } from '@stride/layers';

/** Where a registered tensor lives: read `holder[prop]` at run time (`to()` replaces it there). */
export interface Slot {
  readonly holder: TensorHolder;
  readonly prop: string;
}

/** A module that registers tensors under given state-dict keys. */
export abstract class TensorHolder extends Module {
  /**
   * Registers `t` as a parameter or buffer under state-dict `key` in a fresh property (the key
   * itself where it is a free property name). Returns the property.
   */
  hold(key: string, t: Tensor, kind: 'parameter' | 'buffer'): string {
    let prop = key;
    for (let i = 0; !isFree(this, prop); i++) prop = `$${i}`;
    const self = this as unknown as Record<string, unknown>;
    self[prop] = kind === 'parameter' ? this.param(t, key) : this.buffer(t, key);
    return prop;
  }
}

/** Whether `prop` names nothing on `m` yet: no field, no method, no inherited member. */
function isFree(m: Module, prop: string): boolean {
  return prop !== '' && !(prop in m);
}

/** A child module of an imported model that only holds tensors (one dotted name segment). */
export class OnnxScope extends TensorHolder {
  static override readonly typeName = 'OnnxScope';

  /** A scope computes nothing: its tensors are used by the imported model's graph. */
  forward(): Tensor {
    return fail(
      'OnnxScope.forward',
      'this module only holds parameters of an imported ONNX model; call the model itself',
    );
  }
}

/**
 * Registers `t` under the state-dict name `name` in `root`'s tree, nesting dotted names into
 * scopes where every segment can be a property. Returns where it lives.
 */
export function placeTensor(
  root: TensorHolder,
  name: string,
  t: Tensor,
  kind: 'parameter' | 'buffer',
): Slot {
  const segments = name.split('.');
  let holder: TensorHolder = root;
  let i = 0;
  for (; i < segments.length - 1; i++) {
    const seg = segments[i] as string;
    const existing = (holder as unknown as Record<string, unknown>)[seg];
    if (existing instanceof OnnxScope && Object.hasOwn(holder, seg)) {
      holder = existing;
      continue;
    }
    if (!isFree(holder, seg) || segments[i + 1] === '') break;
    const scope = new OnnxScope();
    (holder as unknown as Record<string, unknown>)[seg] = scope;
    holder = scope;
  }
  const key = segments.slice(i).join('.');
  return { holder, prop: holder.hold(key, t, kind) };
}
