import { afterEach, describe, expect, it, vi } from 'vitest';
import { fasterTile, type TileExports } from '../src/wasm/tile.js';

/**
 * Kernels whose probe calls take `ms(rows, call)` milliseconds of a fake clock, so the choice can
 * be checked without timing anything: `call` counts the probe calls made so far.
 */
function fakeKernels(ms: (rows: number, call: number) => number): TileExports {
  let now = 0;
  let calls = 0;
  vi.spyOn(performance, 'now').mockImplementation(() => now);
  return {
    tileProbe: (rows) => {
      now += ms(rows, calls++);
    },
    tileProbeBytes: () => 0,
    setTileRows: () => undefined,
  };
}

afterEach(() => vi.restoreAllMocks());

describe('the GEMM tile choice', () => {
  it('keeps 6×8 where it is faster per multiply-add, 4×8 where it is not', () => {
    // A 6×8 call does 1.5 times the work: 0.43 ms against 0.31 is 7% faster per multiply-add.
    expect(
      fasterTile(
        fakeKernels((r) => (r === 6 ? 0.43 : 0.31)),
        0,
        'a',
      ),
    ).toBe('6x8');
    // Node 20's V8: 6×8 at under half the rate.
    expect(
      fasterTile(
        fakeKernels((r) => (r === 6 ? 1.05 : 0.41)),
        0,
        'b',
      ),
    ).toBe('4x8');
    // As fast per multiply-add, as when another process shares the core: 6×8 stays.
    expect(
      fasterTile(
        fakeKernels((r) => (r === 6 ? 0.47 : 0.31)),
        0,
        'c',
      ),
    ).toBe('6x8');
    // 14% slower per multiply-add (0.53 ms against 0.31), as Node 24 measured on a loaded
    // machine at worst: still 6×8.
    expect(
      fasterTile(
        fakeKernels((r) => (r === 6 ? 0.53 : 0.31)),
        0,
        'c2',
      ),
    ).toBe('6x8');
    // Over 20% slower (0.58 ms against 0.31 is 25%): 4×8; Node 20's spilled 6×8 measured 40%
    // slower at best (0.65 against 0.31).
    for (const [six, build] of [
      [0.58, 'c3'],
      [0.65, 'c4'],
    ] as const) {
      expect(
        fasterTile(
          fakeKernels((r) => (r === 6 ? six : 0.31)),
          0,
          build,
        ),
      ).toBe('4x8');
    }
  });

  it('goes on timing after optimised code arrives, so that one preemption cannot decide', () => {
    // Unoptimised code for eleven pairs; the first optimised 6×8 call is preempted. Stopping at
    // twelve pairs would leave that pair the only one at optimised speed, voting 4×8.
    const kernels = fakeKernels((r, call) => {
      if (call < 22) return r === 6 ? 1.2 : 1;
      if (call === 23) return 5;
      return r === 6 ? 0.43 : 0.31;
    });
    expect(fasterTile(kernels, 0, 'g')).toBe('6x8');
  });

  it('compares only calls made after optimised code arrived', () => {
    // Unoptimised code for eleven pairs, where 6×8 looks fast; optimised, it spills (1.0 ms
    // against 0.3 per call: 2.2 times as slow per multiply-add).
    const kernels = fakeKernels((r, call) =>
      call < 22 ? (r === 6 ? 0.45 : 1) : r === 6 ? 1 : 0.3,
    );
    expect(fasterTile(kernels, 0, 'd')).toBe('4x8');
  });

  it('is not moved by preemptions, which only ever add time', () => {
    // Every other 6×8 call preempted, and every third 4×8 call.
    const kernels = fakeKernels((r, call) =>
      r === 6 ? (call % 4 === 1 ? 3 : 0.43) : call % 6 === 0 ? 2 : 0.31,
    );
    expect(fasterTile(kernels, 0, 'e')).toBe('6x8');
  });

  it('chooses once per build of the kernels', () => {
    expect(
      fasterTile(
        fakeKernels((r) => (r === 6 ? 0.43 : 0.31)),
        0,
        'f',
      ),
    ).toBe('6x8');
    const probe = vi.fn();
    const again = { tileProbe: probe, tileProbeBytes: () => 0, setTileRows: () => undefined };
    expect(fasterTile(again, 0, 'f')).toBe('6x8');
    expect(probe).not.toHaveBeenCalled();
  });
});
