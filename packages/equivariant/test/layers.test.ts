/**
 * The layers: parameters named and shaped as Conv2d's (`weight`, `bias`), Conv2d's
 * initialisation bounds, forward passes equal to the functions, and a p4 network built as a
 * Sequential that is invariant to quarter turns.
 */
import { manualSeed, mean, type Tensor } from '@stride/core';
import { AdaptiveAvgPool2d, Flatten, Linear, ReLU, Sequential, summary } from '@stride/layers';
import { describe, expect, it } from 'vitest';
import {
  P4Conv2d,
  P4LiftConv2d,
  P4MaxPool2d,
  P4Pool,
  p4Conv2d,
  p4LiftConv2d,
  p4MaxPool2d,
  p4Pool,
} from '../src/index.js';
import { maxAbs, maxDiff, rand64, turn } from './helpers.js';

describe('P4LiftConv2d and P4Conv2d', () => {
  it('hold weight [out, in, k, k] and [out, in, 4, k, k] and a bias [out]', () => {
    const lift = new P4LiftConv2d(3, 8, 5);
    const conv = new P4Conv2d(8, 6, 3, { bias: false });
    expect(lift.namedParameters().map(([n, p]) => [n, p.shape])).toEqual([
      ['weight', [8, 3, 5, 5]],
      ['bias', [8]],
    ]);
    expect(conv.namedParameters().map(([n, p]) => [n, p.shape])).toEqual([
      ['weight', [6, 8, 4, 3, 3]],
    ]);
    expect(Object.keys(lift.stateDict())).toEqual(['weight', 'bias']);
    expect(conv.numParameters()).toBe(6 * 8 * 4 * 9);
  });

  it("are initialised as Conv2d: U(±1/√fan), fan the weight's size per output channel", () => {
    manualSeed(0);
    const lift = new P4LiftConv2d(4, 64, 3);
    const conv = new P4Conv2d(4, 64, 3);
    for (const [layer, fan] of [
      [lift, 4 * 9],
      [conv, 4 * 4 * 9],
    ] as const) {
      const b = 1 / Math.sqrt(fan);
      // Within the bound, and close to it: thousands of samples reach near the edge.
      expect(maxAbs(layer.weight)).toBeLessThanOrEqual(b);
      expect(maxAbs(layer.weight)).toBeGreaterThan(0.95 * b);
      expect(maxAbs(layer.bias as Tensor)).toBeLessThanOrEqual(b);
    }
  });

  it('compute what the functions compute, with their options', () => {
    const lift = new P4LiftConv2d(2, 3, 3, { padding: 'same', dtype: 'float64' });
    const conv = new P4Conv2d(3, 2, 3, { stride: 2, padding: 1, dilation: 1, dtype: 'float64' });
    const x = rand64([2, 2, 9, 9], 1);
    const h = lift.forward(x);
    expect(maxDiff(h, p4LiftConv2d(x, lift.weight, { padding: 'same', bias: lift.bias }))).toBe(0);
    expect(
      maxDiff(
        conv.forward(h),
        p4Conv2d(h, conv.weight, { stride: 2, padding: 1, bias: conv.bias }),
      ),
    ).toBe(0);
    expect(conv.forward(h).shape).toEqual([2, 2, 4, 5, 5]);
  });

  it('print their arguments', () => {
    expect(String(new P4LiftConv2d(1, 8, 3, { padding: 1 }))).toBe(
      'P4LiftConv2d(1, 8, kernelSize=3, padding=1)',
    );
    expect(String(new P4Conv2d(8, 8, 5, { stride: 2, bias: false }))).toBe(
      'P4Conv2d(8, 8, kernelSize=5, stride=[2,2], bias=false)',
    );
    expect(String(new P4Pool('mean'))).toBe("P4Pool('mean')");
    expect(String(new P4MaxPool2d(2))).toBe('P4MaxPool2d(kernelSize=[2,2])');
  });
});

describe('P4Pool and P4MaxPool2d', () => {
  it('compute what the functions compute', () => {
    const y = rand64([2, 3, 4, 6, 6], 2);
    expect(maxDiff(new P4Pool().forward(y), p4Pool(y))).toBe(0);
    expect(maxDiff(new P4Pool('mean').forward(y), p4Pool(y, 'mean'))).toBe(0);
    expect(
      maxDiff(
        new P4MaxPool2d(3, { stride: 1, padding: 1 }).forward(y),
        p4MaxPool2d(y, { kernelSize: 3, stride: 1, padding: 1 }),
      ),
    ).toBe(0);
    expect(new P4MaxPool2d(2).numParameters()).toBe(0);
  });
});

describe('a p4 network as a Sequential', () => {
  const model = (): Sequential =>
    new Sequential(
      new P4LiftConv2d(1, 4, 3, { padding: 1, dtype: 'float64' }),
      new ReLU(),
      new P4Conv2d(4, 4, 3, { padding: 1, dtype: 'float64' }),
      new ReLU(),
      new P4MaxPool2d(2),
      new P4Pool(),
      new AdaptiveAvgPool2d(1),
      new Flatten(),
      new Linear(4, 3, { dtype: 'float64' }),
    );

  it('gives the same logits for every quarter turn of its input', () => {
    manualSeed(1);
    const net = model();
    const x = rand64([2, 1, 10, 10], 3);
    const y = net.forward(x);
    expect(y.shape).toEqual([2, 3]);
    for (const k of [1, 2, 3]) {
      expect(maxDiff(net.forward(turn(x, k)), y) / maxAbs(y)).toBeLessThan(1e-13);
    }
  });

  it('trains: its parameters get gradients', () => {
    manualSeed(2);
    const net = model();
    mean(net.forward(rand64([2, 1, 8, 8], 4))).backward();
    for (const [name, p] of net.namedParameters()) {
      expect(p.grad?.shape, name).toEqual(p.shape);
    }
    expect(net.namedParameters().map(([n]) => n)).toEqual([
      '0.weight',
      '0.bias',
      '2.weight',
      '2.bias',
      '8.weight',
      '8.bias',
    ]);
  });

  it('is described by summary(): output shapes, parameters and FLOPs', () => {
    const s = summary(model(), [1, 1, 8, 8]);
    expect(s.rows.slice(0, 6).map((r) => [r.type, r.outputShape, r.params])).toEqual([
      ['P4LiftConv2d', [1, 4, 4, 8, 8], 40],
      ['ReLU', [1, 4, 4, 8, 8], 0],
      ['P4Conv2d', [1, 4, 4, 8, 8], 580],
      ['ReLU', [1, 4, 4, 8, 8], 0],
      ['P4MaxPool2d', [1, 4, 4, 4, 4], 0],
      ['P4Pool', [1, 4, 4, 4], 0],
    ]);
    // A multiply-add is 2 FLOPs: 4·4·8·8 outputs of 1·9 (lifting) and 4·4·9 (group) products.
    expect(s.rows[0]?.flops).toBe(2 * 1024 * 9 + 1024);
    expect(s.rows[2]?.flops).toBe(2 * 1024 * 144 + 1024);
  });
});
