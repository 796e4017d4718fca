/**
 * Receptive fields and jumps of every tensor of one forward pass, for `summary()`, in networks
 * that branch and merge as well as in chains.
 *
 * Per spatial axis, a tensor has a receptive field r (input elements one of its elements sees),
 * a jump j (input elements between neighbouring elements) and the extent of the feature map it
 * belongs to. The model's input has r = j = 1. A layer with a window (`LayerInfo.geometry`) maps
 *   r_out = r_in + (k - 1) · dilation · j_in,   j_out = j_in · stride,
 * and a `'global'` one (a Linear on flattened features) covers the whole map:
 *   r_out = r_in + (extent - 1) · j_in,   j_out = j_in · extent.
 * Where paths merge (a residual `add`, a `cat`) the closed form for multi-path networks holds:
 * r and j are the largest over the paths.
 *
 * A feature map is a tensor of at least n + 2 dims whose last n are the spatial axes:
 * `[N, C, H, W]`, or `[N, C, G, H, W]` with an axis more between the channels and the positions
 * (the rotations of a p4 map), whose extent is followed the same way.
 *
 * Ops outside layers (the `add` of a residual block, a `relu()` method call, a `flatten()`) are
 * found through the autograd graph: the input requires gradients, so every op on a path from it
 * records a node, and a tensor's node leads back to the tensors it came from. Such an op is
 * position-wise when it keeps the spatial extent (or broadcasts a 1×1 map), whatever it does to
 * the other axes (a max over the rotations of a p4 map), a reshape when it keeps the element
 * count, and global when it reduces the map to 1×1 or away; any other change of extent (a
 * functional `maxPool2d`, a crop) has no geometry summary can know, and gives NaN from there on
 * rather than a wrong number.
 */
import { isTensor, type Tensor } from '@stride/core';
import type { LayerGeometry, LayerInfo } from './layer-info.js';
import { numel } from './layer-info.js';

/** Receptive field, jump and feature-map extent per spatial axis; NaN where unknown. */
export interface Geometry {
  readonly r: readonly number[];
  readonly j: readonly number[];
  readonly extent: readonly number[];
}

/**
 * Core's autograd node as read here: `edges` lead to the nodes (with the shape of the tensor
 * each produced) or leaf tensors an op consumed; null where the input needed no gradient.
 * Core keeps it internal, so every field is checked before use.
 */
interface GraphNode {
  readonly edges?: readonly (GraphEdge | null)[];
}
type GraphEdge =
  | { readonly node: GraphNode; readonly shape: readonly number[] }
  | { readonly leaf: Tensor };

function nodeOf(t: Tensor): GraphNode | null {
  const node = (t as unknown as { _node?: GraphNode | null })._node;
  return node !== null && typeof node === 'object' ? node : null;
}

const same = (a: readonly number[], b: readonly number[]): boolean =>
  a.length === b.length && a.every((d, i) => d === b[i]);
const ones = (v: readonly number[]): boolean => v.every((d) => d === 1);

function global(g: Geometry): Geometry {
  return {
    r: g.r.map((r, i) => r + ((g.extent[i] as number) - 1) * (g.j[i] as number)),
    j: g.j.map((j, i) => j * (g.extent[i] as number)),
    extent: g.extent.map(() => 1),
  };
}

function unknown(extent: readonly number[]): Geometry {
  return { r: extent.map(() => Number.NaN), j: extent.map(() => Number.NaN), extent };
}

/** The larger of two geometries per axis (NaN wins: unknown stays unknown). */
function merge(a: Geometry, b: Geometry): Geometry {
  const max = (x: readonly number[], y: readonly number[]): number[] =>
    x.map((v, i) => Math.max(v, y[i] as number));
  return { r: max(a.r, b.r), j: max(a.j, b.j), extent: max(a.extent, b.extent) };
}

/** Follows receptive fields through one forward pass of a model with `n` spatial axes. */
export class GeometryTracer {
  readonly #n: number;
  readonly #byTensor = new Map<Tensor, Geometry | undefined>();
  readonly #byNode = new Map<GraphNode, Geometry | undefined>();
  /** Whether the graph is recorded; if not, a tensor of unknown origin is unknown, not constant. */
  readonly #recording: boolean;

  /** `input` is the model's input; `recording` whether ops record autograd nodes from it. */
  constructor(input: Tensor, recording: boolean) {
    this.#n = Math.max(0, input.shape.length - 2);
    this.#recording = recording;
    const ones1 = new Array<number>(this.#n).fill(1);
    this.#byTensor.set(input, { r: ones1, j: [...ones1], extent: input.shape.slice(2) });
  }

  /** The spatial extent of a feature map of this shape (its last n dims); null for any other. */
  #extentOf(shape: readonly number[]): readonly number[] | null {
    return shape.length >= this.#n + 2 ? shape.slice(shape.length - this.#n) : null;
  }

  /** Records one call of a leaf layer and returns the geometry of its output. */
  record(info: LayerInfo, inputs: readonly unknown[], output: Tensor): Geometry | undefined {
    const tensors = inputs.filter((t): t is Tensor => isTensor(t));
    const geometry = info.geometry;
    let g: Geometry | undefined;
    const first = tensors[0];
    if (geometry === 'global' && first) {
      const gin = this.of(first);
      g = gin && global(gin);
    } else if (
      geometry !== undefined &&
      geometry !== 'global' &&
      first &&
      geometry.kernel.length === this.#n
    ) {
      g = this.#window(geometry, this.of(first), output.shape);
    } else {
      // No window: position-wise by LayerInfo's contract, which `#combine` checks against the
      // shapes (a layer that changes the extent without saying how gives NaN).
      g = this.#combine(
        tensors.map((t) => [this.of(t), t.shape]),
        output.shape,
      );
    }
    this.#byTensor.set(output, g);
    const node = nodeOf(output);
    if (node) this.#byNode.set(node, g);
    return g;
  }

  /** The geometry of `t`; undefined for a tensor that does not depend on the input. */
  of(t: Tensor): Geometry | undefined {
    if (this.#byTensor.has(t)) return this.#byTensor.get(t);
    const node = nodeOf(t);
    if (node) return this.#ofNode(node, t.shape);
    return this.#recording ? undefined : unknown(this.#extentOf(t.shape) ?? []);
  }

  #ofNode(node: GraphNode, shape: readonly number[]): Geometry | undefined {
    if (this.#byNode.has(node)) return this.#byNode.get(node);
    const edges = node.edges;
    let g: Geometry | undefined;
    if (!Array.isArray(edges)) {
      g = unknown(this.#extentOf(shape) ?? []);
    } else {
      const inputs: [Geometry | undefined, readonly number[]][] = [];
      for (const e of edges as readonly (GraphEdge | null)[]) {
        if (e === null || typeof e !== 'object') continue;
        if ('leaf' in e) {
          // The model's input, or a parameter (which sees no input element).
          if (this.#byTensor.has(e.leaf)) inputs.push([this.#byTensor.get(e.leaf), e.leaf.shape]);
        } else if ('node' in e && Array.isArray(e.shape)) {
          inputs.push([this.#ofNode(e.node, e.shape), e.shape]);
        }
      }
      g = this.#combine(inputs, shape);
    }
    this.#byNode.set(node, g);
    return g;
  }

  #window(
    geometry: LayerGeometry,
    g: Geometry | undefined,
    out: readonly number[],
  ): Geometry | undefined {
    if (!g) return undefined;
    return {
      r: g.r.map(
        (r, i) =>
          r +
          ((geometry.kernel[i] as number) - 1) *
            (geometry.dilation[i] as number) *
            (g.j[i] as number),
      ),
      j: g.j.map((j, i) => j * (geometry.stride[i] as number)),
      extent: this.#extentOf(out) ?? g.extent,
    };
  }

  /** An op (or a layer without a window) with these inputs and output shape. */
  #combine(
    inputs: readonly (readonly [Geometry | undefined, readonly number[]])[],
    out: readonly number[],
  ): Geometry | undefined {
    let result: Geometry | undefined;
    for (const [g, shape] of inputs) {
      if (!g) continue;
      const mapped = this.#map(g, shape, out);
      result = result ? merge(result, mapped) : mapped;
    }
    return result;
  }

  /** What an op with output shape `out` does to one input's geometry. */
  #map(g: Geometry, s: readonly number[], out: readonly number[]): Geometry {
    const n = this.#n;
    if (n === 0) return g;
    const si = this.#extentOf(s);
    const so = this.#extentOf(out);
    if (si && so) {
      // Same extent: position-wise (a reduction over the channels or the rotations of a p4 map
      // too); a 1×1 map broadcast over another (a gate) keeps its field.
      if (same(si, so) || ones(si)) return { ...g, extent: so };
      // Reduced to 1×1 (a mean over the map with keepdim): every output sees the whole map.
      if (ones(so)) return global(g);
      return unknown(so);
    }
    if (si) {
      // Flattened: the same elements; a later global layer needs the map's extent.
      if (numel(out) === numel(s)) return g;
      // Reduced over channels only: still position by position.
      if (out.length >= n && same(out.slice(out.length - n), si)) return g;
      return global(g);
    }
    if (so) {
      // Back to a map: of 1×1 (a gate) or of the extent it came from.
      if (ones(so) || same(so, g.extent)) return { ...g, extent: so };
      return unknown(so);
    }
    return g;
  }
}
