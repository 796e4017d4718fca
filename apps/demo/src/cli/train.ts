/**
 * The training CLI: `pnpm start` from the repository root trains LeNet-5 on MNIST with the
 * defaults below and reports the test accuracy; `pnpm start --help` lists the flags.
 */
import { memory } from '@stride/core';
import { parseTrainOptions } from './options.js';
import { progressBar, progressLines } from './progress.js';
import { buildModel, buildOptimizer, describeBackend, loadData, startBackend } from './setup.js';
import { train } from './train-loop.js';

async function main(): Promise<void> {
  const o = parseTrainOptions(process.argv.slice(2));
  const backend = await startBackend(o.backend, o.threads);
  const data = await loadData(o);
  const model = buildModel(o);
  const optimizer = buildOptimizer(o, model);
  console.log(
    `Training ${o.model} on ${o.dataset} (${data.train.length} images) with ${optimizer.name}, ` +
      `lr ${o.lr}, batch ${o.batchSize}, ${o.epochs} epochs, seed ${o.seed}, on the ${describeBackend(backend)}`,
  );
  const progress =
    o.progress && process.stdout.isTTY ? progressBar(o.epochs) : progressLines(o.epochs);
  const result = await train(o, model, optimizer, data, progress);
  console.log(
    `Test accuracy ${(result.testAccuracy * 100).toFixed(2)}% on ${data.test.length} images, ` +
      `${result.seconds.toFixed(1)} s in all. Checkpoint: ${result.checkpoint}`,
  );
  if (result.onnx !== undefined) console.log(`ONNX model: ${result.onnx}`);
  optimizer.dispose();
  model.dispose();
  const left = memory().numTensors;
  if (left !== 0) console.warn(`warning: ${left} tensors still alive at exit`);
}

main().catch((error: unknown) => {
  console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
