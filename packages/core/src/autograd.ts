import { isFloat } from './dtype.js';
import { engine } from './engine.js';
import { fail, fmtShape } from './errors.js';
import { backendOfTensor } from './kernel.js';
import { add } from './ops/arithmetic.js';
import { onesLike, zerosLike } from './ops/creation.js';
import { checkOptions, option, showValue } from './options.js';
import { shapesEqual } from './shape.js';
import { type GradNode, isTensor, nextTensorId, shareStorage, type Tensor } from './tensor.js';
import { keep, tidy } from './tidy.js';
import { type FlatTrees, flattenTrees, isTreeValue, type TreeGrads } from './tree.js';

/**
 * Computes the gradients of an op's inputs from the gradient of its output. `saved` holds the
 * tensors the op asked to keep (copies that stay valid after the caller disposes the originals).
 * Return one entry per input: a tensor of that input's shape, or null where none flows.
 */
export type BackwardFn = (dy: Tensor, saved: Tensor[]) => (Tensor | null)[];

type Edge = { node: Node; shape: readonly number[] } | { leaf: Tensor } | null;

/**
 * A recorded op. Reference-counted by the tensors it produced and the nodes that consume it, so
 * a graph nobody can reach any more frees its saved tensors even if `backward()` never runs.
 */
class Node implements GradNode {
  private refs = 0;
  freed = false;
  edges: Edge[];
  saved: Tensor[];
  /** The output, when it called `retainGrad()`: `backward()` then fills its `.grad`. */
  retained: Tensor | null = null;

  constructor(
    readonly name: string,
    inputs: readonly Tensor[],
    save: readonly Tensor[],
    readonly backwardFn: BackwardFn,
  ) {
    const edges = new Array<Edge>(inputs.length);
    for (let i = 0; i < inputs.length; i++) {
      const t = inputs[i] as Tensor;
      const node = t._node as Node | null;
      if (node) {
        node.retain();
        edges[i] = { node, shape: t.shape };
      } else edges[i] = t.requiresGrad ? { leaf: t } : null;
    }
    this.edges = edges;
    const saved = new Array<Tensor>(save.length);
    for (let i = 0; i < save.length; i++) {
      const t = save[i] as Tensor;
      saved[i] = shareStorage(t, t.shape, false);
    }
    this.saved = saved;
  }

  retain(): void {
    this.refs++;
  }

  release(): void {
    if (--this.refs <= 0) this.free();
  }

  /** Drops saved tensors and links to inputs; the node can no longer run backward. */
  free(): void {
    if (this.freed) return;
    this.freed = true;
    for (const t of this.saved) t.dispose();
    this.saved = [];
    const edges = this.edges;
    this.edges = [];
    for (const e of edges) if (e && 'node' in e) e.node.release();
  }
}

/**
 * Attaches a gradient function to `out` if gradients are being recorded and any input needs
 * one. Every differentiable op in core goes through here.
 */
export function withGrad(
  name: string,
  out: Tensor,
  inputs: readonly Tensor[],
  save: readonly Tensor[],
  backwardFn: BackwardFn,
): Tensor {
  // Custom ops call this too: a wrong argument must fail here, not later inside backward().
  if (
    typeof name !== 'string' ||
    !isTensor(out) ||
    !Array.isArray(inputs) ||
    !Array.isArray(save) ||
    typeof backwardFn !== 'function'
  ) {
    fail(
      'withGrad',
      `expected (name: string, out: Tensor, inputs: Tensor[], save: Tensor[], backward: function), got (${[name, out, inputs, save, backwardFn].map(showValue).join(', ')})`,
    );
  }
  if (!engine.gradEnabled) return out;
  let any = false;
  for (let i = 0; i < inputs.length; i++) if ((inputs[i] as Tensor).requiresGrad) any = true;
  if (!any) return out;
  const node = new Node(name, inputs, save, backwardFn);
  node.retain();
  out._setNode(node);
  return out;
}

/** How the messages about one output and its gradient name them. */
interface SeedNames {
  /** The output: `tensor`, `outputs[0]`. */
  readonly out: string;
  /** The output as the subject of a clause: `the tensor`, `outputs[0]`. */
  readonly theOut: string;
  /** Its gradient: `gradient`, `gradOutputs[0]`. */
  readonly grad: string;
  /** What to pass for a non-scalar output: `a gradient`, `gradOutputs`. */
  readonly remedy: string;
}

/** Checks that `out` can be differentiated from and that `gradient` fits it. */
function checkSeed(fn: string, names: SeedNames, out: Tensor, gradient: Tensor | undefined): void {
  if (!out.requiresGrad) {
    fail(fn, `${names.out} ${fmtShape(out.shape)} does not require grad and has no grad_fn`);
  }
  if (gradient === undefined && out.size !== 1) {
    fail(
      fn,
      `grad can be implicitly created only for scalar outputs; ${names.out} has shape ${fmtShape(out.shape)} — pass ${names.remedy}`,
    );
  }
  if (gradient === undefined) return;
  backendOfTensor(fn, names.grad, gradient);
  if (!shapesEqual(gradient.shape, out.shape)) {
    fail(
      fn,
      `${names.grad} ${fmtShape(gradient.shape)} does not match ${names.out} ${fmtShape(out.shape)}`,
    );
  }
  if (gradient.dtype !== out.dtype) {
    fail(fn, `${names.grad} is ${gradient.dtype} but ${names.theOut} is ${out.dtype}`);
  }
  if (gradient.backend !== out.backend) {
    fail(fn, `${names.grad} is on '${gradient.device}' but ${names.theOut} is on '${out.device}'`);
  }
}

/** Where gradients go as `propagate` finds them. */
interface Sink {
  /** A gradient reaching leaf `t` along one edge (a leaf used twice gets two calls). */
  leaf(t: Tensor, g: Tensor): void;
  /** The complete gradient of a node's output, before the node's backward runs. */
  node(node: Node, dy: Tensor): void;
}

/**
 * Runs the backward functions of `order` (a topological order, outputs first), starting from the
 * gradients in `pending`. With `relevant`/`runs` given (by `gradOf`), only nodes in `relevant`
 * collect gradients and only nodes in `runs` run their backward: the rest of the graph leads to
 * no input asked for. Must run with gradients off, inside a `tidy`.
 */
function propagate(
  order: readonly Node[],
  pending: Map<Node, Tensor>,
  sink: Sink,
  relevant: ReadonlySet<Node> | null = null,
  runs: ReadonlySet<Node> | null = null,
): void {
  for (const node of order) {
    const dy = pending.get(node);
    if (!dy) continue;
    pending.delete(node);
    sink.node(node, dy);
    if (runs && !runs.has(node)) continue;
    const grads = node.backwardFn(dy, node.saved);
    node.edges.forEach((edge, i) => {
      const g = grads[i];
      if (!edge || !g) return;
      if ('leaf' in edge) {
        sink.leaf(edge.leaf, g);
        return;
      }
      if (relevant && !relevant.has(edge.node)) return;
      if (!shapesEqual(g.shape, edge.shape)) {
        throw new Error(
          `internal: ${node.name} gave a gradient ${fmtShape(g.shape)} for an input ${fmtShape(edge.shape)}`,
        );
      }
      const prev = pending.get(edge.node);
      pending.set(edge.node, prev ? add(prev, g) : g);
    });
  }
}

/** Runs `body` with gradient recording off. */
function withoutGrad<T>(body: () => T): T {
  const previous = engine.gradEnabled;
  engine.gradEnabled = false;
  try {
    return body();
  } finally {
    engine.gradEnabled = previous;
  }
}

/**
 * Reverse-mode differentiation from `root`: accumulates into `.grad` of every leaf that requires
 * gradients (and of every non-leaf that called `retainGrad()`), then frees the graph. `gradient`
 * is required unless `root` has one element.
 */
export function backward(root: Tensor, gradient?: Tensor | null): void {
  const fn = 'backward';
  backendOfTensor(fn, 'tensor', root);
  // null, like PyTorch's None, means "no gradient given".
  const given = gradient ?? undefined;
  checkSeed(
    fn,
    { out: 'tensor', theOut: 'the tensor', grad: 'gradient', remedy: 'a gradient' },
    root,
    given,
  );
  const rootNode = root._node as Node | null;
  const order = rootNode ? topologicalOrder(fn, [rootNode]) : [];
  try {
    withoutGrad(() =>
      tidy(() => {
        const seed = given ?? onesLike(root);
        if (!rootNode) {
          accumulateGrad(root, seed);
          return;
        }
        propagate(order, new Map([[rootNode, seed]]), {
          leaf: accumulateGrad,
          node: (node, dy) => {
            if (node.retained) accumulateGrad(node.retained, dy);
          },
        });
      }),
    );
  } finally {
    for (const node of order) node.free();
  }
}

/**
 * Every node reachable from `roots`, each after all the nodes that consume it (outputs first):
 * the reverse of a depth-first post-order over all roots.
 */
function topologicalOrder(fn: string, roots: readonly Node[]): Node[] {
  const visited = new Set<Node>();
  const post: Node[] = [];
  for (const root of roots) {
    if (visited.has(root)) continue;
    // Iterative DFS: deep networks would overflow the call stack with recursion.
    const stack: [Node, number][] = [[root, 0]];
    visited.add(root);
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as [Node, number];
      const [node, i] = top;
      if (node.freed) {
        fail(
          fn,
          fn === 'backward'
            ? 'trying to backward through the graph a second time: backward() already freed it'
            : 'trying to backward through the graph a second time: an earlier backward() or gradOf() freed it (gradOf keeps it with { retainGraph: true })',
        );
      }
      if (i < node.edges.length) {
        top[1]++;
        const e = node.edges[i];
        if (e && 'node' in e && !visited.has(e.node)) {
          visited.add(e.node);
          stack.push([e.node, 0]);
        }
      } else {
        stack.pop();
        post.push(node);
      }
    }
  }
  return post.reverse();
}

/** Adds `g` to `t.grad` (a leaf's, or a retained non-leaf's). */
function accumulateGrad(t: Tensor, g: Tensor): void {
  if (t.isDisposed) return;
  if (!shapesEqual(g.shape, t.shape)) {
    throw new Error(`internal: gradient ${fmtShape(g.shape)} for a tensor ${fmtShape(t.shape)}`);
  }
  const old = t.grad;
  // A fresh wrapper per tensor: two leaves may receive the very same gradient tensor.
  t.grad = keep(old ? add(old, g) : shareStorage(g, g.shape, false));
  if (old) old.dispose();
}

/**
 * PyTorch's `retain_grad()`: makes `backward()` fill `t.grad` although `t` is not a leaf (the
 * result of an op). Does nothing for a leaf, which keeps its gradient anyway. Throws a
 * StrideError when `t` does not require gradients.
 *
 * @example
 * ```ts
 * const x = tensor([1, 2, 3], { dtype: 'float32', requiresGrad: true });
 * const h = x.mul(2);
 * h.retainGrad();
 * h.square().sum().backward();
 * h.grad?.arraySync();                             // [4, 8, 12]: 2h
 * ```
 */
export function retainGrad(t: Tensor): void {
  const fn = 'retainGrad';
  backendOfTensor(fn, 'tensor', t);
  if (!t.requiresGrad) {
    fail(
      fn,
      `tensor ${fmtShape(t.shape)} does not require grad, so there is no gradient to retain`,
    );
  }
  const node = t._node as Node | null;
  if (node) node.retained = t;
}

/** Whether `retainGrad()` was called on non-leaf `t` (PyTorch's `retains_grad`). */
export function retainsGrad(t: Tensor): boolean {
  const node = t._node as Node | null;
  return node !== null && node.retained === t;
}

/**
 * The gradients of `outputs` (seeded with `seeds`, ones where undefined) with respect to
 * `inputs`, without touching any `.grad`: one per input, a tensor of its shape, or null for an
 * input the outputs do not depend on. Frees the graph unless `retainGraph`.
 */
function gradientsOf(
  fn: string,
  outputs: readonly Tensor[],
  seeds: readonly (Tensor | undefined)[],
  inputs: readonly Tensor[],
  retainGraph: boolean,
  fillRetained: boolean,
): (Tensor | null)[] {
  const roots: Node[] = [];
  for (const t of outputs) if (t._node) roots.push(t._node as Node);
  const order = topologicalOrder(fn, roots);
  const targetLeaves = new Set<Tensor>();
  const targetNodes = new Set<Node>();
  for (const t of inputs) {
    if (t._node) targetNodes.add(t._node as Node);
    else targetLeaves.add(t);
  }
  // From the inputs up: a node runs its backward when an edge leads to a leaf or node asked for.
  const relevant = new Set<Node>();
  const runs = new Set<Node>();
  const reachedLeaves = new Set<Tensor>();
  for (let k = order.length - 1; k >= 0; k--) {
    const node = order[k] as Node;
    let leads = false;
    for (const e of node.edges) {
      if (!e) continue;
      if ('leaf' in e) {
        if (targetLeaves.has(e.leaf)) {
          leads = true;
          reachedLeaves.add(e.leaf);
        }
      } else if (relevant.has(e.node)) leads = true;
    }
    if (leads) runs.add(node);
    if (leads || targetNodes.has(node)) relevant.add(node);
  }
  for (const t of outputs) if (!t._node && targetLeaves.has(t)) reachedLeaves.add(t);
  const reached = (t: Tensor): boolean =>
    t._node ? relevant.has(t._node as Node) : reachedLeaves.has(t);
  try {
    return withoutGrad(() =>
      tidy(() => {
        const leafGrads = new Map<Tensor, Tensor>();
        const nodeGrads = new Map<Node, Tensor>();
        const sum = <K>(into: Map<K, Tensor>, key: K, g: Tensor): void => {
          const prev = into.get(key);
          into.set(key, prev ? add(prev, g) : g);
        };
        const pending = new Map<Node, Tensor>();
        outputs.forEach((t, i) => {
          const seed = seeds[i] ?? onesLike(t);
          if (t._node) sum(pending, t._node as Node, seed);
          else if (targetLeaves.has(t)) sum(leafGrads, t, seed);
        });
        propagate(
          order,
          pending,
          {
            leaf: (t, g) => {
              if (targetLeaves.has(t)) sum(leafGrads, t, g);
            },
            node: (node, dy) => {
              if (targetNodes.has(node)) nodeGrads.set(node, dy);
              // PyTorch's autograd.grad runs retain_grad hooks of the nodes it passes through.
              if (fillRetained && node.retained) accumulateGrad(node.retained, dy);
            },
          },
          relevant,
          runs,
        );
        return inputs.map((t) => {
          const g = t._node ? nodeGrads.get(t._node as Node) : leafGrads.get(t);
          if (g) return shareStorage(g, g.shape);
          // Reached, but every backward on the way gave no gradient: zero, not "unused".
          return reached(t) ? zerosLike(t) : null;
        });
      }),
    );
  } finally {
    if (!retainGraph) for (const node of order) node.free();
  }
}

/** Options of `gradOf`. */
export interface GradOfOptions {
  /**
   * The gradient of each output (PyTorch's `grad_outputs`): one tensor per output, each of its
   * output's shape, dtype and device; null (or absent) for an output with one element means a
   * gradient of 1. A single tensor stands for an array of one.
   */
  gradOutputs?: Tensor | readonly (Tensor | null)[] | null;
  /**
   * Keep the graph, so that another `gradOf` or `backward()` can run through it (PyTorch's
   * `retain_graph`). Default false: the graph is freed, as `backward()` frees it.
   */
  retainGraph?: boolean;
  /**
   * Return null for an input the outputs do not depend on, instead of throwing (PyTorch's
   * `allow_unused`). Default false.
   */
  allowUnused?: boolean;
}

const GRAD_OF_OPTIONS = {
  gradOutputs: option.custom<Tensor | readonly (Tensor | null)[] | null>(
    'a tensor, an array of tensors (or nulls), or null',
    (v) =>
      v === null || isTensor(v) || (Array.isArray(v) && v.every((e) => e === null || isTensor(e))),
  ),
  retainGraph: option.boolean,
  allowUnused: option.boolean,
};

/** A tensor or an array of tensors as an array, each checked and named `what[i]`. */
function tensorList(fn: string, what: string, value: unknown): Tensor[] {
  const list = isTensor(value) ? [value] : value;
  if (!Array.isArray(list) || list.length === 0) {
    fail(fn, `${what} must be a tensor or a non-empty array of tensors, got ${showValue(value)}`);
  }
  list.forEach((t: unknown, i) => {
    backendOfTensor(fn, `${what}[${i}]`, t as Tensor);
  });
  return list as Tensor[];
}

/**
 * PyTorch's `torch.autograd.grad(outputs, inputs, grad_outputs)`: the gradients of `outputs` with
 * respect to `inputs`, one per input in order, without touching any `.grad` (neither the inputs'
 * nor any other leaf's). The inputs may be leaves or results of ops; each must require gradients.
 * The returned tensors have no autograd history (PyTorch's `create_graph=False`; higher-order
 * gradients are not recorded).
 *
 * Named `gradOf` because `grad` is already the JAX-style transform `grad(fn)` of this package
 * (a function of functions); `gradOf` takes tensors that were already computed, as PyTorch's does.
 * Options go in an object, PyTorch's keyword arguments: `{ gradOutputs, retainGraph, allowUnused }`.
 *
 * @example
 * ```ts
 * const w = tensor([1, 2], { dtype: 'float32', requiresGrad: true });
 * const b = tensor([3], { dtype: 'float32', requiresGrad: true });
 * const loss = w.square().sum().add(b.mul(2).sum());
 * const [gw, gb] = gradOf(loss, [w, b]);
 * gw.arraySync();                                  // [2, 4]
 * gb.arraySync();                                  // [2]
 * w.grad;                                          // null: nothing was accumulated
 * ```
 */
export function gradOf(
  outputs: Tensor | readonly Tensor[],
  inputs: Tensor | readonly Tensor[],
  options?: GradOfOptions & {
    /** Absent or false: an input the outputs do not depend on is an error. */
    allowUnused?: false;
  },
): Tensor[];
export function gradOf(
  outputs: Tensor | readonly Tensor[],
  inputs: Tensor | readonly Tensor[],
  options: GradOfOptions,
): (Tensor | null)[];
export function gradOf(
  outputs: Tensor | readonly Tensor[],
  inputs: Tensor | readonly Tensor[],
  options: GradOfOptions = {},
): (Tensor | null)[] {
  const fn = 'gradOf';
  const o = checkOptions(fn, options, GRAD_OF_OPTIONS);
  const outs = tensorList(fn, 'outputs', outputs);
  const ins = tensorList(fn, 'inputs', inputs);
  const given = o.gradOutputs ?? null;
  const seeds: (Tensor | undefined)[] =
    given === null
      ? outs.map(() => undefined)
      : isTensor(given)
        ? [given]
        : [...given].map((g) => g ?? undefined);
  if (seeds.length !== outs.length) {
    fail(fn, `gradOutputs has ${seeds.length} entries but there are ${outs.length} outputs`);
  }
  outs.forEach((t, i) => {
    checkSeed(
      fn,
      {
        out: `outputs[${i}]`,
        theOut: `outputs[${i}]`,
        grad: `gradOutputs[${i}]`,
        remedy: 'gradOutputs',
      },
      t,
      seeds[i],
    );
  });
  ins.forEach((t, i) => {
    if (!t.requiresGrad) fail(fn, `inputs[${i}] ${fmtShape(t.shape)} does not require grad`);
  });
  if (!o.allowUnused) {
    // Checked before anything runs, so that a refused call leaves the graph as it was.
    const roots: Node[] = [];
    for (const t of outs) if (t._node) roots.push(t._node as Node);
    const order = topologicalOrder(fn, roots);
    const nodes = new Set(order);
    const leaves = new Set<Tensor>(outs);
    for (const node of order) for (const e of node.edges) if (e && 'leaf' in e) leaves.add(e.leaf);
    ins.forEach((t, i) => {
      if (t._node ? !nodes.has(t._node as Node) : !leaves.has(t)) {
        fail(
          fn,
          `inputs[${i}] ${fmtShape(t.shape)} is not used in the graph of the outputs; pass { allowUnused: true } to get null for it`,
        );
      }
    });
  }
  return gradientsOf(fn, outs, seeds, ins, o.retainGraph ?? false, true);
}

/** Runs `fn` without recording gradients (like `torch.no_grad()`). `fn` must be synchronous. */
export function noGrad<T>(fn: () => T): T {
  return withoutGrad(fn);
}

/** Whether ops are currently recording gradients. */
export function isGradEnabled(): boolean {
  return engine.gradEnabled;
}

/** Options of `valueAndGrad` and `grad`. */
export interface ValueAndGradOptions {
  /**
   * Which arguments to differentiate, by position (JAX's `argnums`): one index or several, in
   * the order the gradients are returned. Default: every argument.
   */
  argnums?: number | readonly number[];
}

const VALUE_AND_GRAD_OPTIONS = {
  argnums: option.either(option.integer({ min: 0 }), option.arrayOf(option.integer({ min: 0 }))),
};

/** What a function made by `valueAndGrad` returns. */
export interface ValueAndGrads<G> {
  /** `fn`'s result, a scalar tensor without autograd history. */
  value: Tensor;
  /**
   * The gradient of each differentiated argument, in order, each of its argument's structure: a
   * tensor for a tensor, a tree of tensors for a tree (null at its non-tensor leaves), null for a
   * number.
   */
  grads: G;
}

/** The gradients of arguments `A`: one per argument, each of its structure (see `TreeGrads`). */
export type ArgGrads<A extends readonly unknown[]> = {
  -readonly [K in keyof A]: TreeGrads<A[K]>;
};

/** The gradients of the arguments of `A` at positions `N`, in the order of `N`. */
export type PickedGrads<A extends readonly unknown[], N extends readonly number[]> = {
  -readonly [I in keyof N]: N[I] extends keyof A ? TreeGrads<A[N[I]]> : never;
};

/** The positions `options.argnums` names, checked when the function is made. */
function readArgnums(fn: string, options: unknown): number[] | null {
  const { argnums } = checkOptions(fn, options, VALUE_AND_GRAD_OPTIONS);
  if (argnums === undefined) return null;
  const list = typeof argnums === 'number' ? [argnums] : [...argnums];
  if (list.length === 0) fail(fn, 'argnums must name at least one argument, got []');
  const seen = new Set<number>();
  for (const i of list) {
    if (seen.has(i)) fail(fn, `argnums names argument ${i} twice: [${list.join(',')}]`);
    seen.add(i);
  }
  return list;
}

/**
 * JAX-style: `valueAndGrad(f)(...args)` returns `f(...args)` (a scalar tensor) and its gradient
 * with respect to every argument, or to those `argnums` picks. An argument may be a tensor or a
 * parameter tree (nested plain objects and arrays of tensors, see `treeMap`); its gradient has
 * its structure. Numbers, strings and null in an argument are not differentiated (their gradient
 * is null). The arguments are not modified, and no tensor gets a `.grad`: not the arguments, not
 * tensors the function closes over.
 *
 * @example
 * ```ts
 * const sumOfSquares = (x: Tensor) => x.mul(x).sum();
 * const { value, grads } = valueAndGrad(sumOfSquares)(tensor([1, 2, 3], { dtype: 'float32' }));
 * value.itemSync();                                // 14
 * grads[0].arraySync();                            // [2, 4, 6]
 *
 * // A parameter tree, and data that is not differentiated:
 * const loss = (p: { w: Tensor; b: Tensor }, x: Tensor) => x.mul(p.w).add(p.b).square().sum();
 * const step = valueAndGrad(loss, { argnums: 0 });
 * const { grads: [g] } = step({ w: ones([2]), b: zeros([2]) }, tensor([1, 2], { dtype: 'float32' }));
 * g.w.arraySync();                                 // [2, 8]
 * g.b.arraySync();                                 // [2, 4]
 * ```
 */
export function valueAndGrad<A extends unknown[]>(
  fn: (...args: A) => Tensor,
  options?: {
    /** Absent: every argument is differentiated. */
    argnums?: undefined;
  },
): (...args: A) => ValueAndGrads<ArgGrads<A>>;
export function valueAndGrad<A extends unknown[], const N extends number>(
  fn: (...args: A) => Tensor,
  options: {
    /** The positions of the arguments to differentiate (JAX's `argnums`). */
    argnums: N;
  },
): (...args: A) => ValueAndGrads<[N extends keyof A ? TreeGrads<A[N]> : never]>;
export function valueAndGrad<A extends unknown[], const N extends readonly number[]>(
  fn: (...args: A) => Tensor,
  options: {
    /** The positions of the arguments to differentiate (JAX's `argnums`). */
    argnums: N;
  },
): (...args: A) => ValueAndGrads<PickedGrads<A, N>>;
export function valueAndGrad(
  fn: (...args: never[]) => Tensor,
  options?: ValueAndGradOptions,
): (...args: unknown[]) => ValueAndGrads<unknown[]> {
  return transform('valueAndGrad', fn, options);
}

/** `valueAndGrad`, whose errors name `name` (`grad` is made from it). */
function transform(
  name: string,
  fn: (...args: never[]) => Tensor,
  options: ValueAndGradOptions | undefined,
): (...args: unknown[]) => ValueAndGrads<unknown[]> {
  if (typeof fn !== 'function') fail(name, `fn must be a function, got ${showValue(fn)}`);
  const argnums = readArgnums(name, options);
  const f = fn as (...args: unknown[]) => unknown;
  return (...args: unknown[]) => {
    const picked = argnums ?? args.map((_, i) => i);
    for (const i of picked) {
      if (i >= args.length) {
        fail(
          name,
          `argnums names argument ${i}, but the function was called with ${args.length} argument${args.length === 1 ? '' : 's'}`,
        );
      }
    }
    const hint = argnums ? '' : '; pick the differentiated arguments with { argnums }';
    // Every argument is checked before any copy is made, so a refused call leaves nothing behind.
    const flats = picked.map((i) => {
      const a = args[i];
      if (!isTreeValue(a)) {
        fail(
          name,
          `args[${i}] is ${showValue(a)}; only tensors and trees of them (plain objects and arrays) are differentiated${hint}`,
        );
      }
      const flat = flattenTrees(name, [`args[${i}]`], [a]);
      flat.leaves.forEach(([t], k) => {
        const path = flat.paths[k] as string;
        (t as Tensor)._check(name, path);
        if (!isFloat((t as Tensor).dtype)) {
          fail(
            name,
            `${path} must be a float tensor to be differentiated, got ${(t as Tensor).dtype}${path === `args[${i}]` ? hint : ''}`,
          );
        }
      });
      return flat;
    });
    const copies = flats.map((flat) =>
      flat.leaves.map(([t]) => {
        const copy = shareStorage(t as Tensor, (t as Tensor).shape, false);
        copy.requiresGrad = true;
        return copy;
      }),
    );
    const callArgs = args.slice();
    picked.forEach((i, j) => {
      callArgs[i] = (flats[j] as FlatTrees).rebuild(copies[j] as Tensor[]);
    });
    const inputs = copies.flat();
    // Tensors made from here on are the function's own; one made before (a tensor it closes
    // over and returns) is the caller's and is not disposed.
    const firstNew = nextTensorId();
    const previous = engine.gradEnabled;
    engine.gradEnabled = true;
    try {
      const value: unknown = f(...callArgs);
      if (!isTensor(value)) {
        fail(name, `the function must return a scalar tensor, got ${showValue(value)}`);
      }
      const own = value.id >= firstNew;
      if (value.size !== 1) {
        const shape = fmtShape(value.shape);
        if (own) value.dispose();
        fail(name, `the function must return a scalar, got shape ${shape}`);
      }
      const found = value.requiresGrad
        ? gradientsOf(name, [value], [undefined], inputs, false, false)
        : inputs.map(() => null);
      const filled = found.map((g, k) => g ?? noGrad(() => zerosLike(inputs[k] as Tensor)));
      let next = 0;
      const grads = flats.map((flat) => {
        const mine = filled.slice(next, next + flat.leaves.length);
        next += flat.leaves.length;
        return flat.rebuild(mine, () => null);
      });
      const detached = shareStorage(value, value.shape);
      if (own) value.dispose();
      return { value: detached, grads };
    } finally {
      engine.gradEnabled = previous;
      for (const c of inputs) c.dispose();
    }
  };
}

/**
 * JAX-style: `grad(f)(...args)` is the gradient of scalar `f` with respect to every argument (or
 * those `argnums` picks), each of its argument's structure; see `valueAndGrad`.
 */
export function grad<A extends unknown[]>(
  fn: (...args: A) => Tensor,
  options?: {
    /** Absent: every argument is differentiated. */
    argnums?: undefined;
  },
): (...args: A) => ArgGrads<A>;
export function grad<A extends unknown[], const N extends number>(
  fn: (...args: A) => Tensor,
  options: {
    /** The positions of the arguments to differentiate (JAX's `argnums`). */
    argnums: N;
  },
): (...args: A) => [N extends keyof A ? TreeGrads<A[N]> : never];
export function grad<A extends unknown[], const N extends readonly number[]>(
  fn: (...args: A) => Tensor,
  options: {
    /** The positions of the arguments to differentiate (JAX's `argnums`). */
    argnums: N;
  },
): (...args: A) => PickedGrads<A, N>;
export function grad(
  fn: (...args: never[]) => Tensor,
  options?: ValueAndGradOptions,
): (...args: unknown[]) => unknown[] {
  const vg = transform('grad', fn, options);
  return (...args: unknown[]) => {
    const { value, grads } = vg(...args);
    value.dispose();
    return grads;
  };
}
