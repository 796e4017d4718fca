import type { CeilingVariant } from './ceiling/kernel.js';

/**
 * The workloads of the harness (float32, NCHW), each named by a stable id that `--only` matches
 * and the results refer to. Sizes are fixed: changing one makes old results incomparable.
 */

/** A 2-d convolution: input `[n, c, h, w]`, weight `[o, c, k, k]`, square stride and padding. */
export interface ConvShape {
  readonly n: number;
  readonly c: number;
  readonly h: number;
  readonly w: number;
  readonly o: number;
  readonly k: number;
  readonly stride: number;
  readonly pad: number;
}

export type ConvPass = 'forward' | 'input-grad' | 'filter-grad';

interface Common {
  readonly id: string;
  readonly title: string;
  /** Floating-point operations of one call, where they are defined (a multiply-add is 2). */
  readonly flops?: number;
  /** Operations in one call, for a per-operation time (the dispatch-overhead workload). */
  readonly ops?: number;
  /** Run only in the full run (too long for `--quick`). */
  readonly fullOnly?: boolean;
  /** Measured for Stride's backends only: no peer is given it. */
  readonly strideOnly?: boolean;
}

export type Workload = Common &
  (
    | { readonly kind: 'matmul'; readonly m: number; readonly k: number; readonly n: number }
    | { readonly kind: 'conv'; readonly pass: ConvPass; readonly conv: ConvShape }
    | {
        readonly kind: 'max-pool';
        readonly x: readonly [number, number, number, number];
        readonly size: number;
      }
    | { readonly kind: 'lenet-train'; readonly batch: number; readonly lr: number }
    | { readonly kind: 'lenet-infer'; readonly batch: number }
    | { readonly kind: 'adds'; readonly count: number }
    | { readonly kind: 'mnist-to-accuracy'; readonly target: number; readonly maxEpochs: number }
    | {
        readonly kind: 'fma-ceiling';
        readonly variant: CeilingVariant;
        /** Iterations of the kernel's loop per thread and call. */
        readonly iterations: number;
      }
  );

export type WorkloadKind = Workload['kind'];

/**
 * Rows whose time is a GEMM's (matrix products, convolutions, fully connected layers): they are
 * reported as a share of the machine's FMA ceiling.
 */
export function isGemmBound(w: Workload): boolean {
  return w.kind === 'matmul' || w.kind === 'conv';
}

/** Workloads of one family differ only in size: matmuls, or one convolution pass. */
export function family(w: Workload): string {
  return w.kind === 'conv' ? `conv-${w.pass}` : w.kind;
}

/** Output spatial size of a convolution along one axis. */
export function convOut(size: number, s: ConvShape): number {
  return Math.floor((size + 2 * s.pad - s.k) / s.stride) + 1;
}

export function convShapes(s: ConvShape): {
  x: number[];
  w: number[];
  y: number[];
} {
  return {
    x: [s.n, s.c, s.h, s.w],
    w: [s.o, s.c, s.k, s.k],
    y: [s.n, s.o, convOut(s.h, s), convOut(s.w, s)],
  };
}

/** Multiply-adds of one convolution times 2; each backward pass does as many as the forward. */
function convFlops(s: ConvShape): number {
  const [n, o, ho, wo] = convShapes(s).y as [number, number, number, number];
  return 2 * n * o * ho * wo * s.c * s.k * s.k;
}

/** LeNet-5's layers: conv1 (pad 2), pool, conv2, pool, then 400 → 120 → 84 → 10. */
export const LENET_CONV1: Omit<ConvShape, 'n'> = {
  c: 1,
  h: 28,
  w: 28,
  o: 6,
  k: 5,
  stride: 1,
  pad: 2,
};
export const LENET_CONV2: Omit<ConvShape, 'n'> = {
  c: 6,
  h: 14,
  w: 14,
  o: 16,
  k: 5,
  stride: 1,
  pad: 0,
};

/** The parameters of LeNet-5 in state-dict order, with PyTorch's names and layouts. */
export const LENET_PARAMS: readonly { name: string; shape: number[]; fanIn: number }[] = [
  { name: 'conv1.weight', shape: [6, 1, 5, 5], fanIn: 25 },
  { name: 'conv1.bias', shape: [6], fanIn: 25 },
  { name: 'conv2.weight', shape: [16, 6, 5, 5], fanIn: 150 },
  { name: 'conv2.bias', shape: [16], fanIn: 150 },
  { name: 'fc1.weight', shape: [120, 400], fanIn: 400 },
  { name: 'fc1.bias', shape: [120], fanIn: 400 },
  { name: 'fc2.weight', shape: [84, 120], fanIn: 120 },
  { name: 'fc2.bias', shape: [84], fanIn: 120 },
  { name: 'fc3.weight', shape: [10, 84], fanIn: 84 },
  { name: 'fc3.bias', shape: [10], fanIn: 84 },
];

/** Forward FLOPs of LeNet-5 per image: the two convolutions and the three linear layers. */
function lenetFlopsPerImage(): number {
  const conv1 = convFlops({ n: 1, ...LENET_CONV1 });
  const conv2 = convFlops({ n: 1, ...LENET_CONV2 });
  return conv1 + conv2 + 2 * (400 * 120 + 120 * 84 + 84 * 10);
}

/** In increasing cost, so that a runner too slow for one is not made to try the next. */
const CONVS: readonly { key: string; label: string; shape: ConvShape }[] = [
  { key: 'lenet1', label: 'LeNet conv1 N64 1→6 28² 5×5 p2', shape: { n: 64, ...LENET_CONV1 } },
  { key: 'lenet2', label: 'LeNet conv2 N64 6→16 14² 5×5', shape: { n: 64, ...LENET_CONV2 } },
  {
    key: 'strided',
    label: 'strided N8 64→128 56² 3×3 s2 p1',
    shape: { n: 8, c: 64, h: 56, w: 56, o: 128, k: 3, stride: 2, pad: 1 },
  },
  {
    key: 'vgg',
    label: 'VGG N8 64→64 56² 3×3 p1',
    shape: { n: 8, c: 64, h: 56, w: 56, o: 64, k: 3, stride: 1, pad: 1 },
  },
];

const PASSES: readonly { pass: ConvPass; suffix: string; label: string }[] = [
  { pass: 'forward', suffix: 'fwd', label: 'fwd' },
  { pass: 'input-grad', suffix: 'dx', label: 'input-grad' },
  { pass: 'filter-grad', suffix: 'dw', label: 'filter-grad' },
];

/**
 * LeNet-5's fully connected layers at batch 64 as the GEMMs their three passes are: forward
 * `x[64, in] · Wᵀ[in, out]`, input gradient `dy[64, out] · W[out, in]`, weight gradient
 * `dyᵀ[out, 64] · x[64, in]` (transposed operands are given transposed, so each is one matmul).
 */
const FC_LAYERS: readonly { key: string; in: number; out: number }[] = [
  { key: 'fc1', in: 400, out: 120 },
  { key: 'fc2', in: 120, out: 84 },
  { key: 'fc3', in: 84, out: 10 },
];

/** Iterations per thread and call of the ceiling kernel: about 15 ms at 60 GFLOP/s a thread. */
const CEILING_ITERATIONS = 8_000_000;

function build(): Workload[] {
  const list: Workload[] = [];
  for (const variant of ['relaxed', 'simd128'] as const) {
    list.push({
      id: `fma-ceiling-${variant}`,
      title:
        variant === 'relaxed'
          ? 'FMA ceiling: relaxed-SIMD f32x4 FMA'
          : 'FMA ceiling: SIMD128 f32x4 mul+add',
      kind: 'fma-ceiling',
      variant,
      iterations: CEILING_ITERATIONS,
      strideOnly: true,
    });
  }
  const b = 64;
  for (const fc of FC_LAYERS) {
    const passes = [
      { suffix: 'fwd', label: 'fwd', m: b, k: fc.in, n: fc.out },
      { suffix: 'dx', label: 'input-grad', m: b, k: fc.out, n: fc.in },
      { suffix: 'dw', label: 'weight-grad', m: fc.out, k: b, n: fc.in },
    ];
    for (const p of passes) {
      list.push({
        id: `${fc.key}-b64-${p.suffix}`,
        title: `LeNet ${fc.key} ${p.label} b64 (${p.m}×${p.k} · ${p.k}×${p.n})`,
        kind: 'matmul',
        m: p.m,
        k: p.k,
        n: p.n,
        flops: 2 * p.m * p.k * p.n,
      });
    }
  }
  for (const size of [256, 512, 1024]) {
    list.push({
      id: `matmul-${size}`,
      title: `matmul ${size}³`,
      kind: 'matmul',
      m: size,
      k: size,
      n: size,
      flops: 2 * size ** 3,
    });
  }
  for (const c of CONVS) {
    for (const p of PASSES) {
      list.push({
        id: `conv-${c.key}-${p.suffix}`,
        title: `conv ${p.label} ${c.label}`,
        kind: 'conv',
        pass: p.pass,
        conv: c.shape,
        flops: convFlops(c.shape),
      });
    }
  }
  list.push({
    id: 'maxpool-2x2',
    title: 'max-pool 2×2 N8 C64 56²',
    kind: 'max-pool',
    x: [8, 64, 56, 56],
    size: 2,
  });
  list.push({
    id: 'lenet-train-b64',
    title: 'LeNet-5 train step b64',
    kind: 'lenet-train',
    batch: 64,
    lr: 0.01,
    // Backward costs two forwards (input and weight gradients), the usual convention.
    flops: 3 * 64 * lenetFlopsPerImage(),
  });
  list.push({
    id: 'lenet-infer-b256',
    title: 'LeNet-5 inference b256',
    kind: 'lenet-infer',
    batch: 256,
    flops: 256 * lenetFlopsPerImage(),
  });
  list.push({
    id: 'add-1x1-x10000',
    title: '10,000 adds of 1×1',
    kind: 'adds',
    count: 10_000,
    ops: 10_000,
  });
  list.push({
    id: 'mnist-to-99',
    title: 'LeNet-5 MNIST to 99% test acc.',
    kind: 'mnist-to-accuracy',
    target: 0.99,
    maxEpochs: 4,
    fullOnly: true,
  });
  return list;
}

export const WORKLOADS: readonly Workload[] = build();

/**
 * The workloads a run covers, filtered by `--only` (a regular expression, or plain text, tried
 * against ids and titles). Full-run-only workloads stay in the list under `--quick`, to be
 * recorded as skipped.
 */
export function selectWorkloads(only: string | undefined): Workload[] {
  const pattern = only ? new RegExp(only, 'i') : null;
  const chosen = WORKLOADS.filter((w) => !pattern || pattern.test(w.id) || pattern.test(w.title));
  // A GEMM row is reported as a share of the ceiling, so the ceiling comes with it.
  if (!chosen.some(isGemmBound)) return chosen;
  return WORKLOADS.filter((w) => w.kind === 'fma-ceiling' || chosen.includes(w));
}
