/**
 * `Module`, the base class of every layer and model, in the manner of `torch.nn.Module`:
 * parameters, buffers and child modules are found from the instance's own properties, in the
 * order they were declared, so state-dict names come out as in PyTorch (`conv1.weight`,
 * `bn1.running_mean`, `features.0.weight`) without any registration by name.
 */
import { isFloat, isTensor, keep, noGrad, Tensor } from '@stride/core';
import { arg, checkOptions, deviceRule, fail, option, show } from './check.js';
import type { LayerInfo } from './layer-info.js';

/** Tensors by their PyTorch-style dotted name, in PyTorch's order. */
export type StateDict = Record<string, Tensor>;

/** Options of `Module.loadStateDict`. */
export interface LoadStateDictOptions {
  /** Require exactly the model's keys (default). Otherwise load the keys both have in common. */
  strict?: boolean;
}

/** What `Module.loadStateDict` did not match (both lists empty when every key matched). */
export interface LoadStateDictResult {
  /** Keys the model has and the state dict lacks. */
  missingKeys: string[];
  /** Keys the state dict has and the model lacks. */
  unexpectedKeys: string[];
}

/** Called after every `forward` of the module it is registered on, with its inputs and output. */
export type ForwardHook = (module: Module, inputs: readonly Tensor[], output: Tensor) => void;

type Kind = 'parameter' | 'buffer';

/** A tensor the module owns, and where it lives: `prop` on the instance, `key` in a state dict. */
interface Owned {
  readonly prop: string;
  readonly key: string;
  readonly kind: Kind;
  readonly tensor: Tensor;
}

interface Members {
  params: Owned[];
  buffers: Owned[];
  children: [string, Module][];
}

function join(prefix: string, name: string): string {
  return prefix ? `${prefix}.${name}` : name;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

const fmt = (shape: readonly number[]): string => `[${shape.join(',')}]`;

/**
 * Set on a tensor that `to()` replaced and disposed, to the device it moved to, so that an
 * optimizer still holding it can say why it was disposed. `Symbol.for` because the optimizers
 * package reads it without depending on this one.
 */
const MOVED_TO = Symbol.for('stride.movedTo');

/**
 * The printed name of a module class: its own `typeName`, else its class name (a class of the
 * user's), else the nearest ancestor's (an anonymous subclass).
 */
function typeNameOf(ctor: abstract new (...args: never[]) => Module): string {
  if (Object.hasOwn(ctor, 'typeName')) return String((ctor as typeof Module).typeName);
  if (ctor.name) return ctor.name;
  const parent = Object.getPrototypeOf(ctor);
  return typeof parent === 'function' && parent.prototype instanceof Module
    ? typeNameOf(parent)
    : 'Module';
}

/**
 * Base class of layers and models. A subclass creates its parameters with `this.param(...)`,
 * its buffers with `this.buffer(...)`, assigns child modules (or arrays of them) to properties,
 * and implements `forward`. Running a model is `model.forward(x)`.
 *
 * Ownership: parameters and buffers are exempt from `tidy` and live until `dispose()`, which
 * frees every parameter, buffer and gradient the module (and its children) holds.
 */
export abstract class Module {
  /**
   * The name `toString()`, `summary()` and error messages show for the class. Every layer and
   * model of this package sets it, because minifiers rename classes (`constructor.name` becomes
   * `ie`); a class of your own that leaves it out is shown by its class name.
   *
   * @example
   * ```ts
   * class Block extends Module {
   *   static override readonly typeName = 'Block';
   *   ...
   * }
   * ```
   */
  static readonly typeName?: string;

  /** Whether the module is in training mode (`train()`) or evaluation mode (`eval()`). */
  training = true;

  readonly #registered = new Map<Tensor, { kind: Kind; key: string | undefined }>();
  #disposed = false;
  readonly #hooks = new Set<ForwardHook>();
  #wrapped = false;

  /** This module's printed name: its class's `typeName` (e.g. `'Conv2d'`), else its class name. */
  get typeName(): string {
    return typeNameOf(this.constructor as abstract new (...args: never[]) => Module);
  }

  /** The computation. Call it directly: `model.forward(x)`. */
  abstract forward(...inputs: Tensor[]): Tensor;

  /**
   * Registers `t` as a parameter: it requires gradients and is kept out of every `tidy`.
   * `key` is its state-dict name when that differs from the property name. Returns `t`.
   */
  protected param<T extends Tensor | null>(t: T, key?: string): T {
    if (t === null) return t;
    const fn = `${this.typeName}.param`;
    if (!(t instanceof Tensor)) fail(fn, `expected a Tensor, got ${show(t)}`);
    if (!t.isLeaf) {
      fail(fn, 'a parameter must be a leaf tensor; create it under noGrad or detach() it');
    }
    if (!isFloat(t.dtype)) fail(fn, `a parameter must be a float tensor, got ${t.dtype}`);
    if (t.isDisposed) fail(fn, `the tensor ${fmt(t.shape)} was disposed`);
    t.requiresGrad = true;
    keep(t);
    this.#registered.set(t, { kind: 'parameter', key });
    return t;
  }

  /**
   * Registers `t` as a buffer: state that is saved and moved with the module but not trained
   * (BatchNorm's running statistics). `key` is its state-dict name, e.g. `'running_mean'` for
   * the property `runningMean`. Returns `t`.
   */
  protected buffer<T extends Tensor | null>(t: T, key?: string): T {
    if (t === null) return t;
    const fn = `${this.typeName}.buffer`;
    if (!(t instanceof Tensor)) fail(fn, `expected a Tensor, got ${show(t)}`);
    if (t.isDisposed) fail(fn, `the tensor ${fmt(t.shape)} was disposed`);
    keep(t);
    this.#registered.set(t, { kind: 'buffer', key });
    return t;
  }

  /** This module's own parameters, buffers and children, in property order. */
  #members(): Members {
    const out: Members = { params: [], buffers: [], children: [] };
    const self = this as unknown as Record<string, unknown>;
    for (const prop of Object.keys(this)) {
      const v = self[prop];
      if (v instanceof Tensor) {
        const reg = this.#registered.get(v);
        if (!reg) continue;
        const owned = { prop, key: reg.key ?? prop, kind: reg.kind, tensor: v };
        (reg.kind === 'parameter' ? out.params : out.buffers).push(owned);
      } else if (v instanceof Module) {
        out.children.push([prop, v]);
      } else if (Array.isArray(v) && v.length > 0 && v.every((m) => m instanceof Module)) {
        // An array of modules is PyTorch's ModuleList: children `prop.0`, `prop.1`, ...
        for (const [i, m] of (v as Module[]).entries()) out.children.push([`${prop}.${i}`, m]);
      }
    }
    return out;
  }

  /** Direct children with their property names. */
  namedChildren(): [string, Module][] {
    return this.#members().children;
  }

  /** Direct children, without their names (see `namedChildren`). */
  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /** This module and every descendant, depth first, each once; the root's name is `''`. */
  namedModules(): [string, Module][] {
    const out: [string, Module][] = [];
    const seen = new Set<Module>();
    const visit = (m: Module, prefix: string): void => {
      if (seen.has(m)) return;
      seen.add(m);
      out.push([prefix, m]);
      for (const [name, child] of m.#members().children) visit(child, join(prefix, name));
    };
    visit(this, '');
    return out;
  }

  /**
   * This module and every descendant, depth first, each once, without names (see `namedModules`).
   */
  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  #namedOwned(kind: Kind): [string, Tensor][] {
    this.#checkAlive(kind === 'parameter' ? 'parameters' : 'buffers');
    const out: [string, Tensor][] = [];
    const seen = new Set<Tensor>();
    for (const [prefix, m] of this.namedModules()) {
      const members = m.#members();
      for (const o of kind === 'parameter' ? members.params : members.buffers) {
        if (seen.has(o.tensor)) continue;
        seen.add(o.tensor);
        out.push([join(prefix, o.key), o.tensor]);
      }
    }
    return out;
  }

  /** Every parameter with its state-dict name; a parameter shared by two layers appears once. */
  namedParameters(): [string, Tensor][] {
    return this.#namedOwned('parameter');
  }

  /** The live parameter tensors (what an optimizer updates). */
  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  /**
   * Every buffer with its state-dict name (e.g. `bn1.running_mean`); a shared buffer appears once.
   */
  namedBuffers(): [string, Tensor][] {
    return this.#namedOwned('buffer');
  }

  /** The buffer tensors (running statistics, class weights), without names. */
  buffers(): Tensor[] {
    return this.namedBuffers().map(([, t]) => t);
  }

  /** The number of parameter elements (each shared parameter counted once). */
  numParameters(): number {
    return this.parameters().reduce((n, p) => n + p.size, 0);
  }

  /** Sets training mode on this module and every descendant. Returns `this`. */
  train(mode = true): this {
    arg('train', 'mode', mode, option.boolean);
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  /** Evaluation mode: BatchNorm uses its running statistics, Dropout passes inputs through. */
  eval(): this {
    return this.train(false);
  }

  /** Calls `fn` on this module and every descendant. Returns `this`. */
  apply(fn: (module: Module) => void): this {
    arg('apply', 'fn', fn, option.function);
    for (const m of this.modules()) fn(m);
    return this;
  }

  /** Drops the gradient of every parameter (PyTorch's default `set_to_none`), freeing it. */
  zeroGrad(): void {
    // Replacing a gradient disposes the old one (Tensor's grad setter).
    for (const p of this.parameters()) p.grad = null;
  }

  /** Every (key, tensor) of the state dict, in PyTorch's order: own parameters, own buffers,
   * then each child's, recursively. A module reachable under two names appears under both. */
  #stateEntries(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    const path = new Set<Module>();
    const visit = (m: Module, prefix: string): void => {
      if (path.has(m)) return;
      path.add(m);
      const members = m.#members();
      for (const o of [...members.params, ...members.buffers]) {
        out.push([join(prefix, o.key), o.tensor]);
      }
      for (const [name, child] of members.children) visit(child, join(prefix, name));
      path.delete(m);
    };
    visit(this, '');
    return out;
  }

  /**
   * Parameters and buffers by name. The tensors are new handles (like `detach()`) on the current
   * values, without copying: later updates (`assign`) do not change them, and the caller owns
   * them (dispose them, or call this inside `tidy`).
   */
  stateDict(): StateDict {
    this.#checkAlive('stateDict');
    const out: StateDict = {};
    for (const [key, t] of this.#stateEntries()) out[key] = t.detach();
    return out;
  }

  /**
   * Copies values from `stateDict` into the module's parameters and buffers (same shape, dtype
   * and device each). Everything is checked before anything is written: a bad state dict leaves
   * the module unchanged. In strict mode (default) missing and unexpected keys are errors;
   * otherwise they are returned. The module shares the given tensors' storage afterwards, so the
   * caller may dispose them.
   */
  loadStateDict(
    stateDict: StateDict | ReadonlyMap<string, Tensor>,
    options: LoadStateDictOptions = {},
  ): LoadStateDictResult {
    const fn = 'loadStateDict';
    this.#checkAlive(fn);
    if (
      stateDict === null ||
      typeof stateDict !== 'object' ||
      Array.isArray(stateDict) ||
      isTensor(stateDict)
    ) {
      fail(fn, `stateDict must be an object or a Map of tensors by name, got ${show(stateDict)}`);
    }
    const strict = checkOptions(fn, options, { strict: option.boolean }).strict ?? true;
    const keys = stateDict instanceof Map ? [] : Object.keys(stateDict);
    if (keys.length === 2 && keys.includes('tensors') && keys.includes('metadata')) {
      // decodeSafetensors' result: the tensors are one level down.
      fail(fn, 'stateDict is a decoded file { tensors, metadata }; pass its tensors');
    }
    const given = new Map<string, unknown>(
      stateDict instanceof Map ? stateDict : Object.entries(stateDict),
    );
    const own = this.#stateEntries();
    const ownKeys = new Set(own.map(([k]) => k));
    const missingKeys = own.map(([k]) => k).filter((k) => !given.has(k));
    const unexpectedKeys = [...given.keys()].filter((k) => !ownKeys.has(k));
    const problems: string[] = [];
    if (strict && missingKeys.length > 0) problems.push(`missing keys ${missingKeys.join(', ')}`);
    if (strict && unexpectedKeys.length > 0) {
      problems.push(`unexpected keys ${unexpectedKeys.join(', ')}`);
    }
    const writes: [Tensor, Tensor][] = [];
    for (const [key, target] of own) {
      if (!given.has(key)) continue;
      const value = given.get(key);
      if (!(value instanceof Tensor)) {
        problems.push(`${key} must be a Tensor, got ${show(value)}`);
      } else if (value.isDisposed) {
        problems.push(`${key} was disposed`);
      } else if (!sameShape(value.shape, target.shape)) {
        problems.push(
          `${key} has shape ${fmt(value.shape)} in the state dict but ${fmt(target.shape)} in the model`,
        );
      } else if (value.dtype !== target.dtype) {
        problems.push(
          `${key} is ${value.dtype} in the state dict but ${target.dtype} in the model`,
        );
      } else if (value.device !== target.device) {
        problems.push(
          `${key} is on '${value.device}' but the model is on '${target.device}' (move one with to())`,
        );
      } else {
        writes.push([target, value]);
      }
    }
    if (problems.length > 0) {
      fail(fn, `cannot load into ${this.typeName}: ${problems.join('; ')}`);
    }
    noGrad(() => {
      for (const [target, value] of writes) if (target !== value) target.assign(value);
    });
    return { missingKeys, unexpectedKeys };
  }

  /**
   * Moves every parameter and buffer (and gradient) to `device`. The module keeps its identity
   * but its tensors are replaced by new ones, so build optimizers after moving the model. If any
   * tensor cannot be moved, nothing is. `device` must be a registered backend's name.
   */
  async to(device: string): Promise<this> {
    this.#checkAlive('to');
    arg('to', 'device', device, deviceRule());
    const plan: [Module, Owned][] = [];
    for (const m of this.modules()) {
      const members = m.#members();
      for (const o of [...members.params, ...members.buffers]) {
        if (o.tensor.device !== device) plan.push([m, o]);
      }
    }
    const moved = new Map<Tensor, { value: Tensor; grad: Tensor | null }>();
    try {
      for (const [, o] of plan) {
        if (moved.has(o.tensor)) continue;
        const value = keep(await o.tensor.to(device));
        const entry = { value, grad: null as Tensor | null };
        moved.set(o.tensor, entry);
        if (o.tensor.grad) entry.grad = keep(await o.tensor.grad.to(device));
      }
    } catch (error) {
      for (const { value, grad } of moved.values()) {
        value.dispose();
        grad?.dispose();
      }
      throw error;
    }
    for (const [m, o] of plan)
      m.#replace(o, moved.get(o.tensor) as { value: Tensor; grad: Tensor | null });
    for (const old of moved.keys()) {
      Object.defineProperty(old, MOVED_TO, { value: device, configurable: true });
      old.dispose();
    }
    return this;
  }

  /**
   * A disposed module holds no tensors: its state dict would come out empty and a move would
   * move nothing, so these fail instead.
   */
  #checkAlive(fn: string): void {
    if (this.#disposed) fail(fn, `this ${this.typeName} was disposed and holds no tensors`);
  }

  #replace(o: Owned, entry: { value: Tensor; grad: Tensor | null }): void {
    const reg = this.#registered.get(o.tensor);
    this.#registered.delete(o.tensor);
    this.#registered.set(entry.value, { kind: o.kind, key: reg?.key });
    if (o.kind === 'parameter') {
      // A frozen parameter (requiresGrad turned off by the user) stays frozen.
      entry.value.requiresGrad = o.tensor.requiresGrad;
      entry.value.grad = entry.grad;
    }
    (this as unknown as Record<string, unknown>)[o.prop] = entry.value;
  }

  /**
   * Frees every parameter, buffer and gradient of this module and its descendants. The module
   * cannot run afterwards.
   */
  dispose(): void {
    for (const m of this.modules()) {
      for (const t of m.#registered.keys()) t.dispose();
      m.#registered.clear();
      m.#hooks.clear();
      m.#unwrap();
      m.#disposed = true;
    }
  }

  /**
   * Runs `hook` after every `forward` of this module (not of its children); returns a function
   * that removes it. Tensors a hook wants to keep past the caller's `tidy` must be `keep`-ed.
   */
  registerForwardHook(hook: ForwardHook): () => void {
    arg('registerForwardHook', 'hook', hook, option.function);
    if (!this.#wrapped) {
      // The wrapper is an own, non-enumerable property shadowing the class's forward, so hooks
      // fire however the module is called and property scanning never sees it.
      const original = this.forward;
      const hooks = this.#hooks;
      const wrapper = (...inputs: Tensor[]): Tensor => {
        const output = original.apply(this, inputs);
        for (const h of [...hooks]) h(this, inputs, output);
        return output;
      };
      Object.defineProperty(this, 'forward', {
        value: wrapper,
        configurable: true,
        writable: true,
        enumerable: false,
      });
      this.#wrapped = true;
    }
    this.#hooks.add(hook);
    return () => {
      this.#hooks.delete(hook);
      if (this.#hooks.size === 0) this.#unwrap();
    };
  }

  #unwrap(): void {
    if (!this.#wrapped) return;
    delete (this as unknown as { forward?: unknown }).forward;
    this.#wrapped = false;
  }

  /**
   * FLOPs and spatial geometry of one call, for `summary()`. The default describes a
   * position-wise layer with no arithmetic worth counting; layers override it.
   */
  layerInfo(_inputShape: readonly number[], _outputShape: readonly number[]): LayerInfo {
    return { flops: 0 };
  }

  /** The constructor arguments shown by `toString()`, e.g. `1, 6, kernelSize=[5,5]`. */
  protected extraRepr(): string {
    return '';
  }

  /** A PyTorch-style tree of the module and its children. */
  toString(): string {
    const name = this.typeName;
    const extra = this.extraRepr();
    const children = this.namedChildren();
    if (children.length === 0) return `${name}(${extra})`;
    const lines = children.map(([n, c]) => `  (${n}): ${c.toString().split('\n').join('\n  ')}`);
    if (extra) lines.unshift(`  ${extra}`);
    return `${name}(\n${lines.join('\n')}\n)`;
  }
}
