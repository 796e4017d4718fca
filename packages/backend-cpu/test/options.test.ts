/**
 * `cpu()` reads its options through core's `checkOptions`: an unknown key is named with the
 * closest known one, and each value is checked against its rule before anything starts. Also
 * the storage limit the backend states.
 */
import { StrideError } from '@stride/core';
import { describe, expect, it } from 'vitest';
import { cpu } from '../src/index.js';

const KNOWN = 'the options are kernels, threads, relaxedSimd, tile, gemm';

describe('cpu() options', () => {
  it('names an unknown option and the closest known one', () => {
    expect(() => cpu({ thread: 2 } as never)).toThrow(StrideError);
    expect(() => cpu({ thread: 2 } as never)).toThrow(
      `cpu: unknown option 'thread' (did you mean 'threads'?); ${KNOWN}`,
    );
    expect(() => cpu({ relaxed_simd: false } as never)).toThrow(
      `cpu: unknown option 'relaxed_simd' (did you mean 'relaxedSimd'?); ${KNOWN}`,
    );
  });

  it('checks each value', () => {
    const bad: [object, string][] = [
      [{ threads: 0 }, "option 'threads' must be an integer ≥ 1, got 0"],
      [{ threads: 1.5 }, "option 'threads' must be an integer ≥ 1, got 1.5"],
      [{ threads: '2' }, "option 'threads' must be an integer ≥ 1, got '2'"],
      [{ kernels: 'gpu' }, "option 'kernels' must be one of 'auto', 'wasm', 'js', got 'gpu'"],
      [{ relaxedSimd: 1 }, "option 'relaxedSimd' must be a boolean, got 1"],
      [{ tile: '8x8' }, "option 'tile' must be one of 'auto', '4x8', '6x8', got '8x8'"],
      [{ gemm: 'fast' }, "option 'gemm' must be a function, got 'fast'"],
    ];
    for (const [options, message] of bad) {
      expect(() => cpu(options as never)).toThrow(`cpu: ${message}`);
    }
    expect(() => cpu(4 as never)).toThrow(
      'cpu: options must be an object such as { kernels, threads, relaxedSimd, tile, gemm }, got 4',
    );
  });

  it('takes valid options, and undefined as left out', () => {
    const b = cpu({ threads: 1, kernels: 'js', relaxedSimd: undefined });
    expect(b.kernels).toBe('js');
    expect(b.threads).toBe(1);
    expect(b.tile).toBeNull();
    b.destroy();
  });

  it('runs the GEMM tile asked for, or the faster one it timed', () => {
    for (const tile of ['4x8', '6x8'] as const) {
      const b = cpu({ threads: 1, relaxedSimd: false, tile });
      expect(b.tile).toBe(tile);
      b.destroy();
    }
    const timed = cpu({ threads: 1, relaxedSimd: false });
    expect(['4x8', '6x8']).toContain(timed.tile);
    timed.destroy();
  });
});

describe('cpu() storage limit', () => {
  it('states 4 GiB, what one typed array holds', () => {
    expect(cpu({ kernels: 'js' }).maxStorageBytes).toBe(2 ** 32);
  });
});
