/**
 * `pnpm --filter @stride/bench rotated-mnist`: a p4 group-equivariant CNN (`@stride/equivariant`)
 * against a plain CNN with about the same number of parameters, on rotated MNIST.
 *
 * Protocol (MNIST-rot, Larochelle et al. 2007, the benchmark of Cohen & Welling 2016): every
 * training and test image is turned by its own angle drawn uniformly from [0°, 360°), about the
 * image centre, with bilinear interpolation. MNIST-rot has 12,000 training and 50,000 test images;
 * here the training set is the first 12,000 MNIST training images and the test set the first
 * 5,000 MNIST test images (`--train`, `--test`), rotated from a fixed seed, so a run takes minutes
 * on two CPU cores.
 *
 * The two networks have the same layout: four 3×3 convolutions (padding 1, no bias), each
 * followed by batch normalisation and ReLU, 2×2 max pooling after the first and the third, global
 * average pooling and a linear classifier. The p4 network has 8, 8, 16, 16 channels of p4 feature
 * maps (a lifting, then group convolutions; `BatchNorm3d` normalises them) and pools over the
 * rotations before the global pooling; the plain one has 16, 16, 32, 32 channels, which gives the
 * same number of weights per layer (a p4 filter holds 4 planes; doubling the channels of both
 * sides of a plain convolution does the same), as in Cohen & Welling's comparison. Both train
 * with the same recipe (Adam with a one-cycle schedule peaking at 0.005, batch 64), batches and
 * seed.
 *
 * It prints each model's parameters, the test accuracy after every epoch, the training time, and
 * how often each model's prediction stays the same when every test image is turned by a further
 * 90° (always, for the p4 network, up to float32 rounding). `--out <dir>` writes the report as
 * `rotated-mnist.{txt,json}` (by default into results/<date>-<cpu>-<cores>cpu/).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { cpu } from '@stride/backend-cpu';
import {
  argmax,
  manualSeed,
  noGrad,
  registerBackend,
  setBackend,
  type Tensor,
  tidy,
} from '@stride/core';
import { ArrayDataset, DataLoader, loadMnist } from '@stride/datasets';
import { P4Conv2d, P4LiftConv2d, P4MaxPool2d, P4Pool } from '@stride/equivariant';
import {
  AdaptiveAvgPool2d,
  BatchNorm2d,
  BatchNorm3d,
  Conv2d,
  CrossEntropyLoss,
  Flatten,
  Linear,
  MaxPool2d,
  type Module,
  ReLU,
  Sequential,
} from '@stride/layers';
import { Adam, OneCycleLR } from '@stride/optimizers';
import { machineInfo, machineSlug } from './machine.js';
import { mulberry32 } from './rng.js';

const USAGE = `Usage: pnpm --filter @stride/bench rotated-mnist [options]
  --train <n>    training images, the first n of MNIST's training set (default 12000)
  --test <n>     test images, the first n of MNIST's test set (default 5000)
  --epochs <n>   epochs per model (default 3)
  --seed <n>     seed of the rotations, the initial weights and the batch order (default 0)
  --out <dir>    where to write rotated-mnist.{txt,json} (default results/<date>-<cpu>-<cores>cpu)`;

interface Options {
  train: number;
  test: number;
  epochs: number;
  seed: number;
  out: string | undefined;
}

function parseArgs(argv: readonly string[]): Options {
  const o: Options = { train: 12000, test: 5000, epochs: 3, seed: 0, out: undefined };
  for (let i = 0; i < argv.length; i += 2) {
    const [key, value] = [argv[i] as string, argv[i + 1]];
    if (value === undefined) throw new Error(`${key} needs a value`);
    if (key === '--out') {
      o.out = value;
      continue;
    }
    const name = key.replace(/^--/, '') as Exclude<keyof Options, 'out'>;
    if (!['train', 'test', 'epochs', 'seed'].includes(name) || !key.startsWith('--')) {
      throw new Error(`unknown option ${key}`);
    }
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n < (name === 'seed' ? 0 : 1)) {
      throw new Error(
        `${key} must be an integer${name === 'seed' ? ' ≥ 0' : ' ≥ 1'}, got ${value}`,
      );
    }
    o[name] = n;
  }
  return o;
}

/**
 * `count` images of `data` from `start`, each turned by its own uniform angle about the centre
 * (bilinear, zero outside), as float32 normalised with MNIST's mean and deviation.
 */
function rotated(data: ArrayDataset, count: number, random: () => number): ArrayDataset {
  const size = 28;
  const c = (size - 1) / 2;
  const src = data.x as Uint8Array;
  const x = new Float32Array(count * size * size);
  const y = new Int32Array(count);
  for (let n = 0; n < count; n++) {
    const angle = random() * 2 * Math.PI;
    const [cos, sin] = [Math.cos(angle), Math.sin(angle)];
    const image = n * size * size;
    for (let i = 0; i < size; i++) {
      for (let j = 0; j < size; j++) {
        // The source of output pixel (i, j): turned back by the angle about the centre.
        const si = cos * (i - c) - sin * (j - c) + c;
        const sj = sin * (i - c) + cos * (j - c) + c;
        const [i0, j0] = [Math.floor(si), Math.floor(sj)];
        const [fi, fj] = [si - i0, sj - j0];
        const at = (a: number, b: number): number =>
          a < 0 || a >= size || b < 0 || b >= size ? 0 : (src[image + a * size + b] as number);
        const v =
          (1 - fi) * ((1 - fj) * at(i0, j0) + fj * at(i0, j0 + 1)) +
          fi * ((1 - fj) * at(i0 + 1, j0) + fj * at(i0 + 1, j0 + 1));
        x[image + i * size + j] = (v / 255 - 0.1307) / 0.3081;
      }
    }
    y[n] = data.y[n] as number;
  }
  return new ArrayDataset(x, [1, size, size], y);
}

/** `data`'s images turned by exactly 90° (a permutation of the pixels, no interpolation). */
function quarterTurned(data: ArrayDataset): ArrayDataset {
  const size = 28;
  const src = data.x as Float32Array;
  const x = new Float32Array(src.length);
  for (let image = 0; image < src.length; image += size * size) {
    for (let i = 0; i < size; i++) {
      for (let j = 0; j < size; j++) {
        x[image + i * size + j] = src[image + j * size + (size - 1 - i)] as number;
      }
    }
  }
  return new ArrayDataset(x, [1, size, size], data.y);
}

/**
 * The p4 network: lifting, three group convolutions, group pooling, global pooling. Batch
 * normalisation of a p4 map `[N, C, 4, H, W]` is `BatchNorm3d`: one mean and variance per channel
 * over the batch, the four rotations and the positions, which keeps equivariance.
 */
function p4Cnn(): Sequential {
  const conv = { padding: 1, bias: false };
  return new Sequential(
    new P4LiftConv2d(1, 8, 3, conv),
    new BatchNorm3d(8),
    new ReLU(),
    new P4MaxPool2d(2),
    new P4Conv2d(8, 8, 3, conv),
    new BatchNorm3d(8),
    new ReLU(),
    new P4Conv2d(8, 16, 3, conv),
    new BatchNorm3d(16),
    new ReLU(),
    new P4MaxPool2d(2),
    new P4Conv2d(16, 16, 3, conv),
    new BatchNorm3d(16),
    new ReLU(),
    new P4Pool(),
    new AdaptiveAvgPool2d(1),
    new Flatten(),
    new Linear(16, 10),
  );
}

/** The plain network: the same layout with twice the channels, about as many parameters. */
function plainCnn(): Sequential {
  const conv = { padding: 1, bias: false };
  return new Sequential(
    new Conv2d(1, 16, 3, conv),
    new BatchNorm2d(16),
    new ReLU(),
    new MaxPool2d(2),
    new Conv2d(16, 16, 3, conv),
    new BatchNorm2d(16),
    new ReLU(),
    new Conv2d(16, 32, 3, conv),
    new BatchNorm2d(32),
    new ReLU(),
    new MaxPool2d(2),
    new Conv2d(32, 32, 3, conv),
    new BatchNorm2d(32),
    new ReLU(),
    new AdaptiveAvgPool2d(1),
    new Flatten(),
    new Linear(32, 10),
  );
}

/** The predicted classes of `data`, in order. */
function predict(model: Module, data: ArrayDataset): Int32Array {
  model.eval();
  const out = new Int32Array(data.length);
  let offset = 0;
  for (const batch of new DataLoader(data, { batchSize: 500 })) {
    const classes = tidy(() => noGrad(() => argmax(model.forward(batch.x), 1)));
    out.set(classes.dataSync() as Int32Array, offset);
    offset += classes.size;
    for (const t of [classes, batch.x, batch.y] as Tensor[]) t.dispose();
  }
  model.train();
  return out;
}

function accuracy(predicted: Int32Array, labels: Int32Array | Float32Array): number {
  let right = 0;
  for (let i = 0; i < predicted.length; i++) if (predicted[i] === labels[i]) right++;
  return right / predicted.length;
}

interface ModelResult {
  name: string;
  parameters: number;
  epochAccuracy: number[];
  trainSeconds: number;
  testAccuracy: number;
  /** Share of test images whose prediction is unchanged when the image is turned 90° more. */
  sameUnderQuarterTurn: number;
}

async function trainAndTest(
  name: string,
  make: () => Sequential,
  train: ArrayDataset,
  test: ArrayDataset,
  testTurned: ArrayDataset,
  o: Options,
  afterEpoch: () => void,
): Promise<ModelResult> {
  manualSeed(o.seed);
  const model = make();
  const criterion = new CrossEntropyLoss();
  const optimizer = new Adam(model.parameters(), { lr: MAX_LR });
  const loader = new DataLoader(train, { batchSize: 64, shuffle: true, seed: o.seed });
  const totalSteps = o.epochs * loader.length;
  const scheduler = new OneCycleLR(optimizer, { maxLr: MAX_LR, totalSteps });
  let done = 0;
  const epochAccuracy: number[] = [];
  let trainMs = 0;
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    const start = performance.now();
    let lossSum = 0;
    let steps = 0;
    for (const batch of loader) {
      const loss = tidy(() => {
        const l = criterion.forward(model.forward(batch.x), batch.y);
        optimizer.zeroGrad();
        l.backward();
        optimizer.step();
        return l.detach();
      });
      // The schedule's last rate is that of the last batch: no step after it.
      if (++done < totalSteps) scheduler.step();
      lossSum += loss.itemSync();
      steps++;
      for (const t of [loss, batch.x, batch.y] as Tensor[]) t.dispose();
    }
    trainMs += performance.now() - start;
    epochAccuracy.push(accuracy(predict(model, test), test.y));
    afterEpoch();
    console.log(
      `  ${name} epoch ${epoch + 1}: loss ${(lossSum / steps).toFixed(4)}, test accuracy ${pct(epochAccuracy[epoch] as number)}, ${((performance.now() - start) / 1000).toFixed(0)} s`,
    );
  }
  const predicted = predict(model, test);
  const turned = predict(model, testTurned);
  let same = 0;
  for (let i = 0; i < predicted.length; i++) if (predicted[i] === turned[i]) same++;
  const result: ModelResult = {
    name,
    parameters: model.numParameters(),
    epochAccuracy,
    trainSeconds: Math.round(trainMs / 1000),
    testAccuracy: accuracy(predicted, test.y),
    sameUnderQuarterTurn: same / predicted.length,
  };
  optimizer.dispose();
  criterion.dispose();
  model.dispose();
  return result;
}

/** The peak learning rate of the one-cycle schedule (Adam). */
const MAX_LR = 0.005;

const round2 = (v: number): number => Math.round(v * 100) / 100;

const pct = (v: number): string => `${(100 * v).toFixed(2)}%`;

async function main(): Promise<void> {
  let o: Options;
  try {
    o = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`error: ${(e as Error).message}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  // Node 20 validates relaxed SIMD only behind this flag; it must be set before cpu() compiles.
  setFlagsFromString('--experimental-wasm-relaxed-simd');
  const backend = cpu();
  registerBackend(backend);
  await setBackend('cpu');
  const machine = machineInfo();
  // The 1-minute load average, sampled at the start and after each epoch: training blocks the
  // event loop, so a timer (machine.ts's sampleLoad) would not fire meanwhile.
  const loads = [loadavg()[0] as number];
  const began = new Date();

  const [mnistTrain, mnistTest] = await Promise.all([
    loadMnist({ train: true }),
    loadMnist({ train: false }),
  ]);
  if (o.train > mnistTrain.length || o.test > mnistTest.length) {
    throw new Error(`MNIST has ${mnistTrain.length} training and ${mnistTest.length} test images`);
  }
  const train = rotated(mnistTrain, o.train, mulberry32(o.seed));
  const test = rotated(mnistTest, o.test, mulberry32(o.seed + 1));
  const testTurned = quarterTurned(test);

  console.log(
    `Rotated MNIST: ${o.train} training and ${o.test} test images, each turned by a uniform angle in [0°, 360°); ${o.epochs} epochs, Adam with a one-cycle schedule (peak lr ${MAX_LR}), batch 64, seed ${o.seed}`,
  );
  const results: ModelResult[] = [];
  const sampleLoad = () => loads.push(loadavg()[0] as number);
  results.push(await trainAndTest('p4-CNN', p4Cnn, train, test, testTurned, o, sampleLoad));
  results.push(await trainAndTest('plain CNN', plainCnn, train, test, testTurned, o, sampleLoad));

  const lines = [
    `Rotated MNIST (MNIST-rot protocol: train and test images each turned by a uniform random angle), ${began.toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    `Machine: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}; Stride CPU backend (${backend.kernels}, ${backend.threads} threads)`,
    `Load average (1 min): ${round2(loads[0] as number)} at the start, ${round2(loads.at(-1) as number)} at the end, ${round2(Math.max(...loads))} at most (sampled after each epoch).`,
    `Data: the first ${o.train} MNIST training images and the first ${o.test} MNIST test images, rotated from seed ${o.seed} (bilinear).`,
    `Training: ${o.epochs} epochs, Adam with a one-cycle schedule (peak lr ${MAX_LR}), batch 64, cross-entropy; the same batches and seed for both models.`,
    '',
    '  model        parameters  test accuracy  after each epoch        train time  same prediction after a further 90° turn',
    ...results.map(
      (r) =>
        `  ${r.name.padEnd(11)}  ${String(r.parameters).padStart(10)}  ${pct(r.testAccuracy).padStart(13)}  ${r.epochAccuracy.map(pct).join(', ').padEnd(22)}  ${`${r.trainSeconds} s`.padStart(10)}  ${pct(r.sameUnderQuarterTurn)}`,
    ),
  ];
  const report = lines.join('\n');
  console.log(`\n${report}\n`);
  const here = dirname(fileURLToPath(import.meta.url));
  const dir = o.out ?? join(here, '..', 'results', machineSlug(machine, began));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'rotated-mnist.txt'), `${report}\n`);
  writeFileSync(
    join(dir, 'rotated-mnist.json'),
    `${JSON.stringify({ date: began.toISOString(), machine, load1m: loads.map(round2), options: o, results }, null, 2)}\n`,
  );
  console.log(`Results: ${dir}/rotated-mnist.{txt,json}`);
}

main().catch((e: unknown) => {
  console.error(`error: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
