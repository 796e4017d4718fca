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
  for (; i < count; i++) {
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

/**
 * dst[i] = relu(src[i]) (dst may be src): src where it is positive or NaN, else +0. In vectors,
 * pmax(v, 0) is `v < 0 ? 0 : v` (one maxps on x86), which keeps NaN but also −0; adding +0 then
 * makes −0 +0 and changes nothing else.
 */
export function reluRun(dst: usize, src: usize, count: i32): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= count; i += 4) {
    const o = <usize>i << 2;
    v128.store(dst + o, f32x4.add(f32x4.pmax(v128.load(src + o), zero), zero));
  }
  for (; i < count; i++) {
    const o = <usize>i << 2;
    const v = load<f32>(src + o);
    store<f32>(dst + o, v > 0 || v != v ? v : 0);
  }
}
