/**
 * Index math for kernels that read or write through strides: broadcasting (stride 0), strided
 * views (any stride, negative for flips, plus an offset) and scatters. The host coalesces the
 * iteration space (drops axes of length 1, merges axes every operand walks as one), so a
 * same-shape element-wise op is rank 1 and needs no division at all; the shader gets the shape,
 * the strides and the offsets as uniform words, and its code depends only on the rank and the
 * number of operands, never on the sizes.
 */
import { broadcastStrides, coalesce, type Shape } from '@stride/core';

/** How one operand is addressed: flat position = offset + Σ coordinate[d] · strides[d]. */
export interface StridedOperand {
  /** The step in elements per unit of each coordinate (0 broadcasts, negative walks backwards). */
  readonly strides: readonly number[];
  /** The flat position of coordinate zero. */
  readonly offset: number;
}

/** A coalesced iteration space (rank ≥ 1) and each operand's strides over it. */
export interface IndexPlan {
  /** The coalesced iteration shape. */
  readonly shape: readonly number[];
  /** Each operand, in the order given to `planIndex`, with its strides over `shape`. */
  readonly operands: readonly StridedOperand[];
}

/** Strides reading a dense tensor of `shape` broadcast to `outShape` (NumPy rules). */
export function broadcastOperand(shape: Shape, outShape: Shape): StridedOperand {
  return { strides: broadcastStrides(shape, outShape), offset: 0 };
}

/**
 * Coalesces the iteration space `shape` for `operands`. The invocation's own linear index `i`
 * (row-major over `shape`) is always a valid contiguous operand, so it needs no entry.
 */
export function planIndex(shape: Shape, operands: readonly StridedOperand[]): IndexPlan {
  const c = coalesce(
    shape,
    operands.map((o) => o.strides),
  );
  return {
    shape: c.shape,
    operands: operands.map((o, k) => ({ strides: c.strides[k], offset: o.offset })),
  };
}

/** The plan's uniform words: shape[R], then each operand's strides[R], then the offsets[M]. */
export function indexWords(plan: IndexPlan): number[] {
  const words = [...plan.shape];
  for (const o of plan.operands) words.push(...o.strides);
  for (const o of plan.operands) words.push(o.offset);
  return words;
}

/** How many words `indexWords` returns for a plan of `rank` and `operands`. */
export function indexWordCount(rank: number, operands: number): number {
  return rank * (operands + 1) + operands;
}

/**
 * WGSL `fn <name>(i: u32) -> array<i32, M>`: each of `m` operands' flat position for linear
 * index `i` in a plan of rank `r`, reading the plan's words (`indexWords`) from uniform word
 * `first` on (needs `uniforms()` declared).
 */
export function indexWgsl(r: number, m: number, first: number, name = 'offsets'): string {
  const strideAt = (k: string, d: string) => `iword(${first + r}u + ${k} * ${r}u + ${d})`;
  const walk =
    r === 1
      ? // Rank 1 (every same-shape element-wise op): no division.
        `for (var k = 0u; k < ${m}u; k++) { o[k] += i32(i) * ${strideAt('k', '0u')}; }`
      : `var rest = i;
  for (var d = ${r}u; d > 0u; d--) {
    let dim = word(${first}u + d - 1u);
    let c = i32(rest % dim);
    rest = rest / dim;
    for (var k = 0u; k < ${m}u; k++) { o[k] += c * ${strideAt('k', 'd - 1u')}; }
  }`;
  return `fn ${name}(i: u32) -> array<i32, ${m}> {
  var o: array<i32, ${m}>;
  for (var k = 0u; k < ${m}u; k++) { o[k] = iword(${first + r * (m + 1)}u + k); }
  ${walk}
  return o;
}`;
}
