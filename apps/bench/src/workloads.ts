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
  );

export type WorkloadKind = Workload['kind'];

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

function build(): Workload[] {
  const list: Workload[] = [];
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
    strideOnly: true,
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
  return WORKLOADS.filter((w) => !pattern || pattern.test(w.id) || pattern.test(w.title));
}
