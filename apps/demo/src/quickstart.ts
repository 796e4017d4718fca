/**
 * A first run of Stride: a small CNN built from core ops learns to tell horizontal bars from
 * vertical bars and crosses in noisy 12×12 images, on the CPU backend. It prints the loss as it
 * trains and the accuracy on images it never saw. (The LeNet-5 / MNIST training CLI replaces this
 * as the main job once the layers package lands.)
 */
import { cpu } from '@stride/backend-cpu';
import {
  conv2d,
  crossEntropy,
  keep,
  linear,
  manualSeed,
  maxPool2d,
  memory,
  noGrad,
  randn,
  registerBackend,
  relu,
  type Tensor,
  tensor,
  tidy,
  zeros,
} from '@stride/core';

const SIZE = 12;
const CLASSES = ['horizontal', 'vertical', 'cross'];

/** Noisy images with a bar (or two) at a random place; labels are the class index. */
function makeBatch(n: number, random: () => number): { x: Tensor; y: Tensor } {
  const pixels = new Float32Array(n * SIZE * SIZE);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const label = Math.floor(random() * CLASSES.length);
    labels[i] = label;
    const row = 2 + Math.floor(random() * (SIZE - 4));
    const col = 2 + Math.floor(random() * (SIZE - 4));
    for (let p = 0; p < SIZE * SIZE; p++) pixels[i * SIZE * SIZE + p] = 0.3 * (random() - 0.5);
    for (let k = 0; k < SIZE; k++) {
      if (label !== 1) pixels[i * SIZE * SIZE + row * SIZE + k] += 1;
      if (label !== 0) pixels[i * SIZE * SIZE + k * SIZE + col] += 1;
    }
  }
  return { x: tensor(pixels, { shape: [n, 1, SIZE, SIZE] }), y: tensor(labels) };
}

/** A seeded generator for the data, so every run is the same. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

registerBackend(cpu());
manualSeed(0);
const param = (shape: number[], scale: number): Tensor => {
  const p = keep(tidy(() => randn(shape).mul(scale)));
  p.requiresGrad = true;
  return p;
};
const params = {
  w1: param([8, 1, 3, 3], 0.4),
  b1: keep(zeros([8], { requiresGrad: true })),
  w2: param([3, 8 * 6 * 6], 0.05),
  b2: keep(zeros([3], { requiresGrad: true })),
};

function model(x: Tensor): Tensor {
  const h = maxPool2d(relu(conv2d(x, params.w1, { bias: params.b1, padding: 1 })), {
    kernelSize: 2,
  });
  return linear(h.flatten(1), params.w2, params.b2);
}

const random = mulberry32(42);
const lr = 0.1;
const started = performance.now();
for (let step = 1; step <= 300; step++) {
  const loss = tidy(() => {
    const { x, y } = makeBatch(32, random);
    const l = crossEntropy(model(x), y);
    l.backward();
    noGrad(() => {
      for (const p of Object.values(params)) {
        p.assign(p.sub((p.grad as Tensor).mul(lr)));
        p.grad?.dispose();
        p.grad = null;
      }
    });
    return l.itemSync();
  });
  if (step % 50 === 0) console.log(`step ${step}  loss ${loss.toFixed(4)}`);
}
const accuracy = tidy(() => {
  const { x, y } = makeBatch(500, random);
  const predicted = noGrad(() => model(x).argmax(1));
  return predicted.eq(y).cast('float32').mean().itemSync();
});
const seconds = (performance.now() - started) / 1000;
console.log(
  `held-out accuracy ${(accuracy * 100).toFixed(1)}% after 300 steps in ${seconds.toFixed(1)} s`,
);
console.log(`live tensors: ${memory().numTensors} (the 4 parameters)`);
