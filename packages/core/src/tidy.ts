import { engine, type TidyScope, type TrackedTensor, track, untrack } from './engine.js';
import { fail } from './errors.js';
import { Tensor } from './tensor.js';

/**
 * Runs `fn` and disposes every tensor created inside it except those it returns (found in
 * arrays and plain objects too), which move to the enclosing scope. `fn` must be synchronous.
 * If `fn` throws, everything it created is disposed before the error propagates.
 *
 * @example
 * ```ts
 * const x = randn([4, 4]);
 * const before = memory().numTensors;
 * const y = tidy(() => x.matmul(x).relu().sum()); // the product and the relu are disposed
 * memory().numTensors - before;                    // 1: y
 * ```
 */
export function tidy<T>(fn: () => T): T {
  if (typeof fn !== 'function') {
    fail('tidy', `expected a function, got ${fn === null ? 'null' : typeof fn}`);
  }
  const scope: TidyScope = { tensors: new Set<TrackedTensor>() };
  engine.scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (error) {
    popScope(scope, new Set());
    throw error;
  }
  if (result instanceof Promise) {
    popScope(scope, new Set());
    fail('tidy', 'the function must be synchronous; it returned a Promise');
  }
  const kept = new Set<Tensor>();
  collectTensors(result, kept);
  popScope(scope, kept);
  return result;
}

function popScope(scope: TidyScope, kept: Set<Tensor>): void {
  engine.scopes.splice(engine.scopes.lastIndexOf(scope), 1);
  for (const t of scope.tensors) {
    if (kept.has(t as Tensor)) track(t);
    else t.dispose();
  }
}

/**
 * Every tensor in `value`: itself, or anywhere inside arrays, Maps and plain objects (with or
 * without a prototype: parameter trees, safetensors results) however deep they nest. `seen` stops
 * at a cycle.
 */
function collectTensors(value: unknown, into: Set<Tensor>, seen = new Set<object>()): void {
  if (value instanceof Tensor) {
    into.add(value);
    return;
  }
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  if (Array.isArray(value)) {
    for (const v of value) collectTensors(v, into, seen);
  } else if (value instanceof Map) {
    for (const v of value.values()) collectTensors(v, into, seen);
  } else {
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto !== Object.prototype && proto !== null) return;
    for (const v of Object.values(value)) collectTensors(v, into, seen);
  }
}

/** Exempts a tensor from every `tidy` scope: it lives until `dispose()` is called. */
export function keep<T extends Tensor>(t: T): T {
  if (!(t instanceof Tensor))
    fail('keep', `expected a Tensor, got ${t === null ? 'null' : typeof t}`);
  untrack(t);
  return t;
}

/** What `memory()` reports. */
export interface MemoryInfo {
  /** Live tensors, including the copies the autograd graph saves for backward. */
  numTensors: number;
  /** Bytes of live storage (storage shared by several tensors counts once). */
  numBytes: number;
  /**
   * The same two counts for each backend made ready so far (registered or initialised), by name.
   */
  backends: Record<
    string,
    {
      /** Live tensors on that backend. */
      numTensors: number;
      /** Bytes of live storage on that backend. */
      numBytes: number;
    }
  >;
}

/** Live tensors and bytes, in all and per backend: a training loop that leaks shows here. */
export function memory(): MemoryInfo {
  const info: MemoryInfo = { numTensors: 0, numBytes: 0, backends: {} };
  for (const [name, u] of engine.usage) {
    info.numTensors += u.numTensors;
    info.numBytes += u.numBytes;
    info.backends[name] = { numTensors: u.numTensors, numBytes: u.numBytes };
  }
  return info;
}
