/**
 * Small tensors made from host data stay on the host (host-storage.ts), and element-wise ops on
 * them run there (kernels/host-binary.ts). Their results must be the GPU kernels' results, bit
 * for bit: every host op is compared with the same op on a backend that keeps everything on the
 * GPU, over every pair of edge values and through broadcasting.
 */
import type { BinaryOp, DType, KernelTensor, Shape } from '@stride/core';
import { add, gather, registerBackend, StrideError, setBackend, tensor } from '@stride/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GpuStorage, WebGpuBackend } from '../src/index.js';
import { makeBackend, recordBrokenKernel } from './helpers.js';

let host: WebGpuBackend;
let gpu: WebGpuBackend;

beforeAll(async () => {
  host = await makeBackend();
  gpu = await makeBackend({ hostMaxElements: 0 });
});
afterAll(() => {
  host.destroy?.();
  gpu.destroy?.();
});

type Values = Float32Array | Int32Array | Uint8Array;

function put(b: WebGpuBackend, values: Values, dtype: DType, shape: Shape) {
  return { storage: b.upload(values, dtype), shape, dtype } as KernelTensor<GpuStorage>;
}

/** The 32-bit words of op(a, b) on backend `b`, and how many dispatches it took. */
async function run(
  b: WebGpuBackend,
  op: BinaryOp,
  dtype: DType,
  a: Values,
  aShape: Shape,
  c: Values,
  cShape: Shape,
  outShape: Shape,
) {
  const x = put(b, a, dtype, aShape);
  const y = put(b, c, dtype, cShape);
  const before = b.counters();
  const out = b.binary(op, x, y, outShape);
  const dispatches = b.counters(before).dispatches;
  const size = outShape.reduce((p, d) => p * d, 1);
  const outDtype = ['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'and', 'or', 'xor'].includes(op)
    ? 'bool'
    : dtype;
  const values = await b.read(out, outDtype, size);
  for (const s of [x.storage, y.storage, out]) b.free(s);
  const words =
    values instanceof Float32Array || values instanceof Int32Array
      ? Array.from(new Uint32Array(values.buffer, values.byteOffset, values.length))
      : Array.from(values);
  return { words, values: Array.from(values), dispatches };
}

// Normal numbers only: a GPU may flush subnormal ones to zero, where the host keeps them.
const FLOATS = Float32Array.of(
  0,
  -0,
  1,
  -1,
  0.5,
  3,
  -7.25,
  1e-3,
  3e38,
  -3e38,
  Infinity,
  -Infinity,
  NaN,
);
const INTS = Int32Array.of(0, 1, -1, 7, -8, 12345, 2147483647, -2147483648);
const BOOLS = Uint8Array.of(0, 1);
const CASES: [DType, Values, BinaryOp[]][] = [
  ['float32', FLOATS, ['add', 'sub', 'mul', 'maximum', 'minimum']],
  ['int32', INTS, ['add', 'sub', 'mul', 'maximum', 'minimum']],
  ['bool', BOOLS, ['add', 'sub', 'mul', 'maximum', 'minimum']],
];
const LOGICAL: BinaryOp[] = ['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'and', 'or', 'xor'];

describe('element-wise ops on the host', () => {
  for (const [dtype, values, ops] of CASES) {
    for (const op of [...ops, ...LOGICAL]) {
      it(`${op} on ${dtype}: every pair of edge values as on the GPU, with no launch`, async () => {
        // [n, 1] against [1, n]: every pair, through the broadcasting walk.
        const n = values.length;
        const args = [values, [n, 1], values, [1, n], [n, n]] as const;
        const onHost = await run(host, op, dtype, ...args);
        const onGpu = await run(gpu, op, dtype, ...args);
        expect(onHost.dispatches).toBe(0);
        expect(onGpu.dispatches).toBe(1);
        expect(onHost.words).toEqual(onGpu.words);
      });
    }
  }

  it('div: as on the GPU, within its rounding of division', async () => {
    const n = FLOATS.length;
    const args = [FLOATS, [n, 1], FLOATS, [1, n], [n, n]] as const;
    const onHost = await run(host, 'div', 'float32', ...args);
    const onGpu = await run(gpu, 'div', 'float32', ...args);
    expect(onHost.dispatches).toBe(0);
    onHost.values.forEach((h, i) => {
      const g = onGpu.values[i] as number;
      if (Number.isNaN(g) || !Number.isFinite(g)) expect(h).toBe(g);
      // A subnormal quotient (1e-3 / 3e38) may be flushed to zero on the GPU.
      else expect(Math.abs(h - g)).toBeLessThanOrEqual(3e-7 * Math.abs(g) + 1.2e-38);
    });
  });

  it('broadcasts a single value and walks uneven shapes like the GPU', async () => {
    const a = Float32Array.from({ length: 24 }, (_, i) => i * 0.37 - 3);
    const b = Float32Array.of(1.5, -2, 0.25, 8);
    const cases: [Shape, Values, Shape, Shape][] = [
      [[24], Float32Array.of(0.1), [1], [24]],
      [[2, 3, 4], b, [4], [2, 3, 4]],
      [[2, 3, 4], Float32Array.of(1, 2), [2, 1, 1], [2, 3, 4]],
      [[3, 1, 8], b, [4, 1], [3, 4, 8]],
    ];
    for (const [aShape, c, cShape, outShape] of cases) {
      const x = aShape.length === 3 && aShape[1] === 1 ? a.slice(0, 24) : a;
      const onHost = await run(host, 'sub', 'float32', x, aShape, c, cShape, outShape);
      const onGpu = await run(gpu, 'sub', 'float32', x, aShape, c, cShape, outShape);
      expect(onHost.dispatches).toBe(0);
      expect(onHost.words).toEqual(onGpu.words);
    }
  });

  it('pow and mod, and tensors past hostMaxElements, run on the GPU', async () => {
    const small = Float32Array.of(2, 3);
    expect((await run(host, 'pow', 'float32', small, [2], small, [2], [2])).dispatches).toBe(1);
    expect((await run(host, 'mod', 'float32', small, [2], small, [2], [2])).dispatches).toBe(1);
    const big = new Float32Array(1025).fill(1);
    const sum = await run(host, 'add', 'float32', big, [1025], big, [1025], [1025]);
    expect(sum.dispatches).toBe(1);
    expect(sum.values.every((v) => v === 2)).toBe(true);
  });
});

describe('storages on the host', () => {
  it('a chain of 100 scalar adds launches nothing, uploads nothing, and reads without the GPU', async () => {
    const one = host.upload(Float32Array.of(1), 'float32');
    let x = host.upload(Float32Array.of(0.5), 'float32');
    const before = host.counters();
    for (let i = 0; i < 100; i++) {
      const y = host.binary(
        'add',
        { storage: x, shape: [1], dtype: 'float32' },
        { storage: one, shape: [1], dtype: 'float32' },
        [1],
      );
      host.free(x);
      x = y;
    }
    expect(Array.from(await host.read(x, 'float32', 1))).toEqual([100.5]);
    const counts = host.counters(before);
    expect(counts.dispatches).toBe(0);
    expect(counts.uploadBytes).toBe(0);
    expect(counts.submits).toBe(0);
    host.free(x);
    host.free(one);
  });

  it('uploads once, when a GPU kernel first binds it, and keeps its values from the upload', async () => {
    const source = Float32Array.of(1, -2, 3);
    const s = host.upload(source, 'float32');
    source[0] = 99; // the storage holds a copy
    const before = host.counters();
    const t = { storage: s, shape: [3], dtype: 'float32' } as const;
    const neg = host.unary('neg', t);
    const abs = host.unary('abs', t);
    const counts = host.counters(before);
    expect(counts.uploadBytes).toBe(12);
    expect(counts.dispatches).toBe(2);
    expect(Array.from(await host.read(neg, 'float32', 3))).toEqual([-1, 2, -3]);
    expect(Array.from(await host.read(abs, 'float32', 3))).toEqual([1, 2, 3]);
    expect(Array.from(await host.read(s, 'float32', 3))).toEqual([1, -2, 3]);
    for (const x of [s, neg, abs]) host.free(x);
  });

  it('are counted as storages, and one no GPU command needed gives no buffer back', async () => {
    const start = host.storageStats();
    const live = host.context.stats().pool.liveBuffers;
    const s = host.upload(new Float32Array(100), 'float32');
    // Counted at the size class its buffer will have: 400 bytes take the 448-byte class.
    expect(host.storageStats()).toEqual({ count: start.count + 1, bytes: start.bytes + 448 });
    expect(host.context.stats().pool.liveBuffers).toBe(live);
    host.free(s);
    expect(host.storageStats()).toEqual(start);
    expect(host.context.stats().pool.liveBuffers).toBe(live);
  });

  it.each([{ debug: false }, { debug: true }])(
    'a read of one still reports a GPU error of the work before it (debug: $debug)',
    async ({ debug }) => {
      const b = await makeBackend({ debug });
      const small = b.upload(Float32Array.of(4), 'float32');
      recordBrokenKernel(b);
      const error = await b.read(small, 'float32', 1).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(StrideError);
      expect((error as StrideError).fn).toBe('broken');
      // Outside debug mode the encoder that held the broken kernel fails too, at that read's
      // submission: a sync reports that one. Then the host storage reads on the host again.
      await b.sync().catch(() => undefined);
      expect(Array.from(await b.read(small, 'float32', 1))).toEqual([4]);
      const before = b.counters();
      expect(Array.from(await b.read(small, 'float32', 1))).toEqual([4]);
      expect(b.counters(before).submits).toBe(0);
      b.destroy?.();
    },
  );

  it('a read of one still reports an index check that failed before it', async () => {
    registerBackend(host);
    await setBackend('webgpu');
    const x = tensor([[1, 2, 3]]);
    const bad = gather(x, 1, tensor(Int32Array.of(0, 5), { shape: [1, 2] }));
    const sum = add(tensor([1]), tensor([2]));
    const error = await sum.data().then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StrideError);
    expect((error as StrideError).message).toMatch(/gather.*5/);
    expect(Array.from(await sum.data())).toEqual([3]);
    for (const t of [x, bad, sum]) t.dispose();
  });
});
