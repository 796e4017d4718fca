import { MapArgs } from './args';

/** Element-wise maps, the same bit for bit as the TypeScript kernels of elementwise.ts. */
export const MAP_RELU = 1;
export const MAP_RELU_BACKWARD = 2;

export function mapUnit(job: usize, u: i32): void {
  const args = changetype<MapArgs>(job);
  const start = u * args.perUnit;
  const end = min(args.n, start + args.perUnit);
  if (args.op === MAP_RELU) relu(args.a, args.out, start, end);
  else if (args.op === MAP_RELU_BACKWARD) reluBackward(args.a, args.b, args.out, start, end);
}

/** max(x, 0) with NaN kept and −0 made +0: x where x > 0 or x is NaN, else +0. */
function relu(x: usize, out: usize, start: i32, end: i32): void {
  const zero = f32x4.splat(0);
  let i = start;
  for (; i + 4 <= end; i += 4) {
    const q = <usize>i << 2;
    const v = v128.load(x + q);
    const keep = v128.or(f32x4.gt(v, zero), f32x4.ne(v, v));
    v128.store(out + q, v128.and(v, keep));
  }
  for (; i < end; i++) {
    const q = <usize>i << 2;
    const v = load<f32>(x + q);
    store<f32>(out + q, v > 0 || v != v ? v : 0);
  }
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
