/**
 * Loops over runs of floats. Runs here are short (a row of an image, often under 32 floats),
 * where memory.fill and memory.copy cost a call into the engine each; plain vector loops are
 * several times faster.
 */

@inline
export function fill(dst: usize, value: f32, count: i32): void {
  const v = f32x4.splat(value);
  let i = 0;
  for (; i + 4 <= count; i += 4) v128.store(dst + (<usize>i << 2), v);
  for (; i < count; i++) store<f32>(dst + (<usize>i << 2), value);
}

@inline
export function copy(dst: usize, src: usize, count: i32): void {
  let i = 0;
  for (; i + 4 <= count; i += 4) {
    const o = <usize>i << 2;
    v128.store(dst + o, v128.load(src + o));
  }
  for (; i < count; i++) {
    const o = <usize>i << 2;
    store<f32>(dst + o, load<f32>(src + o));
  }
}

/** dst[i] += src[i]. */
@inline
export function addTo(dst: usize, src: usize, count: i32): void {
  let i = 0;
  for (; i + 4 <= count; i += 4) {
    const o = <usize>i << 2;
    v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
  }
  // The tail two floats at a time: col2im's runs are short (ten floats on LeNet-5's conv2).
  if (i + 2 <= count) {
    const o = <usize>i << 2;
    const sum = f32x4.add(v128.load64_zero(dst + o), v128.load64_zero(src + o));
    v128.store64_lane(dst + o, sum, 0);
    i += 2;
  }
  if (i < count) {
    const o = <usize>i << 2;
    store<f32>(dst + o, load<f32>(dst + o) + load<f32>(src + o));
  }
}

/** dst[i] = src[i] + value (dst may be src). */
@inline
export function addScalar(dst: usize, src: usize, value: f32, count: i32): void {
  const v = f32x4.splat(value);
  let i = 0;
  for (; i + 4 <= count; i += 4) {
    const o = <usize>i << 2;
    v128.store(dst + o, f32x4.add(v128.load(src + o), v));
  }
  for (; i < count; i++) {
    const o = <usize>i << 2;
    store<f32>(dst + o, load<f32>(src + o) + value);
  }
}

/** relu of four floats, as reluRun takes it. */
@inline
export function relu4(v: v128): v128 {
  // Cleared where v ≤ 0 (zeros of either sign and negatives), which a NaN never is.
  return v128.andnot(v, f32x4.le(v, f32x4.splat(0)));
}

/**
 * dst[i] = relu(src[i]) (dst may be src): src where it is positive or NaN (every bit of it kept),
 * else +0.
 */
export function reluRun(dst: usize, src: usize, count: i32): void {
  let i = 0;
  for (; i + 4 <= count; i += 4) {
    const o = <usize>i << 2;
    v128.store(dst + o, relu4(v128.load(src + o)));
  }
  for (; i < count; i++) {
    const o = <usize>i << 2;
    const v = load<f32>(src + o);
    store<f32>(dst + o, v > 0 || v != v ? v : 0);
  }
}
