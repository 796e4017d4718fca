/**
 * The machinery under the kernels: pipeline cache, buffer pool, batched submission, reads,
 * the shared random generator, large grids, and how failures surface (device loss, debug-mode
 * validation errors, oversized buffers).
 */
import type { KernelTensor } from '@stride/core';
import { normalAt, StrideError, uniformAt } from '@stride/core';
import { describe, expect, it } from 'vitest';
import { packWords } from '../src/dispatch.js';
import {
  bindings,
  f32,
  type GpuStorage,
  gridFor,
  main,
  sizeClass,
  uniforms,
  type WebGpuBackend,
} from '../src/index.js';
import { makeBackend, recordBrokenKernel } from './helpers.js';

function t(
  storage: GpuStorage,
  shape: number[],
  dtype: 'float32' | 'int32' | 'bool' = 'float32',
): KernelTensor<GpuStorage> {
  return { storage, shape, dtype };
}

/** Runs `fn`, expecting it to throw a StrideError, and returns that error. */
function strideError(fn: () => unknown): StrideError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(StrideError);
    return e as StrideError;
  }
  throw new Error('expected a StrideError');
}

describe('pipeline cache', () => {
  it('one pipeline serves every shape of an op of the same rank', async () => {
    const b = await makeBackend({ hostMaxElements: 0 });
    const stats = () => b.context.stats().pipelines;
    const add = (sa: number[], sb: number[], so: number[]) => {
      const n = (s: number[]) => s.reduce((p, d) => p * d, 1);
      const x = b.upload(new Float32Array(n(sa)).fill(1), 'float32');
      const y = b.upload(new Float32Array(n(sb)).fill(2), 'float32');
      b.binary('add', t(x, sa), t(y, sb), so);
    };
    add([5], [5], [5]);
    const first = stats();
    // Same shapes coalesce to rank 1: one more hit each, no new pipeline.
    add([300], [300], [300]);
    add([7, 9], [7, 9], [7, 9]);
    expect(stats().pipelines).toBe(first.pipelines);
    expect(stats().hits).toBe(first.hits + 2);
    // Broadcasting of rank 3: one new pipeline, then hits for other sizes.
    add([3, 1, 5], [4, 1], [3, 4, 5]);
    add([2, 1, 6], [3, 1], [2, 3, 6]);
    expect(stats().pipelines).toBe(first.pipelines + 1);
    expect(stats().misses).toBe(first.misses + 1);
    await b.sync();
  });
});

describe('buffer pool', () => {
  it('size classes: four per octave, multiples of 4, at least 16, at most 25% waste', () => {
    expect([1, 16, 17, 20, 21, 33, 100, 1000, 4096, 4097].map((n) => sizeClass(n))).toEqual([
      16, 16, 20, 20, 24, 40, 112, 1024, 4096, 5120,
    ]);
    for (let n = 1; n < 100000; n += 997) {
      const c = sizeClass(n);
      expect(c % 4).toBe(0);
      expect(c).toBeGreaterThanOrEqual(n);
      expect(c).toBeLessThanOrEqual(Math.max(16, n * 1.25 + 4));
    }
  });

  it('reuses a freed buffer of the same size class instead of creating one', async () => {
    const b = await makeBackend({ hostMaxElements: 0 });
    const pool = () => b.context.stats().pool;
    const a = b.upload(new Float32Array(100), 'float32');
    b.free(a);
    const before = pool();
    const c = b.upload(new Float32Array(97), 'float32');
    expect(pool().created).toBe(before.created);
    expect(pool().reused).toBe(before.reused + 1);
    expect(c.buffer).toBe(a.buffer);
    // Live bytes are buffer sizes: 97 floats take the 448-byte class.
    expect(pool().liveBytes).toBe(before.liveBytes + sizeClass(400));
    b.free(c);
    b.free(c); // a second release changes nothing
    expect(pool().liveBytes).toBe(before.liveBytes);
  });

  it('keeps at most maxPooledBytes of freed buffers, evicting the oldest', async () => {
    const b = await makeBackend({ maxPooledBytes: 4096 });
    const made = Array.from({ length: 20 }, (_, i) =>
      b.upload(new Float32Array(256 + i * 64), 'float32'),
    );
    for (const s of made) b.free(s);
    const { pooledBytes, evicted, liveBuffers } = b.context.stats().pool;
    expect(pooledBytes).toBeLessThanOrEqual(4096);
    expect(evicted).toBeGreaterThan(0);
    expect(liveBuffers).toBe(0);
  });
});

describe('dispatch', () => {
  it('batches submissions: 100 dependent ops take far fewer submits, and read sees them all', async () => {
    const b = await makeBackend({ batchSize: 16, hostMaxElements: 0 });
    const one = b.upload(Float32Array.of(1), 'float32');
    let x = b.upload(Float32Array.of(0.5, -2, 10), 'float32');
    const before = b.context.stats().dispatch;
    for (let i = 0; i < 100; i++) {
      const y = b.binary('add', t(x, [3]), t(one, [1]), [3]);
      b.free(x);
      x = y;
    }
    const after = b.context.stats().dispatch;
    expect(after.dispatches - before.dispatches).toBe(100);
    expect(after.submits - before.submits).toBeLessThanOrEqual(7);
    // Intermediates freed inside a batch serve later outputs of the same batch.
    expect(after.recycled - before.recycled).toBeGreaterThan(50);
    expect(Array.from(await b.read(x, 'float32', 3))).toEqual([100.5, 98, 110]);
    expect(b.context.stats().pool.liveBuffers).toBe(2);
  });

  it('a grid beyond 65535 workgroups runs in 2-D, every index once', async () => {
    expect(gridFor(70000, 65535)).toEqual([35000, 2, 1]);
    expect(gridFor(65535, 65535)).toEqual([65535, 1, 1]);
    const b = await makeBackend();
    const n = 70001;
    const out = b.context.alloc('int32', n);
    const code = `${uniforms(1)}\n${bindings({}, { y: 'i32' })}\n${main(
      'if (i >= word(0u)) { return; }\n  y[i] = i32(i) + 1;',
      1,
    )}`;
    b.context.run({
      name: 'iota',
      code,
      inputs: [],
      outputs: [out],
      uniforms: [n],
      threads: n,
      workgroupSize: 1,
    });
    const v = await b.read(out, 'int32', n);
    let bad = 0;
    for (let i = 0; i < n; i++) if (v[i] !== i + 1) bad++;
    expect(bad).toBe(0);
  });

  it('packs uniform words: integers as u32/i32 bits, floats only through f32()', () => {
    const w = packWords([3, -1, f32(1.5), 4294967295]);
    expect(w.length).toBe(4);
    expect(Array.from(w)).toEqual([3, 4294967295, 0x3fc00000, 4294967295]);
    expect(packWords([]).length).toBe(4);
    expect(() => packWords([0.5])).toThrow(/f32\(\)/);
  });
});

describe('storage', () => {
  it('bool round trip: stored as u32 0/1, read back as bytes', async () => {
    const b = await makeBackend();
    const s = b.upload(Uint8Array.of(1, 0, 1, 1, 0, 2, 255), 'bool');
    expect(s.byteSize).toBe(28);
    const v = await b.read(s, 'bool', 7);
    expect(v).toBeInstanceOf(Uint8Array);
    expect(Array.from(v)).toEqual([1, 0, 1, 1, 0, 1, 1]);
  });

  it('float64 is refused with a clear error', async () => {
    const b = await makeBackend();
    expect(b.dtypes).not.toContain('float64');
    const e = strideError(() => b.upload(new Float64Array(2), 'float64'));
    expect(e.fn).toBe('upload');
    expect(e.message).toMatch(/no float64/);
  });

  it('a tensor larger than one GPU buffer is a StrideError naming the kernel', async () => {
    const b = await makeBackend();
    const e = strideError(() => b.fill(2 ** 31, 'float32', 1));
    expect(e.fn).toBe('fill');
    expect(e.message).toMatch(/larger than this GPU allows/);
  });
});

describe('random', () => {
  it('uniform equals the CPU numbers exactly, also past an offset of 2^32', async () => {
    const b = await makeBackend();
    for (const [seed, offset] of [
      [20240611, 0],
      [7, 2 ** 32 + 5],
      [-3, 123456789],
    ]) {
      const v = await b.read(b.random(5000, 'float32', 'uniform', seed, offset), 'float32', 5000);
      for (let i = 0; i < v.length; i++) {
        if (v[i] !== Math.fround(uniformAt(seed, offset + i))) {
          throw new Error(`seed ${seed} element ${i}: ${v[i]} != ${uniformAt(seed, offset + i)}`);
        }
      }
    }
  });

  it('normal is within 1e-6 of the float64 definition', async () => {
    const b = await makeBackend();
    const seed = 99;
    const offset = 1000;
    const v = await b.read(b.random(20000, 'float32', 'normal', seed, offset), 'float32', 20000);
    let worst = 0;
    for (let i = 0; i < v.length; i++) {
      const want = normalAt(seed, offset + i);
      worst = Math.max(worst, Math.abs(v[i] - want) / (1 + Math.abs(want)));
    }
    expect(worst).toBeLessThan(1e-6);
  });
});

describe('failures', () => {
  it('device loss: every kernel call names itself and says so; a new init works', async () => {
    const b: WebGpuBackend = await makeBackend();
    const x = b.upload(Float32Array.of(1, 2), 'float32');
    b.context.device.destroy();
    await b.context.device.lost;
    const e = strideError(() => b.unary('exp', t(x, [2])));
    expect(e.fn).toBe('unary');
    expect(e.message).toMatch(/^unary: the WebGPU device was lost/);
    expect(e.message).toMatch(/re-initialise/);
    await expect(b.read(x, 'float32', 2)).rejects.toThrow(/^read: the WebGPU device was lost/);
    expect(() => b.free(x)).not.toThrow();
    const fresh = await makeBackend();
    const y = fresh.unary('neg', t(fresh.upload(Float32Array.of(1, 2), 'float32'), [2]));
    expect(Array.from(await fresh.read(y, 'float32', 2))).toEqual([-1, -2]);
  });

  it('device loss: setBackend starts a fresh device instead of returning the lost one', async () => {
    const { create } = await import('webgpu');
    const { registerBackend, setBackend, tensor } = await import('@stride/core');
    const { webgpu } = await import('../src/index.js');
    registerBackend({ ...webgpu({ gpu: create([]) }), name: 'webgpu-loss' });
    const first = (await setBackend('webgpu-loss')) as WebGpuBackend;
    first.destroy?.();
    expect(() => tensor([1, 2]).add(1)).toThrow(/the WebGPU device was lost/);
    const second = (await setBackend('webgpu-loss')) as WebGpuBackend;
    expect(second).not.toBe(first);
    expect(await tensor([1, 2]).add(1).array()).toEqual([2, 3]);
  });

  it('destroy() marks the backend lost at once', async () => {
    const b = await makeBackend();
    b.destroy?.();
    expect(() => b.fill(3, 'float32', 1)).toThrow(/^fill: the WebGPU device was lost \(destroyed/);
  });

  it.each([
    // Outside debug mode the error arrives unscoped, after the kernel, at a later call.
    { debug: false, message: /WebGPU validation error \(in or after this kernel\): / },
    // In debug mode each kernel runs in its own error scopes.
    { debug: true, message: /WebGPU validation error: / },
  ])(
    'a shader error becomes a StrideError naming the kernel (debug: $debug)',
    async ({ debug, message }) => {
      const b = await makeBackend({ debug });
      recordBrokenKernel(b);
      const error = await b.sync().then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(StrideError);
      expect((error as StrideError).fn).toBe('broken');
      expect((error as StrideError).message).toMatch(message);
      // Reported once; the backend goes on working.
      const z = b.fill(2, 'int32', 7);
      expect(Array.from(await b.read(z, 'int32', 2))).toEqual([7, 7]);
    },
  );

  it('running out of GPU memory empties the buffer pool and names the kernel', async () => {
    const b = await makeBackend({ hostMaxElements: 0 });
    b.free(b.fill(1024, 'float32', 1));
    b.context.flush(); // a freed buffer joins the pool once its batch is submitted
    expect(b.context.stats().pool.pooledBytes).toBeGreaterThan(0);
    // Dawn cannot be made to run out of memory on demand: deliver the event it would send.
    class GPUOutOfMemoryError extends Error {}
    const event = Object.assign(new Event('uncapturederror'), {
      error: new GPUOutOfMemoryError('could not allocate'),
    });
    b.context.enter('matmul');
    b.context.device.dispatchEvent(event);
    expect(b.context.stats().pool.pooledBytes).toBe(0);
    const e = strideError(() => b.fill(4, 'float32', 0));
    expect(e.fn).toBe('matmul');
    expect(e.message).toMatch(
      /out-of-memory error \(in or after this kernel\): could not allocate/,
    );
    expect(Array.from(await b.read(b.fill(2, 'float32', 3), 'float32', 2))).toEqual([3, 3]);
  });
});
