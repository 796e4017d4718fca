/**
 * The one place that differs between the two builds: with relaxed SIMD the multiply-add is a
 * single fused instruction where the hardware has one; without it, a multiply and an add.
 * `ASC_FEATURE_RELAXED_SIMD` is a compile-time constant, so the other branch is not emitted.
 */
@inline
export function madd(a: v128, b: v128, acc: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, acc);
  return f32x4.add(acc, f32x4.mul(a, b));
}
