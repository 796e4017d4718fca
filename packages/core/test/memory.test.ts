import { beforeAll, describe, expect, it } from 'vitest';
import { cpu } from '../../backend-cpu/src/index.js';
import {
  type Backend,
  keep,
  matmul,
  memory,
  randn,
  registerBackend,
  StrideError,
  type Tensor,
  tensor,
  tidy,
  zeros,
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

  it('tidy keeps the tensors of a deep or cyclic tree it returns, and disposes the rest', () => {
    const before = memory();
    const kept = tidy(() => {
      zeros([3]); // dropped
      // A parameter tree twelve levels deep, a null-prototype object, a Map and a cycle.
      let deep: Record<string, unknown> = { leaf: zeros([4]) };
      for (let i = 0; i < 12; i++) deep = { child: deep };
      const bare = Object.assign(Object.create(null) as object, { w: zeros([5]) });
      const cyclic: { self?: unknown; t: Tensor } = { t: zeros([6]) };
      cyclic.self = cyclic;
      return { deep, bare, map: new Map([['m', zeros([7])]]), cyclic };
    });
    expect(memory().numTensors).toBe(before.numTensors + 4);
    expect(memory().numBytes).toBe(before.numBytes + 4 * (4 + 5 + 6 + 7));
    let node = kept.deep as Record<string, unknown>;
    for (let i = 0; i < 12; i++) node = node.child as Record<string, unknown>;
    (node.leaf as Tensor).dispose();
    (kept.bare as { w: Tensor }).w.dispose();
    kept.map.get('m')?.dispose();
    kept.cyclic.t.dispose();
    expect(memory()).toEqual(before);
  });

  it('tidy cleans up when the function throws', () => {
    const before = memory();
    expect(() =>
      tidy(() => {
        zeros([3]).add(1);
        throw new Error('boom');
      }),
    ).toThrow('boom');
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
    const step = () =>
      tidy(() => {
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

describe('a small CNN built from core ops', () => {
  it('keeps memory() flat over 100 training steps inside tidy', async () => {
    const {
      batchNorm,
      conv2d,
      crossEntropy,
      linear,
      maxPool2d,
      randint,
      relu,
      zeros: z,
      ones: o,
    } = await import('../src/index.js');
    const param = (t: Tensor): Tensor => {
      const p = keep(t);
      p.requiresGrad = true;
      return p;
    };
    const params = [
      param(randn([4, 1, 3, 3], { seed: 1 }).mul(0.3)),
      param(z([4])),
      param(o([4])),
      param(z([4])),
      param(randn([10, 4 * 4 * 4], { seed: 2 }).mul(0.1)),
      param(z([10])),
    ] as const;
    const runningMean = keep(z([4]));
    const runningVar = keep(o([4]));
    const x = keep(randn([8, 1, 8, 8], { seed: 3 }));
    const y = keep(randint(0, 10, [8], { seed: 4 }));
    const [w1, b1, gamma, beta, w2, b2] = params;
    const step = (): number =>
      tidy(() => {
        const h = conv2d(x, w1, { bias: b1, padding: 1 });
        const bn = batchNorm(h, runningMean, runningVar, {
          weight: gamma,
          bias: beta,
          training: true,
        });
        runningMean.assign(bn.runningMean as Tensor);
        runningVar.assign(bn.runningVar as Tensor);
        const pooled = maxPool2d(relu(bn.output), { kernelSize: 2 });
        const loss = crossEntropy(linear(pooled.flatten(1), w2, b2), y);
        loss.backward();
        for (const p of params) {
          p.assign(p.detach().sub((p.grad as Tensor).mul(0.05)));
          p.grad?.dispose();
          p.grad = null;
        }
        return loss.itemSync();
      });
    const first = step();
    const before = memory();
    let last = first;
    for (let i = 0; i < 100; i++) last = step();
    expect(memory()).toEqual(before);
    expect(last).toBeLessThan(first * 0.5);
    for (const t of [...params, runningMean, runningVar, x, y]) t.dispose();
  });
});

describe('gradients', () => {
  it('setting grad to null frees the old gradient, as `p.grad = None` does in PyTorch', () => {
    const w = tensor([1, 2, 3], { dtype: 'float32', requiresGrad: true });
    const before = memory();
    tidy(() => w.mul(w).sum().backward());
    expect(memory().numTensors).toBe(before.numTensors + 1);
    w.grad = null;
    expect(memory()).toEqual(before);
  });
});
