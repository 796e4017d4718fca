import { AdamArgs, BinaryArgs, ChannelSumArgs, MapArgs } from './args';
import { reluRun } from './vector';

/** Element-wise maps, the same bit for bit as the TypeScript kernels of elementwise.ts. */
export const MAP_RELU = 1;
export const MAP_RELU_BACKWARD = 2;

/** The float32 binary ops, each one correctly rounded IEEE operation as JavaScript rounds it. */
export const BINARY_ADD = 1;
export const BINARY_SUB = 2;
export const BINARY_MUL = 3;
export const BINARY_DIV = 4;

export function mapUnit(job: usize, u: i32): void {
  const args = changetype<MapArgs>(job);
  const start = u * args.perUnit;
  const end = min(args.n, start + args.perUnit);
  if (args.op === MAP_RELU) relu(args.a, args.out, start, end);
  else if (args.op === MAP_RELU_BACKWARD) reluBackward(args.a, args.b, args.out, start, end);
}

/** max(x, 0) with NaN kept and −0 made +0: x where x > 0 or x is NaN, else +0. */
@inline
function relu(x: usize, out: usize, start: i32, end: i32): void {
  reluRun(out + (<usize>start << 2), x + (<usize>start << 2), end - start);
}

/** dy where x > 0, else +0 (also where x is NaN). */
function reluBackward(dy: usize, x: usize, out: usize, start: i32, end: i32): void {
  const zero = f32x4.splat(0);
  let i = start;
  for (; i + 4 <= end; i += 4) {
    const q = <usize>i << 2;
    v128.store(out + q, v128.and(v128.load(dy + q), f32x4.gt(v128.load(x + q), zero)));
  }
  for (; i < end; i++) {
    const q = <usize>i << 2;
    store<f32>(out + q, load<f32>(x + q) > 0 ? load<f32>(dy + q) : 0);
  }
}

/**
 * One Adam step (the contract's adamStep), rounding every product, sum, square root and quotient
 * to float32 in the same order as adamFloat32 in src/elementwise.ts, so the two agree bit for
 * bit (no fused multiply-add here):
 *   m' = m·β₁ + g·(1 − β₁), v' = v·β₂ + (g·(1 − β₂))·g,
 *   p' = p + (m'·(−stepSize)) / (√v' / correction + eps).
 */
export function adamUnit(job: usize, u: i32): void {
  const a = changetype<AdamArgs>(job);
  const start = u * a.perUnit;
  const end = min(a.n, start + a.perUnit);
  const beta1 = f32x4.splat(a.beta1);
  const keep1 = f32x4.splat(a.keep1);
  const beta2 = f32x4.splat(a.beta2);
  const keep2 = f32x4.splat(a.keep2);
  const correction = f32x4.splat(a.correction);
  const eps = f32x4.splat(a.eps);
  const step = f32x4.splat(a.step);
  let i = start;
  for (; i + 4 <= end; i += 4) {
    const q = <usize>i << 2;
    const g = v128.load(a.grad + q);
    const m = f32x4.add(f32x4.mul(v128.load(a.expAvg + q), beta1), f32x4.mul(g, keep1));
    const v = f32x4.add(
      f32x4.mul(v128.load(a.expAvgSq + q), beta2),
      f32x4.mul(f32x4.mul(g, keep2), g),
    );
    v128.store(a.outExpAvg + q, m);
    v128.store(a.outExpAvgSq + q, v);
    const denom = f32x4.add(f32x4.div(f32x4.sqrt(v), correction), eps);
    v128.store(
      a.outParam + q,
      f32x4.add(v128.load(a.param + q), f32x4.div(f32x4.mul(m, step), denom)),
    );
  }
  for (; i < end; i++) {
    const q = <usize>i << 2;
    const g = load<f32>(a.grad + q);
    const m = load<f32>(a.expAvg + q) * a.beta1 + g * a.keep1;
    const v = load<f32>(a.expAvgSq + q) * a.beta2 + g * a.keep2 * g;
    store<f32>(a.outExpAvg + q, m);
    store<f32>(a.outExpAvgSq + q, v);
    const denom = sqrt<f32>(v) / a.correction + a.eps;
    store<f32>(a.outParam + q, load<f32>(a.param + q) + (m * a.step) / denom);
  }
}

/**
 * The sum of one channel of x [batch, channels, plane] over the batch and the plane (a
 * convolution's bias gradient), accumulated in double like the TypeScript reduction and
 * rounded once.
 */
export function channelSumUnit(job: usize, c: i32): void {
  const a = changetype<ChannelSumArgs>(job);
  let lo = f64x2.splat(0);
  let hi = f64x2.splat(0);
  let tail: f64 = 0;
  for (let n = 0; n < a.batch; n++) {
    const row = a.x + (<usize>((n * a.channels + c) * a.plane) << 2);
    let i = 0;
    for (; i + 4 <= a.plane; i += 4) {
      const v = v128.load(row + (<usize>i << 2));
      lo = f64x2.add(lo, f64x2.promote_low_f32x4(v));
      hi = f64x2.add(hi, f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1)));
    }
    for (; i < a.plane; i++) tail += <f64>load<f32>(row + (<usize>i << 2));
  }
  const sum = f64x2.add(lo, hi);
  store<f32>(a.out + (<usize>c << 2), <f32>(f64x2.extract_lane(sum, 0) + f64x2.extract_lane(sum, 1) + tail));
}

/**
 * A float32 add, sub, mul or div (arguments: BinaryArgs), bit for bit the TypeScript kernel's:
 * a float32 operation rounds once, and JavaScript's double result rounded to float32 is the
 * same number (a double holds more than twice float32's precision). A unit is a run of output
 * elements, walked row by row. The op is chosen inside the loop, a branch that always goes the
 * same way: the loop waits on memory, and one loop per op would make the module larger.
 */
export function binaryUnit(job: usize, u: i32): void {
  const args = changetype<BinaryArgs>(job);
  const op = args.op;
  const len = args.len;
  const aStep = args.aStep;
  const bStep = args.bStep;
  const end = min(args.n, (u + 1) * args.perUnit);
  let e = u * args.perUnit;
  while (e < end) {
    const r = e / len;
    const i = e - r * len;
    const count = min(len - i, end - e);
    const a = args.a + (<usize>(r * args.aRow + i * aStep) << 2);
    const b = args.b + (<usize>(r * args.bRow + i * bStep) << 2);
    const out = args.out + (<usize>e << 2);
    // A step of 0 repeats one value: loaded once, splatted.
    const aOne = v128.load32_splat(a);
    const bOne = v128.load32_splat(b);
    let j = 0;
    for (; j + 4 <= count; j += 4) {
      const q = <usize>j << 2;
      const x = aStep !== 0 ? v128.load(a + q) : aOne;
      const y = bStep !== 0 ? v128.load(b + q) : bOne;
      v128.store(out + q, apply(op, x, y));
    }
    for (; j < count; j++) {
      const x = load<f32>(a + (<usize>(j * aStep) << 2));
      const y = load<f32>(b + (<usize>(j * bStep) << 2));
      store<f32>(out + (<usize>j << 2), applyScalar(op, x, y));
    }
    e += count;
  }
}

@inline
function apply(op: i32, x: v128, y: v128): v128 {
  if (op === BINARY_ADD) return f32x4.add(x, y);
  if (op === BINARY_SUB) return f32x4.sub(x, y);
  if (op === BINARY_MUL) return f32x4.mul(x, y);
  return f32x4.div(x, y);
}

@inline
function applyScalar(op: i32, x: f32, y: f32): f32 {
  if (op === BINARY_ADD) return x + y;
  if (op === BINARY_SUB) return x - y;
  if (op === BINARY_MUL) return x * y;
  return x / y;
}
