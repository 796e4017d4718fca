/**
 * The GEMM's register tile (assembly/gemm.ts): 6×8 output values per step where the engine keeps
 * its twelve accumulators in registers, 4×8 where it does not. That depends on the engine's
 * compiler rather than on the processor (Node 24's V8 runs 6×8 at the FMA ceiling, Node 20's and
 * 22's spill it and run it at under half), so the runtime times both once, on the calling thread,
 * and keeps the faster. The results are the same bit for bit on either tile.
 */

/** The tile the GEMM runs: rows × columns of the output block each micro-kernel step holds. */
export type Tile = '4x8' | '6x8';

export interface TileExports {
  tileProbe(rows: number, reps: number, scratch: number): void;
  tileProbeBytes(): number;
  setTileRows(rows: number): void;
}

/** Micro-kernel runs per timed call: about 0.15 ms for 4×8 at 50 GFLOP/s. */
const REPS = 512;
/** Timed calls per tile, alternating, of which the fastest counts. */
const ROUNDS = 4;
/** 6×8 must be this much faster per multiply-add to be chosen (it packs A in taller panels). */
const MARGIN = 0.97;

/**
 * Times both tiles on `scratch` (tileProbeBytes() of zeros) and returns the faster. The first
 * calls may run before the engine has optimised the probe; the fastest of several rounds is the
 * optimised code's time.
 */
export function fasterTile(kernels: TileExports, scratch: number): Tile {
  const best = { 4: Number.POSITIVE_INFINITY, 6: Number.POSITIVE_INFINITY };
  for (let round = 0; round < ROUNDS; round++) {
    for (const rows of [4, 6] as const) {
      const t0 = performance.now();
      kernels.tileProbe(rows, REPS, scratch);
      best[rows] = Math.min(best[rows], performance.now() - t0);
    }
  }
  // Per multiply-add: a 6×8 call does 1.5 times the work of a 4×8 one.
  return best[6] / 1.5 < best[4] * MARGIN ? '6x8' : '4x8';
}

/** Makes `tile` the GEMM's tile for every thread sharing the kernels' memory. */
export function useTile(kernels: TileExports, tile: Tile): void {
  kernels.setTileRows(tile === '6x8' ? 6 : 4);
}
