/**
 * `ModuleList`: modules held in order and registered as children `'0'`, `'1'`, ..., as PyTorch's
 * `nn.ModuleList`, so that a model with a variable number of blocks has them in its parameters
 * and state dict (`layers.0.weight`). `Sequential` is the same list with a `forward`.
 */
// biome-ignore-all lint/complexity/noArguments: constructors pass `arguments` to noExtraArgs, which refuses what JavaScript callers give past the declared parameters
import { arg, fail, noExtraArgs, option, show } from './check.js';
import { Module } from './module.js';

/**
 * Modules under the indices `0`, `1`, ... of the instance itself, so that `list[i]` reads one and
 * the property scan names them `'0'`, `'1'`, ... in the state dict. The base of `ModuleList` and
 * `Sequential`.
 */
export abstract class ModuleSequence<M extends Module = Module> extends Module {
  [index: number]: M;
  #length = 0;

  /** The number of modules. */
  override get length(): number {
    return this.#length;
  }

  /** The module at `index`, counting from the end when negative (`at(-1)` is the last). */
  at(index: number): M | undefined {
    arg(`${this.typeName}.at`, 'index', index, option.integer());
    return this[index < 0 ? index + this.#length : index];
  }

  /** Adds `module` at the end. Returns `this`. */
  append(module: M): this {
    return this.addAll(`${this.typeName}.append`, [module]);
  }

  /** Adds each of `modules` at the end (all of them are checked first). Returns `this`. */
  extend(modules: Iterable<M>): this {
    const fn = `${this.typeName}.extend`;
    return this.addAll(fn, this.listOf(fn, modules));
  }

  /**
   * Puts `module` before the one at `index`, as Python's `list.insert`: a negative index counts
   * from the end, and an index past either end inserts there. Returns `this`.
   */
  insert(index: number, module: M): this {
    const fn = `${this.typeName}.insert`;
    arg(fn, 'index', index, option.integer());
    const n = this.#length;
    const at = Math.min(n, Math.max(0, index < 0 ? index + n : index));
    this.#check(fn, at, module);
    for (let i = n; i > at; i--) this[i] = this[i - 1] as M;
    this[at] = module;
    this.#length = n + 1;
    return this;
  }

  /** Removes the module at `index` (the last by default; negative counts from the end) and returns it. */
  pop(index = -1): M {
    const fn = `${this.typeName}.pop`;
    arg(fn, 'index', index, option.integer());
    const n = this.#length;
    const at = index < 0 ? index + n : index;
    if (at < 0 || at >= n) {
      fail(
        fn,
        n === 0
          ? `the ${this.typeName} is empty`
          : `index ${index} is out of range for ${n} ${n === 1 ? 'module' : 'modules'}`,
      );
    }
    const module = this[at] as M;
    for (let i = at; i < n - 1; i++) this[i] = this[i + 1] as M;
    delete this[n - 1];
    this.#length = n - 1;
    return module;
  }

  /** The modules in order: `for (const m of list)`. */
  *[Symbol.iterator](): IterableIterator<M> {
    for (let i = 0; i < this.#length; i++) yield this[i] as M;
  }

  /** The modules of an iterable argument as an array, or `fn`'s error naming what came instead. */
  protected listOf(fn: string, modules: unknown): unknown[] {
    if (
      modules === null ||
      (typeof modules !== 'object' && typeof modules !== 'function') ||
      modules instanceof Module ||
      typeof (modules as Partial<Iterable<unknown>>)[Symbol.iterator] !== 'function'
    ) {
      fail(fn, `modules must be an array (or another iterable) of modules, got ${show(modules)}`);
    }
    return [...(modules as Iterable<unknown>)];
  }

  /** Checks every one of `modules`, then adds them at the end; errors are `fn`'s. */
  protected addAll(fn: string, modules: readonly unknown[]): this {
    for (const [i, m] of modules.entries()) this.#check(fn, this.#length + i, m);
    for (const m of modules) this[this.#length++] = m as M;
    return this;
  }

  #check(fn: string, i: number, module: unknown): void {
    if (!(module instanceof Module)) fail(fn, `module ${i} must be a Module, got ${show(module)}`);
  }
}

/**
 * Holds modules in order, registered as children `'0'`, `'1'`, ..., as PyTorch's
 * `nn.ModuleList`: their parameters are the model's, their state-dict names `layers.0.weight`,
 * and `train()`, `to()` and `dispose()` reach them. It has no `forward` of its own: the model's
 * forward calls its modules. `list[i]` reads one (`list.at(-1)` the last); `append`, `extend`,
 * `insert` and `pop` change the list; `for (const m of list)` iterates.
 *
 * A plain array of modules as a field is registered the same way; a `ModuleList` adds the
 * methods, and is needed where an array would hold anything else.
 *
 * @example
 * ```ts
 * class Net extends Module {
 *   readonly layers = new ModuleList([new Linear(4, 8), new Linear(8, 8), new Linear(8, 2)]);
 *   forward(x: Tensor): Tensor {
 *     for (const layer of this.layers) x = layer(x).relu();
 *     return x;
 *   }
 * }
 * Object.keys(new Net().stateDict());  // ['layers.0.weight', 'layers.0.bias', 'layers.1.weight', ...]
 * ```
 */
export class ModuleList<M extends Module = Module> extends ModuleSequence<M> {
  static override readonly typeName = 'ModuleList';

  /** `modules`, an array or other iterable of modules, in order. */
  constructor(modules: Iterable<M> = []) {
    noExtraArgs('ModuleList', arguments, ['modules']);
    super();
    this.addAll('ModuleList', this.listOf('ModuleList', modules));
  }

  /** A ModuleList only holds modules: the model's own forward calls them. */
  forward(): never {
    fail(
      'ModuleList',
      "a ModuleList has no forward; call its modules from the model's forward (for (const layer of this.layers) x = layer(x)), or use a Sequential",
    );
  }
}
