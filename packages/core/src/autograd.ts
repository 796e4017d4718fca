import { isFloat } from './dtype.js';
import { engine } from './engine.js';
import { fail, fmtShape } from './errors.js';
import { backendOfTensor } from './kernel.js';
import { add } from './ops/arithmetic.js';
import { onesLike } from './ops/creation.js';
import { showValue } from './options.js';
import { shapesEqual } from './shape.js';
import { type GradNode, isTensor, shareStorage, type Tensor } from './tensor.js';
import { keep, tidy } from './tidy.js';

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

/**
 * Reverse-mode differentiation from `root`: accumulates into `.grad` of every leaf that requires
 * gradients, then frees the graph. `gradient` is required unless `root` has one element.
 */
export function backward(root: Tensor, gradient?: Tensor | null): void {
  backendOfTensor('backward', 'tensor', root);
  // null, like PyTorch's None, means "no gradient given".
  if (gradient === null) gradient = undefined;
  if (!root.requiresGrad) {
    fail('backward', `tensor ${fmtShape(root.shape)} does not require grad and has no grad_fn`);
  }
  if (gradient === undefined && root.size !== 1) {
    fail(
      'backward',
      `grad can be implicitly created only for scalar outputs; tensor has shape ${fmtShape(root.shape)} — pass a gradient`,
    );
  }
  if (gradient !== undefined) {
    backendOfTensor('backward', 'gradient', gradient);
    if (!shapesEqual(gradient.shape, root.shape)) {
      fail(
        'backward',
        `gradient ${fmtShape(gradient.shape)} does not match tensor ${fmtShape(root.shape)}`,
      );
    }
    if (gradient.dtype !== root.dtype) {
      fail('backward', `gradient is ${gradient.dtype} but the tensor is ${root.dtype}`);
    }
    if (gradient.backend !== root.backend) {
      fail('backward', `gradient is on '${gradient.device}' but the tensor is on '${root.device}'`);
    }
  }
  const rootNode = root._node as Node | null;
  const order = rootNode ? topologicalOrder(rootNode) : [];
  const previous = engine.gradEnabled;
  engine.gradEnabled = false;
  try {
    tidy(() => {
      const seed = gradient ?? onesLike(root);
      if (!rootNode) {
        accumulateLeaf(root, seed);
        return;
      }
      const pending = new Map<Node, Tensor>([[rootNode, seed]]);
      for (const node of order) {
        const dy = pending.get(node);
        if (!dy) continue;
        pending.delete(node);
        const grads = node.backwardFn(dy, node.saved);
        node.edges.forEach((edge, i) => {
          const g = grads[i];
          if (!edge || !g) return;
          if ('leaf' in edge) {
            accumulateLeaf(edge.leaf, g);
            return;
          }
          if (!shapesEqual(g.shape, edge.shape)) {
            throw new Error(
              `internal: ${node.name} gave a gradient ${fmtShape(g.shape)} for an input ${fmtShape(edge.shape)}`,
            );
          }
          const prev = pending.get(edge.node);
          pending.set(edge.node, prev ? add(prev, g) : g);
        });
      }
    });
  } finally {
    engine.gradEnabled = previous;
    for (const node of order) node.free();
  }
}

function topologicalOrder(root: Node): Node[] {
  const visited = new Set<Node>();
  const post: Node[] = [];
  // Iterative DFS: deep networks would overflow the call stack with recursion.
  const stack: [Node, number][] = [[root, 0]];
  visited.add(root);
  while (stack.length > 0) {
    const top = stack[stack.length - 1] as [Node, number];
    const [node, i] = top;
    if (node.freed) {
      fail(
        'backward',
        'trying to backward through the graph a second time: backward() already freed it',
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
  return post.reverse();
}

function accumulateLeaf(leaf: Tensor, g: Tensor): void {
  if (leaf.isDisposed) return;
  if (!shapesEqual(g.shape, leaf.shape)) {
    throw new Error(`internal: gradient ${fmtShape(g.shape)} for a leaf ${fmtShape(leaf.shape)}`);
  }
  const old = leaf.grad;
  // A fresh wrapper per leaf: two leaves may receive the very same gradient tensor.
  leaf.grad = keep(old ? add(old, g) : shareStorage(g, g.shape, false));
  if (old) old.dispose();
}

/** Runs `fn` without recording gradients (like `torch.no_grad()`). `fn` must be synchronous. */
export function noGrad<T>(fn: () => T): T {
  const previous = engine.gradEnabled;
  engine.gradEnabled = false;
  try {
    return fn();
  } finally {
    engine.gradEnabled = previous;
  }
}

/** Whether ops are currently recording gradients. */
export function isGradEnabled(): boolean {
  return engine.gradEnabled;
}

/**
 * JAX-style: `valueAndGrad(f)(...xs)` returns `f(...xs)` (a scalar tensor) and its gradient with
 * respect to every argument. The arguments are not modified and get no `.grad`.
 *
 * @example
 * ```ts
 * const sumOfSquares = (x: Tensor) => x.mul(x).sum();
 * const { value, grads } = valueAndGrad(sumOfSquares)(tensor([1, 2, 3], { dtype: 'float32' }));
 * value.itemSync();                                // 14
 * grads[0].arraySync();                            // [2, 4, 6]
 * ```
 */
export function valueAndGrad<A extends Tensor[]>(
  fn: (...args: A) => Tensor,
): (...args: A) => {
  /** `fn`'s result, a scalar tensor without autograd history. */
  value: Tensor;
  /** The gradient with respect to each argument, in order, each of its argument's shape. */
  grads: Tensor[];
} {
  const name = 'valueAndGrad';
  if (typeof fn !== 'function') fail(name, `fn must be a function, got ${showValue(fn)}`);
  return (...args: A) => {
    // Every argument is checked before any copy is made, so a refused call leaves nothing behind.
    args.forEach((a: unknown, i) => {
      if (!isTensor(a)) {
        const tree = a !== null && typeof a === 'object';
        fail(
          name,
          `argument ${i} must be a tensor, got ${showValue(a)}` +
            (tree
              ? '; gradients are taken with respect to tensor arguments: pass each parameter as its own argument, f(w, b)'
              : ''),
        );
      }
      a._check(name, `argument ${i}`);
      if (!isFloat(a.dtype)) {
        fail(name, `argument ${i} must be a float tensor to be differentiated, got ${a.dtype}`);
      }
    });
    const inputs = args.map((a) => {
      const copy = shareStorage(a, a.shape, false);
      copy.requiresGrad = true;
      return copy;
    }) as A;
    const previous = engine.gradEnabled;
    engine.gradEnabled = true;
    try {
      const value: unknown = fn(...inputs);
      if (!isTensor(value)) {
        fail(name, `the function must return a scalar tensor, got ${showValue(value)}`);
      }
      if (value.size !== 1) {
        const shape = fmtShape(value.shape);
        value.dispose();
        fail(name, `the function must return a scalar, got shape ${shape}`);
      }
      if (value.requiresGrad) backward(value);
      const grads = inputs.map((c) => {
        const g = c.grad ? shareStorage(c.grad, c.shape) : onesLikeZero(c);
        return g;
      });
      const detached = shareStorage(value, value.shape);
      value.dispose();
      return { value: detached, grads };
    } finally {
      engine.gradEnabled = previous;
      for (const c of inputs) c.dispose();
    }
  };
}

function onesLikeZero(t: Tensor): Tensor {
  return noGrad(() => onesLike(t).mul(0));
}

/** JAX-style: `grad(f)(...xs)` is the gradient of scalar `f` with respect to every argument. */
export function grad<A extends Tensor[]>(fn: (...args: A) => Tensor): (...args: A) => Tensor[] {
  if (typeof fn !== 'function') fail('grad', `fn must be a function, got ${showValue(fn)}`);
  const vg = valueAndGrad(fn);
  return (...args: A) => {
    const { value, grads } = vg(...args);
    value.dispose();
    return grads;
  };
}
