/**
 * A convolution layer followed by a ReLU runs as one fused op in Sequential and in LeNet5: the
 * same outputs and gradients bit for bit as the two modules one after the other, through the
 * backend's fused kernel; a hook on either module (summary() uses them) keeps them apart.
 */
import { cpu } from '@stride/backend-cpu';
import {
  type Backend,
  manualSeed,
  noGrad,
  randn,
  registerBackend,
  setBackend,
  type Tensor,
  type TypedArray,
} from '@stride/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  Conv1d,
  Conv2d,
  LeNet5,
  MaxPool2d,
  type Module,
  ReLU,
  Sequential,
  Tanh,
} from '../src/index.js';

let fusedCalls = 0;

beforeAll(async () => {
  const base = cpu({ threads: 2 });
  const counting: Backend<TypedArray> = {
    ...base,
    name: 'cpu-counting',
    convBiasRelu: (x, w, bias, params) => {
      fusedCalls++;
      return (base.convBiasRelu as NonNullable<typeof base.convBiasRelu>)(x, w, bias, params);
    },
  };
  registerBackend(counting);
  await setBackend('cpu-counting');
});

const bits = (t: Tensor | null | undefined): number[] => Array.from(t?.dataSync() ?? []);

/** Output and every parameter's gradient of `run(x)`, with `run` fresh from `make`. */
function outcome(make: () => Module, run: (m: Module, x: Tensor) => Tensor, x: Tensor) {
  manualSeed(7);
  const model = make();
  const y = run(model, x);
  y.mul(y).sum().backward();
  const out = [bits(y), ...model.parameters().map((p) => bits(p.grad))];
  y.dispose();
  model.dispose();
  return out;
}

describe('a convolution followed by a ReLU', () => {
  const makeSeq = () =>
    new Sequential(
      new Conv2d(2, 4, 3, { padding: 1 }),
      new ReLU(),
      new MaxPool2d(2),
      new Conv2d(4, 3, 3),
      new ReLU(),
    );
  // The same modules, run one after the other by hand.
  const unfused = (m: Module, x: Tensor): Tensor => {
    let y = x;
    for (const layer of m.children()) y = layer.forward(y);
    return y;
  };

  it('in a Sequential: one fused call per pair, the same numbers and gradients', () => {
    manualSeed(3);
    const x = randn([2, 2, 8, 8]);
    const before = fusedCalls;
    const fused = outcome(makeSeq, (m, v) => m.forward(v), x);
    expect(fusedCalls).toBe(before + 2);
    const plain = outcome(makeSeq, unfused, x);
    expect(fusedCalls).toBe(before + 2);
    expect(fused).toEqual(plain);
    // The relu zeroed some outputs: the comparison saw it act.
    expect((fused[0] as number[]).filter((v) => v === 0).length).toBeGreaterThan(0);
    x.dispose();
  });

  it('in LeNet5, at inference and in training alike', () => {
    manualSeed(4);
    const x = randn([3, 1, 28, 28]);
    const before = fusedCalls;
    const fused = outcome(
      () => new LeNet5(),
      (m, v) => m.forward(v),
      x,
    );
    expect(fusedCalls).toBe(before + 2);
    const byHand = (m: Module, v: Tensor): Tensor => {
      const l = m as LeNet5;
      let y = l.pool1.forward(l.act1.forward(l.conv1.forward(v)));
      y = l.pool2.forward(l.act2.forward(l.conv2.forward(y)));
      y = l.act3.forward(l.fc1.forward(l.flatten.forward(y)));
      return l.fc3.forward(l.act4.forward(l.fc2.forward(y)));
    };
    expect(fused).toEqual(outcome(() => new LeNet5(), byHand, x));
    manualSeed(5);
    const model = new LeNet5().eval();
    const calls = fusedCalls;
    const logits = noGrad(() => model.forward(x));
    expect(fusedCalls).toBe(calls + 2);
    expect(bits(logits)).toEqual(bits(noGrad(() => byHand(model, x))));
    model.dispose();
    x.dispose();
  });

  it('runs as two modules when either has a forward hook, so the hook sees its input', () => {
    manualSeed(6);
    const x = randn([1, 2, 6, 6]);
    const model = new Sequential(new Conv2d(2, 3, 3), new ReLU());
    const seen: number[][] = [];
    const remove = (model[1] as Module).registerForwardHook((_m, inputs) =>
      seen.push(bits(inputs[0])),
    );
    const before = fusedCalls;
    const y = model.forward(x);
    expect(fusedCalls).toBe(before);
    // The hook saw the convolution's output, negative values included.
    expect(seen[0]?.some((v) => v < 0)).toBe(true);
    remove();
    const again = model.forward(x);
    expect(fusedCalls).toBe(before + 1);
    expect(bits(again)).toEqual(bits(y));
    for (const t of [x, y, again]) t.dispose();
    model.dispose();
  });

  it('fuses only a convolution with a ReLU: other activations and orders run as they are', () => {
    manualSeed(8);
    const x = randn([1, 2, 10]);
    const before = fusedCalls;
    for (const model of [
      new Sequential(new Conv1d(2, 3, 3), new Tanh()),
      new Sequential(new ReLU(), new Conv1d(2, 3, 3)),
    ]) {
      model.forward(x).dispose();
      model.dispose();
    }
    expect(fusedCalls).toBe(before);
    const fused = new Sequential(new Conv1d(2, 3, 3), new ReLU());
    fused.forward(x).dispose();
    expect(fusedCalls).toBe(before + 1);
    fused.dispose();
    x.dispose();
  });
});
