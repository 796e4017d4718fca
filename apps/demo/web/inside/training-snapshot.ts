import {
  concat,
  crossEntropy,
  fail,
  noGrad,
  slice,
  softmax,
  stack,
  type Tensor,
  tidy,
} from '@stride/core';
import type { LeNet5 } from '@stride/layers';
import type { Optimizer } from '@stride/optimizers';
import { type Histogram, histogram } from './histogram.js';

/** LeNet-5's layers with weights, input to output: the rows of the gradient-flow view. */
export const LEARNABLE = ['conv1', 'conv2', 'fc1', 'fc2', 'fc3'] as const;
export type LearnableName = (typeof LEARNABLE)[number];

/** The probe digit's layers the live view shows (the same as for a drawing; flatten is skipped). */
export const PROBE_LAYERS = [
  'conv1',
  'act1',
  'pool1',
  'conv2',
  'act2',
  'pool2',
  'act3',
  'act4',
  'fc3',
] as const;

/** Bins of every histogram: even, so that zero is an edge. */
export const HISTOGRAM_BINS = 32;

/**
 * Images of the batch whose outputs go into the activation histograms: plenty for the shape of a
 * distribution (37,632 values at conv1), and an eighth of what a batch of 64 would cost to read
 * back and count at every refresh.
 */
export const HISTOGRAM_IMAGES = 8;

/** Root mean square of the gradients of one step, for one learnable layer. */
export interface GradientRms {
  /** ∂loss/∂(the layer's output): what the backward pass brings to the layer. */
  output: number;
  /** ∂loss/∂weight: what the optimizer moves the weights by (scaled by its rule). */
  weight: number;
  /** ∂loss/∂bias. */
  bias: number;
}

export interface LayerSnapshot {
  name: LearnableName;
  /** The weights after the step, row-major, of shape `weightShape`. */
  weights: Float32Array;
  weightShape: number[];
  bias: Float32Array;
  gradient: GradientRms;
  /** The weights' histogram (biases are not in it). */
  weightHistogram: Histogram;
  /** The layer's outputs (before its ReLU) for the first `HISTOGRAM_IMAGES` images of the batch. */
  activationHistogram: Histogram;
  /** How many outputs that is: images × the output's size. */
  activationCount: number;
}

export interface ProbeActivation {
  name: string;
  /** Shape without the batch dimension: [C, H, W] for maps, [F] for features. */
  shape: number[];
  data: Float32Array;
}

/** What the live view shows about one training step, read back from the device. */
export interface InsideSnapshot {
  step: number;
  epoch: number;
  /** The batch's loss at this step. */
  loss: number;
  batchSize: number;
  layers: LayerSnapshot[];
  /** The probe digit at every layer of `PROBE_LAYERS`, with the weights after the step. */
  probe: ProbeActivation[];
  /** The model's probabilities of the ten digits for the probe, after the step. */
  probeProbabilities: Float32Array;
}

interface Part {
  name: string;
  shape: number[];
  offset: number;
  size: number;
}

/**
 * The numbers of one recorded step, still on the device in one flat tensor (so that reading them
 * back is one transfer, at refresh time), with where each part lies in it. `readSnapshot` reads
 * and frees it.
 */
export interface RecordedStep {
  packed: Tensor;
  parts: Part[];
  batchSize: number;
  /** Elements of each learnable layer's output over the whole batch (for the RMS of its gradient). */
  outputSizes: number[];
}

/**
 * One training step (forward, cross-entropy, backward, optimizer step), identical to
 * `model.forward` + `loss.backward()` + `optimizer.step()`, that also keeps what the live view
 * shows, without another pass: the forward runs the model's layers one by one and asks autograd
 * to keep the gradient at each learnable layer's output (`retainGrad`); the same backward pass
 * fills those and the parameters' `.grad`. Their sums of squares, a few images' activations, the
 * updated weights and the probe digit's activations (one extra forward of one image) are packed
 * into one tensor on the device. Returns the step's loss and correct count, as the plain step
 * does. The parameters' `.grad` stay as the step left them, until the next `zeroGrad()`.
 */
export function recordedStep(
  model: LeNet5,
  optimizer: Optimizer,
  x: Tensor,
  y: Tensor,
  probe: Tensor,
): { loss: Tensor; hits: Tensor; recorded: RecordedStep } {
  const fn = 'recordedStep';
  if (probe.rank !== 4 || probe.shape[0] !== 1) {
    fail(fn, `probe must be one image [1, C, 28, 28], got [${probe.shape.join(',')}]`);
  }
  return tidy(() => {
    const outputs = new Map<string, Tensor>();
    let h: Tensor = x;
    for (const [name, layer] of model.namedChildren()) {
      h = layer.forward(h);
      if ((LEARNABLE as readonly string[]).includes(name)) {
        h.retainGrad();
        outputs.set(name, h);
      }
    }
    const logits = h;
    const loss = crossEntropy(logits, y);
    optimizer.zeroGrad();
    loss.backward();

    const parts: Part[] = [];
    const flat: Tensor[] = [];
    let offset = 0;
    const add = (name: string, t: Tensor) => {
      parts.push({ name, shape: t.shape.slice(), offset, size: t.size });
      flat.push(t.reshape([t.size]));
      offset += t.size;
    };
    const images = Math.min(HISTOGRAM_IMAGES, x.shape[0] as number);
    noGrad(() => {
      const squares: Tensor[] = [];
      for (const name of LEARNABLE) {
        const layer = model[name];
        const out = outputs.get(name) as Tensor;
        for (const g of [out.grad, layer.weight.grad, layer.bias?.grad]) {
          if (!g) fail(fn, `the backward pass left no gradient at ${name}`);
          squares.push(g.square().sum());
        }
        add(`${name}.activation`, slice(out.detach(), 0, 0, images));
      }
      add('squares', stack(squares));
    });
    optimizer.step();
    noGrad(() => {
      for (const name of LEARNABLE) {
        const layer = model[name];
        add(`${name}.weight`, layer.weight.detach());
        add(`${name}.bias`, (layer.bias as Tensor).detach());
      }
      let p: Tensor = probe;
      for (const [name, layer] of model.namedChildren()) {
        p = layer.forward(p);
        if ((PROBE_LAYERS as readonly string[]).includes(name)) add(`probe.${name}`, p);
      }
      add('probe.probabilities', softmax(p, 1));
    });
    const hits = noGrad(() => logits.argmax(1).eq(y).sum());
    return {
      loss: loss.detach(),
      hits,
      recorded: {
        packed: concat(flat),
        parts,
        batchSize: x.shape[0] as number,
        outputSizes: LEARNABLE.map((name) => (outputs.get(name) as Tensor).size),
      },
    };
  });
}

/** Reads a recorded step back from the device (one transfer), frees it, and sums it up. */
export async function readSnapshot(
  recorded: RecordedStep,
  meta: { step: number; epoch: number; loss: number },
): Promise<InsideSnapshot> {
  let data: Float32Array;
  try {
    data = (await recorded.packed.data()) as Float32Array;
  } finally {
    recorded.packed.dispose();
  }
  const byName = new Map(recorded.parts.map((p) => [p.name, p]));
  // Copies for what the snapshot keeps; views for what is only counted.
  const part = (name: string, copy = true) => {
    const p = byName.get(name) as Part;
    const end = p.offset + p.size;
    return {
      shape: p.shape,
      data: copy ? data.slice(p.offset, end) : data.subarray(p.offset, end),
      size: p.size,
    };
  };
  const squares = part('squares').data;
  const layers = LEARNABLE.map((name, i): LayerSnapshot => {
    const w = part(`${name}.weight`);
    const b = part(`${name}.bias`);
    const a = part(`${name}.activation`, false);
    const rms = (k: number, n: number) => Math.sqrt((squares[3 * i + k] as number) / n);
    return {
      name,
      weights: w.data,
      weightShape: w.shape,
      bias: b.data,
      gradient: {
        output: rms(0, recorded.outputSizes[i] as number),
        weight: rms(1, w.size),
        bias: rms(2, b.size),
      },
      weightHistogram: histogram(w.data, HISTOGRAM_BINS),
      activationHistogram: histogram(a.data, HISTOGRAM_BINS),
      activationCount: a.size,
    };
  });
  const probe = PROBE_LAYERS.map((name): ProbeActivation => {
    const p = part(`probe.${name}`);
    return { name, shape: p.shape.slice(1), data: p.data };
  });
  return {
    ...meta,
    batchSize: recorded.batchSize,
    layers,
    probe,
    probeProbabilities: part('probe.probabilities').data,
  };
}
