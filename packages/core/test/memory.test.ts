import { cpu } from '../../backend-cpu/src/index.js';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type Backend,
  StrideError,
  keep,
  matmul,
  memory,
  randn,
  registerBackend,
  tensor,
  tidy,
  zeros,
  type Tensor,
} from '../src/index.js';
import { useCpu } from './setup.js';

beforeAll(useCpu);

describe('memory', () => {
  it('tidy disposes everything but what it returns', () => {
    const before = memory();
    const kept = tidy(() => {
      const a = zeros([10]);
      const b = a.add(1);
      return { b, list: [b.mul(2)] };
    });
    expect(memory().numTensors).toBe(before.numTensors + 2);
    expect(memory().numBytes).toBe(before.numBytes + 80);
    kept.b.dispose();
    kept.list[0]?.dispose();
    expect(memory()).toEqual(before);
  });

  it('tidy cleans up when the function throws', () => {
    const before = memory();
    expect(() => tidy(() => {
      zeros([3]).add(1);
      throw new Error('boom');
    })).toThrow('boom');
    expect(memory()).toEqual(before);
  });

  it('ops called outside tidy leave only their result', () => {
    const x = tensor([1, 2, 3]);
    const before = memory();
    const y = x.add(1).mul(2.5); // lifted scalars and casts must not leak
    expect(memory().numTensors).toBe(before.numTensors + 2);
    y.dispose();
    expect(memory().numTensors).toBe(before.numTensors + 1);
  });

  it('a training loop inside tidy keeps memory flat', () => {
    const w = keep(randn([8, 4], { seed: 3 }));
    w.requiresGrad = true;
    const x = keep(randn([16, 8], { seed: 4 }));
    const step = () => tidy(() => {
      const loss = matmul(x, w).relu().square().mean();
      loss.backward();
      w.assign(w.detach().sub((w.grad as Tensor).mul(0.01)));
      w.grad?.dispose();
      w.grad = null;
      return loss.itemSync();
    });
    step();
    const before = memory();
    let last = Number.POSITIVE_INFINITY;
    for (let i = 0; i < 100; i++) last = step();
    expect(memory()).toEqual(before);
    expect(last).toBeLessThan(step() + 1);
  });

  it('a graph dropped without backward frees its saved tensors', () => {
    const w = tensor([1, 2, 3], { dtype: 'float32', requiresGrad: true });
    const before = memory();
    tidy(() => {
      w.mul(w).exp().sum();
    });
    expect(memory()).toEqual(before);
  });

  it('using a disposed tensor is a clear error', () => {
    const t = tensor([1, 2]);
    t.dispose();
    expect(() => t.add(1)).toThrow(StrideError);
    expect(() => t.add(1)).toThrow(/add: input \[2\] was disposed/);
    expect(() => t.dataSync()).toThrow(/dataSync: tensor \[2\] was disposed/);
  });
});

describe('backends', () => {
  it('refuses to mix tensors of two backends and names both', async () => {
    const other: Backend = Object.create(cpu(), { name: { value: 'cpu-two' } });
    registerBackend(other);
    const a = tensor([1, 2]);
    const b = await a.to('cpu-two');
    expect(b.device).toBe('cpu-two');
    expect(b.arraySync()).toEqual([1, 2]);
    expect(() => a.add(b)).toThrow(/add: input is on 'cpu' but other is on 'cpu-two'/);
    const c = await b.to('cpu');
    expect(c.add(a).arraySync()).toEqual([2, 4]);
  });
});

describe('gradcheck', () => {
  it('leaves no tensors behind', async () => {
    const { gradcheck } = await import('../src/index.js');
    const x = randn([3, 4], { dtype: 'float64', seed: 1 });
    const before = memory();
    const r = await gradcheck((a) => a.exp().mul(a).sum(1), [x]);
    expect(r.ok).toBe(true);
    expect(memory()).toEqual(before);
  });
});
