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
/**
 * Timing goes on for at least this many pairs of calls and this long after the fastest 4×8 call
 * last improved by more than SETTLED (see fasterTile).
 */
const MIN_PAIRS = 12;
const MIN_MS = 10;
const MAX_PAIRS = 300;
const SETTLED = 0.9;
/**
 * 6×8 is kept unless its fastest call took this much longer per multiply-add than the fastest
 * 4×8 call. Where the engine keeps 6×8's registers, 6×8 runs 7% faster per multiply-add; where
 * it spills them, twice as slow. Fastest calls, not votes of pairs: on a loaded machine a
 * preemption lands more often on the longer 6×8 call, and votes (with a margin in 4×8's favour)
 * chose 4×8 on Node 24 in one start of three. Measured over five starts each on a loaded
 * machine, 6×8's time per multiply-add over 4×8's was 0.90–1.05 on Node 24 and 1.40–1.90 on
 * Node 20; with a margin of 1.1, one start on Node 24 still chose 4×8 (its LeNet-5 inference then
 * took 7.8 ms instead of 5.0), so the margin sits between the two ranges.
 */
const MARGIN = 1.2;

/** The choices made so far, by build of the kernels: later backends on a build get the same tile. */
const chosen = new Map<string, Tile>();

/**
 * Times both tiles on `scratch` (tileProbeBytes() of zeros) and returns the faster, once per
 * build of the kernels (`build` names it) in a process. The engine first runs the kernels
 * unoptimised and swaps in optimised code when a background compilation ends, later on a loaded
 * machine, and unoptimised code can favour the other tile. So the two tiles are timed in adjacent
 * pairs until MIN_PAIRS pairs and MIN_MS milliseconds have passed since the 4×8 time last dropped
 * (optimised code arriving), and only the fastest calls of each tile since then are compared:
 * other processes only ever add time to a call.
 */
export function fasterTile(kernels: TileExports, scratch: number, build: string): Tile {
  const known = chosen.get(build);
  if (known) return known;
  const pairs: [number, number][] = [];
  let fastest = Number.POSITIVE_INFINITY;
  let since = 0;
  let sinceMs = performance.now();
  while (
    pairs.length < MAX_PAIRS &&
    (pairs.length - since < MIN_PAIRS || performance.now() - sinceMs < MIN_MS)
  ) {
    const t0 = performance.now();
    kernels.tileProbe(4, REPS, scratch);
    const t1 = performance.now();
    kernels.tileProbe(6, REPS, scratch);
    const four = t1 - t0;
    pairs.push([four, performance.now() - t1]);
    if (four < fastest * SETTLED) {
      since = pairs.length - 1;
      sinceMs = t0;
    }
    fastest = Math.min(fastest, four);
  }
  const settled = pairs.slice(since);
  const four = Math.min(...settled.map(([f]) => f));
  const six = Math.min(...settled.map(([, s]) => s));
  // Per multiply-add: a 6×8 call does 1.5 times the work of a 4×8 one.
  const tile: Tile = six / 1.5 < four * MARGIN ? '6x8' : '4x8';
  chosen.set(build, tile);
  return tile;
}

/** Makes `tile` the GEMM's tile for every thread sharing the kernels' memory. */
export function useTile(kernels: TileExports, tile: Tile): void {
  kernels.setTileRows(tile === '6x8' ? 6 : 4);
}
