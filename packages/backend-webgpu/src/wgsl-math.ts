/**
 * Scalar functions in WGSL with the semantics of C and PyTorch, for the element-wise kernels.
 *
 * WGSL's built-ins leave NaN, infinities and negative arguments of `log`/`sqrt`/`pow`
 * implementation-defined, and Vulkan only promises an absolute error of 2^-21 for `log` near 1,
 * so every edge case is spelled out and the functions that lose relative precision near zero
 * (`log` near 1, `log1p`, `expm1`, `tanh`, `erf`) use series or fitted polynomials there. NaN is
 * tested on the bits, since a driver may fold `x != x` away.
 *
 * Accuracy (float32): `erf` within 1.1e-7 absolute (polynomial fits, minimised for this); `log`,
 * `log1p`, `expm1`, `tanh`, `sigmoid`, `cos_2pi` within a few ulp; `sin`, `cos`, `tan` within a
 * few ulp up to |x| ~ 1000 (SwiftShader's built-ins are off by 2e-4); `exp` is the built-in,
 * whose relative error grows with |x| (3.8e-6 at x = 80 on SwiftShader, within the 1e-5 rule); `pow` within a few ulp for
 * small integer exponents (exact repeated squaring) and exp2(b·log2|a|) otherwise, whose
 * relative error grows with |b·log2|a|| (about 1e-6 at a result of 1e10); `mod` is
 * a - b·trunc(a/b) with a fused multiply-add, exact while |a/b| < 2^24 (the CPU's fmod is exact
 * for all quotients).
 */

/** Every helper below; kernels prepend it (the compiler drops what a kernel does not call). */
export const MATH_WGSL = `
fn is_nan_f32(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
fn is_inf_f32(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) == 0x7f800000u; }
// Built from runtime values: a constant expression may not evaluate to an infinity or NaN.
fn inf_f32() -> f32 { let bits = 0x7f800000u; return bitcast<f32>(bits); }
fn nan_f32() -> f32 { let bits = 0x7fc00000u; return bitcast<f32>(bits); }

// SwiftShader's built-in exp turns NaN into infinity.
fn exp_f32(x: f32) -> f32 {
  if (is_nan_f32(x)) { return x; }
  return exp(x);
}
// log(1 + x) = 2 atanh(s), s = x / (2 + x): for x in [-0.5, 1], |s| <= 1/3 and the odd series to
// s^17 is below float32 rounding.
fn log1p_series(x: f32) -> f32 {
  let s = x / (2.0 + x);
  let z = s * s;
  var p = 1.0 / 17.0;
  p = p * z + 1.0 / 15.0;
  p = p * z + 1.0 / 13.0;
  p = p * z + 1.0 / 11.0;
  p = p * z + 1.0 / 9.0;
  p = p * z + 1.0 / 7.0;
  p = p * z + 1.0 / 5.0;
  p = p * z + 1.0 / 3.0;
  p = p * z + 1.0;
  return 2.0 * s * p;
}
// The built-in log with C's special values.
fn log_edge(x: f32) -> f32 {
  if (is_nan_f32(x) || x < 0.0) { return nan_f32(); }
  if (x == 0.0) { return -inf_f32(); }
  if (is_inf_f32(x)) { return x; }
  return log(x);
}
fn log_f32(x: f32) -> f32 {
  // x - 1 is exact on [0.5, 2] (Sterbenz), so the series keeps full relative precision near 1.
  if (x >= 0.5 && x <= 2.0) { return log1p_series(x - 1.0); }
  return log_edge(x);
}
fn log1p_f32(x: f32) -> f32 {
  if (x >= -0.5 && x <= 1.0) { return log1p_series(x); }
  return log_edge(1.0 + x);
}
fn expm1_f32(x: f32) -> f32 {
  if (is_nan_f32(x)) { return x; }
  if (abs(x) < 0.5) {
    // Taylor to x^9: the next term is below 3e-10 of the result.
    var p = 1.0 / 362880.0;
    p = p * x + 1.0 / 40320.0;
    p = p * x + 1.0 / 5040.0;
    p = p * x + 1.0 / 720.0;
    p = p * x + 1.0 / 120.0;
    p = p * x + 1.0 / 24.0;
    p = p * x + 1.0 / 6.0;
    p = p * x + 0.5;
    return x + x * x * p;
  }
  return exp(x) - 1.0;
}
fn tanh_f32(x: f32) -> f32 {
  if (is_nan_f32(x)) { return x; }
  let a = abs(x);
  // tanh(9) rounds to 1 in float32; past it exp would overflow for no gain.
  var r = 1.0;
  if (a < 9.0) {
    let t = expm1_f32(2.0 * a);
    r = t / (t + 2.0);
  }
  return select(r, -r, x < 0.0);
}
fn sigmoid_f32(x: f32) -> f32 {
  if (is_nan_f32(x)) { return x; }
  // exp of a non-positive argument only: no overflow for large |x|.
  if (x >= 0.0) { return 1.0 / (1.0 + exp(-x)); }
  let e = exp(x);
  return e / (1.0 + e);
}
// erf(x) = x P(x^2) below 1; 1 - exp(-x^2) Q(1/x) up to 4; +-1 beyond (erfc(4) < 1.6e-8).
fn erf_f32(x: f32) -> f32 {
  if (is_nan_f32(x)) { return x; }
  let a = abs(x);
  if (a < 1.0) {
    let z = x * x;
    var p = -0.0005631963140331209;
    p = p * z + 0.004917731508612633;
    p = p * z - 0.026711519807577133;
    p = p * z + 0.11280190199613571;
    p = p * z - 0.3761232793331146;
    p = p * z + 1.1283791065216064;
    return x * p;
  }
  var r = 1.0;
  if (a < 4.0) {
    let u = 1.0 / a;
    var q = -0.01669001393020153;
    q = q * u + 0.11585225909948349;
    q = q * u - 0.34583181142807007;
    q = q * u + 0.5679160952568054;
    q = q * u - 0.5016010999679565;
    q = q * u + 0.04962862655520439;
    q = q * u + 0.5579764246940613;
    q = q * u + 0.00033313315361738205;
    r = 1.0 - exp(-a * a) * q;
  }
  return select(r, -r, x < 0.0);
}
// C pow: pow(x, 0) = pow(1, y) = 1 even for NaN; negative bases need integer exponents.
fn pow_f32(a: f32, b: f32) -> f32 {
  if (b == 0.0 || a == 1.0) { return 1.0; }
  if (is_nan_f32(a) || is_nan_f32(b)) { return nan_f32(); }
  let m = abs(a);
  if (is_inf_f32(b)) {
    if (m == 1.0) { return 1.0; }
    return select(0.0, inf_f32(), (m > 1.0) == (b > 0.0));
  }
  let integral = trunc(b) == b;
  let odd = integral && abs(b) < 16777216.0 && (i32(b) & 1) != 0;
  var r: f32;
  if (m == 0.0) {
    r = select(0.0, inf_f32(), b < 0.0);
  } else if (is_inf_f32(m)) {
    r = select(inf_f32(), 0.0, b < 0.0);
  } else if (a < 0.0 && !integral) {
    return nan_f32();
  } else if (integral && abs(b) <= 64.0) {
    // Repeated squaring: exact whenever the result is representable (3^2 is 9, not 9.000001).
    var e = u32(abs(b));
    var base = m;
    var acc = 1.0;
    loop {
      if ((e & 1u) != 0u) { acc *= base; }
      e = e >> 1u;
      if (e == 0u) { break; }
      base *= base;
    }
    r = select(acc, 1.0 / acc, b < 0.0);
  } else {
    r = exp2(b * log2(m));
  }
  // The sign bit, so that (-0)^3 is -0 and (-0)^-3 is -inf.
  let negative = (bitcast<u32>(a) >> 31u) == 1u;
  return select(r, -r, negative && odd);
}
// Floored modulo with the sign of the divisor (torch.remainder).
fn mod_f32(a: f32, b: f32) -> f32 {
  var r: f32;
  if (is_inf_f32(b) && !is_inf_f32(a) && !is_nan_f32(a)) {
    r = a;
  } else {
    r = fma(-b, trunc(a / b), a);
  }
  if (r != 0.0 && ((r < 0.0) != (b < 0.0))) { r += b; }
  return r;
}
fn mod_i32(a: i32, b: i32) -> i32 {
  // A zero divisor gives 0 (as on the CPU backend); x % -1 is 0, also for the most negative x.
  if (b == 0 || b == -1) { return 0; }
  let r = a % b;
  return select(r, r + b, r != 0 && (r ^ b) < 0);
}
fn pow_i32(a: i32, b: i32) -> i32 {
  if (b < 0) {
    if (a == 1) { return 1; }
    if (a == -1) { return select(1, -1, (b & 1) != 0); }
    return 0;
  }
  var r = 1;
  var base = a;
  var e = u32(b);
  loop {
    if (e == 0u) { break; }
    if ((e & 1u) != 0u) { r *= base; }
    base *= base;
    e = e >> 1u;
  }
  return r;
}
// float -> int32 like a typed-array store: truncate, wrap modulo 2^32, NaN and infinities to 0.
fn f32_to_i32(x: f32) -> i32 {
  if (is_nan_f32(x) || is_inf_f32(x)) { return 0; }
  let t = trunc(x);
  if (abs(t) < 2147483648.0) { return i32(t); }
  // Exact: t / 2^32 only rescales, and the difference is a multiple of t's ulp below 2^32.
  let m = t - floor(t / 4294967296.0) * 4294967296.0;
  return bitcast<i32>(u32(m));
}
// sin and cos of r in [-pi/4, pi/4] by their Taylor series (next terms below 3e-8 relative).
fn sin_poly(r: f32) -> f32 {
  let z = r * r;
  var p = 1.0 / 362880.0;
  p = p * z - 1.0 / 5040.0;
  p = p * z + 1.0 / 120.0;
  p = p * z - 1.0 / 6.0;
  return r + r * z * p;
}
fn cos_poly(r: f32) -> f32 {
  let z = r * r;
  var p = 1.0 / 40320.0;
  p = p * z - 1.0 / 720.0;
  p = p * z + 1.0 / 24.0;
  p = p * z - 0.5;
  return 1.0 + z * p;
}
// (sin x, cos x). SwiftShader's built-ins err by 2e-4 even on [-pi, pi], so: x = k pi/2 + r with
// Cody-Waite reduction (pi/2 in three parts; the first two have at most 10 significant bits, so
// k times them is exact for |k| < 2^14), then the quadrant. Measured: within 1.2e-7 of the exact
// result for |x| <= 1000, 1e-6 at 1e5; the error grows beyond (the CPU reduces exactly).
fn sincos_f32(x: f32) -> vec2<f32> {
  if (is_nan_f32(x) || is_inf_f32(x)) { return vec2<f32>(nan_f32(), nan_f32()); }
  let k = round(x * 0.6366197723675814);
  let r = ((x - k * 1.5703125) - k * 4.837512969970703e-4) - k * 7.549789954891882e-8;
  let s = sin_poly(r);
  let c = cos_poly(r);
  switch (i32(k) & 3) {
    case 0: { return vec2<f32>(s, c); }
    case 1: { return vec2<f32>(c, -s); }
    case 2: { return vec2<f32>(-s, -c); }
    default: { return vec2<f32>(-c, s); }
  }
}
fn sin_f32(x: f32) -> f32 { return sincos_f32(x).x; }
fn cos_f32(x: f32) -> f32 { return sincos_f32(x).y; }
fn tan_f32(x: f32) -> f32 {
  let v = sincos_f32(x);
  return v.x / v.y;
}
// cos(2 pi u) for u in [0, 1), reduced exactly to an angle in [0, pi/4] (the built-in cos may
// be accurate only to 2^-11 absolute), for Box-Muller.
fn cos_2pi(u: f32) -> f32 {
  var v = abs(u - round(u));
  var s = 1.0;
  if (v > 0.25) {
    v = 0.5 - v;
    s = -1.0;
  }
  if (v > 0.125) { return s * sin_poly(6.2831854820251465 * (0.25 - v)); }
  return s * cos_poly(6.2831854820251465 * v);
}
`;
