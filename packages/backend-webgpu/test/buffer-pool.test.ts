/**
 * The buffer pool on its own, with stand-in buffers (no GPU): which buffer is reused and which
 * evicted, and that it stays fast with hundreds of thousands of buffers. The scale tests have no
 * timing in them: a pool whose operations cost time proportional to the buffers it holds (as
 * this one did, through `splice`) would take many minutes for them and fail by the test
 * timeout, where constant-time operations take well under a second.
 */
import { describe, expect, it } from 'vitest';
import { BufferPool, sizeClass } from '../src/buffer-pool.js';

interface FakeBuffer {
  readonly size: number;
  readonly usage: number;
  readonly id: number;
  destroyed: boolean;
  destroy(): void;
}

/** A pool over stand-in buffers, and the order in which they were destroyed. */
function fakePool(maxPooledBytes: number) {
  let next = 0;
  const destroyed: number[] = [];
  const create = (size: number, usage: number): GPUBuffer => {
    const b: FakeBuffer = {
      size,
      usage,
      id: next++,
      destroyed: false,
      destroy() {
        if (this.destroyed) throw new Error(`buffer ${this.id} destroyed twice`);
        this.destroyed = true;
        destroyed.push(this.id);
      },
    };
    return b as unknown as GPUBuffer;
  };
  const pool = new BufferPool(create, { maxPooledBytes, maxBufferSize: 2 ** 30 });
  const id = (b: GPUBuffer) => (b as unknown as FakeBuffer).id;
  return { pool, destroyed, id };
}

describe('BufferPool', () => {
  it('reuses the newest released buffer of the same usage and size class', () => {
    const { pool, id } = fakePool(1 << 20);
    const [a, b, c] = [pool.acquire(100, 1), pool.acquire(100, 1), pool.acquire(100, 2)];
    pool.release(a);
    pool.release(b);
    pool.release(c);
    expect(id(pool.acquire(100, 1))).toBe(id(b));
    expect(id(pool.acquire(97, 1))).toBe(id(a)); // the same size class, 112 bytes
    expect(id(pool.acquire(100, 1))).toBe(3); // none left: a new one
    expect(id(pool.acquire(100, 2))).toBe(id(c));
    expect(pool.stats()).toMatchObject({ created: 4, reused: 3, pooledBuffers: 0, liveBuffers: 4 });
  });

  it('evicts the oldest released buffers past maxPooledBytes, across sizes', () => {
    const { pool, destroyed, id } = fakePool(3 * 64);
    const buffers = [64, 32, 64, 64, 32].map((n) => pool.acquire(n, 1));
    for (const b of buffers) pool.release(b);
    // The fourth release makes 224 bytes: the oldest buffer goes. The fifth makes 192 again.
    expect(destroyed).toEqual([0]);
    expect(pool.stats()).toMatchObject({ pooledBuffers: 4, pooledBytes: 192, evicted: 1 });
    // Taking buffer 3 (the newest 64-byte one) leaves 1, 2 and 4, oldest first.
    expect(id(pool.acquire(64, 1))).toBe(3);
    pool.trim(32);
    expect(destroyed).toEqual([0, 1, 2]);
    expect(id(pool.acquire(32, 1))).toBe(4);
    pool.release(pool.acquire(16, 1));
    pool.clear();
    expect(destroyed).toEqual([0, 1, 2, 5]);
    expect(pool.stats()).toMatchObject({ pooledBuffers: 0, pooledBytes: 0, liveBuffers: 0 });
  });

  it('ignores a buffer released twice or not its own', () => {
    const { pool } = fakePool(1 << 20);
    const a = pool.acquire(16, 1);
    pool.release(a);
    pool.release(a);
    pool.release({ size: 16, usage: 1 } as unknown as GPUBuffer);
    expect(pool.stats()).toMatchObject({ pooledBuffers: 1, pooledBytes: 16 });
  });

  it('clears 300,000 pooled buffers of one size, oldest first', () => {
    const n = 300_000;
    const { pool, destroyed } = fakePool(Number.MAX_SAFE_INTEGER);
    const buffers = Array.from({ length: n }, () => pool.acquire(64, 1));
    for (const b of buffers) pool.release(b);
    expect(pool.stats().pooledBuffers).toBe(n);
    pool.clear();
    expect(destroyed.length).toBe(n);
    expect(destroyed[0]).toBe(0);
    expect(destroyed[n - 1]).toBe(n - 1);
    expect(pool.stats()).toMatchObject({ pooledBuffers: 0, pooledBytes: 0, evicted: n });
  });

  it('evicts one buffer per release, 300,000 times, with as many pooled', () => {
    const n = 300_000;
    const size = sizeClass(64);
    const { pool, destroyed } = fakePool(n * size);
    const first = Array.from({ length: n }, () => pool.acquire(64, 1));
    for (const b of first) pool.release(b);
    const second = Array.from({ length: n }, () => pool.acquire(64, 2));
    for (const b of second) pool.release(b);
    // Every release of the second round pushed out the oldest of the first.
    expect(destroyed.length).toBe(n);
    expect(destroyed[n - 1]).toBe(n - 1);
    expect(pool.stats()).toMatchObject({ pooledBuffers: n, pooledBytes: n * size });
  });
});
