import { describe, expect, it } from 'vitest';
import { cpu } from '../src/index.js';
import { randomTensor, tensor } from './helpers.js';

// With shared memory (Node), storages live in the kernels' WebAssembly memory.
const b = cpu({ threads: 2, relaxedSimd: false });

describe('storages in the kernels memory', () => {
  it('puts new float32 and int32 storages there, and kernel results too', () => {
    const up = b.upload(new Float32Array(100).fill(1), 'float32');
    expect(up.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(b.fill(100, 'int32', 3).buffer).toBeInstanceOf(SharedArrayBuffer);
    const a = randomTensor([1, 20, 30], 'float32', 1);
    const c = b.matmul(a, randomTensor([1, 30, 10], 'float32', 2), false, false);
    expect(c.buffer).toBeInstanceOf(SharedArrayBuffer);
    // float64 and bool stay ordinary arrays.
    expect(b.fill(100, 'float64', 1).buffer).toBeInstanceOf(ArrayBuffer);
    expect(b.fill(300, 'bool', 1).buffer).toBeInstanceOf(ArrayBuffer);
  });

  it('keeps them there on one thread too, where no worker shares the memory', () => {
    const one = cpu({ threads: 1, relaxedSimd: false });
    const x = one.upload(new Float32Array(20_000).fill(-1), 'float32');
    expect(x.buffer).toBeInstanceOf(SharedArrayBuffer);
    // A relu this large runs in the kernels' memory, and its result stays there.
    const y = one.unary('relu', { storage: x, shape: [20_000], dtype: 'float32' });
    expect(y.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(y[0]).toBe(0);
    one.destroy();
  });

  it('hands out a freed block again, so a training loop does not grow the memory', () => {
    const first = b.fill(1000, 'float32', 0);
    const at = first.byteOffset;
    b.free(first);
    const again = b.fill(1000, 'float32', 7);
    expect(again.byteOffset).toBe(at);
    expect(Array.from(again.subarray(0, 3))).toEqual([7, 7, 7]);
    b.free(again);
  });

  it('computes the same from storages in its memory as from ordinary arrays', () => {
    const a = randomTensor([2, 40, 50], 'float32', 3);
    const w = randomTensor([2, 50, 30], 'float32', 4);
    const plain = b.matmul(a, w, false, false);
    const inside = b.matmul(
      { ...a, storage: b.upload(a.storage, 'float32') },
      { ...w, storage: b.upload(w.storage, 'float32') },
      false,
      false,
    );
    expect(Array.from(inside)).toEqual(Array.from(plain));
  });

  it('reads back into ordinary arrays: callers never get a view of the kernels memory', () => {
    const s = b.upload(new Float32Array([1, 2, 3, 4]).fill(2), 'float32');
    const r = b.readSync?.(s, 'float32', 4) as Float32Array;
    expect(r.buffer).toBeInstanceOf(ArrayBuffer);
    expect(r.buffer.byteLength).toBe(16);
    expect(Array.from(r)).toEqual([2, 2, 2, 2]);
  });

  it('keeps ordinary arrays out of its free lists', () => {
    const t = tensor([1, 2, 3], [3]);
    expect(() => b.free(t.storage)).not.toThrow();
  });
});
