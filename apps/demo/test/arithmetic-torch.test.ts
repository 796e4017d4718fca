/**
 * The arithmetic panel's generated PyTorch code, run in PyTorch: for every setting of the grid,
 * the snippet as the panel shows it gives the shape core gives (or raises where core refuses),
 * and the call line on the panel's example tensors gives core's values. Skipped, with the reason
 * in the suite's name, where /usr/bin/python3 cannot import torch; arithmetic-torch.json keeps
 * the comparison running without Python (arithmetic-torch-fixture.test.ts).
 */
import { cpu } from '@stride/backend-cpu';
import { registerBackend } from '@stride/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { runExample } from '../web/arithmetic/example.js';
import { torchGrid } from './arithmetic-cases.js';
import { runInTorch, type TorchOutcome, torchMissing } from './arithmetic-torch.js';

registerBackend(cpu({ threads: 1, relaxedSimd: false }));

describe.skipIf(torchMissing !== null)(
  `the generated PyTorch code in PyTorch${torchMissing === null ? '' : ` (skipped: ${torchMissing})`}`,
  () => {
    const grid = torchGrid();
    let outcomes: TorchOutcome[];

    beforeAll(() => {
      outcomes = runInTorch(grid);
    }, 120_000);

    it('gives core’s shapes and values, and refuses what core refuses', () => {
      let compared = 0;
      let refused = 0;
      for (const [i, s] of grid.entries()) {
        const what = JSON.stringify(s);
        const torch = outcomes[i] as TorchOutcome;
        const ex = runExample(s);
        if (!ex.ok) {
          expect(torch.error, `${what}: core refuses (${ex.message}), PyTorch does not`).not.toBe(
            null,
          );
          refused++;
          continue;
        }
        expect(torch.error, what).toBe(null);
        expect(torch.shape, what).toEqual(ex.shape);
        expect(torch.values, what).toEqual(Array.from(ex.y as Float32Array));
        compared++;
      }
      expect(compared).toBeGreaterThan(80);
      expect(refused).toBeGreaterThan(30);
    });
  },
);
