/**
 * The profile report's arithmetic on hand-made V8 profiles: samples outside the window are left
 * out, each sample counts the time until the next, WebAssembly frames are named from the map, and
 * the groups add up.
 */
import { describe, expect, it } from 'vitest';
import { type CpuProfile, label, report, selfTimes } from '../src/profile-report.js';

const wasmNames = { '2': 'assembly/gemm/multiplyPanels', '4': 'assembly/im2col/col2im' };
const frame = (functionName: string, url = '') => ({ functionName, url });

/** A profile starting at `start` whose samples land on `nodes` at the given times after it. */
function profile(start: number, nodes: string[][], samples: [number, number][]): CpuProfile {
  let last = start;
  return {
    startTime: start,
    nodes: nodes.map(([fn, url], id) => ({ id, callFrame: frame(fn as string, url) })),
    samples: samples.map(([, node]) => node),
    timeDeltas: samples.map(([at]) => {
      const delta = start + at - last;
      last = start + at;
      return delta;
    }),
  };
}

describe('the profile report', () => {
  it('names WebAssembly frames from the map, JavaScript by function and file', () => {
    expect(label(frame('wasm-function[2]', 'wasm://wasm/00a1'), wasmNames)).toBe(
      'multiplyPanels (wasm)',
    );
    expect(label(frame('$wasm-function[4]', 'wasm://wasm/00a1'), wasmNames)).toBe('col2im (wasm)');
    // An index the map lacks keeps V8's name.
    expect(label(frame('wasm-function[9]', 'wasm://wasm/00a1'), wasmNames)).toBe(
      'wasm-function[9] (wasm)',
    );
    expect(label(frame('run', 'file:///x/src/wasm/runtime.ts'), wasmNames)).toBe(
      'run (runtime.ts)',
    );
    expect(label(frame('(idle)'), wasmNames)).toBe('(idle)');
  });

  it('sums the samples inside the window over every thread', () => {
    const caller = profile(
      1000,
      [['(root)'], ['wasm-function[2]', 'wasm://wasm/1'], ['matmul', 'file:///a/matmul.ts']],
      // At 1000+10 (before the window), then every 100 µs from 1100.
      [
        [10, 1],
        [100, 1],
        [200, 1],
        [300, 2],
        [400, 1],
        [500, 1],
      ],
    );
    const worker = profile(
      1050,
      [['(root)'], ['wasm-function[4]', 'wasm://wasm/1'], ['(idle)']],
      [
        [50, 1],
        [150, 2],
        [250, 2],
        [350, 1],
      ],
    );
    const { times, threads } = selfTimes([caller, worker], [1100, 1500], wasmNames);
    expect(threads).toBe(2);
    // Caller: samples at 1100, 1200 (multiplyPanels), 1300 (matmul), 1400 (multiplyPanels);
    // the one at 1500 has no successor and the one at 1010 is outside.
    expect(times.get('multiplyPanels (wasm)')).toBe(300);
    expect(times.get('matmul (matmul.ts)')).toBe(100);
    // Worker: samples at 1100 (col2im), 1200 and 1300 (idle); the one at 1400 ends the profile.
    expect(times.get('col2im (wasm)')).toBe(100);
    expect(times.get('(idle)')).toBe(200);

    const text = report(
      { id: 'row', calls: 2, ms: 0.35, backend: 'cpu, wasm-relaxed-simd', window: [1100, 1500] },
      times,
      threads,
    );
    const lines = text.split('\n');
    expect(lines[0]).toBe(
      'row: 350 µs per call (mean of 2), 2 threads sampled; thread time per call and its share:',
    );
    expect(lines).toContain('  GEMM micro-kernel                 150 µs  42.9%');
    expect(lines).toContain('  im2col / col2im                    50 µs  14.3%');
    expect(lines).toContain('  waiting for other threads         100 µs  28.6%');
    expect(lines).toContain('  JavaScript                         50 µs  14.3%');
    expect(lines).toContain('    matmul (matmul.ts)                            14.3%');
  });
});
