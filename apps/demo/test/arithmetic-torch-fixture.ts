/**
 * Writes arithmetic-torch.json: for each setting of `torchGrid()`, the PyTorch call the
 * arithmetic panel generates and what PyTorch made of it (shape and values, or its error), so
 * that arithmetic-torch-fixture.test.ts compares the panel with PyTorch without Python.
 * Regenerate it whenever the generated code or the grid changes:
 *
 *   cd apps/demo && npx tsx --conditions=source test/arithmetic-torch-fixture.ts
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cpu } from '@stride/backend-cpu';
import { registerBackend } from '@stride/core';
import { torchGrid } from './arithmetic-cases.js';
import {
  PYTHON,
  runInTorch,
  type TorchOutcome,
  torchCodeOf,
  torchMissing,
} from './arithmetic-torch.js';

const MAX_VALUES = 700;

registerBackend(cpu({ threads: 1, relaxedSimd: false }));

if (torchMissing) throw new Error(torchMissing);
const grid = torchGrid();
const outcomes = runInTorch(grid);
const version = spawnSync(PYTHON, ['-c', 'import torch; print(torch.__version__)'], {
  encoding: 'utf8',
}).stdout.trim();
const fixture = {
  generatedBy: 'apps/demo/test/arithmetic-torch-fixture.ts',
  torch: version,
  cases: grid.map((settings, i) => {
    const outcome = outcomes[i] as TorchOutcome;
    return {
      settings,
      call: torchCodeOf(settings).call,
      ...outcome,
      // The largest outputs keep only their shape, to keep the file small (the live test
      // compares every value).
      values: (outcome.values?.length ?? 0) > MAX_VALUES ? null : outcome.values,
    };
  }),
};
const path = fileURLToPath(new URL('./arithmetic-torch.json', import.meta.url));
// One case per line: small diffs when a case changes.
writeFileSync(
  path,
  `{"generatedBy":${JSON.stringify(fixture.generatedBy)},"torch":${JSON.stringify(version)},"cases":[\n${fixture.cases
    .map((c) => JSON.stringify(c))
    .join(',\n')}\n]}\n`,
);
console.log(`wrote ${fixture.cases.length} cases to ${path}`);
