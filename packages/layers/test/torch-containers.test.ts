/**
 * The state-dict names of ModuleList, ModuleDict and Identity, nested with ConvTranspose2d,
 * GroupNorm, LayerNorm, InstanceNorm2d (running statistics) and BatchNorm2d, are PyTorch's:
 * PyTorch's state dict (scripts/torch_containers.py) loads strictly into the same model built
 * here, with the same keys in the same order and the same eval output, and Stride's state dict
 * saves and loads back unchanged. When /usr/bin/python3 has torch, the script's `check` also
 * loads Stride's file into PyTorch with load_state_dict(strict=True); without it that test is
 * skipped and the others need no Python.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  decodeSafetensors,
  encodeSafetensors,
  memory,
  noGrad,
  type Tensor,
  tidy,
} from '@stride/core';
import { loadSafetensors } from '@stride/core/node';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  BatchNorm2d,
  Conv2d,
  ConvTranspose2d,
  GroupNorm,
  Identity,
  InstanceNorm2d,
  LayerNorm,
  Module,
  ModuleDict,
  ModuleList,
} from '../src/index.js';
import { errorOf, must, useCpu } from './setup.js';

beforeAll(useCpu);

const FIXTURE = fileURLToPath(new URL('../fixtures/torch-containers.safetensors', import.meta.url));
const SCRIPT = fileURLToPath(new URL('../scripts/torch_containers.py', import.meta.url));
const PYTHON = '/usr/bin/python3';
const hasTorch =
  existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;

/** What the script holds Stride's output to in PyTorch, and this test PyTorch's in Stride. */
const TOLERANCE = 1e-4;

/** The Adam steps the script trains for: BatchNorm2d's `num_batches_tracked`. */
const TRAIN_STEPS = 12;

/** PyTorch's state-dict keys of the script's ContainerNet, in PyTorch's order. */
const TORCH_KEYS = [
  'stem.weight',
  'stem.bias',
  'blocks.0.conv.weight',
  'blocks.0.conv.bias',
  'blocks.0.norm.weight',
  'blocks.0.norm.bias',
  'blocks.1.conv.weight',
  'blocks.1.conv.bias',
  'blocks.1.norm.weight',
  'blocks.1.norm.bias',
  'blocks.1.skip.weight',
  'inorm.weight',
  'inorm.bias',
  'inorm.running_mean',
  'inorm.running_var',
  'inorm.num_batches_tracked',
  'up.weight',
  'up.bias',
  'lnorm.weight',
  'lnorm.bias',
  'bn.weight',
  'bn.bias',
  'bn.running_mean',
  'bn.running_var',
  'bn.num_batches_tracked',
];

type Block = ModuleDict<{ conv: Conv2d; norm: GroupNorm; skip: Module }>;

/**
 * The script's ContainerNet: block 0's `skip` is an Identity, which has no state and so no
 * names, and block 1's a 1x1 projection, whose names show that the list counts blocks.
 */
class ContainerNet extends Module {
  static override readonly typeName = 'ContainerNet';
  readonly stem = new Conv2d(3, 8, 3, { padding: 1 });
  readonly blocks = new ModuleList<Block>([
    new ModuleDict({
      conv: new Conv2d(8, 8, 3, { padding: 1 }),
      norm: new GroupNorm(2, 8),
      skip: new Identity() as Module,
    }),
    new ModuleDict({
      conv: new Conv2d(8, 12, 3, { padding: 1 }),
      norm: new GroupNorm(4, 12),
      skip: new Conv2d(8, 12, 1, { bias: false }) as Module,
    }),
  ]);
  readonly inorm = new InstanceNorm2d(12, { affine: true, trackRunningStats: true });
  readonly up = new ConvTranspose2d(12, 4, 3, { stride: 2, padding: 1, outputPadding: 1 });
  readonly lnorm = new LayerNorm([8, 8]);
  readonly bn = new BatchNorm2d(4);

  forward(x: Tensor): Tensor {
    let h = this.stem(x);
    for (const block of this.blocks) {
      h = block
        .get('skip')(h)
        .add(block.get('norm')(block.get('conv')(h)).relu());
    }
    return this.bn(this.lnorm(this.up(this.inorm(h))));
  }
}

/** The model's eval output on `x`, read out so that no tensor is left behind. */
const outputOf = (model: ContainerNet, x: Tensor): Float32Array =>
  tidy(() => {
    model.eval();
    return Float32Array.from(noGrad(() => model(x)).dataSync() as Float32Array);
  });

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
};

/** Each tensor as `dtype[shape]` and its values, to compare two sets in one assertion. */
const contents = (tensors: Record<string, Tensor>): Record<string, [string, number[]]> =>
  Object.fromEntries(
    Object.entries(tensors).map(([k, t]) => [
      k,
      [`${t.dtype}[${t.shape.join(',')}]`, Array.from(t.dataSync())],
    ]),
  );

const disposeAll = (tensors: Record<string, Tensor>): void => {
  for (const t of Object.values(tensors)) t.dispose();
};

/** A file of the script's layout split up: the state dict, in the order of `keys`, and the io. */
function split(
  tensors: Record<string, Tensor>,
  metadata: Record<string, string>,
): { keys: string[]; state: Record<string, Tensor>; input: Tensor; output: Tensor } {
  const keys = JSON.parse(must(metadata.keys)) as string[];
  expect(Object.keys(tensors).sort()).toEqual([...keys, 'input', 'output'].sort());
  const state = Object.fromEntries(keys.map((k) => [k, must(tensors[k])]));
  return { keys, state, input: must(tensors.input), output: must(tensors.output) };
}

/**
 * A file of the script's layout from Stride: the model's state dict, its keys in its order,
 * `input` and the model's eval output on it.
 */
async function strideFile(model: ContainerNet, input: Tensor): Promise<Uint8Array> {
  const state = model.stateDict();
  const output = tidy(() => {
    model.eval();
    return noGrad(() => model(input));
  });
  const bytes = await encodeSafetensors(
    { ...state, input, output },
    { format: 'pt', keys: JSON.stringify(Object.keys(state)) },
  );
  disposeAll(state);
  output.dispose();
  return bytes;
}

/** `decodeSafetensors(bytes)` as the arguments of `split`. */
const decoded = (bytes: Uint8Array): [Record<string, Tensor>, Record<string, string>] => {
  const { tensors, metadata } = decodeSafetensors(bytes);
  return [tensors, metadata];
};

/** ContainerNet with PyTorch's weights, and the fixture's input and PyTorch's output. */
async function torchModel(): Promise<{ model: ContainerNet; input: Tensor; output: Tensor }> {
  const { tensors, metadata } = await loadSafetensors(FIXTURE);
  const { state, input, output } = split(tensors, metadata);
  const model = new ContainerNet();
  model.loadStateDict(state);
  disposeAll(state);
  return { model, input, output };
}

describe('ModuleList, ModuleDict and Identity state dicts shared with PyTorch', () => {
  let baseline: ReturnType<typeof memory>;
  beforeEach(() => {
    baseline = memory();
  });
  afterEach(() => {
    expect(memory().numTensors).toBe(baseline.numTensors);
    expect(memory().numBytes).toBe(baseline.numBytes);
  });

  it("has PyTorch's state-dict keys in PyTorch's order", async () => {
    const { tensors, metadata } = await loadSafetensors(FIXTURE);
    expect(metadata.format).toBe('pt');
    const { keys } = split(tensors, metadata);
    disposeAll(tensors);
    expect(keys).toEqual(TORCH_KEYS);
    const model = new ContainerNet();
    const state = model.stateDict();
    expect(Object.keys(state)).toEqual(TORCH_KEYS);
    disposeAll(state);
    model.dispose();
  });

  it("loads PyTorch's state dict strictly and gives PyTorch's eval output within 1e-4", async () => {
    const { tensors, metadata } = await loadSafetensors(FIXTURE);
    const { state, input, output } = split(tensors, metadata);
    // Training in the script left the running statistics off their defaults (InstanceNorm's
    // count stays 0, as in PyTorch), so the output below depends on every buffer being loaded.
    expect(Array.from(must(state['bn.num_batches_tracked']).dataSync())).toEqual([TRAIN_STEPS]);
    expect(Array.from(must(state['inorm.num_batches_tracked']).dataSync())).toEqual([0]);
    expect(Array.from(must(state['inorm.running_mean']).dataSync()).some((v) => v !== 0)).toBe(
      true,
    );
    const model = new ContainerNet();
    // The default is strict: every key present, none extra.
    expect(model.loadStateDict(state)).toEqual({ missingKeys: [], unexpectedKeys: [] });
    // Every value landed under its own name (int64 counts arrive as int32).
    const loaded = model.stateDict();
    expect(contents(loaded)).toEqual(contents(state));
    disposeAll(loaded);
    disposeAll(state);
    expect(input.shape).toEqual([2, 3, 4, 4]);
    expect(output.shape).toEqual([2, 4, 8, 8]);
    const expected = output.dataSync();
    expect(maxAbsDiff(outputOf(model, input), expected)).toBeLessThanOrEqual(TOLERANCE);
    // A fresh model gives another output: the match above is the loaded state's doing.
    const fresh = new ContainerNet();
    expect(maxAbsDiff(outputOf(fresh, input), expected)).toBeGreaterThan(100 * TOLERANCE);
    fresh.dispose();
    model.dispose();
    input.dispose();
    output.dispose();
  });

  it('refuses a PyTorch state dict with a name the model lacks', async () => {
    const { tensors, metadata } = await loadSafetensors(FIXTURE);
    const { state } = split(tensors, metadata);
    const { 'blocks.1.skip.weight': skip, ...rest } = state;
    const model = new ContainerNet();
    expect(
      errorOf(() => model.loadStateDict({ ...rest, 'blocks.1.shortcut.weight': must(skip) })),
    ).toBe(
      'loadStateDict: cannot load into ContainerNet: missing keys blocks.1.skip.weight; unexpected keys blocks.1.shortcut.weight',
    );
    model.dispose();
    disposeAll(tensors);
  });

  it("saves Stride's state dict and loads it back: PyTorch's names and order, same values and output", async () => {
    const { model, input, output } = await torchModel();
    output.dispose();
    const state = model.stateDict();
    const bytes = await strideFile(model, input);
    const saved = split(...decoded(bytes));
    expect(saved.keys).toEqual(TORCH_KEYS);
    expect(contents(saved.state)).toEqual(contents(state));
    disposeAll(state);
    expect(Array.from(saved.input.dataSync())).toEqual(Array.from(input.dataSync()));
    const reloaded = new ContainerNet();
    expect(reloaded.loadStateDict(saved.state)).toEqual({ missingKeys: [], unexpectedKeys: [] });
    disposeAll(saved.state);
    expect(Array.from(outputOf(reloaded, input))).toEqual(Array.from(saved.output.dataSync()));
    saved.input.dispose();
    saved.output.dispose();
    reloaded.dispose();
    model.dispose();
    input.dispose();
  });

  it.runIf(hasTorch)(
    "loads Stride's file into PyTorch with load_state_dict(strict=True) and the same output",
    async () => {
      const { model, input, output } = await torchModel();
      output.dispose();
      const bytes = await strideFile(model, input);
      model.dispose();
      input.dispose();
      const dir = await mkdtemp(join(tmpdir(), 'stride-containers-'));
      try {
        const path = join(dir, 'containers.safetensors');
        await writeFile(path, bytes);
        const run = spawnSync(PYTHON, [SCRIPT, 'check', path], { encoding: 'utf8' });
        expect(run.stderr).toBe('');
        expect(run.stdout).toMatch(
          /^ok: .* \(25 tensors, PyTorch's order\); output \(2, 4, 8, 8\) /,
        );
        expect(run.status).toBe(0);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  );
});
