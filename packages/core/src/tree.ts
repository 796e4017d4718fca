/**
 * Parameter trees, as JAX calls them (pytrees): nested plain objects and arrays whose leaves are
 * tensors, e.g. `{ conv1: { weight, bias }, layers: [{ weight }] }`. `valueAndGrad` takes them as
 * arguments and returns gradients of the same structure; `treeMap` and `treeLeaves` walk them.
 *
 * Only tensors are leaves. Numbers, strings, booleans, `null` and `undefined` may sit in a tree
 * beside them (a learning rate, a flag): they are carried along unchanged, never differentiated
 * and never passed to `treeMap`'s function. Anything else (a `Map`, a layer, a typed array) is an
 * error that names where it was found, so that tensors hidden in one are never silently skipped.
 */
import { fail } from './errors.js';
import { showValue } from './options.js';
import { isTensor, type Tensor } from './tensor.js';

/** `T` with every tensor leaf replaced by `R`: what `treeMap` returns. */
export type TreeMapped<T, R> = T extends Tensor
  ? R
  : T extends readonly unknown[]
    ? { -readonly [K in keyof T]: TreeMapped<T[K], R> }
    : T extends object
      ? { -readonly [K in keyof T]: TreeMapped<T[K], R> }
      : T;

/**
 * The gradient of an argument of structure `T` (what `valueAndGrad` returns for it): a tensor at
 * each tensor leaf and `null` at each other leaf.
 */
export type TreeGrads<T> = T extends Tensor
  ? Tensor
  : T extends readonly unknown[]
    ? { -readonly [K in keyof T]: TreeGrads<T[K]> }
    : T extends object
      ? { -readonly [K in keyof T]: TreeGrads<T[K]> }
      : null;

type Kind = 'tensor' | 'array' | 'object' | 'other';

function kindOf(v: unknown): Kind | null {
  if (isTensor(v)) return 'tensor';
  if (Array.isArray(v)) return 'array';
  if (v === null || (typeof v !== 'object' && typeof v !== 'function' && typeof v !== 'symbol')) {
    return 'other';
  }
  if (typeof v === 'object') {
    const proto = Object.getPrototypeOf(v);
    if (proto === Object.prototype || proto === null) return 'object';
  }
  return null;
}

/** Whether `v` may be (or be in) a tree: a tensor, a plain object or array, or a primitive. */
export function isTreeValue(v: unknown): boolean {
  return kindOf(v) !== null;
}

/** `base.key`, or `base['key']` for a key that is not an identifier; `base[3]` for an index. */
function childPath(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${base}.${key}` : `${base}[${showValue(key)}]`;
}

/** How a value reads in a message about a tree. */
function shown(v: unknown): string {
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (kindOf(v) === 'object') return 'an object';
  return showValue(v);
}

const NOT_A_TREE =
  'a tree holds tensors in plain objects and arrays (numbers, strings, booleans and null may sit beside them)';

/** The tensor leaves of several trees of one structure, and how to rebuild the first. */
export interface FlatTrees {
  /** `leaves[k]` holds the k-th tensor leaf of each tree, in the order the trees were given. */
  readonly leaves: Tensor[][];
  /** The path of each leaf in the first tree, e.g. `tree.conv1.weight`. */
  readonly paths: string[];
  /**
   * The first tree's structure with `values[k]` in place of its k-th tensor leaf, and `other(v)`
   * in place of each non-tensor leaf `v` (the first tree's own leaf when `other` is absent).
   */
  rebuild(values: readonly unknown[], other?: (v: unknown) => unknown): unknown;
}

/**
 * Walks `trees` together (each named in messages by `names[i]`, e.g. `tree`, `rest[0]`) and
 * checks that they share one structure: the same kind of container at each place, the same keys
 * (in any order) and lengths, and a tensor wherever the first tree has one. Where the first tree
 * has a non-tensor leaf, the others may hold any non-tensor leaf (a gradient tree has `null` where
 * the parameters have a number). Throws a `StrideError` from `fn` naming the first difference.
 */
export function flattenTrees(
  fn: string,
  names: readonly string[],
  trees: readonly unknown[],
): FlatTrees {
  const leaves: Tensor[][] = [];
  const paths: string[] = [];
  const ancestors = new Set<object>();
  const visit = (values: readonly unknown[], at: readonly string[]): void => {
    const first = values[0];
    const kind = kindOf(first);
    if (kind === null) fail(fn, `${at[0]} is ${showValue(first)}; ${NOT_A_TREE}`);
    for (let i = 1; i < values.length; i++) {
      const v = values[i];
      const k = kindOf(v);
      if (k === null) fail(fn, `${at[i]} is ${showValue(v)}; ${NOT_A_TREE}`);
      if (k !== kind) fail(fn, `${at[i]} is ${shown(v)} but ${at[0]} is ${shown(first)}`);
    }
    if (kind === 'tensor') {
      leaves.push(values as Tensor[]);
      paths.push(at[0] as string);
      return;
    }
    if (kind === 'other') return;
    const node = first as object;
    if (ancestors.has(node)) fail(fn, `${at[0]} contains itself; a tree cannot have cycles`);
    ancestors.add(node);
    if (kind === 'array') {
      const n = (first as unknown[]).length;
      for (let i = 1; i < values.length; i++) {
        const m = (values[i] as unknown[]).length;
        if (m !== n) fail(fn, `${at[i]} has ${m} entries but ${at[0]} has ${n}`);
      }
      for (let j = 0; j < n; j++) {
        visit(
          values.map((v) => (v as unknown[])[j]),
          at.map((p) => childPath(p, j)),
        );
      }
    } else {
      const keys = Object.keys(first as object);
      for (let i = 1; i < values.length; i++) {
        const own = values[i] as object;
        for (const key of keys) {
          if (!Object.hasOwn(own, key)) {
            fail(fn, `${at[i]} has no key '${key}', which ${at[0]} has (keys ${keys.join(', ')})`);
          }
        }
        for (const key of Object.keys(own)) {
          if (!Object.hasOwn(first as object, key)) {
            fail(fn, `${at[i]} has a key '${key}', which ${at[0]} lacks (keys ${keys.join(', ')})`);
          }
        }
      }
      for (const key of keys) {
        visit(
          values.map((v) => (v as Record<string, unknown>)[key]),
          at.map((p) => childPath(p, key)),
        );
      }
    }
    ancestors.delete(node);
  };
  visit(trees, names);
  const rebuild = (values: readonly unknown[], other?: (v: unknown) => unknown): unknown => {
    let next = 0;
    const build = (v: unknown): unknown => {
      if (isTensor(v)) return values[next++];
      if (Array.isArray(v)) return Array.from(v, build);
      if (kindOf(v) !== 'object') return other ? other(v) : v;
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(v as object)) {
        // defineProperty: a '__proto__' key (from JSON.parse) stays a key, not a prototype.
        Object.defineProperty(out, key, {
          value: build((v as Record<string, unknown>)[key]),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return out;
    };
    return build(trees[0]);
  };
  return { leaves, paths, rebuild };
}

/**
 * JAX's `tree_map`: a tree of the structure of `tree` holding `f(leaf, ...others)` at each tensor
 * leaf, where `others` are the tensors at the same place in each of `rest`. Every tree in `rest`
 * must have the structure of `tree` (a mismatch is a `StrideError` naming the place, e.g.
 * `rest[0].conv1.bias is null but tree.conv1.bias is a tensor [6]`). Non-tensor leaves of `tree`
 * (numbers, strings, null) are copied to the result as they are; `f` never sees them. The result
 * holds new containers; `f` decides whether its tensors are new.
 *
 * A JAX-style training step, where only the new parameters outlive the step:
 *
 * @example
 * ```ts
 * const loss = (p: { w: Tensor; b: Tensor }, x: Tensor, y: Tensor) =>
 *   mseLoss(x.matmul(p.w).add(p.b), y);
 * const step = valueAndGrad(loss, { argnums: 0 });
 * let params = { w: randn([3, 1]), b: zeros([1]) };
 * const x = randn([8, 3]);
 * const y = randn([8, 1]);
 * for (let i = 0; i < 3; i++) {
 *   const old = params;
 *   params = tidy(() => {
 *     const { grads: [g] } = step(old, x, y);
 *     return treeMap((p, gp) => p.sub(gp.mul(0.1)), old, g);
 *   });
 *   for (const t of treeLeaves(old)) t.dispose(); // the old parameters are not needed any more
 * }
 * ```
 */
export function treeMap<T, R = Tensor>(
  f: (leaf: Tensor, ...others: Tensor[]) => R,
  tree: T,
  ...rest: unknown[]
): TreeMapped<T, R> {
  const fn = 'treeMap';
  if (typeof f !== 'function') fail(fn, `f must be a function, got ${showValue(f)}`);
  const names = ['tree', ...rest.map((_, i) => `rest[${i}]`)];
  const flat = flattenTrees(fn, names, [tree, ...rest]);
  return flat.rebuild(flat.leaves.map((ls) => f(...(ls as [Tensor, ...Tensor[]])))) as TreeMapped<
    T,
    R
  >;
}

/**
 * JAX's `tree_leaves`: the tensors of `tree` in order (object keys in their own order, arrays by
 * index, depth first). Non-tensor leaves are left out. A tensor found at two places is listed
 * twice.
 *
 * @example
 * ```ts
 * const params = { conv: { weight: randn([4, 1, 3, 3]), bias: zeros([4]) }, scale: 2 };
 * treeLeaves(params).length;                          // 2
 * treeLeaves(params).reduce((n, t) => n + t.size, 0); // 40 parameters
 * ```
 */
export function treeLeaves(tree: unknown): Tensor[] {
  return flattenTrees('treeLeaves', ['tree'], [tree]).leaves.map((ls) => ls[0] as Tensor);
}
