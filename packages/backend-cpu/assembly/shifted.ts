import { PadArgs, ShiftedConvArgs } from './args';
import { padPlanes } from './direct';
import { gemmWorkBytes, inPlaceFits, packedWeightFloats, sgemmInPlace, sgemmShifted } from './gemm';
import { addScalar, fill, reluRun } from './vector';

/**
 * Convolution without im2col. The input planes are first copied into zero-padded phase planes
 * (padUnit in direct.ts): at stride 1 one plane Wp = OW + (KW − 1)·dw wide, where output position
 * j = oh·Wp + ow reads kernel tap (c, kh, kw) at j + c·planeStride + kh·dh·Wp + kw·dw; at other
 * strides each tap reads one phase plane of its channel, at a shift of its own. Either way row p
 * of the im2col matrix is just the planes shifted by a per-tap offset: the GEMM packs its B
 * operand with plain vector copies of the output columns only (sgemmShifted), or, for at most
 * six output channels, reads it where it lies (sgemmInPlace), and writes the output in place.
 *
 * A unit is image n, group g, output rows [r0, r1) (arguments: ShiftedConvArgs). Where an image's
 * output rows are one unit and its planes are small, the unit pads them itself into its work area
 * (`pad`), while they stay in cache, instead of a pad job padding every image first. `weights` holds
 * each group's [og, ck] weights (ck = (inChannels / groups)·taps) as packWeights packed them,
 * once for every unit; `bias` is 0 or one value per output channel, added on the way out. A
 * thread's work area holds the GEMM's packing space.
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
  const P = OH * OW;
  let planes = args.padded + (<usize>((n * inChannels + g * cg) * args.planeStride) << 2);
  if (args.pad !== 0) {
    const pad = changetype<PadArgs>(args.pad);
    const q0 = (n * inChannels + g * cg) * pad.phases;
    const count = cg * pad.phases;
    planes = work + <usize>gemmWorkBytes();
    padPlanes(pad, q0, q0 + count, planes);
    // The GEMM reads up to a row and a panel past the last plane, into lanes it never stores.
    fill(planes + (<usize>(count * pad.dstPlaneStride) << 2), 0, pad.dstW + 16);
  }
  const base = planes + (<usize>(r0 * Wp) << 2);
  const a = args.weights + (<usize>(g * packedWeightFloats(og, ck)) << 2);
  const out = args.out + (<usize>((n * outChannels + g * og) * P + r0 * OW) << 2);
  const count = (r1 - r0) * OW;
  const inPlace = inPlaceFits(og, ck, OW);
  if (inPlace) {
    const rowBias = bias !== 0 ? bias + (<usize>(g * og) << 2) : 0;
    sgemmInPlace(og, count, ck, a, base, args.offsets, OW, Wp, out, P, rowBias, work);
  } else sgemmShifted(og, count, ck, a, base, args.offsets, OW, Wp, out, P, work);
  // Adding a zero bias would still turn −0 into +0: nothing is added when there is none. The
  // relu runs on the unit's rows while they are still in cache.
  const addBias = bias !== 0 && !inPlace;
  const relu = args.relu !== 0;
  if (addBias || relu) {
    for (let o = 0; o < og; o++) {
      const row = out + (<usize>(o * P) << 2);
      if (addBias) addScalar(row, row, load<f32>(bias + (<usize>(g * og + o) << 2)), count);
      if (relu) reluRun(row, row, count);
    }
  }
}
