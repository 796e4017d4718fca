/**
 * The FMA ceiling's kernel does the arithmetic it is timed for: every chain runs `n` dependent
 * multiply-adds `acc = acc · m + c`, checked on the accumulated values of a tiny count, on this
 * thread and on worker threads. No timing is asserted.
 */
import { setFlagsFromString } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { ceilingModule, flopsPerCall, instantiate, supported } from '../src/ceiling/kernel.js';
import { startCeilingPool } from '../src/ceiling/threads.js';

// Node 20 compiles relaxed SIMD behind this flag (set before any module is compiled); Node 22+
// has it on by default.
setFlagsFromString('--experimental-wasm-relaxed-simd');

/** Chain i starts at i: after n steps of acc·m + c it holds i·mⁿ + c·(1 − mⁿ)/(1 − m). */
function expected(chains: number, n: number, m: number, c: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < chains; i++) {
    const v = i * m ** n + (c * (1 - m ** n)) / (1 - m);
    out.push(v, v, v, v);
  }
  return out;
}

describe('the FMA ceiling kernel', () => {
  it('is a valid module in both variants', () => {
    expect(supported('simd128')).toBe(true);
    expect(supported('relaxed')).toBe(true);
    expect(WebAssembly.validate(ceilingModule('relaxed', 20) as BufferSource)).toBe(true);
    expect(() => ceilingModule('relaxed', 0)).toThrow(
      /chains must be an integer in 1\.\.64, got 0/,
    );
  });

  for (const variant of ['relaxed', 'simd128'] as const) {
    it(`${variant}: every chain runs n multiply-adds`, () => {
      const k = instantiate(variant, 12, 0.5, 1);
      // Powers of two: every intermediate is exact in float32, fused or not.
      expect(Array.from(k.run(3))).toEqual(expected(12, 3, 0.5, 1));
      expect(Array.from(k.run(0))).toEqual(expected(12, 0, 0.5, 1));
      expect(Array.from(k.run(1))).toEqual(expected(12, 1, 0.5, 1));
      const k2 = instantiate(variant, 3, 2, -1);
      expect(Array.from(k2.run(4))).toEqual(expected(3, 4, 2, -1));
    });
  }

  it('counts 8 FLOPs per chain and iteration (4 lanes, a multiply and an add)', () => {
    expect(flopsPerCall(1000, 12)).toBe(96_000);
  });

  it('runs on worker threads, each thread computing the same chains', async () => {
    const pool = await startCeilingPool('relaxed', 2, { chains: 4, warmMs: 5 });
    try {
      const results = await pool.run(5);
      expect(results).toHaveLength(2);
      for (const r of results) expect(Array.from(r)).toEqual(expected(4, 5, 0.5, 1));
      // Again: nothing carries over between calls.
      const again = await pool.run(2);
      for (const r of again) expect(Array.from(r)).toEqual(expected(4, 2, 0.5, 1));
    } finally {
      await pool.close();
    }
  });
});
