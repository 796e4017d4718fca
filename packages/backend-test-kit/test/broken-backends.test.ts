/**
 * The kit against backends broken on purpose, each made by wrapping the CPU backend the way a
 * plugin author composes one (`{ ...cpu(), kernel: mine }`). Every one must fail, and the
 * failure must name the broken kernel: that is what makes the kit worth trusting.
 */
import { cpu } from '@stride/backend-cpu';
import {
  add,
  type Backend,
  getBackend,
  type KernelTensor,
  registerBackend,
  setBackend,
  type TypedArray,
  tensor,
} from '@stride/core';
import { afterAll, describe, expect, it } from 'vitest';
import { checkBackend, checkFixture, type KernelFinding } from '../src/index.js';

const base = cpu({ threads: 1 });
afterAll(() => base.destroy());

/** The CPU backend under another name with some kernels replaced. */
function broken(name: string, kernels: Partial<Backend<TypedArray>>): Backend {
  return { ...base, name, ...kernels } as Backend;
}

/** The CPU's input gradient of a convolution plus 1e-3 everywhere: plausible, and wrong. */
const offByOneThousandth: Backend<TypedArray>['convBackwardInput'] = (dy, w, xShape, params) => {
  const dx = base.convBackwardInput(dy, w, xShape, params);
  for (let i = 0; i < dx.length; i++) dx[i] = (dx[i] as number) + 1e-3;
  return dx;
};

const kernelsOf = (report: readonly KernelFinding[]): string[] =>
  [...new Set(report.map((f) => f.kernel))].sort();

describe('checkBackend', () => {
  it('passes the CPU backend, and composing it with a spread keeps it passing', async () => {
    expect(await checkBackend(base)).toEqual([]);
    expect(await checkBackend({ ...base, name: 'cpu-spread' } as Backend)).toEqual([]);
  });

  it('leaves the backend the caller registered under the same name as it was', async () => {
    const mine = cpu({ threads: 1 });
    registerBackend(mine);
    await setBackend('cpu');
    const a = tensor([1, 2]);
    expect(await checkBackend(cpu({ threads: 1 }))).toEqual([]);
    expect(getBackend()).toBe(mine);
    expect(await add(a, tensor([1, 1])).array()).toEqual([2, 3]);
    mine.destroy();
  });

  it('names maxPool when it leaks a scratch storage', async () => {
    const leaky = broken('leaky-max-pool', {
      maxPool: (x, params) => {
        base.upload(new Float32Array(16), 'float32'); // scratch, never freed
        return base.maxPool(x, params);
      },
    });
    const report = await checkBackend(leaky);
    // The direct checks and the training loop both name it; the loop's count also rises.
    expect(kernelsOf(report)).toEqual(['backend', 'maxPool']);
    const first = report.find((f) => f.kernel === 'maxPool');
    expect(first?.message).toMatch(
      /^kernel maxPool: a call left 1 storage\(s\) behind: storageStats\(\)\.count rose by 3 \(\d+ → \d+, \d+ bytes\) but the call returned 2 \(in kernel maxPool \(3×3 windows, stride 2, padding 1: values and plane indices\)\)$/,
    );
    expect(report.find((f) => f.kernel === 'backend')?.message).toMatch(
      /^backend: storageStats\(\)\.count over 4 training steps went (\d+) → \d+ → \d+ → \d+ → \d+ \(it must stay flat; kernels run: .*maxPool/,
    );
  });

  it('names convBackwardInput when its gradient is off by 1e-3', async () => {
    const offByEpsilon = broken('off-by-epsilon', { convBackwardInput: offByOneThousandth });
    const report = await checkBackend(offByEpsilon);
    expect(kernelsOf(report)).toEqual(['convBackwardInput']);
    expect(report).toHaveLength(3); // every conv case: 1-d, 2-d and 3-d
    expect(report[0]?.message).toMatch(
      /^kernel convBackwardInput \(1-d, stride 2, padding 1, dilation 2\): dx: \d+ of 36 elements differ; worst at \[[\d,]+\]: got .*\|diff\| 1\.000e-3/,
    );
  });

  it('names matmul (transposeB) when the flag is ignored for b', async () => {
    // Reads b as if it were not transposed: right shape, wrong numbers.
    const ignoresTransposeB = broken('ignores-transposeB', {
      matmul: (a, b, transposeA, transposeB) => {
        const [bb, n, k] = b.shape as [number, number, number];
        const asIs: KernelTensor<TypedArray> = transposeB ? { ...b, shape: [bb, k, n] } : b;
        return base.matmul(a, asIs, transposeA, false);
      },
    });
    const report = await checkBackend(ignoresTransposeB);
    expect(kernelsOf(report)).toEqual(['matmul']);
    expect(report.map((f) => f.message.slice(0, f.message.indexOf(':')))).toEqual([
      'kernel matmul (transposeB)',
      'kernel matmul (transposeA and transposeB)',
      'kernel matmul (b batch of 1 broadcast against 2, transposeB)',
    ]);
  });

  it('names reduce on a non-last axis when it sums contiguous runs instead', async () => {
    // Treats the reduced elements as if they were adjacent in memory: right only on the last axes.
    const contiguous = broken('contiguous-reduce', {
      reduce: (op, x, axes) => {
        const size = x.shape.reduce((p, d) => p * d, 1);
        const run = axes.reduce((p, a) => p * (x.shape[a] as number), 1);
        return base.reduce(op, { ...x, shape: [size / run, run] }, [1]);
      },
    });
    const report = await checkBackend(contiguous, { trainingLoop: false });
    expect(kernelsOf(report)).toEqual(['reduce']);
    const titles = report.map((f) => f.message.slice(0, f.message.indexOf(':')));
    expect(titles).toContain('kernel reduce (sum over axes [0] of [2,3,4])');
    expect(titles).toContain('kernel reduce (sum over axes [1] of [2,3,4])');
    expect(titles).toContain('kernel reduce (argmax over axis 1 of [2,3,4] (first of ties))');
    // Reducing the last axes is right, so those checks pass.
    expect(titles).not.toContain('kernel reduce (sum over axes [2] of [2,3,4])');
    expect(titles).not.toContain('kernel reduce (sum over axes [1,2] of [2,3,4])');
  });

  it('names matmul, not free, when it leaks a storage and returns one the backend does not count', async () => {
    const uncounted = broken('uncounted-matmul', {
      matmul: (a, b, ta, tb) => {
        const out = base.matmul(a, b, ta, tb); // counted, and never freed
        return Float32Array.from(out); // a copy the CPU backend never counted
      },
    });
    const report = await checkBackend(uncounted, { trainingLoop: false });
    expect(kernelsOf(report)).toEqual(['matmul']);
    expect(report[0]?.message).toMatch(
      /^kernel matmul: a call returned a storage \(Float32Array\(\d+\)\) that free does not release, though free releases an upload of the same kind/,
    );
  });

  it('names free when it ignores int32 storages', async () => {
    const keepsInt32 = broken('keeps-int32', {
      free: (storage) => {
        if (!(storage instanceof Int32Array)) base.free(storage);
      },
    });
    const report = await checkBackend(keepsInt32, { trainingLoop: false });
    expect(kernelsOf(report)).toEqual(['free']);
    // Named by the direct check of free, and by the proxy wherever an int32 storage was freed.
    const direct = report.filter((f) => f.message.startsWith('kernel free (int32: '));
    expect(direct).toHaveLength(1);
    expect(direct[0]?.message).toMatch(
      /^kernel free \(int32: storageStats\(\) drops by the storage\): freeing one int32 storage left storageStats\(\) at (\d+) storages, (\d+) bytes \(before the upload: \d+, \d+\): it was not released$/,
    );
    // float32 and bool storages are released: their direct checks pass.
    expect(report.some((f) => /\((float32|bool): /.test(f.message))).toBe(false);
    expect(report[0]?.message).toMatch(
      /^kernel free: freeing a storage made by upload \(Int32Array\(6\)\) changed storageStats\(\)\.count by 0 \(\d+ → \d+\), expected -1: the storage was not released/,
    );
  });
});

describe('checkFixture', () => {
  it('lists the kernels a failing case ran and points at the failed direct check', async () => {
    const offByEpsilon = broken('off-by-epsilon-fixture', {
      convBackwardInput: offByOneThousandth,
    });
    const message = await checkFixture(offByEpsilon, 'conv1d #00');
    expect(message).toMatch(
      /^conv1d #00 .*\n {2}the direct checks of convBackwardInput failed: look there first\n {2}grad dx: \d+ of 27 elements differ; .*\(kernels run: [a-zA-Z, ]*convBackwardInput/,
    );
    expect(message).not.toMatch(/grad dw:/);
    expect(await checkFixture(base, 'conv1d #00')).toBeNull();
  });
});
