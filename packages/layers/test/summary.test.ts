import { inspect } from 'node:util';
import {
  concat,
  expand,
  max,
  maxPool2d,
  maxPool3d,
  memory,
  noGrad,
  reshape,
  type Tensor,
} from '@stride/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AdaptiveAvgPool2d,
  AlexNet,
  BatchNorm1d,
  BatchNorm2d,
  Conv2d,
  Flatten,
  Identity,
  type LayerInfo,
  LeNet5,
  Linear,
  Module,
  ReLU,
  Sequential,
  SignalNet,
  summary,
} from '../src/index.js';
import { must, useCpu } from './setup.js';

beforeAll(useCpu);

describe('summary of LeNet5', () => {
  // Worked by hand for one 28×28 image. FLOPs: a conv or linear output costs 2·(inputs seen)
  // plus 1 for its bias; a pool output one per window element; an activation one per element.
  const expected = [
    // name, type, output shape, params, FLOPs, receptive field, jump
    ['conv1', 'Conv2d', [1, 6, 28, 28], 156, 2 * 4704 * 25 + 4704, 5, 1],
    ['act1', 'ReLU', [1, 6, 28, 28], 0, 4704, 5, 1],
    ['pool1', 'MaxPool2d', [1, 6, 14, 14], 0, 1176 * 4, 6, 2],
    // Each conv2 output spans 5 pool1 cells 2 pixels apart, each seeing 6 pixels: 6 + 4·2.
    ['conv2', 'Conv2d', [1, 16, 10, 10], 2416, 2 * 1600 * 150 + 1600, 14, 2],
    ['act2', 'ReLU', [1, 16, 10, 10], 0, 1600, 14, 2],
    ['pool2', 'MaxPool2d', [1, 16, 5, 5], 0, 400 * 4, 16, 4],
    ['flatten', 'Flatten', [1, 400], 0, 0, 16, 4],
    // fc1 sees the whole 5×5 map: 16 + (5 - 1)·4 = 32, i.e. the 28-pixel image plus padding 2.
    ['fc1', 'Linear', [1, 120], 48120, 2 * 120 * 400 + 120, 32, 20],
    ['act3', 'ReLU', [1, 120], 0, 120, 32, 20],
    ['fc2', 'Linear', [1, 84], 10164, 2 * 84 * 120 + 84, 32, 20],
    ['act4', 'ReLU', [1, 84], 0, 84, 32, 20],
    ['fc3', 'Linear', [1, 10], 850, 2 * 10 * 84 + 10, 32, 20],
  ] as const;

  it('gives every layer its shape, parameters, FLOPs, receptive field and jump', () => {
    const model = new LeNet5();
    const s = summary(model, [1, 1, 28, 28]);
    expect(s.rows.map((r) => [r.name, r.type, r.outputShape, r.params, r.flops])).toEqual(
      expected.map(([n, t, shape, p, f]) => [n, t, shape, p, f]),
    );
    expect(s.rows.map((r) => [r.receptiveField, r.jump])).toEqual(
      expected.map(([, , , , , rf, j]) => [
        [rf, rf],
        [j, j],
      ]),
    );
    expect(s.totalParams).toBe(61706);
    expect(s.trainableParams).toBe(61706);
    expect(s.paramBytes).toBe(61706 * 4);
    expect(s.totalFlops).toBe(852370);
    expect(s.inputShape).toEqual([1, 1, 28, 28]);
    expect(s.outputShape).toEqual([1, 10]);
    expect(s.receptiveField).toEqual([32, 32]);
    model.dispose();
  });

  it('prints a table with totals', () => {
    const model = new LeNet5();
    const { table } = summary(model, [1, 1, 28, 28]);
    const lines = table.split('\n');
    expect(lines[0]).toMatch(/^Layer \(type\)\s+Output shape\s+Params\s+FLOPs\s+RF\s+Jump$/);
    expect(table).toMatch(/conv1 \(Conv2d\)\s+\[1, 6, 28, 28\]\s+156\s+239,904\s+5x5\s+1x1/);
    expect(table).toMatch(/fc1 \(Linear\)\s+\[1, 120\]\s+48,120\s+96,120\s+32x32\s+20x20/);
    expect(table).toContain('Total params: 61,706 (246,824 bytes)');
    expect(table).toContain('Total FLOPs: 852,370');
    expect(table).toContain('Receptive field of the output: 32x32, jump 20x20');
    model.dispose();
  });

  it('prints as its table, and keeps its fields as data', () => {
    const model = new LeNet5();
    const s = summary(model, [1, 1, 28, 28]);
    expect(s.table.split('\n')[0]).toMatch(/^Layer \(type\)/);
    expect(String(s)).toBe(s.table);
    expect(`${s}`).toBe(s.table);
    // What console.log prints in Node.
    expect(inspect(s)).toBe(s.table);
    expect(Object.keys(s)).toEqual([
      'inputShape',
      'outputShape',
      'rows',
      'totalParams',
      'trainableParams',
      'paramBytes',
      'totalFlops',
      'receptiveField',
      'jump',
      'table',
    ]);
    expect(JSON.parse(JSON.stringify(s)).totalParams).toBe(61706);
    model.dispose();
  });

  it('scales FLOPs with the batch and counts frozen parameters apart', () => {
    const model = new LeNet5();
    model.fc3.weight.requiresGrad = false;
    const s = summary(model, [4, 1, 28, 28]);
    expect(s.totalFlops).toBe(4 * 852370);
    expect(s.trainableParams).toBe(61706 - 840);
    model.dispose();
  });

  it('leaves no tensor behind and the model as it was', () => {
    const model = new Sequential(new Linear(6, 4), new BatchNorm1d(4));
    const before = memory();
    const mean = Array.from(must(model.buffers()[0]).dataSync());
    summary(model, [1, 6]);
    expect(memory().numTensors).toBe(before.numTensors);
    expect(memory().numBytes).toBe(before.numBytes);
    // Ran in eval mode (a batch of one cannot train BatchNorm) and restored training mode.
    expect(model.modules().every((m) => m.training)).toBe(true);
    expect(Array.from(must(model.buffers()[0]).dataSync())).toEqual(mean);
    model.eval();
    summary(model, [1, 6]);
    expect(model.modules().some((m) => m.training)).toBe(false);
    // Hooks are gone: forward is the class's method again.
    expect(Object.hasOwn(must(model[0]), 'forward')).toBe(false);
    model.dispose();
  });
});

describe('summary of other models', () => {
  it('follows a 1-d signal network to its global pooling', () => {
    const model = new SignalNet({ channels: [4, 8], kernelSize: 5, poolSize: 2 });
    const s = summary(model, [1, 1, 64]);
    const rf = Object.fromEntries(s.rows.map((r) => [r.name, [r.receptiveField[0], r.jump[0]]]));
    expect(rf['features.0']).toEqual([5, 1]);
    expect(rf['features.3']).toEqual([6, 2]);
    expect(rf['features.4']).toEqual([14, 2]);
    expect(rf['features.7']).toEqual([16, 4]);
    // Global pooling over the last 16 positions, 4 apart.
    expect(rf.pool).toEqual([16 + 15 * 4, 64]);
    expect(rf.fc).toEqual([76, 64]);
    expect(s.rows[0]?.params).toBe(4 * 1 * 5);
    expect(s.rows[1]?.params).toBe(8);
    expect(s.totalParams).toBe(20 + 8 + 8 * 4 * 5 + 16 + 8 * 2 + 2);
    model.dispose();
  });

  it('uses stride and dilation per axis', () => {
    const model = new Sequential(
      new Conv2d(1, 2, [3, 5], { stride: [2, 1], dilation: [1, 2], padding: [1, 4] }),
      new Conv2d(2, 3, 3, { stride: 2, groups: 1, bias: false }),
    );
    const s = summary(model, [2, 1, 16, 16]);
    expect(s.rows[0]?.receptiveField).toEqual([3, 9]);
    expect(s.rows[0]?.jump).toEqual([2, 1]);
    expect(s.rows[1]?.receptiveField).toEqual([3 + 2 * 2, 9 + 2 * 1]);
    expect(s.rows[1]?.jump).toEqual([4, 2]);
    expect(s.rows[1]?.params).toBe(3 * 2 * 9);
    const out = s.rows[1]?.outputShape ?? [];
    expect(s.rows[1]?.flops).toBe(2 * out.reduce((a, b) => a * b, 1) * 2 * 9);
    model.dispose();
  });

  it('describes AlexNet on small images', () => {
    const model = new AlexNet({ inputSize: 32, numClasses: 10, hidden: 32 });
    const s = summary(model, [1, 3, 32, 32]);
    expect(s.outputShape).toEqual([1, 10]);
    expect(s.rows.find((r) => r.name === 'avgpool')?.outputShape).toEqual([1, 256, 3, 3]);
    expect(s.totalParams).toBe(model.numParameters());
    model.dispose();
  });

  it('rejects bad arguments', () => {
    const model = new LeNet5();
    expect(() => summary(model, [])).toThrow('summary: inputShape must be a non-empty array');
    expect(() => summary(model, [1, 1, 28.5, 28])).toThrow(/inputShape/);
    expect(() => summary({} as LeNet5, [1])).toThrow('summary: model must be a Module');
    expect(() => summary(model, [1, 1, 32, 32])).toThrow(/LeNet5: expected images/);
    model.dispose();
  });
});

/** A basic ResNet block: two 3×3 convs, and a shortcut that is a 1×1 conv where the shape changes. */
class Block extends Module {
  static override readonly typeName = 'Block';
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly relu = new ReLU();
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm2d;
  readonly shortcut: Module;

  constructor(inChannels: number, outChannels: number, stride: number) {
    super();
    this.conv1 = new Conv2d(inChannels, outChannels, 3, { stride, padding: 1, bias: false });
    this.bn1 = new BatchNorm2d(outChannels);
    this.conv2 = new Conv2d(outChannels, outChannels, 3, { padding: 1, bias: false });
    this.bn2 = new BatchNorm2d(outChannels);
    this.shortcut =
      stride === 1 && inChannels === outChannels
        ? new Identity()
        : new Sequential(
            new Conv2d(inChannels, outChannels, 1, { stride, bias: false }),
            new BatchNorm2d(outChannels),
          );
  }

  forward(x: Tensor): Tensor {
    const out = this.bn2(this.conv2(this.relu(this.bn1(this.conv1(x)))));
    return out.add(this.shortcut(x)).relu();
  }
}

class SmallResNet extends Module {
  static override readonly typeName = 'SmallResNet';
  readonly stem = new Conv2d(3, 8, 3, { padding: 1, bias: false });
  readonly bn = new BatchNorm2d(8);
  readonly relu = new ReLU();
  readonly layer1 = new Block(8, 8, 1);
  readonly layer2 = new Block(8, 16, 2);
  readonly pool = new AdaptiveAvgPool2d(1);
  readonly flatten = new Flatten();
  readonly fc = new Linear(16, 10);

  forward(x: Tensor): Tensor {
    const features = this.layer2(this.layer1(this.relu(this.bn(this.stem(x)))));
    return this.fc(this.flatten(this.pool(features)));
  }
}

describe('summary of branching models', () => {
  it('follows every path of a small ResNet; merged paths take the largest field', () => {
    const model = new SmallResNet();
    const s = summary(model, [1, 3, 32, 32]);
    const rf = Object.fromEntries(s.rows.map((r) => [r.name, [r.receptiveField, r.jump]]));
    // Worked by hand (per axis). The stem's 3×3: r 3. layer1: two 3×3 convs at jump 1 give
    // 3 + 2 + 2 = 7; its identity shortcut keeps 3; the sum sees max(7, 3) = 7.
    expect(rf['layer1.conv2']).toEqual([
      [7, 7],
      [1, 1],
    ]);
    expect(rf['layer1.shortcut']).toEqual([
      [3, 3],
      [1, 1],
    ]);
    // layer2 starts from r 7: the stride-2 3×3 gives 7 + 2·1 = 9 at jump 2, the next 3×3
    // 9 + 2·2 = 13. The 1×1 stride-2 shortcut keeps r 7 and makes the jump 2 (not 4: it
    // runs on the block's input, not after conv2, as a chain would have it).
    expect(rf['layer2.conv1']).toEqual([
      [9, 9],
      [2, 2],
    ]);
    expect(rf['layer2.bn2']).toEqual([
      [13, 13],
      [2, 2],
    ]);
    expect(rf['layer2.shortcut.0']).toEqual([
      [7, 7],
      [2, 2],
    ]);
    expect(rf['layer2.shortcut.1']).toEqual([
      [7, 7],
      [2, 2],
    ]);
    // The pool sees the whole 16×16 map of the merged r 13: 13 + 15·2 = 43, jump 2·16.
    expect(rf.pool).toEqual([
      [43, 43],
      [32, 32],
    ]);
    expect(rf.fc).toEqual([
      [43, 43],
      [32, 32],
    ]);
    expect(s.receptiveField).toEqual([43, 43]);
    expect(s.jump).toEqual([32, 32]);
    expect(s.outputShape).toEqual([1, 10]);
    expect(s.totalParams).toBe(model.numParameters());
    expect(s.table).toContain('Receptive field of the output: 43x43, jump 32x32');
    model.dispose();
  });

  it('takes the largest field over branches that a cat merges', () => {
    class TwoBranch extends Module {
      readonly narrow = new Conv2d(1, 2, 3, { padding: 1 });
      readonly wide = new Conv2d(1, 2, 5, { padding: 2, dilation: 1 });
      readonly mix = new Conv2d(4, 1, 1);
      forward(x: Tensor): Tensor {
        return this.mix(concat([this.narrow(x), this.wide(x)], 1));
      }
    }
    const model = new TwoBranch();
    const s = summary(model, [1, 1, 8, 8]);
    expect(s.rows.map((r) => [r.name, r.receptiveField[0]])).toEqual([
      ['narrow', 3],
      ['wide', 5],
      ['mix', 5],
    ]);
    model.dispose();
  });

  it('says it cannot tell (NaN, shown as ?) after an op outside a layer changes the extent', () => {
    class FunctionalPool extends Module {
      readonly conv = new Conv2d(1, 1, 3);
      readonly act = new ReLU();
      forward(x: Tensor): Tensor {
        return this.act(maxPool2d(this.conv(x), { kernelSize: 2 }));
      }
    }
    const model = new FunctionalPool();
    const s = summary(model, [1, 1, 8, 8]);
    expect(s.rows[0]?.receptiveField).toEqual([3, 3]);
    expect(s.rows[1]?.receptiveField).toEqual([Number.NaN, Number.NaN]);
    expect(s.table).toMatch(/act \(ReLU\)\s+\[1, 1, 3, 3\]\s+0\s+9\s+\?x\?\s+\?x\?/);
    model.dispose();
  });

  it('follows maps with an extra axis before the positions, and reductions over that axis', () => {
    // Stand-ins for the p4 layers of @stride/equivariant: a lift to [N, C, 4, H, W], a spatial
    // pooling of every rotation plane, and the pooling over the rotations back to [N, C, H, W].
    class Lift extends Module {
      forward(x: Tensor): Tensor {
        const [n, c, h, w] = x.shape as [number, number, number, number];
        return expand(reshape(x, [n, c, 1, h, w]), [n, c, 4, h, w]);
      }
    }
    class PlanePool extends Module {
      forward(x: Tensor): Tensor {
        return maxPool3d(x, { kernelSize: [1, 2, 2] });
      }
      override layerInfo(): LayerInfo {
        return { flops: 0, geometry: { kernel: [2, 2], stride: [2, 2], dilation: [1, 1] } };
      }
    }
    class RotationPool extends Module {
      forward(x: Tensor): Tensor {
        return max(x, 2);
      }
    }
    const model = new Sequential(
      new Conv2d(1, 2, 3, { padding: 1 }),
      new Lift(),
      new PlanePool(),
      new RotationPool(),
      new Conv2d(2, 1, 3),
    );
    const s = summary(model, [1, 1, 8, 8]);
    expect(s.rows.map((r) => [r.type, r.outputShape, r.receptiveField[0], r.jump[0]])).toEqual([
      ['Conv2d', [1, 2, 8, 8], 3, 1],
      ['Lift', [1, 2, 4, 8, 8], 3, 1],
      ['PlanePool', [1, 2, 4, 4, 4], 4, 2],
      // The maximum over the rotations keeps each position's field.
      ['RotationPool', [1, 2, 4, 4], 4, 2],
      ['Conv2d', [1, 1, 2, 2], 8, 2],
    ]);
    expect(s.receptiveField).toEqual([8, 8]);
    model.dispose();
  });

  it('is unchanged for chains, and under noGrad still follows layers that call each other', () => {
    const model = new LeNet5();
    const rows = (s: ReturnType<typeof summary>) =>
      s.rows.map((r) => [r.name, r.receptiveField[0], r.jump[0]]);
    const withGraph = summary(model, [1, 1, 28, 28]);
    const without = noGrad(() => summary(model, [1, 1, 28, 28]));
    expect(rows(without)).toEqual(rows(withGraph));
    expect(without.receptiveField).toEqual([32, 32]);
    // A branching model under noGrad: the add is not recorded, so what follows it is unknown.
    const resnet = new SmallResNet();
    const s = noGrad(() => summary(resnet, [1, 3, 32, 32]));
    expect(s.rows.find((r) => r.name === 'layer1.conv2')?.receptiveField).toEqual([7, 7]);
    expect(s.rows.find((r) => r.name === 'layer2.conv1')?.receptiveField).toEqual([
      Number.NaN,
      Number.NaN,
    ]);
    model.dispose();
    resnet.dispose();
  });

  it('leaves no tensor and no gradient behind', () => {
    const model = new SmallResNet();
    const before = memory();
    summary(model, [2, 3, 16, 16]);
    expect(memory().numTensors).toBe(before.numTensors);
    expect(memory().numBytes).toBe(before.numBytes);
    expect(model.parameters().every((p) => p.grad === null)).toBe(true);
    model.dispose();
  });
});
