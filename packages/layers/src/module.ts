/**
 * `Module`, the base class of every layer and model, in the manner of `torch.nn.Module`:
 * parameters, buffers and child modules are found from the instance's own properties, in the
 * order they were declared, so state-dict names come out as in PyTorch (`conv1.weight`,
 * `bn1.running_mean`, `features.0.weight`) without any registration by name. A module is also a
 * function: `model(x)` runs `model.forward(x)`.
 */
import { cast, isFloat, isTensor, keep, noGrad, StrideError, Tensor } from '@stride/core';
import { arg, asCalledBy, checkOptions, deviceRule, fail, option, show } from './check.js';
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

/** The containers a field may hold modules or tensors in without registering them. */
type Container = 'a plain object' | 'a Map' | 'a Set' | 'an array';

/** A module or registered tensor found inside a container field, where no walk sees it. */
interface Hidden {
  /** The field that holds the container. */
  readonly field: string;
  /** Where inside it, as code would reach it: `heads.cls`, `layers[0][1]`. */
  readonly at: string;
  readonly container: Container;
  readonly value: Module | Tensor;
}

interface Members {
  params: Owned[];
  buffers: Owned[];
  children: [string, Module][];
  hidden: Hidden[];
}

/** One module of a walk: its dotted name from the root (`''` for the root) and its members. */
interface Visit {
  readonly name: string;
  readonly module: Module;
  readonly members: Members;
}

/** A field holding a parameter or buffer: what `functionalCall` swaps. */
export interface TensorSlot {
  /** The state-dict name, e.g. `conv1.weight`. */
  readonly name: string;
  readonly kind: Kind;
  readonly owner: Module;
  readonly prop: string;
  readonly tensor: Tensor;
}

function join(prefix: string, name: string): string {
  return prefix ? `${prefix}.${name}` : name;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

const fmt = (shape: readonly number[]): string => `[${shape.join(',')}]`;

const article = (name: string): string => (/^[aeiou]/i.test(name) ? 'an' : 'a');

/**
 * Set on a tensor that `to()` replaced and disposed, to the device (or dtype) it moved to, so
 * that an optimizer still holding it can say why it was disposed. `Symbol.for` because the
 * optimizers package reads it without depending on this one.
 */
const MOVED_TO = Symbol.for('stride.movedTo');

/**
 * Children that a container keeps out of its own properties (a `ModuleDict`, whose keys may be
 * any names, in insertion order): the container registers a function that lists them.
 */
export const childSources = new WeakMap<Module, () => Iterable<readonly [string, Module]>>();

/** An array that registers its modules: one or more modules and nothing else. */
function isModuleArray(v: unknown): v is Module[] {
  if (!Array.isArray(v) || v.length === 0) return false;
  for (let i = 0; i < v.length; i++) if (!(i in v) || !(v[i] instanceof Module)) return false;
  return true;
}

function containerOf(v: unknown): Container | undefined {
  if (Array.isArray(v)) return 'an array';
  if (v instanceof Map) return 'a Map';
  if (v instanceof Set) return 'a Set';
  if (v !== null && typeof v === 'object') {
    const proto = Object.getPrototypeOf(v);
    if (proto === Object.prototype || proto === null) return 'a plain object';
  }
  return undefined;
}

/**
 * Every module and tensor inside a container (nested containers too), with where it is. Only
 * arrays, plain objects, Maps and Sets are searched: another class's instance (an optimizer, a
 * dataset) may hold a model's tensors for reasons of its own.
 */
function contents(
  value: unknown,
  at: string,
  seen: Set<unknown>,
  found: [string, Module | Tensor][],
): void {
  if (seen.has(value)) return;
  seen.add(value);
  const visit = (v: unknown, where: string): void => {
    if (v instanceof Module || v instanceof Tensor) found.push([where, v]);
    else if (containerOf(v)) contents(v, where, seen, found);
  };
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) visit(value[i], `${at}[${i}]`);
  } else if (value instanceof Map) {
    for (const [k, v] of value) visit(v, `${at}.get(${show(k)})`);
  } else if (value instanceof Set) {
    for (const v of value) visit(v, at);
  } else {
    for (const [k, v] of Object.entries(value as object)) visit(v, `${at}.${k}`);
  }
}

/** The error for a module or parameter a container field hides from every walk. */
function hiddenError(fn: string, root: Module, owner: string, h: Hidden, kind?: Kind): StrideError {
  const where = `${root.typeName}.${join(owner, h.field)} is ${h.container}`;
  const what = h.container.replace(/^an? /, '');
  if (h.value instanceof Module) {
    const name = h.value.typeName;
    const reason =
      h.container === 'an array'
        ? 'an array registers its modules only when it holds modules and nothing else'
        : `${article(what)} ${what} does not register its modules`;
    const fix =
      h.container === 'a plain object' || h.container === 'a Map' ? 'ModuleDict' : 'ModuleList';
    return new StrideError(
      fn,
      `${where} holding ${article(name)} ${name} at ${h.at}, and ${reason}: parameters(), stateDict(), train() and to() would miss it; use a ${fix}`,
    );
  }
  return new StrideError(
    fn,
    `${where} holding the ${kind} ${fmt(h.value.shape)} at ${h.at}, and ${article(what)} ${what} does not register tensors: parameters(), stateDict() and to() would miss it; give each ${kind} a field of its own`,
  );
}

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
 * What makes a module callable. Its constructor returns a function that runs `forward`, with the
 * prototype of the class being constructed, in place of a plain object; JavaScript then sets the
 * fields (private ones too) of `Module` and of every subclass on that function, so `instanceof`,
 * fields and methods behave as on any object. The function's own `name` and `length` are
 * deleted, so that layers may have fields of those names (`Sequential.length`), and its prototype
 * chain leaves out `Function.prototype`: a module has no `call`, `bind` or function `toString`.
 */
class Callable {
  constructor() {
    const call = (...inputs: Tensor[]): Tensor => (call as unknown as Module).forward(...inputs);
    Reflect.deleteProperty(call, 'name');
    Reflect.deleteProperty(call, 'length');
    Object.setPrototypeOf(call, new.target.prototype);
    // biome-ignore lint/correctness/noConstructorReturn: returning the function is what makes modules callable
    return call;
  }
}

/** `functionalCall`'s access to the fields that hold parameters and buffers. */
let slotsOf: (module: Module, fn: string) => TensorSlot[];

/**
 * Every field of `module` and its descendants that holds a parameter or buffer, with its
 * state-dict name (a module reachable under two names is listed under its first).
 */
export function tensorSlots(module: Module, fn: string): TensorSlot[] {
  return slotsOf(module, fn);
}

/**
 * A module is called like a function: `model(x)` is `model.forward(x)`, with the argument
 * types of the class's own `forward` (`conv(x)`, `loss(input, target)`).
 */
export interface Module {
  // biome-ignore lint/style/useShorthandFunctionType: an interface, to merge with the class
  (...inputs: Parameters<this['forward']>): ReturnType<this['forward']>;
}

/**
 * Base class of layers and models. A subclass creates its parameters with `this.param(...)`,
 * its buffers with `this.buffer(...)`, assigns child modules (or arrays of them) to properties,
 * and implements `forward`. Running a model is `model(x)`, which calls `model.forward(x)`.
 * Modules kept in a plain object or a Map are not registered, and any walk of the model
 * (`parameters()`, `stateDict()`, `train()`, `to()`) says so: use a `ModuleDict` or a
 * `ModuleList`.
 *
 * Ownership: parameters and buffers are exempt from `tidy` and live until `dispose()`, which
 * frees every parameter, buffer and gradient the module (and its children) holds.
 *
 * A module has no `name` or `length` of its own, so a subclass may use those field names;
 * TypeScript gives every callable type a function's `name` and `length`, so under
 * `noImplicitOverride` such a field is declared `override`.
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the interface adds only the call signature, which Callable's constructor implements
export abstract class Module extends Callable {
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

  static {
    // Node's console.log and util.inspect print the module tree, as PyTorch's print(model) does,
    // rather than a function.
    Object.defineProperty(Module.prototype, Symbol.for('nodejs.util.inspect.custom'), {
      value(this: Module): string {
        return this.toString();
      },
      configurable: true,
      writable: true,
    });
    // `forward` is abstract, so TypeScript requires it; a JavaScript subclass may leave it out,
    // and then `model(x)` or `model.forward(x)` land here instead of failing with a TypeError
    // that names no class.
    Object.defineProperty(Module.prototype, 'forward', {
      value(this: Module): never {
        fail(this.typeName, 'has no forward method; define forward(...) in the subclass');
      },
      configurable: true,
      writable: true,
    });
    slotsOf = (module, fn) => module.#slots(fn);
  }

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

  /** The computation. Run it by calling the module, `model(x)`, or as `model.forward(x)`. */
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

  /**
   * This module's own parameters, buffers and children, in property order, and the modules and
   * registered tensors that container fields hide (checked by `#tree`).
   */
  #members(): Members {
    const out: Members = { params: [], buffers: [], children: [], hidden: [] };
    const self = this as unknown as Record<string, unknown>;
    const inContainers: Hidden[] = [];
    for (const prop of Object.keys(this)) {
      const v = self[prop];
      if (v instanceof Tensor) {
        const reg = this.#registered.get(v);
        if (!reg) continue;
        const owned = { prop, key: reg.key ?? prop, kind: reg.kind, tensor: v };
        (reg.kind === 'parameter' ? out.params : out.buffers).push(owned);
      } else if (v instanceof Module) {
        out.children.push([prop, v]);
      } else if (isModuleArray(v)) {
        // An array of modules is PyTorch's ModuleList: children `prop.0`, `prop.1`, ...
        for (const [i, m] of v.entries()) out.children.push([`${prop}.${i}`, m]);
      } else {
        const container = containerOf(v);
        if (container === undefined) continue;
        const found: [string, Module | Tensor][] = [];
        contents(v, prop, new Set(), found);
        for (const [at, value] of found) inContainers.push({ field: prop, at, container, value });
      }
    }
    const source = childSources.get(this);
    if (source) for (const [name, m] of source()) out.children.push([name, m]);
    const direct = new Set([...out.params, ...out.buffers].map((o) => o.tensor));
    for (const h of inContainers) {
      // A registered tensor is lost when no field of its own holds it; an unregistered one
      // (a constant, a cache) is not the module's to report.
      if (h.value instanceof Module) out.hidden.push(h);
      else if (this.#registered.has(h.value) && !direct.has(h.value)) out.hidden.push(h);
    }
    return out;
  }

  /**
   * This module and every descendant, depth first, each once, with their members. Throws if a
   * container field hides a module that the walk does not reach otherwise, or a parameter: the
   * error is `fn`'s, the method the user called.
   */
  #tree(fn: string): Visit[] {
    const out: Visit[] = [];
    const seen = new Set<Module>();
    const visit = (m: Module, name: string): void => {
      if (seen.has(m)) return;
      seen.add(m);
      const members = m.#members();
      out.push({ name, module: m, members });
      for (const [child, c] of members.children) visit(c, join(name, child));
    };
    visit(this, '');
    for (const { name, module, members } of out) {
      for (const h of members.hidden) {
        if (h.value instanceof Module && seen.has(h.value)) continue;
        const kind = h.value instanceof Tensor ? module.#registered.get(h.value)?.kind : undefined;
        throw hiddenError(fn, this, name, h, kind);
      }
    }
    return out;
  }

  /** Direct children with their property names. */
  namedChildren(): [string, Module][] {
    return (this.#tree('namedChildren')[0] as Visit).members.children;
  }

  /** Direct children, without their names (see `namedChildren`). */
  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /** This module and every descendant, depth first, each once; the root's name is `''`. */
  namedModules(): [string, Module][] {
    return this.#tree('namedModules').map((v) => [v.name, v.module]);
  }

  /**
   * This module and every descendant, depth first, each once, without names (see `namedModules`).
   */
  modules(): Module[] {
    return this.#tree('modules').map((v) => v.module);
  }

  #namedOwned(kind: Kind, fn: string): [string, Tensor][] {
    this.#checkAlive(fn);
    const out: [string, Tensor][] = [];
    const seen = new Set<Tensor>();
    for (const { name, members } of this.#tree(fn)) {
      for (const o of kind === 'parameter' ? members.params : members.buffers) {
        if (seen.has(o.tensor)) continue;
        seen.add(o.tensor);
        out.push([join(name, o.key), o.tensor]);
      }
    }
    return out;
  }

  /** Every parameter with its state-dict name; a parameter shared by two layers appears once. */
  namedParameters(): [string, Tensor][] {
    return this.#namedOwned('parameter', 'parameters');
  }

  /** The live parameter tensors (what an optimizer updates). */
  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  /**
   * Every buffer with its state-dict name (e.g. `bn1.running_mean`); a shared buffer appears once.
   */
  namedBuffers(): [string, Tensor][] {
    return this.#namedOwned('buffer', 'buffers');
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
    for (const { module } of this.#tree('train')) module.training = mode;
    return this;
  }

  /** Evaluation mode: BatchNorm uses its running statistics, Dropout passes inputs through. */
  eval(): this {
    return this.train(false);
  }

  /**
   * Freezes (`requiresGrad_(false)`) or unfreezes (`requiresGrad_()`) every parameter of this
   * module and its descendants, as PyTorch's `requires_grad_`; the trailing underscore marks a
   * method that changes the module. A frozen parameter gets no gradient from `backward()`, so
   * optimizers leave it as it is; a gradient it already has is kept. Returns `this`.
   *
   * @example
   * ```ts
   * model.features.requiresGrad_(false);       // fine-tune only the classifier
   * ```
   */
  requiresGrad_(requiresGrad = true): this {
    const fn = 'requiresGrad_';
    arg(fn, 'requiresGrad', requiresGrad, option.boolean);
    this.#checkAlive(fn);
    for (const [, p] of this.#namedOwned('parameter', fn)) p.requiresGrad = requiresGrad;
    return this;
  }

  /** Calls `fn` on this module and every descendant. Returns `this`. */
  apply(fn: (module: Module) => void): this {
    arg('apply', 'fn', fn, option.function);
    for (const { module } of this.#tree('apply')) fn(module);
    return this;
  }

  /** Drops the gradient of every parameter (PyTorch's default `set_to_none`), freeing it. */
  zeroGrad(): void {
    // Replacing a gradient disposes the old one (Tensor's grad setter).
    for (const [, p] of this.#namedOwned('parameter', 'zeroGrad')) p.grad = null;
  }

  /** Every (key, tensor) of the state dict, in PyTorch's order: own parameters, own buffers,
   * then each child's, recursively. A module reachable under two names appears under both. */
  #stateEntries(fn: string): [string, Tensor][] {
    this.#tree(fn);
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

  /** `tensorSlots`: every field holding a parameter or buffer, shared ones under each field. */
  #slots(fn: string): TensorSlot[] {
    this.#checkAlive(fn);
    const out: TensorSlot[] = [];
    for (const { name, module, members } of this.#tree(fn)) {
      for (const o of [...members.params, ...members.buffers]) {
        out.push({
          name: join(name, o.key),
          kind: o.kind,
          owner: module,
          prop: o.prop,
          tensor: o.tensor,
        });
      }
    }
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
    for (const [key, t] of this.#stateEntries('stateDict')) out[key] = t.detach();
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
    const own = this.#stateEntries(fn);
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
   * Moves every parameter and buffer (and gradient) to a device, or converts them to a dtype.
   *
   * - `to(device)`, a registered backend's name (`'cpu'`, `'webgpu'`): the module keeps its
   *   identity but its tensors are replaced by new ones on that backend.
   * - `to(dtype)`, `'float32'` or `'float64'`, as PyTorch's `model.to(torch.float64)` or
   *   `model.double()`: every floating-point parameter and buffer is converted; integer buffers
   *   (BatchNorm's `num_batches_tracked`) keep their dtype. The conversion is complete when `to`
   *   returns; the promise is there so that both kinds are awaited alike.
   *
   * Either way the module's tensors are new ones, so build optimizers afterwards, and if any
   * tensor cannot be moved or converted (float64 on a backend without it), nothing is. Resolves
   * to `this`.
   *
   * @example
   * ```ts
   * await model.to('webgpu');
   * const double = await new LeNet5().to('float64');  // e.g. for gradcheck
   * ```
   */
  async to(target: string): Promise<this> {
    if (target === 'float32' || target === 'float64') return this.#toDtype(target);
    if (target === 'int32' || target === 'bool') {
      fail(
        'to',
        `dtype must be 'float32' or 'float64' (parameters are floating point), got '${target}'`,
      );
    }
    return this.#toDevice(target);
  }

  #toDtype(dtype: 'float32' | 'float64'): this {
    const fn = 'to';
    this.#checkAlive(fn);
    const plan = this.#plan(fn, (t) => isFloat(t.dtype) && t.dtype !== dtype);
    const convert = (t: Tensor): Tensor => keep(noGrad(() => cast(t, dtype)));
    const moved = new Map<Tensor, { value: Tensor; grad: Tensor | null }>();
    try {
      asCalledBy(fn, () => {
        for (const [, o] of plan) {
          if (moved.has(o.tensor)) continue;
          const entry = { value: convert(o.tensor), grad: null as Tensor | null };
          moved.set(o.tensor, entry);
          if (o.tensor.grad) entry.grad = convert(o.tensor.grad);
        }
      });
    } catch (error) {
      Module.#discard(moved);
      throw error;
    }
    Module.#commit(plan, moved, dtype);
    return this;
  }

  async #toDevice(device: string): Promise<this> {
    this.#checkAlive('to');
    arg('to', 'device', device, deviceRule());
    const plan = this.#plan('to', (t) => t.device !== device);
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
      Module.#discard(moved);
      throw error;
    }
    Module.#commit(plan, moved, device);
    return this;
  }

  /** Every (module, owned tensor) of the tree that `to()` must replace. */
  #plan(fn: string, needed: (t: Tensor) => boolean): [Module, Owned][] {
    const plan: [Module, Owned][] = [];
    for (const { module, members } of this.#tree(fn)) {
      for (const o of [...members.params, ...members.buffers]) {
        if (needed(o.tensor)) plan.push([module, o]);
      }
    }
    return plan;
  }

  static #discard(moved: Map<Tensor, { value: Tensor; grad: Tensor | null }>): void {
    for (const { value, grad } of moved.values()) {
      value.dispose();
      grad?.dispose();
    }
  }

  /** Puts the replacements in place and disposes what they replace, marked with `target`. */
  static #commit(
    plan: [Module, Owned][],
    moved: Map<Tensor, { value: Tensor; grad: Tensor | null }>,
    target: string,
  ): void {
    for (const [m, o] of plan) {
      m.#replace(o, moved.get(o.tensor) as { value: Tensor; grad: Tensor | null });
    }
    for (const old of moved.keys()) {
      Object.defineProperty(old, MOVED_TO, { value: target, configurable: true });
      old.dispose();
    }
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
    for (const { module: m } of this.#tree('dispose')) {
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
   *
   * The hook runs whether the module is called as `model(x)` or as `model.forward(x)`, once per
   * call. PyTorch runs hooks only through `model(x)`; here the two calls are one and the same,
   * generic code calls `m.forward(x)`, and `summary()` finds the layers a model runs by their
   * hooks, so a layer called through `forward` must not go unseen.
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

  /**
   * A PyTorch-style tree of the module and its children (also what `console.log(model)` prints
   * in Node). It shows the registered children and never throws, even for a model whose walks
   * would fail.
   */
  override toString(): string {
    const name = this.typeName;
    const extra = this.extraRepr();
    const children = this.#members().children;
    if (children.length === 0) return `${name}(${extra})`;
    const lines = children.map(([n, c]) => `  (${n}): ${c.toString().split('\n').join('\n  ')}`);
    if (extra) lines.unshift(`  ${extra}`);
    return `${name}(\n${lines.join('\n')}\n)`;
  }
}
