/**
 * `ModuleDict`: modules by name, registered as children under those names, as PyTorch's
 * `nn.ModuleDict`, so that `blocks.conv.weight` is in the model's parameters and state dict.
 */
// biome-ignore-all lint/complexity/noArguments: constructors pass `arguments` to noExtraArgs, which refuses what JavaScript callers give past the declared parameters
import { fail, noExtraArgs, show } from './check.js';
import { childSources, Module } from './module.js';

/**
 * Holds modules by name, registered as children under those names in insertion order, as
 * PyTorch's `nn.ModuleDict`: their parameters are the model's, their state-dict names
 * `blocks.conv.weight`, and `train()`, `to()` and `dispose()` reach them. It has no `forward` of
 * its own: the model's forward calls its modules.
 *
 * The methods are those of a `Map`: `get` (which throws for a name it lacks, as PyTorch's
 * `blocks['x']` does), `set`, `has`, `delete`, `size`, and `keys`, `values` and `entries` (as
 * arrays); iterating gives `[name, module]` pairs. Built from an object, its names keep their
 * types (`blocks.get('conv')` is a `Conv2d`). A name is a non-empty string without dots, which
 * separate names in a state dict.
 *
 * An object lists integer-like keys (`'1'`) before the others, whatever order they were written
 * in; build from a `Map` or `[name, module]` pairs to keep such names in order.
 *
 * Each module is also a property of the dict, as PyTorch's `blocks['conv']` or `blocks.conv`:
 * `blocks.conv` (or `blocks['conv']`) is `blocks.get('conv')`, and assigning to it is
 * `blocks.set('conv', m)`. These properties are not enumerable, so the modules are registered
 * once, under their names. A name that is already a member of the dict keeps that meaning: a
 * method or field (`keys`, `get`, `size`, `train`, `training`, `toString`, ...) stays the method
 * or field, and `then` is left out too (`await` would take the dict for a promise); such a
 * module is reached with `get`, and its state-dict names are unchanged (`blocks.keys.weight`).
 * TypeScript types `get` by name, not these properties: in TypeScript, use `get`. A property
 * assigned under a new name is an ordinary field, not an entry: add names with `set`.
 *
 * @example
 * ```ts
 * class Net extends Module {
 *   readonly heads = new ModuleDict({ digit: new Linear(16, 10), parity: new Linear(16, 2) });
 *   forward(x: Tensor): Tensor {
 *     return this.heads.get('digit')(x);
 *   }
 * }
 * Object.keys(new Net().stateDict());  // ['heads.digit.weight', 'heads.digit.bias', 'heads.parity.weight', ...]
 * ```
 */
export class ModuleDict<T extends Record<string, Module> = Record<string, Module>> extends Module {
  static override readonly typeName = 'ModuleDict';

  readonly #modules = new Map<string, Module>();
  /** The getter of each name made a property, so that only that property is ever removed. */
  readonly #getters = new Map<string, () => Module>();

  /** `modules`, an object of modules by name, a `Map`, or `[name, module]` pairs. */
  constructor(modules: T | Iterable<readonly [string, Module]> = {} as T) {
    noExtraArgs('ModuleDict', arguments, ['modules']);
    super();
    const fn = 'ModuleDict';
    let entries: [unknown, unknown][];
    if (modules instanceof Module || modules === null || typeof modules !== 'object') {
      fail(
        fn,
        `modules must be an object of modules by name, a Map or [name, module] pairs, got ${show(modules)}`,
      );
    } else if (Symbol.iterator in modules) {
      entries = [];
      for (const pair of modules as Iterable<unknown>) {
        if (!Array.isArray(pair) || pair.length !== 2) {
          fail(fn, `modules must be [name, module] pairs, got ${show(pair)}`);
        }
        entries.push([pair[0], pair[1]]);
      }
    } else {
      entries = Object.entries(modules);
    }
    for (const [key, m] of entries) this.#check(fn, key, m);
    for (const [key, m] of entries) this.#modules.set(key as string, m as Module);
    for (const key of this.#modules.keys()) this.#expose(key);
    childSources.set(this, () => this.#modules.entries());
  }

  /** The number of modules. */
  get size(): number {
    return this.#modules.size;
  }

  /** The module named `key`; a StrideError naming the names there are if it has none. */
  get<K extends keyof T & string>(key: K): T[K] {
    const m = this.#modules.get(key);
    if (m === undefined) {
      const names = [...this.#modules.keys()].map((k) => `'${k}'`).join(', ');
      fail(
        `${this.typeName}.get`,
        `no module named ${show(key)}; ${names ? `the names are ${names}` : `the ${this.typeName} is empty`}`,
      );
    }
    return m as T[K];
  }

  /** Adds `module` under `key`, or replaces the one there (which keeps its place). Returns `this`. */
  set<K extends keyof T & string>(key: K, module: T[K]): this {
    this.#put(key, module);
    return this;
  }

  /** Whether a module is named `key`. */
  has(key: string): boolean {
    return this.#modules.has(key);
  }

  /** Removes the module named `key`; whether there was one. */
  delete(key: string): boolean {
    const get = this.#getters.get(key);
    if (get) {
      this.#getters.delete(key);
      // A subclass's field of that name replaced the property: that field stays.
      if (Object.getOwnPropertyDescriptor(this, key)?.get === get) {
        Reflect.deleteProperty(this, key);
      }
    }
    return this.#modules.delete(key);
  }

  /** The names, in insertion order. */
  keys(): (keyof T & string)[] {
    return [...this.#modules.keys()];
  }

  /** The modules, in insertion order. */
  values(): T[keyof T][] {
    return [...this.#modules.values()] as T[keyof T][];
  }

  /** `[name, module]` pairs, in insertion order. */
  entries(): [keyof T & string, T[keyof T]][] {
    return [...this.#modules.entries()] as [keyof T & string, T[keyof T]][];
  }

  /** `[name, module]` pairs: `for (const [name, m] of dict)`. */
  *[Symbol.iterator](): IterableIterator<[keyof T & string, T[keyof T]]> {
    yield* this.entries();
  }

  /** A ModuleDict only holds modules: the model's own forward calls them. */
  forward(): never {
    fail(
      'ModuleDict',
      "a ModuleDict has no forward; call its modules from the model's forward (this.blocks.get('conv')(x))",
    );
  }

  /** `set`, for the method and for assigning to a name's property. */
  #put(key: string, module: unknown): void {
    this.#check(`${this.typeName}.set`, key, module);
    this.#modules.set(key, module as Module);
    this.#expose(key);
  }

  /** Makes the module named `key` a property of the dict, unless the name is taken. */
  #expose(key: string): void {
    if (this.#getters.has(key) || key in this || key === 'then') return;
    const get = (): Module => this.#modules.get(key) as Module;
    Object.defineProperty(this, key, {
      get,
      set: (module: Module) => {
        this.#put(key, module);
      },
      // Not enumerable: Module registers a dict's modules from its entries, and would register
      // an enumerable property holding one a second time.
      enumerable: false,
      configurable: true,
    });
    this.#getters.set(key, get);
  }

  #check(fn: string, key: unknown, module: unknown): void {
    if (typeof key !== 'string' || key === '' || key.includes('.')) {
      fail(fn, `a name must be a non-empty string without dots, got ${show(key)}`);
    }
    if (!(module instanceof Module)) fail(fn, `'${key}' must be a Module, got ${show(module)}`);
  }
}
