/**
 * What is fuzzed: for each function (or constructor), an arbitrary of valid calls and the option
 * keys it knows (for misspelling them). Bad calls are made from these by `mutateCall`.
 * scripts/torch_outcomes.py maps each name to PyTorch.
 */
import fc from 'fast-check';
import {
  type A,
  anyBool,
  anyTensor,
  arr,
  int,
  ints,
  maybe,
  nul,
  num,
  oneOfStr,
  options,
  perAxis,
  shape,
  str,
  tensor,
  undef,
} from './arbitraries.js';
import type { Arg, DTypeName, TensorDesc } from './describe.js';

/** Where the function comes from, and so how the replay calls it. */
export type Lib = 'core' | 'method' | 'layers' | 'optimizers' | 'scheduler' | 'datasets';

export interface OpSpec {
  op: string;
  lib: Lib;
  gen: fc.Arbitrary<Arg[]>;
  /** Option keys of its options object(s), misspelled by the mutations. */
  keys?: readonly string[];
  /** The names a StrideError from this call may carry; default the op itself. */
  fns?: readonly string[];
  /**
   * For layers: how many leading args go to the constructor (the rest to forward); for
   * schedulers: how many go to the constructor after the optimizer (each of the rest to a step).
   */
  ctorArity?: number;
  /** Returns a number (a size), compared with PyTorch's as a 0-d int32 tensor. */
  returnsNumber?: boolean;
  /**
   * On WebGPU, replay only every n-th case where the suite replays a share of them (all cases
   * still run when every case is asked for): for functions whose cases each compile shader
   * variants of their own, which SwiftShader takes a second or more for.
   */
  webgpuEvery?: number;
  /** Calls this instead of the export named `op` (the harness's own tests use it). */
  call?: (...args: unknown[]) => unknown;
}

const T = tensor;
const args = (...a: A[]): fc.Arbitrary<Arg[]> => fc.tuple(...a);
const F32 = (s: number[]) => T(s, 'float32');

/** A float tensor (sometimes float64 or int32) of rank 0–3. */
const numericTensor: fc.Arbitrary<TensorDesc> = fc.oneof(
  { arbitrary: anyTensor(0, 3, 'float32'), weight: 6 },
  { arbitrary: anyTensor(0, 3, 'float64'), weight: 1 },
  { arbitrary: anyTensor(0, 3, 'int32'), weight: 1 },
);

/** A tensor of shape `s`: float32, sometimes float64 or int32. */
const numericOf = (s: number[]): fc.Arbitrary<TensorDesc> =>
  fc
    .constantFrom<DTypeName>('float32', 'float32', 'float32', 'float64', 'int32')
    .chain((d) => T(s, d));

/** Two tensors (or a tensor and a number) that broadcast together. */
const broadcastPair: fc.Arbitrary<Arg[]> = shape(0, 3).chain((s) =>
  fc.oneof(
    fc.tuple(F32(s), F32(s)),
    fc.tuple(F32(s), F32(s.slice(1))),
    fc.tuple(F32(s.map((d, i) => (i === 0 ? 1 : d))), F32(s)),
    fc.tuple(F32(s), int(-2, 3)),
    fc.tuple(T(s, 'int32'), T(s, 'int32', 'pos')),
  ),
);

const dimOf = (rank: number): A => int(-Math.max(rank, 1), Math.max(rank - 1, 0));

const UNARY = [
  'relu',
  'silu',
  'neg',
  'abs',
  'sign',
  'square',
  'exp',
  'log',
  'log1p',
  'expm1',
  'sqrt',
  'rsqrt',
  'reciprocal',
  'sin',
  'cos',
  'tan',
  'tanh',
  'sigmoid',
  'erf',
  'floor',
  'ceil',
  'round',
  'trunc',
  'isnan',
  'logicalNot',
];
const BINARY = [
  'add',
  'sub',
  'mul',
  'div',
  'pow',
  'remainder',
  'maximum',
  'minimum',
  'eq',
  'ne',
  'lt',
  'le',
  'gt',
  'ge',
  'logicalAnd',
  'logicalOr',
  'logicalXor',
];

const createKeys = ['dtype', 'requiresGrad', 'device'];
const createOpts = (): A =>
  maybe(options({ dtype: oneOfStr('float32', 'int32', 'bool', 'float64') }));

/** A valid convolution call with `n` spatial dims. */
function conv(n: number): fc.Arbitrary<Arg[]> {
  return fc
    .record({
      batch: fc.integer({ min: 0, max: 2 }),
      groups: fc.integer({ min: 1, max: 2 }),
      cpg: fc.integer({ min: 1, max: 2 }),
      opg: fc.integer({ min: 1, max: 2 }),
      k: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: n, maxLength: n }),
      extra: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: n, maxLength: n }),
      stride: fc.integer({ min: 1, max: 2 }),
      dilation: fc.integer({ min: 1, max: 2 }),
      padding: fc.constantFrom<number | string>(0, 1, 'same', 'valid'),
      bias: fc.boolean(),
    })
    .chain((p) => {
      const c = p.groups * p.cpg;
      const o = p.groups * p.opg;
      const sp = p.k.map((k, i) => p.dilation * (k - 1) + 1 + (p.extra[i] as number));
      const x = p.batch === 0 ? [c, ...sp] : [p.batch, c, ...sp];
      const stride = p.padding === 'same' ? 1 : p.stride;
      const opt: Record<string, A> = {
        stride: fc.constant(num(stride)),
        padding: fc.constant(typeof p.padding === 'string' ? str(p.padding) : num(p.padding)),
        dilation: fc.constant(num(p.dilation)),
        groups: fc.constant(num(p.groups)),
      };
      if (p.bias) opt.bias = F32([o]);
      return fc.tuple(F32(x), F32([o, p.cpg, ...p.k]), options(opt, ['groups']));
    });
}

/** A valid max or average pooling call with `n` spatial dims. */
function pool(n: number, max: boolean): fc.Arbitrary<Arg[]> {
  return fc
    .record({
      batched: fc.boolean(),
      c: fc.integer({ min: 1, max: 2 }),
      k: fc.integer({ min: 1, max: 3 }),
      extra: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: n, maxLength: n }),
      short: fc.boolean(),
    })
    .chain((p) => {
      const sp = p.extra.map((e) => 2 * p.k + e);
      const x = p.batched ? [1, p.c, ...sp] : [p.c, ...sp];
      const half = Math.floor(p.k / 2);
      const spec: Record<string, A> = {
        kernelSize: fc.constant(num(p.k)),
        stride: maybe(perAxis(n, 1, 2)),
        padding: int(0, half),
        ceilMode: anyBool(),
      };
      if (max) {
        spec.dilation = int(1, 2);
        spec.returnIndices = anyBool();
      } else {
        spec.countIncludePad = anyBool();
      }
      return fc.tuple(F32(x), p.short ? fc.constant(num(p.k)) : options(spec, ['kernelSize']));
    });
}

function adaptive(n: number): fc.Arbitrary<Arg[]> {
  return fc.tuple(fc.boolean(), shape(n, n, 5)).chain(([batched, sp]) =>
    fc.tuple(
      F32(batched ? [1, 2, ...sp] : [2, ...sp]),
      fc.oneof(
        int(1, 4),
        fc
          .array(fc.oneof(fc.integer({ min: 1, max: 4 }).map(num), fc.constant(nul)), {
            minLength: n,
            maxLength: n,
          })
          .map(arr),
      ),
    ),
  );
}

/** A valid transposed convolution call with `n` spatial dims. */
function convTranspose(n: number): fc.Arbitrary<Arg[]> {
  return fc
    .record({
      batch: fc.integer({ min: 0, max: 2 }),
      groups: fc.integer({ min: 1, max: 2 }),
      ipg: fc.integer({ min: 1, max: 2 }),
      opg: fc.integer({ min: 1, max: 2 }),
      k: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: n, maxLength: n }),
      sp: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: n, maxLength: n }),
      stride: fc.integer({ min: 1, max: 2 }),
      dilation: fc.integer({ min: 1, max: 2 }),
      bias: fc.boolean(),
    })
    .chain((p) => {
      const c = p.groups * p.ipg;
      const x = p.batch === 0 ? [c, ...p.sp] : [p.batch, c, ...p.sp];
      // Output padding must stay below the stride or the dilation (PyTorch's rule too).
      const maxOutPad = Math.max(p.stride, p.dilation) - 1;
      const opt: Record<string, A> = {
        stride: fc.oneof(fc.constant(num(p.stride)), fc.constant(ints(Array(n).fill(p.stride)))),
        padding: perAxis(n, 0, 1),
        outputPadding: int(0, maxOutPad),
        dilation: fc.constant(num(p.dilation)),
        groups: fc.constant(num(p.groups)),
      };
      if (p.bias) opt.bias = F32([p.groups * p.opg]);
      // The stride and dilation are always given, as the output padding depends on them.
      return fc.tuple(
        F32(x),
        F32([c, p.opg, ...p.k]),
        options(opt, ['groups', 'stride', 'dilation']),
      );
    });
}

/**
 * A valid `interpolate` call: `[N, C, ...1 to 3 spatial dims]`, nearest or the linear mode of
 * that rank, and either an output size or a scale factor (exactly representable factors).
 */
const interpolateOptions = (n: number): fc.Arbitrary<Arg> =>
  fc.boolean().chain((linear) => {
    const mode = linear ? (['linear', 'bilinear', 'trilinear'][n - 1] as string) : 'nearest';
    const factor = fc.constantFrom(0.5, 1, 1.5, 2, 3);
    const spec: Record<string, A> = { mode: fc.constant(str(mode)) };
    if (linear) spec.alignCorners = anyBool();
    // A linear mode is always named: alignCorners without it would be nearest's error.
    const required = linear ? ['mode'] : [];
    return fc.oneof(
      options({ ...spec, size: perAxis(n, 1, 5) }, [...required, 'size']),
      options(
        {
          ...spec,
          scaleFactor: fc.oneof(
            factor.map(num),
            fc.array(factor, { minLength: n, maxLength: n }).map(ints),
          ),
        },
        [...required, 'scaleFactor'],
      ),
    );
  });

const interpolateCall: fc.Arbitrary<Arg[]> = fc
  .tuple(
    fc.integer({ min: 1, max: 3 }),
    fc.integer({ min: 1, max: 2 }),
    fc.integer({ min: 1, max: 2 }),
  )
  .chain(([n, batch, ch]) =>
    shape(n, n, 4).chain((sp) => args(F32([batch, ch, ...sp]), interpolateOptions(n))),
  );

/** A valid channel dropout call on an input of one of `ranks`. */
const channelDropout = (ranks: number[]): fc.Arbitrary<Arg[]> =>
  fc
    .constantFrom(...ranks)
    .chain((r) =>
      args(anyTensor(r, r), maybe(fc.constantFrom(0, 0.5, 1).map(num)), maybe(anyBool())),
    );

/** Statistics over dims: an input of 1 to 3 dims, sometimes float64. */
const statsTensor = (minRank: number, maxRank: number): fc.Arbitrary<TensorDesc> =>
  fc.oneof(
    { arbitrary: anyTensor(minRank, maxRank, 'float32'), weight: 5 },
    { arbitrary: anyTensor(minRank, maxRank, 'float64'), weight: 1 },
  );

/** A reduction over `dim` (one, several or all) with keepDims. */
const reduction = (dtype: 'float32' | 'int32' = 'float32'): fc.Arbitrary<Arg[]> =>
  anyTensor(1, 3, dtype).chain((x) =>
    fc.tuple(
      fc.constant(x),
      fc.oneof(
        fc.constant(undef),
        dimOf(x.shape.length),
        fc
          .subarray(
            x.shape.map((_, i) => i),
            { minLength: 1 },
          )
          .map(ints),
      ),
      maybe(anyBool()),
    ),
  );

/** Logits `[N, C]` (or `[C]`) and class-index or probability targets. */
const classification = (logProbs: boolean, probsTarget: boolean): fc.Arbitrary<Arg[]> =>
  fc
    .record({ n: fc.integer({ min: 0, max: 3 }), c: fc.integer({ min: 2, max: 4 }) })
    .chain(({ n, c }) => {
      const inShape = n === 0 ? [c] : [n, c];
      const target = probsTarget
        ? T(inShape, 'float32', 'prob')
        : T(n === 0 ? [] : [n], 'int32', { index: c });
      const spec: Record<string, A> = {
        reduction: oneOfStr('mean', 'sum', 'none'),
        weight: T([c], 'float32', 'pos'),
      };
      if (!probsTarget) spec.ignoreIndex = int(-100, c - 1);
      if (!logProbs) spec.labelSmoothing = fc.constantFrom(0, 0.1, 0.5).map(num);
      return fc.tuple(T(inShape, 'float32', logProbs ? 'float' : 'float'), target, options(spec));
    });

export const CORE_OPS: OpSpec[] = [
  ...UNARY.map(
    (op): OpSpec => ({
      op,
      lib: 'core',
      gen: fc.tuple(numericTensor as A),
    }),
  ),
  { op: 'leakyRelu', lib: 'core', gen: args(anyTensor(), maybe(int(-1, 1))) },
  { op: 'elu', lib: 'core', gen: args(anyTensor(), maybe(int(0, 2))) },
  {
    op: 'gelu',
    lib: 'core',
    gen: args(anyTensor(), maybe(options({ approximate: oneOfStr('none', 'tanh') }))),
    keys: ['approximate'],
  },
  { op: 'softplus', lib: 'core', gen: args(anyTensor(), maybe(int(1, 3)), maybe(int(1, 20))) },
  ...BINARY.map((op): OpSpec => ({ op, lib: 'core', gen: broadcastPair })),
  {
    op: 'where',
    lib: 'core',
    gen: shape(0, 3).chain((s) => args(T(s, 'bool'), F32(s), fc.oneof(F32(s), int(0, 2)))),
  },
  {
    op: 'clamp',
    lib: 'core',
    gen: args(anyTensor(), fc.oneof(int(-2, 0), fc.constant(undef)), maybe(int(0, 2))),
  },
  {
    op: 'cast',
    lib: 'core',
    gen: args(numericTensor as A, oneOfStr('float32', 'float64', 'int32', 'bool')),
  },
  ...[1, 2, 3].map(
    (n): OpSpec => ({
      op: `conv${n}d`,
      lib: 'core',
      gen: conv(n),
      keys: ['bias', 'stride', 'padding', 'dilation', 'groups'],
    }),
  ),
  {
    op: 'convNd',
    lib: 'core',
    gen: fc.integer({ min: 1, max: 2 }).chain(conv),
    keys: ['bias', 'stride', 'padding', 'dilation', 'groups'],
  },
  ...[1, 2, 3].map(
    (n): OpSpec => ({
      op: `convTranspose${n}d`,
      lib: 'core',
      gen: convTranspose(n),
      // Tile sizes and vector widths follow the channel and position counts: most cases compile
      // a GEMM variant of their own.
      webgpuEvery: 6,
      keys: ['bias', 'stride', 'padding', 'outputPadding', 'dilation', 'groups'],
    }),
  ),
  {
    op: 'interpolate',
    lib: 'core',
    gen: interpolateCall,
    keys: ['size', 'scaleFactor', 'mode', 'alignCorners'],
  },
  {
    op: 'tensor',
    lib: 'core',
    gen: fc.oneof(
      shape(0, 3).chain((s) =>
        args(
          T(s, 'float32').map((t) => nest(t)),
          maybe(options({ dtype: oneOfStr('float32', 'int32', 'bool'), requiresGrad: anyBool() })),
        ),
      ),
      shape(1, 3).chain((s) =>
        args(
          T([s.reduce((a, b) => a * b, 1)], 'int32').map(
            (t): Arg => ({ k: 'typed', type: 'Float32Array', v: t.data as number[] }),
          ),
          options({ shape: fc.constant(ints(s)) }),
        ),
      ),
    ),
    keys: ['dtype', 'requiresGrad', 'device', 'shape'],
  },
  {
    op: 'full',
    lib: 'core',
    gen: args(shape(0, 3).map(ints), int(-3, 3), createOpts()),
    keys: createKeys,
  },
  { op: 'zeros', lib: 'core', gen: args(shape(0, 3).map(ints), createOpts()), keys: createKeys },
  { op: 'ones', lib: 'core', gen: args(shape(0, 3).map(ints), createOpts()), keys: createKeys },
  {
    op: 'fullLike',
    lib: 'core',
    gen: args(anyTensor(), int(-3, 3), createOpts()),
    keys: createKeys,
  },
  { op: 'zerosLike', lib: 'core', gen: args(anyTensor(), createOpts()), keys: createKeys },
  { op: 'onesLike', lib: 'core', gen: args(anyTensor(), createOpts()), keys: createKeys },
  {
    op: 'arange',
    lib: 'core',
    gen: fc.oneof(
      args(int(0, 6), fc.constant(undef), fc.constant(undef), createOpts()),
      args(int(-3, 0), int(1, 6), maybe(int(1, 2)), createOpts()),
    ),
    keys: createKeys,
  },
  {
    op: 'linspace',
    lib: 'core',
    gen: args(int(-3, 0), int(1, 4), int(0, 5), createOpts()),
    keys: createKeys,
  },
  {
    op: 'eye',
    lib: 'core',
    gen: args(int(0, 4), maybe(int(0, 4)), createOpts()),
    keys: createKeys,
  },
  {
    op: 'dropout',
    lib: 'core',
    gen: args(anyTensor(), maybe(fc.constantFrom(0, 0.5, 1).map(num)), maybe(anyBool())),
  },
  { op: 'dropout1d', lib: 'core', gen: channelDropout([2, 3]) },
  { op: 'dropout2d', lib: 'core', gen: channelDropout([4]) },
  { op: 'dropout3d', lib: 'core', gen: channelDropout([4, 5]) },
  {
    op: 'gather',
    lib: 'core',
    gen: shape(1, 3).chain((s) =>
      fc.nat(s.length - 1).chain((d) =>
        args(
          F32(s),
          fc.constant(num(d)),
          T(
            s.map((v, i) => (i === d ? 2 : v)),
            'int32',
            { index: s[d] as number },
          ),
        ),
      ),
    ),
  },
  {
    op: 'scatterAdd',
    lib: 'core',
    gen: shape(1, 3).chain((s) =>
      fc.nat(s.length - 1).chain((d) => {
        const is = s.map((v, i) => (i === d ? 2 : v));
        return args(
          F32(s),
          fc.constant(num(d)),
          T(is, 'int32', { index: s[d] as number }),
          F32(is),
        );
      }),
    ),
  },
  {
    op: 'indexSelect',
    lib: 'core',
    gen: fc
      .tuple(shape(1, 3), fc.integer({ min: 0, max: 3 }))
      .chain(([s, k]) =>
        fc
          .nat(s.length - 1)
          .chain((d) =>
            args(
              numericOf(s),
              fc.oneof(fc.constant(num(d)), fc.constant(num(d - s.length))),
              T([k], 'int32', { index: s[d] as number }),
            ),
          ),
      ),
  },
  {
    op: 'maskedFill',
    lib: 'core',
    gen: shape(0, 3).chain((s) =>
      args(
        fc.oneof({ arbitrary: F32(s), weight: 4 }, { arbitrary: T(s, 'int32'), weight: 1 }),
        fc.oneof(T(s, 'bool'), T(s.slice(1), 'bool'), T([...s.map(() => 1)], 'bool')),
        fc.oneof(int(-2, 2), T([], 'float32'), anyBool()),
      ),
    ),
  },
  {
    op: 'oneHot',
    lib: 'core',
    gen: int(2, 4).chain((c) =>
      args(
        shape(0, 2).chain((s) => T(s, 'int32', { index: (c as { v: number }).v })),
        fc.constant(c),
      ),
    ),
  },
  {
    op: 'reshape',
    lib: 'core',
    gen: anyTensor(0, 3).chain((x) => {
      const n = x.data.length;
      return args(
        fc.constant(x),
        fc.constantFrom([n], [-1], [1, n], [n, -1], [1, -1, 1]).map(ints),
      );
    }),
  },
  {
    op: 'viewAs',
    lib: 'core',
    gen: anyTensor(0, 3).chain((x) => {
      const n = x.data.length;
      return args(
        fc.constant(x),
        fc
          .constantFrom([n], [1, n], [n, 1], [...x.shape].reverse(), [])
          .filter((s) => s.reduce((a, b) => a * b, 1) === n)
          .chain((s) => T(s, 'float32')),
      );
    }),
  },
  { op: 'numel', lib: 'core', gen: args(numericTensor as A), returnsNumber: true },
  {
    op: 'sizeAt',
    lib: 'core',
    gen: anyTensor(0, 3).chain((x) => args(fc.constant(x), dimOf(x.shape.length))),
    returnsNumber: true,
  },
  {
    op: 'flatten',
    lib: 'core',
    gen: anyTensor(0, 3).chain((x) => {
      const r = Math.max(x.shape.length, 1);
      return args(fc.constant(x), maybe(int(0, r - 1)), maybe(int(-1, r - 1)));
    }),
  },
  {
    op: 'squeeze',
    lib: 'core',
    gen: shape(1, 3, 2).chain((s) => args(F32(s), fc.oneof(fc.constant(undef), dimOf(s.length)))),
  },
  {
    op: 'unsqueeze',
    lib: 'core',
    gen: anyTensor(0, 3).chain((x) =>
      args(fc.constant(x), int(-x.shape.length - 1, x.shape.length)),
    ),
  },
  {
    op: 'permute',
    lib: 'core',
    gen: anyTensor(1, 3).chain((x) =>
      args(
        fc.constant(x),
        fc
          .shuffledSubarray(
            x.shape.map((_, i) => i),
            { minLength: x.shape.length, maxLength: x.shape.length },
          )
          .map(ints),
      ),
    ),
  },
  {
    op: 'transpose',
    lib: 'core',
    gen: anyTensor(2, 3).chain((x) =>
      args(fc.constant(x), maybe(dimOf(x.shape.length)), maybe(dimOf(x.shape.length))),
    ),
  },
  {
    op: 'expand',
    lib: 'core',
    gen: shape(1, 3, 2).chain((s) =>
      args(F32(s.map((d, i) => (i === 0 ? 1 : d))), fc.constant(ints([3, ...s.slice(1)]))),
    ),
  },
  {
    op: 'index',
    lib: 'core',
    gen: anyTensor(1, 3).chain((x) =>
      fc.tuple(
        fc.constant(x as Arg),
        ...x.shape.map(
          (d): A =>
            fc.oneof(
              int(-d, d - 1),
              fc.constant(nul),
              options({ start: int(-d, d), end: int(-d, d), step: int(1, 2) }),
            ),
        ),
      ),
    ),
    keys: ['start', 'end', 'step'],
  },
  {
    op: 'slice',
    lib: 'core',
    gen: anyTensor(1, 3).chain((x) =>
      args(
        fc.constant(x),
        dimOf(x.shape.length),
        maybe(int(-2, 2)),
        maybe(int(-2, 3)),
        maybe(int(1, 2)),
      ),
    ),
  },
  {
    op: 'flip',
    lib: 'core',
    gen: anyTensor(1, 3).chain((x) =>
      args(fc.constant(x), fc.oneof(dimOf(x.shape.length), fc.constant(ints([0])))),
    ),
  },
  ...['concat', 'stack'].map(
    (op): OpSpec => ({
      op,
      lib: 'core',
      gen: shape(1, 3).chain((s) =>
        fc
          .integer({ min: 1, max: 3 })
          .chain((k) =>
            args(
              fc.array(F32(s), { minLength: k, maxLength: k }).map(arr),
              maybe(int(0, s.length - (op === 'concat' ? 1 : 0))),
            ),
          ),
      ),
    }),
  ),
  {
    op: 'split',
    lib: 'core',
    gen: anyTensor(1, 3).chain((x) =>
      args(
        fc.constant(x),
        fc.oneof(int(1, 3), fc.constant(ints([1, (x.shape[0] as number) - 1]))),
        fc.constant(undef),
      ),
    ),
  },
  {
    op: 'chunk',
    lib: 'core',
    gen: anyTensor(1, 3).chain((x) =>
      args(fc.constant(x), int(1, 3), maybe(dimOf(x.shape.length))),
    ),
  },
  {
    op: 'pad',
    lib: 'core',
    gen: anyTensor(1, 3).chain((x) =>
      fc.constantFrom('constant', 'reflect', 'replicate').chain((mode) => {
        const last = x.shape.at(-1) as number;
        const maxPad = mode === 'reflect' ? last - 1 : 2;
        return args(
          fc.constant(x),
          fc
            .array(fc.integer({ min: 0, max: Math.max(0, maxPad) }), { minLength: 2, maxLength: 2 })
            .map(ints),
          fc.constant(str(mode)),
          mode === 'constant' ? maybe(int(-1, 1)) : fc.constant(undef),
        );
      }),
    ),
  },
  {
    op: 'crossEntropy',
    lib: 'core',
    gen: fc.oneof(classification(false, false), classification(false, true)),
    keys: ['reduction', 'weight', 'ignoreIndex', 'labelSmoothing'],
  },
  {
    op: 'nllLoss',
    lib: 'core',
    gen: classification(true, false),
    keys: ['reduction', 'weight', 'ignoreIndex'],
  },
  ...['mseLoss', 'l1Loss'].map(
    (op): OpSpec => ({
      op,
      lib: 'core',
      gen: shape(0, 3).chain((s) =>
        args(F32(s), F32(s), maybe(options({ reduction: oneOfStr('mean', 'sum', 'none') }))),
      ),
      keys: ['reduction'],
    }),
  ),
  {
    op: 'bceWithLogits',
    lib: 'core',
    gen: shape(1, 2).chain((s) =>
      args(
        F32(s),
        T(s, 'float32', 'prob'),
        maybe(
          options({
            reduction: oneOfStr('mean', 'sum', 'none'),
            weight: T(s, 'float32', 'pos'),
            posWeight: T(s.slice(-1), 'float32', 'pos'),
          }),
        ),
      ),
    ),
    keys: ['reduction', 'weight', 'posWeight'],
  },
  {
    op: 'bceLoss',
    lib: 'core',
    gen: shape(0, 3).chain((s) =>
      args(
        T(s, 'float32', 'prob'),
        T(s, 'float32', 'prob'),
        maybe(
          options({
            reduction: oneOfStr('mean', 'sum', 'none'),
            weight: fc.oneof(T(s, 'float32', 'pos'), T(s.slice(-1), 'float32', 'pos')),
          }),
        ),
      ),
    ),
    keys: ['reduction', 'weight'],
  },
  ...[
    ['smoothL1Loss', 'beta', [0, 0.5, 1, 2]],
    ['huberLoss', 'delta', [0.5, 1, 2]],
  ].map(
    ([op, key, values]): OpSpec => ({
      op: op as string,
      lib: 'core',
      gen: shape(0, 3).chain((s) =>
        args(
          F32(s),
          F32(s),
          maybe(
            options({
              reduction: oneOfStr('mean', 'sum', 'none'),
              [key as string]: fc.constantFrom(...(values as number[])).map(num),
            }),
          ),
        ),
      ),
      keys: ['reduction', key as string],
    }),
  ),
  {
    op: 'klDiv',
    lib: 'core',
    // Log-probabilities against probabilities, or against log-probabilities with logTarget.
    gen: fc.tuple(shape(0, 3), fc.boolean()).chain(([s, logTarget]) =>
      args(
        F32(s),
        logTarget ? F32(s) : T(s, 'float32', 'prob'),
        logTarget
          ? options(
              {
                reduction: oneOfStr('mean', 'batchmean', 'sum', 'none'),
                logTarget: fc.constant({ k: 'b', v: true } as Arg),
              },
              ['logTarget'],
            )
          : maybe(
              options({
                reduction: oneOfStr('mean', 'batchmean', 'sum', 'none'),
                logTarget: fc.constant({ k: 'b', v: false } as Arg),
              }),
            ),
      ),
    ),
    keys: ['reduction', 'logTarget'],
  },
  {
    op: 'bmm',
    lib: 'core',
    gen: fc
      .tuple(
        fc.integer({ min: 1, max: 2 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 3 }),
        fc.boolean(),
        fc.boolean(),
      )
      .chain(([b, m, k, n, ta, tb]) =>
        args(
          F32(ta ? [b, k, m] : [b, m, k]),
          F32(tb ? [b, n, k] : [b, k, n]),
          fc.constant({ k: 'b', v: ta } as Arg),
          fc.constant({ k: 'b', v: tb } as Arg),
        ),
      ),
  },
  {
    op: 'matmul',
    lib: 'core',
    gen: fc
      .tuple(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 3 }),
        fc.constantFrom([], [2], [1, 2]),
        fc.constantFrom(1, 2),
        fc.constantFrom(1, 2),
      )
      .chain(([m, k, n, batch, ra, rb]) =>
        args(F32(ra === 1 ? [k] : [...batch, m, k]), F32(rb === 1 ? [k] : [k, n])),
      ),
  },
  {
    op: 'linear',
    lib: 'core',
    gen: fc
      .tuple(shape(0, 2), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }))
      .chain(([lead, i, o]) =>
        args(
          F32([...lead, i]),
          F32([o, i]),
          fc.oneof(fc.constant(undef), fc.constant(nul), F32([o])),
        ),
      ),
  },
  {
    op: 'batchNorm',
    lib: 'core',
    gen: fc
      .tuple(fc.integer({ min: 2, max: 3 }), fc.integer({ min: 1, max: 3 }), shape(0, 2))
      .chain(([n, c, sp]) =>
        args(
          F32([n, c, ...sp]),
          fc.oneof(F32([c]), fc.constant(nul)),
          fc.oneof(T([c], 'float32', 'pos'), fc.constant(nul)),
          maybe(
            options({
              weight: F32([c]),
              bias: F32([c]),
              training: fc.constant({ k: 'b', v: true } as Arg),
              momentum: fc.constantFrom(0.1, 0.5).map(num),
              eps: fc.constantFrom(1e-5, 0.5).map(num),
            }),
          ),
        ),
      )
      .map((a) => {
        // Evaluation needs both running statistics (PyTorch's rule too).
        const o = a[3] as Arg;
        const training = o.k === 'o' && o.entries.some(([key]) => key === 'training');
        if (!training && (a[1]?.k === 'null' || a[2]?.k === 'null')) {
          const c = (a[0] as TensorDesc).shape[1] as number;
          return [a[0] as Arg, ones(c), ones(c), o];
        }
        return a;
      }),
    keys: ['weight', 'bias', 'training', 'momentum', 'eps'],
  },
  {
    op: 'layerNorm',
    lib: 'core',
    gen: statsTensor(1, 3).chain((x) =>
      fc.integer({ min: 1, max: x.shape.length }).chain((k) => {
        const ns = x.shape.slice(-k);
        const t = (rule: 'float' | 'pos') => T(ns, x.dtype, rule);
        return args(
          fc.constant(x),
          k === 1
            ? fc.oneof(fc.constant(num(ns[0] as number)), fc.constant(ints(ns)))
            : fc.constant(ints(ns)),
          maybe(
            options({
              weight: fc.oneof(t('float'), fc.constant(nul)),
              bias: fc.oneof(t('float'), fc.constant(nul)),
              eps: fc.constantFrom(1e-5, 0.5).map(num),
            }),
          ),
        );
      }),
    ),
    keys: ['weight', 'bias', 'eps'],
  },
  {
    op: 'groupNorm',
    lib: 'core',
    gen: fc
      .tuple(
        fc.integer({ min: 1, max: 2 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 2 }),
        shape(0, 2),
      )
      .chain(([n, g, cpg, sp]) => {
        const c = g * cpg;
        return args(
          F32([n, c, ...sp]),
          fc.constant(num(g)),
          maybe(
            options({
              weight: F32([c]),
              bias: F32([c]),
              eps: fc.constantFrom(1e-5, 0.5).map(num),
            }),
          ),
        );
      }),
    keys: ['weight', 'bias', 'eps'],
  },
  {
    op: 'instanceNorm',
    lib: 'core',
    gen: fc
      .tuple(
        fc.integer({ min: 1, max: 2 }),
        fc.integer({ min: 1, max: 3 }),
        shape(1, 3, 3).filter((sp) => sp.reduce((a, b) => a * b, 1) > 1),
        fc.boolean(),
      )
      .chain(([n, c, sp, running]) => {
        const spec: Record<string, A> = {
          weight: F32([c]),
          bias: F32([c]),
          momentum: fc.constantFrom(0.1, 0.5).map(num),
          eps: fc.constantFrom(1e-5, 0.5).map(num),
        };
        // Normalising with the running statistics needs them (PyTorch's rule too).
        if (running) {
          spec.runningMean = F32([c]);
          spec.runningVar = T([c], 'float32', 'pos');
          spec.useInputStats = anyBool();
        }
        return args(
          F32([n, c, ...sp]),
          running ? options(spec, ['runningMean', 'runningVar']) : maybe(options(spec)),
        );
      }),
    keys: ['runningMean', 'runningVar', 'weight', 'bias', 'useInputStats', 'momentum', 'eps'],
  },
  {
    op: 'sgdStep',
    lib: 'core',
    gen: shape(1, 2).chain((s) => args(F32(s), F32(s), fc.constant(num(0.01)))),
    keys: [],
  },
  {
    op: 'adamStep',
    lib: 'core',
    gen: shape(1, 2).chain((s) =>
      args(
        F32(s),
        F32(s),
        F32(s),
        T(s, 'float32', 'pos'),
        options(
          {
            beta1: fc.constant(num(0.9)),
            beta2: fc.constant(num(0.999)),
            stepSize: fc.constant(num(0.01)),
            biasCorrection2Sqrt: fc.constant(num(0.5)),
            eps: fc.constant(num(1e-8)),
          },
          ['beta1', 'beta2', 'stepSize', 'biasCorrection2Sqrt', 'eps'],
        ),
      ),
    ),
    keys: ['beta1', 'beta2', 'stepSize', 'biasCorrection2Sqrt', 'eps'],
  },
  ...[1, 2, 3].flatMap((n): OpSpec[] => [
    {
      op: `maxPool${n}d`,
      lib: 'core',
      gen: pool(n, true),
      keys: ['kernelSize', 'stride', 'padding', 'dilation', 'ceilMode', 'returnIndices'],
    },
    {
      op: `avgPool${n}d`,
      lib: 'core',
      gen: pool(n, false),
      keys: ['kernelSize', 'stride', 'padding', 'ceilMode', 'countIncludePad'],
    },
    { op: `adaptiveAvgPool${n}d`, lib: 'core', gen: adaptive(n) },
    {
      op: `adaptiveMaxPool${n}d`,
      lib: 'core',
      gen: adaptive(n).chain(([x, size]) =>
        args(
          fc.constant(x as Arg),
          fc.constant(size as Arg),
          maybe(options({ returnIndices: anyBool() })),
        ),
      ),
      keys: ['returnIndices'],
    },
  ]),
  { op: 'manualSeed', lib: 'core', gen: args(int(0, 1000)) },
  ...['rand', 'randn'].map(
    (op): OpSpec => ({
      op,
      lib: 'core',
      gen: args(
        shape(0, 3).map(ints),
        maybe(options({ dtype: oneOfStr('float32', 'float64'), seed: int(0, 100) })),
      ),
      keys: [...createKeys, 'seed'],
    }),
  ),
  {
    op: 'randint',
    lib: 'core',
    gen: args(int(-3, 0), int(1, 5), shape(0, 3).map(ints), maybe(options({ seed: int(0, 100) }))),
    keys: [...createKeys, 'seed'],
  },
  ...['sum', 'max', 'min'].map((op): OpSpec => ({ op, lib: 'core', gen: reduction() })),
  { op: 'mean', lib: 'core', gen: reduction() },
  ...['argmax', 'argmin'].map(
    (op): OpSpec => ({
      op,
      lib: 'core',
      gen: anyTensor(1, 3).chain((x) =>
        args(fc.constant(x), maybe(dimOf(x.shape.length)), maybe(anyBool())),
      ),
    }),
  ),
  ...['variance', 'std'].map(
    (op): OpSpec => ({
      op,
      lib: 'core',
      gen: reduction().map(([x, dim, keep]) => [
        x as Arg,
        dim as Arg,
        keep?.k === 'b'
          ? {
              k: 'o',
              entries: [
                ['keepDims', keep],
                ['correction', num(0)],
              ],
            }
          : undef,
      ]),
      keys: ['correction', 'keepDims'],
      // variance is PyTorch's var, and its errors say so (documented).
      fns: op === 'variance' ? ['var', 'variance'] : ['std'],
    }),
  ),
  { op: 'logsumexp', lib: 'core', gen: reduction() },
  ...['softmax', 'logSoftmax'].map(
    (op): OpSpec => ({
      op,
      lib: 'core',
      gen: anyTensor(1, 3).chain((x) => args(fc.constant(x), maybe(dimOf(x.shape.length)))),
    }),
  ),
  {
    op: 'cumsum',
    lib: 'core',
    gen: fc
      .oneof(
        { arbitrary: numericTensor, weight: 6 },
        { arbitrary: anyTensor(0, 3, 'bool'), weight: 1 },
      )
      .chain((x) => args(fc.constant(x), dimOf(x.shape.length))),
  },
  {
    op: 'sort',
    lib: 'core',
    gen: fc
      .oneof(
        { arbitrary: numericTensor, weight: 6 },
        { arbitrary: anyTensor(0, 3, 'bool'), weight: 1 },
      )
      .chain((x) =>
        args(
          fc.constant(x),
          maybe(
            options({
              dim: dimOf(x.shape.length),
              descending: anyBool(),
              stable: anyBool(),
            }),
          ),
        ),
      ),
    keys: ['dim', 'descending', 'stable'],
  },
  {
    op: 'topk',
    lib: 'core',
    gen: numericTensor.chain((x) =>
      fc.nat(Math.max(x.shape.length - 1, 0)).chain((d) => {
        const n = x.shape.length === 0 ? 1 : (x.shape[d] as number);
        const last = d === x.shape.length - 1 || x.shape.length === 0;
        return args(
          fc.constant(x),
          int(0, n),
          last
            ? maybe(options({ largest: anyBool(), sorted: anyBool() }))
            : options({ dim: fc.constant(num(d)), largest: anyBool(), sorted: anyBool() }, ['dim']),
        );
      }),
    ),
    keys: ['dim', 'largest', 'sorted'],
  },
  {
    op: 'decodeSafetensors',
    lib: 'core',
    gen: anyTensor(1, 2).map((t): Arg[] => [safetensorsBytes(t), undef]),
    keys: ['device'],
  },
];

function ones(c: number): Arg {
  return { k: 't', shape: [c], dtype: 'float32', data: Array(c).fill(1) };
}

/** A tensor description turned into the nested array `tensor()` takes. */
function nest(t: TensorDesc): Arg {
  const build = (dim: number, offset: number): Arg => {
    if (dim === t.shape.length) return { k: 'n', v: t.data[offset] ?? 0 };
    const n = t.shape[dim] as number;
    const stride = t.shape.slice(dim + 1).reduce((a, b) => a * b, 1);
    return arr(Array.from({ length: n }, (_, i) => build(dim + 1, offset + i * stride)));
  };
  return build(0, 0);
}

/** A valid safetensors file holding one float32 tensor, as a Uint8Array description. */
function safetensorsBytes(t: TensorDesc): Arg {
  const nbytes = t.data.length * 4;
  const header = JSON.stringify({
    w: { dtype: 'F32', shape: t.shape, data_offsets: [0, nbytes] },
  });
  const h = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + h.length + nbytes);
  const view = new DataView(out.buffer);
  view.setUint32(0, h.length, true);
  out.set(h, 8);
  t.data.forEach((v, i) => {
    view.setFloat32(8 + h.length + 4 * i, v as number, true);
  });
  return { k: 'typed', type: 'Uint8Array', v: [...out] };
}

/**
 * Tensor methods: the receiver is argument 0 (kept a tensor by the mutations); they forward to
 * the functions above, whose name their errors carry (or `Tensor.<method>`).
 */
const METHODS: [method: string, like: string][] = [
  ['reshape', 'reshape'],
  ['flatten', 'flatten'],
  ['squeeze', 'squeeze'],
  ['unsqueeze', 'unsqueeze'],
  ['transpose', 'transpose'],
  ['expand', 'expand'],
  ['flip', 'flip'],
  ['index', 'index'],
  ['sum', 'sum'],
  ['mean', 'mean'],
  ['max', 'max'],
  ['argmax', 'argmax'],
  ['softmax', 'softmax'],
  ['add', 'add'],
  ['mul', 'mul'],
  ['pow', 'pow'],
  ['clamp', 'clamp'],
  ['cast', 'cast'],
  ['matmul', 'matmul'],
];

const byOp = new Map(CORE_OPS.map((s) => [s.op, s]));

export const METHOD_OPS: OpSpec[] = [
  ...METHODS.map(([method, like]): OpSpec => {
    const base = byOp.get(like) as OpSpec;
    return {
      op: `Tensor.${method}`,
      lib: 'method',
      // A method needs a tensor to be called on.
      gen: base.gen.filter((a) => a[0]?.k === 't'),
      keys: base.keys,
      fns: [method, `Tensor.${method}`],
    };
  }),
  {
    op: 'Tensor.view',
    lib: 'method',
    gen: anyTensor(0, 3).chain((x) => {
      const n = x.data.length;
      return fc.constantFrom([n], [-1], [1, n]).map((dims): Arg[] => [x, ...dims.map(num)]);
    }),
    fns: ['view', 'Tensor.view'],
  },
  {
    op: 'Tensor.permute',
    lib: 'method',
    gen: anyTensor(1, 3).chain((x) =>
      fc
        .shuffledSubarray(
          x.shape.map((_, i) => i),
          { minLength: x.shape.length, maxLength: x.shape.length },
        )
        .map((dims): Arg[] => [x, ...dims.map(num)]),
    ),
    fns: ['permute', 'Tensor.permute'],
  },
];
