/**
 * The smaller set beyond core: layer constructors with a forward call, optimizer constructors
 * with a step, and scheduler constructors with a step (on an SGD over one parameter). Their
 * errors may name the class or the op a layer's forward runs.
 */
import fc from 'fast-check';
import {
  type A,
  anyBool,
  arr,
  int,
  ints,
  maybe,
  num,
  oneOfStr,
  options,
  shape,
  str,
  tensor,
} from './arbitraries.js';
import type { Arg, TensorDesc } from './describe.js';
import type { OpSpec } from './ops.js';

const F32 = (s: number[]) => tensor(s, 'float32');
const c = <T>(v: T) => fc.constant(v);

/** An input `[N, C, ...sp]` for a layer with `c` channels and `n` spatial dims of at least `min`. */
const nc = (ch: number, n: number, min = 3): fc.Arbitrary<TensorDesc> =>
  fc
    .array(fc.integer({ min, max: min + 2 }), { minLength: n, maxLength: n })
    .chain((sp) => F32([1, ch, ...sp]));

export const LAYER_SPECS: OpSpec[] = [
  {
    op: 'Linear',
    lib: 'layers',
    ctorArity: 3,
    fns: ['Linear', 'linear'],
    keys: ['bias', 'dtype', 'device'],
    gen: fc
      .tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), shape(0, 2))
      .chain(([i, o, lead]) =>
        fc.tuple(c(num(i)), c(num(o)), maybe(options({ bias: anyBool() })), F32([...lead, i])),
      ),
  },
  ...[1, 2].map(
    (n): OpSpec => ({
      op: `Conv${n}d`,
      lib: 'layers',
      ctorArity: 4,
      fns: [`Conv${n}d`, `conv${n}d`],
      keys: ['stride', 'padding', 'dilation', 'groups', 'bias', 'dtype', 'device'],
      gen: fc
        .tuple(
          fc.integer({ min: 1, max: 2 }),
          fc.integer({ min: 1, max: 2 }),
          fc.integer({ min: 1, max: 3 }),
        )
        .chain(([ci, co, k]) =>
          fc.tuple(
            c(num(ci)),
            c(num(co)),
            c(num(k)),
            maybe(options({ stride: int(1, 2), padding: int(0, 1), bias: anyBool() })),
            nc(ci, n, k),
          ),
        ),
    }),
  ),
  ...['MaxPool2d', 'AvgPool2d'].map(
    (op): OpSpec => ({
      op,
      lib: 'layers',
      ctorArity: 2,
      fns: [op, op === 'MaxPool2d' ? 'maxPool2d' : 'avgPool2d'],
      keys:
        op === 'MaxPool2d'
          ? ['stride', 'padding', 'dilation', 'ceilMode']
          : ['stride', 'padding', 'ceilMode', 'countIncludePad'],
      gen: fc.integer({ min: 1, max: 3 }).chain((k) =>
        fc.tuple(
          c(num(k)),
          maybe(
            options({
              stride: int(1, 2),
              padding: int(0, Math.floor(k / 2)),
              ceilMode: anyBool(),
            }),
          ),
          nc(2, 2, k),
        ),
      ),
    }),
  ),
  {
    op: 'BatchNorm2d',
    lib: 'layers',
    ctorArity: 2,
    fns: ['BatchNorm2d', 'batchNorm'],
    keys: ['eps', 'momentum', 'affine', 'trackRunningStats', 'dtype', 'device'],
    gen: fc
      .integer({ min: 1, max: 3 })
      .chain((ch) =>
        fc.tuple(
          c(num(ch)),
          maybe(options({ eps: c(num(1e-5)), momentum: c(num(0.1)), affine: anyBool() })),
          nc(ch, 2, 2),
        ),
      ),
  },
  {
    op: 'Dropout',
    lib: 'layers',
    ctorArity: 1,
    fns: ['Dropout', 'dropout'],
    gen: fc.tuple(maybe(fc.constantFrom(0, 0.5).map(num)), F32([2, 2])),
  },
  {
    op: 'Flatten',
    lib: 'layers',
    ctorArity: 2,
    fns: ['Flatten', 'flatten'],
    gen: fc.tuple(maybe(int(0, 1)), maybe(int(-1, 2)), F32([2, 2, 2])),
  },
  ...['Softmax', 'LogSoftmax'].map(
    (op): OpSpec => ({
      op,
      lib: 'layers',
      ctorArity: 1,
      fns: [op, op === 'Softmax' ? 'softmax' : 'logSoftmax'],
      gen: fc.tuple(int(-2, 1), F32([2, 3])),
    }),
  ),
  {
    op: 'LeakyReLU',
    lib: 'layers',
    ctorArity: 1,
    fns: ['LeakyReLU', 'leakyRelu'],
    gen: fc.tuple(maybe(c(num(0.1))), F32([2, 3])),
  },
  {
    op: 'GELU',
    lib: 'layers',
    ctorArity: 1,
    fns: ['GELU', 'gelu'],
    keys: ['approximate'],
    gen: fc.tuple(maybe(options({ approximate: oneOfStr('none', 'tanh') })), F32([2, 3])),
  },
  {
    op: 'AdaptiveAvgPool2d',
    lib: 'layers',
    ctorArity: 1,
    fns: ['AdaptiveAvgPool2d', 'adaptiveAvgPool2d'],
    gen: fc.tuple(fc.oneof(int(1, 3), c(ints([2, 1]))), F32([1, 2, 4, 4])),
  },
  {
    op: 'CrossEntropyLoss',
    lib: 'layers',
    ctorArity: 1,
    fns: ['CrossEntropyLoss', 'crossEntropy'],
    keys: ['reduction', 'weight', 'ignoreIndex', 'labelSmoothing'],
    gen: fc.tuple(
      maybe(options({ reduction: oneOfStr('mean', 'sum', 'none'), labelSmoothing: c(num(0.1)) })),
      F32([2, 3]),
      tensor([2], 'int32', { index: 3 }),
    ),
  },
  {
    op: 'MSELoss',
    lib: 'layers',
    ctorArity: 1,
    fns: ['MSELoss', 'mseLoss'],
    keys: ['reduction'],
    gen: fc.tuple(
      maybe(options({ reduction: oneOfStr('mean', 'sum', 'none') })),
      F32([2, 3]),
      F32([2, 3]),
    ),
  },
  ...[1, 2, 3].map(
    (n): OpSpec => ({
      op: `ConvTranspose${n}d`,
      lib: 'layers',
      ctorArity: 4,
      fns: [`ConvTranspose${n}d`, `convTranspose${n}d`],
      keys: ['stride', 'padding', 'outputPadding', 'dilation', 'groups', 'bias', 'dtype', 'device'],
      gen: fc
        .tuple(
          fc.integer({ min: 1, max: 2 }),
          fc.integer({ min: 1, max: 2 }),
          fc.integer({ min: 1, max: 3 }),
          fc.integer({ min: 1, max: 2 }),
        )
        .chain(([ci, co, k, stride]) =>
          fc.tuple(
            c(num(ci)),
            c(num(co)),
            c(num(k)),
            maybe(
              options({
                stride: c(num(stride)),
                padding: int(0, 1),
                // Below the stride, as PyTorch requires (the dilation is 1).
                outputPadding: int(0, stride - 1),
                bias: anyBool(),
              }),
            ),
            nc(ci, n, 1),
          ),
        ),
    }),
  ),
  {
    op: 'Upsample',
    lib: 'layers',
    ctorArity: 1,
    fns: ['Upsample', 'interpolate'],
    keys: ['size', 'scaleFactor', 'mode', 'alignCorners'],
    gen: fc.integer({ min: 1, max: 3 }).chain((n) =>
      fc.boolean().chain((linear) =>
        fc.tuple(
          options(
            {
              mode: c(
                str(linear ? (['linear', 'bilinear', 'trilinear'][n - 1] as string) : 'nearest'),
              ),
              ...(linear ? { alignCorners: anyBool() } : {}),
              scaleFactor: fc.constantFrom(0.5, 1, 2).map(num),
            },
            linear ? ['mode', 'scaleFactor'] : ['scaleFactor'],
          ),
          nc(2, n, 1),
        ),
      ),
    ),
  },
  {
    op: 'LayerNorm',
    lib: 'layers',
    ctorArity: 2,
    fns: ['LayerNorm', 'layerNorm'],
    keys: ['eps', 'elementwiseAffine', 'dtype', 'device'],
    gen: shape(1, 3).chain((s) =>
      fc
        .integer({ min: 1, max: s.length })
        .chain((k) =>
          fc.tuple(
            k === 1
              ? fc.oneof(c(num(s.at(-1) as number)), c(ints(s.slice(-1))))
              : c(ints(s.slice(-k))),
            maybe(options({ eps: c(num(1e-5)), elementwiseAffine: anyBool() })),
            F32(s),
          ),
        ),
    ),
  },
  {
    op: 'GroupNorm',
    lib: 'layers',
    ctorArity: 3,
    fns: ['GroupNorm', 'groupNorm'],
    keys: ['eps', 'affine', 'dtype', 'device'],
    gen: fc
      .tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 }))
      .chain(([g, cpg]) =>
        fc.tuple(
          c(num(g)),
          c(num(g * cpg)),
          maybe(options({ eps: c(num(1e-5)), affine: anyBool() })),
          nc(g * cpg, 1, 1),
        ),
      ),
  },
  ...[1, 2, 3].map(
    (n): OpSpec => ({
      op: `InstanceNorm${n}d`,
      lib: 'layers',
      ctorArity: 2,
      fns: [`InstanceNorm${n}d`, 'instanceNorm'],
      keys: ['eps', 'momentum', 'affine', 'trackRunningStats', 'dtype', 'device'],
      gen: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.boolean()).chain(([ch, batched]) =>
        fc.tuple(
          c(num(ch)),
          maybe(
            options({
              eps: c(num(1e-5)),
              momentum: c(num(0.1)),
              affine: anyBool(),
              trackRunningStats: anyBool(),
            }),
          ),
          // An unbatched input is a batch of one, in both libraries.
          batched ? nc(ch, n, 2) : nc(ch, n, 2).map((t) => ({ ...t, shape: t.shape.slice(1) })),
        ),
      ),
    }),
  ),
  ...[1, 2, 3].map(
    (n): OpSpec => ({
      op: `Dropout${n}d`,
      lib: 'layers',
      ctorArity: 1,
      fns: [`Dropout${n}d`, `dropout${n}d`],
      gen: fc.tuple(maybe(fc.constantFrom(0, 0.5).map(num)), nc(2, n, 1)),
    }),
  ),
  ...[1, 2, 3].map(
    (n): OpSpec => ({
      op: `AdaptiveMaxPool${n}d`,
      lib: 'layers',
      ctorArity: 1,
      fns: [`AdaptiveMaxPool${n}d`, `adaptiveMaxPool${n}d`],
      gen: fc.tuple(fc.oneof(int(1, 3), c(ints([2, 1, 3].slice(0, n)))), nc(2, n, 2)),
    }),
  ),
  {
    op: 'Identity',
    lib: 'layers',
    ctorArity: 1,
    // It takes any constructor arguments and ignores them, as PyTorch's does.
    gen: fc.tuple(
      fc.oneof(c({ k: 'undef' } as Arg), int(1, 3), c(str('x'))),
      shape(0, 3).chain(F32),
    ),
  },
  {
    op: 'ModuleList',
    lib: 'layers',
    ctorArity: 1,
    gen: fc.tuple(
      fc.oneof(
        c({ k: 'undef' } as Arg),
        fc.array(c({ k: 'mod' } as Arg), { minLength: 0, maxLength: 2 }).map(arr),
      ),
    ),
  },
  {
    op: 'ModuleDict',
    lib: 'layers',
    ctorArity: 1,
    gen: fc.tuple(
      fc.oneof(
        c({ k: 'undef' } as Arg),
        fc
          .subarray(['conv', 'act', 'head'])
          .map((names): Arg => ({ k: 'o', entries: names.map((n) => [n, { k: 'mod' }]) })),
        fc
          .subarray(['conv', 'act'])
          .map((names) => arr(names.map((n) => arr([str(n), { k: 'mod' }])))),
      ),
    ),
  },
  {
    op: 'BCELoss',
    lib: 'layers',
    ctorArity: 1,
    fns: ['BCELoss', 'bceLoss'],
    keys: ['reduction', 'weight'],
    gen: fc.tuple(
      maybe(
        options({
          reduction: oneOfStr('mean', 'sum', 'none'),
          weight: tensor([3], 'float32', 'pos'),
        }),
      ),
      tensor([2, 3], 'float32', 'prob'),
      tensor([2, 3], 'float32', 'prob'),
    ),
  },
  ...[
    ['SmoothL1Loss', 'smoothL1Loss', 'beta'],
    ['HuberLoss', 'huberLoss', 'delta'],
  ].map(
    ([op, fn, key]): OpSpec => ({
      op: op as string,
      lib: 'layers',
      ctorArity: 1,
      fns: [op as string, fn as string],
      keys: ['reduction', key as string],
      gen: fc.tuple(
        maybe(
          options({
            reduction: oneOfStr('mean', 'sum', 'none'),
            [key as string]: fc.constantFrom(0.5, 2).map(num),
          }),
        ),
        F32([2, 3]),
        F32([2, 3]),
      ),
    }),
  ),
  {
    op: 'KLDivLoss',
    lib: 'layers',
    ctorArity: 1,
    fns: ['KLDivLoss', 'klDiv'],
    keys: ['reduction', 'logTarget'],
    gen: fc.boolean().chain((logTarget) =>
      fc.tuple(
        options({
          reduction: oneOfStr('mean', 'batchmean', 'sum', 'none'),
          logTarget: c({ k: 'b', v: logTarget } as Arg),
        }),
        F32([2, 3]),
        logTarget ? F32([2, 3]) : tensor([2, 3], 'float32', 'prob'),
      ),
    ),
  },
];

/** One or two float parameters. */
const params: A = fc
  .array(
    shape(1, 2).chain((s) => tensor(s).map((t) => ({ ...t, grad: true }))),
    { minLength: 1, maxLength: 2 },
  )
  .map(arr);

const lr = fc.constantFrom(0.1, 0.01).map(num);

export const OPTIMIZER_SPECS: OpSpec[] = [
  {
    op: 'SGD',
    lib: 'optimizers',
    keys: ['lr', 'momentum', 'dampening', 'weightDecay', 'nesterov', 'maximize'],
    gen: fc.tuple(
      params,
      options({ lr, momentum: c(num(0.9)), weightDecay: c(num(0)), maximize: anyBool() }, ['lr']),
    ),
  },
  ...['Adam', 'AdamW'].map(
    (op): OpSpec => ({
      op,
      lib: 'optimizers',
      keys: ['lr', 'betas', 'eps', 'weightDecay', 'amsgrad', 'maximize'],
      gen: fc.tuple(
        params,
        maybe(options({ lr, betas: c(ints([0.9, 0.999])), eps: c(num(1e-8)), amsgrad: anyBool() })),
      ),
    }),
  ),
  {
    op: 'RMSprop',
    lib: 'optimizers',
    keys: ['lr', 'alpha', 'eps', 'weightDecay', 'momentum', 'centered', 'maximize'],
    gen: fc.tuple(params, maybe(options({ lr, alpha: c(num(0.99)), centered: anyBool() }))),
  },
  {
    op: 'Adadelta',
    lib: 'optimizers',
    keys: ['lr', 'rho', 'eps', 'weightDecay', 'maximize'],
    gen: fc.tuple(
      params,
      maybe(
        options({
          lr,
          rho: fc.constantFrom(0, 0.9, 1).map(num),
          eps: c(num(1e-6)),
          maximize: anyBool(),
        }),
      ),
    ),
  },
  {
    op: 'NAdam',
    lib: 'optimizers',
    keys: ['lr', 'betas', 'eps', 'weightDecay', 'momentumDecay'],
    gen: fc.tuple(
      params,
      maybe(options({ lr, betas: c(ints([0.9, 0.999])), momentumDecay: c(num(0.004)) })),
    ),
  },
  {
    op: 'RAdam',
    lib: 'optimizers',
    keys: ['lr', 'betas', 'eps', 'weightDecay'],
    gen: fc.tuple(params, maybe(options({ lr, betas: c(ints([0.9, 0.999])), eps: c(num(1e-8)) }))),
  },
  {
    op: 'Adamax',
    lib: 'optimizers',
    keys: ['lr', 'betas', 'eps', 'weightDecay', 'maximize'],
    gen: fc.tuple(
      params,
      maybe(
        options({ lr, betas: c(ints([0.9, 0.999])), weightDecay: c(num(0)), maximize: anyBool() }),
      ),
    ),
  },
  {
    op: 'StepLR',
    lib: 'scheduler',
    keys: ['stepSize', 'gamma'],
    gen: fc.tuple(
      options({ stepSize: int(1, 3), gamma: c(num(0.5)) }, ['stepSize']),
      c({ k: 'undef' } as Arg),
    ),
  },
  {
    op: 'ExponentialLR',
    lib: 'scheduler',
    keys: ['gamma'],
    gen: fc.tuple(
      options({ gamma: fc.constantFrom(0.5, 0.9).map(num) }, ['gamma']),
      c({ k: 'undef' } as Arg),
    ),
  },
  {
    op: 'MultiStepLR',
    lib: 'scheduler',
    keys: ['milestones', 'gamma'],
    gen: fc.tuple(
      options({ milestones: c(ints([1, 3])), gamma: c(num(0.5)) }, ['milestones']),
      c({ k: 'undef' } as Arg),
    ),
  },
  {
    op: 'CosineAnnealingLR',
    lib: 'scheduler',
    keys: ['tMax', 'etaMin'],
    gen: fc.tuple(
      options({ tMax: int(1, 10), etaMin: c(num(0.001)) }, ['tMax']),
      c({ k: 'undef' } as Arg),
    ),
  },
  {
    op: 'LinearLR',
    lib: 'scheduler',
    keys: ['startFactor', 'endFactor', 'totalIters'],
    gen: fc.tuple(
      maybe(options({ startFactor: c(num(0.5)), endFactor: c(num(1)), totalIters: int(1, 5) })),
      c({ k: 'undef' } as Arg),
    ),
  },
  {
    op: 'LambdaLR',
    lib: 'scheduler',
    // The replay's function is `() => 0`: every rate becomes 0.
    gen: fc.tuple(fc.oneof(c({ k: 'fn' } as Arg), c(arr([{ k: 'fn' }]))), c({ k: 'undef' } as Arg)),
  },
  {
    op: 'ReduceLROnPlateau',
    lib: 'scheduler',
    ctorArity: 1,
    fns: ['ReduceLROnPlateau', 'ReduceLROnPlateau.step'],
    keys: ['mode', 'factor', 'patience', 'threshold', 'thresholdMode', 'cooldown', 'minLr', 'eps'],
    // The options, then three metrics, one per step: a rising loss reduces the rate.
    gen: fc.tuple(
      maybe(
        options({
          mode: oneOfStr('min', 'max'),
          factor: fc.constantFrom(0.1, 0.5).map(num),
          patience: int(0, 2),
          threshold: c(num(0.01)),
          thresholdMode: oneOfStr('rel', 'abs'),
          cooldown: int(0, 1),
          minLr: fc.constantFrom(0, 0.02).map(num),
        }),
      ),
      int(0, 3),
      int(0, 3),
      int(0, 3),
    ),
  },
  {
    op: 'CosineAnnealingWarmRestarts',
    lib: 'scheduler',
    keys: ['t0', 'tMult', 'etaMin'],
    gen: fc.tuple(
      options({ t0: int(1, 3), tMult: int(1, 2), etaMin: c(num(0.001)) }, ['t0']),
      c({ k: 'undef' } as Arg),
    ),
  },
  {
    op: 'CyclicLR',
    lib: 'scheduler',
    keys: [
      'baseLr',
      'maxLr',
      'stepSizeUp',
      'stepSizeDown',
      'mode',
      'gamma',
      'scaleFn',
      'scaleMode',
      'cycleMomentum',
      'baseMomentum',
      'maxMomentum',
    ],
    gen: fc.tuple(
      options(
        {
          baseLr: fc.oneof(c(num(0.01)), c(arr([num(0.01)]))),
          maxLr: c(num(0.1)),
          stepSizeUp: int(1, 4),
          stepSizeDown: int(1, 4),
          mode: oneOfStr('triangular', 'triangular2', 'exp_range'),
          gamma: fc.constantFrom(0.5, 0.9).map(num),
          cycleMomentum: anyBool(),
          baseMomentum: c(num(0.8)),
          maxMomentum: c(num(0.9)),
        },
        ['baseLr', 'maxLr'],
      ),
      c({ k: 'undef' } as Arg),
    ),
  },
];

/** A valid IDX file of unsigned bytes with the given shape. */
function idxBytes(shape: readonly number[], data: readonly number[]): Arg {
  const header = [0, 0, 0x08, shape.length];
  for (const d of shape) header.push((d >>> 24) & 255, (d >>> 16) & 255, (d >>> 8) & 255, d & 255);
  return { k: 'typed', type: 'Uint8Array', v: [...header, ...data] };
}

/**
 * Readers of untrusted bytes and the dataset classes. They have no PyTorch counterpart: a case
 * passes with a StrideError from the function or a result, and no leak.
 */
export const DATASET_SPECS: OpSpec[] = [
  {
    op: 'parseIdx',
    lib: 'datasets',
    keys: ['name'],
    gen: shape(1, 3).chain((s) =>
      fc
        .array(fc.integer({ min: 0, max: 255 }), {
          minLength: s.reduce((a, b) => a * b, 1),
          maxLength: s.reduce((a, b) => a * b, 1),
        })
        .map((data): Arg[] => [idxBytes(s, data), { k: 'undef' }]),
    ),
  },
  {
    op: 'parseCifar10',
    lib: 'datasets',
    keys: ['name'],
    gen: fc.integer({ min: 0, max: 9 }).map((label): Arg[] => [
      {
        k: 'typed',
        type: 'Uint8Array',
        v: [label, ...Array.from({ length: 3072 }, (_, i) => i % 256)],
      },
      { k: 'undef' },
    ]),
  },
  {
    op: 'ArrayDataset',
    lib: 'datasets',
    gen: fc.tuple(fc.integer({ min: 1, max: 3 }), shape(0, 2)).map(([n, s]): Arg[] => {
      const size = s.reduce((a, b) => a * b, 1);
      return [
        { k: 'typed', type: 'Float32Array', v: Array.from({ length: n * size }, (_, i) => i) },
        ints(s),
        { k: 'typed', type: 'Int32Array', v: Array.from({ length: n }, (_, i) => i % 2) },
        ints([]),
      ];
    }),
  },
  {
    op: 'DataLoader',
    lib: 'datasets',
    keys: ['batchSize', 'shuffle', 'seed', 'dropLast', 'transforms'],
    // The dataset (4 samples of [2]) is made by the replay; this is the options object.
    gen: fc.tuple(
      options({ batchSize: int(1, 5), shuffle: anyBool(), seed: int(0, 10), dropLast: anyBool() }, [
        'batchSize',
      ]),
    ),
  },
];
