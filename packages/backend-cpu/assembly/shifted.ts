import { ShiftedConvArgs } from './args';
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
 * A unit is image n, group g, output rows [r0, r1) (arguments: ShiftedConvArgs). `weights` is
 * [outChannels, ck] (per group, ck = (inChannels / groups)·taps); `bias` is 0 or one value per
 * output channel, added on the way out. A thread's work area holds the GEMM's packing space, then the [og, rows·Wp]
 * block on the padded grid.
 */
export function shiftedConvUnit(job: usize, u: i32, tid: i32): void {
  const args = changetype<ShiftedConvArgs>(job);
  const inChannels = args.inChannels;
  const outChannels = args.outChannels;
  const groups = args.groups;
  const OH = args.OH;
  const OW = args.OW;
  const Wp = args.Wp;
  const rowBlocks = args.rowBlocks;
  const work = args.work + <usize>tid * <usize>args.workBytes;
  const ck = args.ck;
  const bias = args.bias;
  const cg = inChannels / groups;
  const og = outChannels / groups;
  const n = u / (groups * rowBlocks);
  const g = (u / rowBlocks) % groups;
  const r0 = (u % rowBlocks) * args.rowsPerUnit;
  const r1 = min(OH, r0 + args.rowsPerUnit);
  const J = (r1 - r0) * Wp;
  const block = work + <usize>gemmWorkBytes();
  const base = args.padded + (<usize>((n * inChannels + g * cg) * args.planeStride + r0 * Wp) << 2);
  const a = args.weights + (<usize>(g * og * ck) << 2);
  sgemmShifted(og, J, ck, a, ck, base, args.offsets, block, J, work);
  // Keep the first OW columns of each Wp-wide row, adding the bias on the way.
  for (let o = 0; o < og; o++) {
    const src = block + (<usize>(o * J) << 2);
    const dst = args.out + (<usize>(((n * outChannels + g * og + o) * OH + r0) * OW) << 2);
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
