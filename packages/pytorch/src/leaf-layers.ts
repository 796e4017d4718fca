/**
 * The layers of `@stride/layers` that map to one `torch.nn` layer each, and how their options
 * read in PyTorch. Every option is carried over; an option PyTorch's layer cannot express (a
 * convolution's asymmetric zero padding) becomes a helper class that pads first, keeping the
 * state-dict names of the layer it extends.
 */
import type { ConvPadding, Tensor } from '@stride/core';
import * as L from '@stride/layers';
import { pyBool, pyFloat, pyInt, pyInts, pyStr, pyTuple } from './python.js';

/** A `torch.nn` layer (or a helper class) and its constructor arguments. */
export interface LeafCall {
  /** `nn.Conv2d`, or a helper class of the generated file. */
  readonly ctor: string;
  readonly args: readonly string[];
  /** The helper class `ctor` names, when it is one: emitted once above the classes that use it. */
  readonly helper?: string;
}

type Translate = (m: never) => LeafCall;

const call = (ctor: string, ...args: (string | null | false | undefined)[]): LeafCall => ({
  ctor,
  args: args.filter((a): a is string => typeof a === 'string'),
});

/** `name=value` unless the value is the default PyTorch would use. */
function kw(name: string, value: string, byDefault?: string): string | null {
  return value === byDefault ? null : `${name}=${value}`;
}

/** `name=value` for a float option unless it is PyTorch's default. */
function kwFloat(name: string, value: number, byDefault: number): string | null {
  return value === byDefault ? null : `${name}=${pyFloat(value)}`;
}

const allEqual = (values: readonly number[], to: number): boolean => values.every((v) => v === to);

/** A tensor's shape as a Python tuple, for `torch.ones`. */
const shapeArgs = (t: Tensor): string => pyTuple(t.shape.map(pyInt));

/**
 * `nn.ConvNd` after `F.pad`: PyTorch's `padding` is one amount per axis for both ends (or
 * `'same'`), so padding that differs at the two ends of an axis is done before the convolution.
 * A subclass, so that the weight and bias keep their state-dict names.
 */
function paddedConvHelper(n: number): string {
  return `class PaddedConv${n}d(nn.Conv${n}d):
    """nn.Conv${n}d after zero padding that differs at the two ends of an axis.

    \`pad\` is F.pad's tuple: (before, after) for the last axis first.
    """

    def __init__(self, *args, pad, **kwargs):
        super().__init__(*args, **kwargs)
        self.pad = tuple(pad)

    def forward(self, x):
        return super().forward(F.pad(x, self.pad))

    def extra_repr(self):
        return super().extra_repr() + f", pad={self.pad}"`;
}

/** The padding part of a Conv layer: PyTorch's `padding` argument, or F.pad's tuple. */
function convPadding(
  padding: ConvPadding,
  n: number,
): { padding: string | null; pad: number[] | null } {
  if (padding === 'same' || padding === 'valid') return { padding: pyStr(padding), pad: null };
  if (typeof padding === 'number')
    return { padding: padding === 0 ? null : pyInt(padding), pad: null };
  const pairs = padding.map((p) => (typeof p === 'number' ? [p, p] : [p[0], p[1]])) as [
    number,
    number,
  ][];
  if (pairs.every(([a, b]) => a === b)) {
    const each = pairs.map(([a]) => a);
    return { padding: allEqual(each, 0) ? null : pyInts(each), pad: null };
  }
  // F.pad lists the last axis first.
  const pad: number[] = [];
  for (let i = n - 1; i >= 0; i--) pad.push(...(pairs[i] as [number, number]));
  return { padding: null, pad };
}

function conv(m: L.Conv1d | L.Conv2d | L.Conv3d): LeafCall {
  const n = m.kernelSize.length;
  const { padding, pad } = convPadding(m.padding, n);
  const args = [
    pyInt(m.inChannels),
    pyInt(m.outChannels),
    `kernel_size=${pyInts(m.kernelSize)}`,
    kw('stride', pyInts(m.stride), '1'),
    padding === null ? null : `padding=${padding}`,
    kw('dilation', pyInts(m.dilation), '1'),
    kw('groups', pyInt(m.groups), '1'),
    kw('bias', pyBool(m.bias !== null), 'True'),
  ];
  if (pad === null) return call(`nn.Conv${n}d`, ...args);
  return {
    ...call(`PaddedConv${n}d`, ...args, `pad=${pyTuple(pad.map(pyInt))}`),
    helper: paddedConvHelper(n),
  };
}

function convTranspose(m: L.ConvTranspose1d | L.ConvTranspose2d | L.ConvTranspose3d): LeafCall {
  const n = m.kernelSize.length;
  return call(
    `nn.ConvTranspose${n}d`,
    pyInt(m.inChannels),
    pyInt(m.outChannels),
    `kernel_size=${pyInts(m.kernelSize)}`,
    kw('stride', pyInts(m.stride), '1'),
    kw('padding', pyInts(m.padding), '0'),
    kw('output_padding', pyInts(m.outputPadding), '0'),
    kw('groups', pyInt(m.groups), '1'),
    kw('bias', pyBool(m.bias !== null), 'True'),
    kw('dilation', pyInts(m.dilation), '1'),
  );
}

function norm(ctor: string, m: L.BatchNorm2d | L.InstanceNorm2d, affine: boolean, track: boolean) {
  return call(
    ctor,
    pyInt(m.numFeatures),
    kwFloat('eps', m.eps, 1e-5),
    kwFloat('momentum', m.momentum, 0.1),
    kw('affine', pyBool(m.affine), pyBool(affine)),
    kw('track_running_stats', pyBool(m.trackRunningStats), pyBool(track)),
  );
}

function maxPool(m: L.MaxPool1d | L.MaxPool2d | L.MaxPool3d): LeafCall {
  const n = m.kernelSize.length;
  return call(
    `nn.MaxPool${n}d`,
    pyInts(m.kernelSize),
    kw('stride', pyInts(m.stride), pyInts(m.kernelSize)),
    kw('padding', pyInts(m.padding), '0'),
    kw('dilation', pyInts(m.dilation), '1'),
    kw('ceil_mode', pyBool(m.ceilMode), 'False'),
  );
}

function avgPool(m: L.AvgPool1d | L.AvgPool2d | L.AvgPool3d): LeafCall {
  const n = m.kernelSize.length;
  return call(
    `nn.AvgPool${n}d`,
    pyInts(m.kernelSize),
    kw('stride', pyInts(m.stride), pyInts(m.kernelSize)),
    kw('padding', pyInts(m.padding), '0'),
    kw('ceil_mode', pyBool(m.ceilMode), 'False'),
    kw('count_include_pad', pyBool(m.countIncludePad), 'True'),
  );
}

/** Adaptive pools: one size per axis, `None` keeping the input's size there. */
function adaptive(ctor: string, m: L.AdaptiveAvgPool2d): LeafCall {
  const sizes = m.outputSize.map((s) => (s === null ? 'None' : pyInt(s)));
  const first = sizes[0] as string;
  // PyTorch's 1-d pools take an int only; the others take one int for every axis or a tuple.
  const arg =
    sizes.length === 1 || (first !== 'None' && sizes.every((s) => s === first))
      ? first
      : pyTuple(sizes);
  return call(ctor, arg);
}

/** A loss's class or element weight: a buffer whose values come from the checkpoint. */
const lossWeight = (name: string, t: Tensor | null): string | null =>
  t === null ? null : `${name}=torch.ones(${shapeArgs(t)})`;

const reduction = (m: { reduction: string }) => kw('reduction', pyStr(m.reduction), '"mean"');

const LEAVES: [abstract new (...args: never[]) => L.Module, Translate][] = [
  [L.Conv1d, conv],
  [L.Conv2d, conv],
  [L.Conv3d, conv],
  [L.ConvTranspose1d, convTranspose],
  [L.ConvTranspose2d, convTranspose],
  [L.ConvTranspose3d, convTranspose],
  [
    L.Linear,
    (m: L.Linear) =>
      call(
        'nn.Linear',
        pyInt(m.inFeatures),
        pyInt(m.outFeatures),
        kw('bias', pyBool(m.bias !== null), 'True'),
      ),
  ],
  [L.BatchNorm1d, (m: L.BatchNorm1d) => norm('nn.BatchNorm1d', m, true, true)],
  [L.BatchNorm2d, (m: L.BatchNorm2d) => norm('nn.BatchNorm2d', m, true, true)],
  [L.BatchNorm3d, (m: L.BatchNorm3d) => norm('nn.BatchNorm3d', m, true, true)],
  [L.InstanceNorm1d, (m: L.InstanceNorm1d) => norm('nn.InstanceNorm1d', m, false, false)],
  [L.InstanceNorm2d, (m: L.InstanceNorm2d) => norm('nn.InstanceNorm2d', m, false, false)],
  [L.InstanceNorm3d, (m: L.InstanceNorm3d) => norm('nn.InstanceNorm3d', m, false, false)],
  [
    L.GroupNorm,
    (m: L.GroupNorm) =>
      call(
        'nn.GroupNorm',
        pyInt(m.numGroups),
        pyInt(m.numChannels),
        kwFloat('eps', m.eps, 1e-5),
        kw('affine', pyBool(m.affine), 'True'),
      ),
  ],
  [
    L.LayerNorm,
    (m: L.LayerNorm) =>
      call(
        'nn.LayerNorm',
        m.normalizedShape.length === 1
          ? pyInt(m.normalizedShape[0] as number)
          : `[${m.normalizedShape.map(pyInt).join(', ')}]`,
        kwFloat('eps', m.eps, 1e-5),
        kw('elementwise_affine', pyBool(m.elementwiseAffine), 'True'),
      ),
  ],
  [L.MaxPool1d, maxPool],
  [L.MaxPool2d, maxPool],
  [L.MaxPool3d, maxPool],
  [L.AvgPool1d, avgPool],
  [L.AvgPool2d, avgPool],
  [L.AvgPool3d, avgPool],
  [L.AdaptiveAvgPool1d, (m: L.AdaptiveAvgPool1d) => adaptive('nn.AdaptiveAvgPool1d', m)],
  [L.AdaptiveAvgPool2d, (m: L.AdaptiveAvgPool2d) => adaptive('nn.AdaptiveAvgPool2d', m)],
  [L.AdaptiveAvgPool3d, (m: L.AdaptiveAvgPool3d) => adaptive('nn.AdaptiveAvgPool3d', m)],
  [L.AdaptiveMaxPool1d, (m: L.AdaptiveMaxPool1d) => adaptive('nn.AdaptiveMaxPool1d', m)],
  [L.AdaptiveMaxPool2d, (m: L.AdaptiveMaxPool2d) => adaptive('nn.AdaptiveMaxPool2d', m)],
  [L.AdaptiveMaxPool3d, (m: L.AdaptiveMaxPool3d) => adaptive('nn.AdaptiveMaxPool3d', m)],
  [L.Dropout, (m: L.Dropout) => call('nn.Dropout', kwFloat('p', m.p, 0.5))],
  [L.Dropout1d, (m: L.Dropout1d) => call('nn.Dropout1d', kwFloat('p', m.p, 0.5))],
  [L.Dropout2d, (m: L.Dropout2d) => call('nn.Dropout2d', kwFloat('p', m.p, 0.5))],
  [L.Dropout3d, (m: L.Dropout3d) => call('nn.Dropout3d', kwFloat('p', m.p, 0.5))],
  [
    L.Flatten,
    (m: L.Flatten) =>
      call(
        'nn.Flatten',
        kw('start_dim', pyInt(m.startDim), '1'),
        kw('end_dim', pyInt(m.endDim), '-1'),
      ),
  ],
  [L.Identity, () => call('nn.Identity')],
  [
    L.Upsample,
    (m: L.Upsample) => {
      const many = (v: number | readonly number[], f: (x: number) => string): string =>
        typeof v === 'number' ? f(v) : pyTuple(v.map(f));
      return call(
        'nn.Upsample',
        m.size === null ? null : `size=${many(m.size, pyInt)}`,
        m.scaleFactor === null ? null : `scale_factor=${many(m.scaleFactor, pyFloat)}`,
        `mode=${pyStr(m.mode)}`,
        m.alignCorners === null ? null : `align_corners=${pyBool(m.alignCorners)}`,
      );
    },
  ],
  [L.ReLU, () => call('nn.ReLU')],
  [
    L.LeakyReLU,
    (m: L.LeakyReLU) => call('nn.LeakyReLU', kwFloat('negative_slope', m.negativeSlope, 0.01)),
  ],
  [L.ELU, (m: L.ELU) => call('nn.ELU', kwFloat('alpha', m.alpha, 1.0))],
  [L.GELU, (m: L.GELU) => call('nn.GELU', kw('approximate', pyStr(m.approximate), '"none"'))],
  [L.SiLU, () => call('nn.SiLU')],
  [L.Sigmoid, () => call('nn.Sigmoid')],
  [L.Tanh, () => call('nn.Tanh')],
  [L.Softmax, (m: L.Softmax) => call('nn.Softmax', `dim=${pyInt(m.dim)}`)],
  [L.LogSoftmax, (m: L.LogSoftmax) => call('nn.LogSoftmax', `dim=${pyInt(m.dim)}`)],
  [
    L.CrossEntropyLoss,
    (m: L.CrossEntropyLoss) =>
      call(
        'nn.CrossEntropyLoss',
        lossWeight('weight', m.weight),
        kw('ignore_index', pyInt(m.ignoreIndex), '-100'),
        reduction(m),
        kwFloat('label_smoothing', m.labelSmoothing, 0.0),
      ),
  ],
  [
    L.NLLLoss,
    (m: L.NLLLoss) =>
      call(
        'nn.NLLLoss',
        lossWeight('weight', m.weight),
        kw('ignore_index', pyInt(m.ignoreIndex), '-100'),
        reduction(m),
      ),
  ],
  [L.MSELoss, (m: L.MSELoss) => call('nn.MSELoss', reduction(m))],
  [L.L1Loss, (m: L.L1Loss) => call('nn.L1Loss', reduction(m))],
  [L.BCELoss, (m: L.BCELoss) => call('nn.BCELoss', lossWeight('weight', m.weight), reduction(m))],
  [
    L.BCEWithLogitsLoss,
    (m: L.BCEWithLogitsLoss) =>
      call(
        'nn.BCEWithLogitsLoss',
        lossWeight('weight', m.weight),
        reduction(m),
        lossWeight('pos_weight', m.posWeight),
      ),
  ],
  [
    L.SmoothL1Loss,
    (m: L.SmoothL1Loss) => call('nn.SmoothL1Loss', reduction(m), kwFloat('beta', m.beta, 1.0)),
  ],
  [
    L.HuberLoss,
    (m: L.HuberLoss) => call('nn.HuberLoss', reduction(m), kwFloat('delta', m.delta, 1.0)),
  ],
  [
    L.KLDivLoss,
    (m: L.KLDivLoss) =>
      call('nn.KLDivLoss', reduction(m), kw('log_target', pyBool(m.logTarget), 'False')),
  ],
];

const BY_CLASS = new Map<unknown, Translate>(LEAVES);

/** The translation of a layer of exactly one of these classes (not a subclass), if it is one. */
export function leafCall(m: L.Module): LeafCall | undefined {
  const translate = BY_CLASS.get(m.constructor);
  return translate ? translate(m as never) : undefined;
}

/** The classes `leafCall` translates, by type name. */
export const LEAF_CLASSES: readonly string[] = LEAVES.map(
  ([c]) => (c as typeof L.Module).typeName as string,
);

/** Exactly that class, not a subclass (which may have a forward of its own). */
export function isClass(m: L.Module, c: unknown): boolean {
  return m.constructor === c;
}
