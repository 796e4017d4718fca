/**
 * The Resize builder. ONNX's Resize is separable: along each resized axis, every output position
 * maps to a source coordinate (coordinate_transformation_mode), and takes the nearest input
 * position (nearest_mode) or blends the two around it (linear, the edge repeated beyond the
 * ends). Computing those positions and weights on the host and gathering with `indexSelect`
 * follows ONNX's definition exactly for every mode below, on any axis and rank, and the gradient
 * flows through the gathers.
 */
import { add, indexSelect, mul, type Tensor, tensor } from '@stride/core';
import { attr, floatAttr, intAttr, intsAttr, stringAttr } from './attributes.js';
import { type NodeRun, nodeFail, normAxis, numbersIn, type OpSpec, tensorIn } from './op-spec.js';

/** The source coordinate of output position `o` along an axis `inSize` → `outSize`. */
function sourceCoordinate(
  mode: string,
  o: number,
  scale: number,
  inSize: number,
  outSize: number,
): number {
  switch (mode) {
    case 'asymmetric':
      return o / scale;
    case 'align_corners':
      return outSize === 1 ? 0 : (o * (inSize - 1)) / (outSize - 1);
    case 'pytorch_half_pixel':
      return outSize > 1 ? (o + 0.5) / scale - 0.5 : 0;
    case 'tf_half_pixel_for_nn':
      return (o + 0.5) / scale;
    default:
      return (o + 0.5) / scale - 0.5;
  }
}

/** The nearest input position of coordinate `c` under `mode`. */
function nearest(mode: string, c: number): number {
  switch (mode) {
    case 'floor':
      return Math.floor(c);
    case 'ceil':
      return Math.ceil(c);
    case 'round_prefer_ceil':
      return Math.floor(c + 0.5);
    default:
      // round_prefer_floor: halves go down.
      return c === Math.floor(c) + 0.5 ? Math.floor(c) : Math.round(c);
  }
}

const clampTo = (i: number, n: number) => Math.min(Math.max(i, 0), n - 1);

function indexTensor(node: NodeRun, values: readonly number[]): Tensor {
  return tensor(Int32Array.from(values), { dtype: 'int32', device: node.ctx.device });
}

/** ONNX's cubic convolution weights of the four taps around a point `ratio` in (0, 1] past tap 1. */
function cubicWeights(ratio: number, a: number): number[] {
  const far = (t: number) => ((a * t - 5 * a) * t + 8 * a) * t - 4 * a;
  const near = (t: number) => ((a + 2) * t - (a + 3)) * t * t + 1;
  return [far(ratio + 1), near(ratio), near(1 - ratio), far(2 - ratio)];
}

/**
 * The taps of one output position at source coordinate `c`: input positions (before clamping)
 * and weights. As ONNX's reference, a coordinate on an input position counts as ratio 1 past the
 * position before it (the same value), and positions beyond the ends repeat the edge.
 */
function taps(mode: string, c: number, a: number): { at: number[]; w: number[] } {
  const base = Number.isInteger(c) ? c - 1 : Math.floor(c);
  const ratio = c - base;
  if (mode === 'linear') return { at: [base, base + 1], w: [1 - ratio, ratio] };
  return { at: [base - 1, base, base + 1, base + 2], w: cubicWeights(ratio, a) };
}

/** `x` resized along `axis` to `outSize`; `lengthResized` is ONNX's length_resized. */
function resizeAxis(
  node: NodeRun,
  x: Tensor,
  axis: number,
  outSize: number,
  scale: number,
  lengthResized: number,
): Tensor {
  const inSize = x.shape[axis] as number;
  const coordMode = stringAttr(node.attrs, 'coordinate_transformation_mode', 'half_pixel');
  const coords = Array.from({ length: outSize }, (_, o) =>
    sourceCoordinate(coordMode, o, scale, inSize, lengthResized),
  );
  const mode = stringAttr(node.attrs, 'mode', 'nearest');
  if (mode === 'nearest') {
    const nearestMode = stringAttr(node.attrs, 'nearest_mode', 'round_prefer_floor');
    const idx = coords.map((c) => clampTo(nearest(nearestMode, c), inSize));
    return indexSelect(x, axis, indexTensor(node, idx));
  }
  const a = floatAttr(node.attrs, 'cubic_coeff_a', -0.75);
  const exclude = intAttr(node.attrs, 'exclude_outside', 0) === 1;
  const all = coords.map((c) => {
    const t = taps(mode, c, a);
    if (!exclude) return t;
    // exclude_outside: taps beyond the ends get no weight, the rest are renormalised.
    const w = t.w.map((v, k) => ((t.at[k] as number) < 0 || (t.at[k] as number) >= inSize ? 0 : v));
    const total = w.reduce((p, q) => p + q, 0);
    return { at: t.at, w: w.map((v) => v / total) };
  });
  const shape = x.shape.map((_, d) => (d === axis ? outSize : 1));
  const weight = (values: readonly number[]) =>
    tensor(x.dtype === 'float64' ? Float64Array.from(values) : Float32Array.from(values), {
      dtype: x.dtype,
      device: node.ctx.device,
      shape,
    });
  let y: Tensor | null = null;
  for (let k = 0; k < (all[0]?.at.length ?? 0); k++) {
    const idx = all.map((t) => clampTo(t.at[k] as number, inSize));
    const term = mul(
      indexSelect(x, axis, indexTensor(node, idx)),
      weight(all.map((t) => t.w[k] as number)),
    );
    y = y === null ? term : add(y, term);
  }
  return y ?? x;
}

const Resize: OpSpec = {
  attrs: {
    mode: attr.oneOf('nearest', 'linear', 'cubic'),
    coordinate_transformation_mode: attr.oneOf(
      'half_pixel',
      'pytorch_half_pixel',
      'align_corners',
      'asymmetric',
      'tf_half_pixel_for_nn',
    ),
    nearest_mode: attr.oneOf('round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil'),
    cubic_coeff_a: attr.float(),
    exclude_outside: attr.intIn(0, 1),
    // Only used by 'tf_crop_and_resize', which is refused.
    extrapolation_value: attr.float(),
    antialias: attr.intIn(0),
    axes: attr.ints(),
    keep_aspect_ratio_policy: attr.oneOf('stretch'),
  },
  inputs: [1, 4],
  hostInputs: [1, 2, 3],
  run(node, inputs) {
    let x = tensorIn(node, inputs, 0, 'X');
    const scales = numbersIn(node, inputs, 2, 'scales');
    const sizes = numbersIn(node, inputs, 3, 'sizes');
    // Exporters pass an empty tensor for the one of scales and sizes they leave out.
    const useScales = scales !== undefined && scales.length > 0;
    const useSizes = sizes !== undefined && sizes.length > 0;
    if (useScales === useSizes) nodeFail(node, 'exactly one of scales and sizes must be given');
    const axes = (intsAttr(node.attrs, 'axes') ?? x.shape.map((_, i) => i)).map((a) =>
      normAxis(node, a, x.rank, 'axes entry'),
    );
    const given = (useScales ? scales : sizes) as number[];
    if (given.length !== axes.length) {
      nodeFail(
        node,
        `${useScales ? 'scales' : 'sizes'} [${given.join(',')}] must have one entry per resized axis (${axes.length}) of X [${x.shape.join(',')}]`,
      );
    }
    for (const [i, axis] of axes.entries()) {
      const inSize = x.shape[axis] as number;
      const v = given[i] as number;
      if (!(v > 0)) nodeFail(node, `${useScales ? 'scales' : 'sizes'} must be positive, got ${v}`);
      const outSize = useScales ? Math.floor(inSize * v) : v;
      const scale = useScales ? v : outSize / inSize;
      if (outSize === inSize && scale === 1) continue;
      // ONNX's reference maps align_corners with the unrounded size in * scale when scales are
      // given (the node tests' expected values follow it).
      x = resizeAxis(node, x, axis, outSize, scale, useScales ? inSize * v : outSize);
    }
    return [x];
  },
};

/** The Resize builder, by op type. */
export const RESIZE_OPS: Readonly<Record<string, OpSpec>> = { Resize };
