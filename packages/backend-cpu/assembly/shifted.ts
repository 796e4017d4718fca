import { gemmWorkBytes, sgemmShifted } from './gemm';
import { addScalar, copy } from './vector';

/**
 * Stride-1 convolution without im2col. The input planes are first copied into zero-padded
 * planes Wp = OW + (KW − 1)·dw wide (padUnit in direct.ts). On that grid, output position
 * j = oh·Wp + ow reads kernel tap (c, kh, kw) at j + c·planeStride + kh·dh·Wp + kw·dw, so row p
 * of the im2col matrix is just the padded planes shifted by a per-tap offset: the GEMM packs its
 * B operand with plain vector copies. It computes the Wp − OW extra columns of each row too
 * (a (KW − 1)·dw / Wp share of the work), and the unit then keeps the first OW of each row.
 *
 * A unit is image n, group g, output rows [r0, r1). Arguments: [kind, units, batch, inChannels,
 * outChannels, groups, offsets, padded, planeStride, weights, out, OH, OW, Wp, rowsPerUnit,
 * rowBlocks, work, workBytes, ck, bias]. `weights` is [outChannels, ck] (per group, ck =
 * (inChannels / groups)·taps); `bias` is 0 or one value per output channel, added on the way out. A thread's work area holds the GEMM's packing space, then the [og, rows·Wp]
 * block on the padded grid.
 */
export function shiftedConvUnit(job: usize, u: i32, tid: i32): void {
  const inChannels = load<i32>(job, 12);
  const outChannels = load<i32>(job, 16);
  const groups = load<i32>(job, 20);
  const offsets = <usize>load<i32>(job, 24);
  const padded = <usize>load<i32>(job, 28);
  const planeStride = load<i32>(job, 32);
  const weights = <usize>load<i32>(job, 36);
  const out = <usize>load<i32>(job, 40);
  const OH = load<i32>(job, 44);
  const OW = load<i32>(job, 48);
  const Wp = load<i32>(job, 52);
  const rowsPerUnit = load<i32>(job, 56);
  const rowBlocks = load<i32>(job, 60);
  const work = <usize>load<i32>(job, 64) + <usize>tid * <usize>load<i32>(job, 68);
  const ck = load<i32>(job, 72);
  const bias = <usize>load<i32>(job, 76);
  const cg = inChannels / groups;
  const og = outChannels / groups;
  const n = u / (groups * rowBlocks);
  const g = (u / rowBlocks) % groups;
  const r0 = (u % rowBlocks) * rowsPerUnit;
  const r1 = min(OH, r0 + rowsPerUnit);
  const J = (r1 - r0) * Wp;
  const block = work + <usize>gemmWorkBytes();
  const base = padded + (<usize>((n * inChannels + g * cg) * planeStride + r0 * Wp) << 2);
  const a = weights + (<usize>(g * og * ck) << 2);
  sgemmShifted(og, J, ck, a, ck, base, offsets, block, J, work);
  // Keep the first OW columns of each Wp-wide row, adding the bias on the way.
  for (let o = 0; o < og; o++) {
    const src = block + (<usize>(o * J) << 2);
    const dst = out + (<usize>(((n * outChannels + g * og + o) * OH + r0) * OW) << 2);
    const b: f32 = bias !== 0 ? load<f32>(bias + (<usize>(g * og + o) << 2)) : 0;
    for (let r = 0; r < r1 - r0; r++) {
      const d = dst + (<usize>(r * OW) << 2);
      const from = src + (<usize>(r * Wp) << 2);
      // Adding a zero bias would still turn −0 into +0: copy when there is none.
      if (bias !== 0) addScalar(d, from, b, OW);
      else copy(d, from, OW);
    }
  }
}
