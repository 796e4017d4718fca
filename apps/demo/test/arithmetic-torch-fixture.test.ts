/**
 * The arithmetic panel against what PyTorch returned for its generated calls, recorded in
 * arithmetic-torch.json by arithmetic-torch-fixture.ts: runs without Python. The calls in the
 * file are the ones the panel generates today (or the file is stale and must be regenerated), and
 * core gives PyTorch's shapes and values, and refuses where PyTorch raised.
 */
import { readFileSync } from 'node:fs';
import { cpu } from '@stride/backend-cpu';
import { registerBackend } from '@stride/core';
import { describe, expect, it } from 'vitest';
import { pytorchCall } from '../web/arithmetic/calls.js';
import { runExample } from '../web/arithmetic/example.js';
import type { ArithSettings } from '../web/arithmetic/settings.js';
import { torchGrid } from './arithmetic-cases.js';
import type { TorchOutcome } from './arithmetic-torch.js';

registerBackend(cpu({ threads: 1, relaxedSimd: false }));

interface FixtureCase extends TorchOutcome {
  settings: ArithSettings;
  call: string;
}

const fixture = JSON.parse(
  readFileSync(new URL('./arithmetic-torch.json', import.meta.url), 'utf8'),
) as { torch: string; cases: FixtureCase[] };

describe(`the panel against PyTorch ${fixture.torch}, from arithmetic-torch.json`, () => {
  it('holds today’s grid and today’s generated calls', () => {
    expect(fixture.cases.map((c) => c.settings)).toEqual(torchGrid());
    for (const c of fixture.cases) expect(c.call).toBe(pytorchCall(c.settings));
  });

  it('gives PyTorch’s shapes and values, and refuses where PyTorch raised', () => {
    let compared = 0;
    let refused = 0;
    for (const c of fixture.cases) {
      const what = JSON.stringify(c.settings);
      const ex = runExample(c.settings);
      if (c.error !== null) {
        expect(ex.ok, `${what}: PyTorch raised ${c.error}`).toBe(false);
        refused++;
        continue;
      }
      expect(ex.ok, `${what}: ${ex.ok ? '' : ex.message}`).toBe(true);
      if (!ex.ok) continue;
      expect(ex.shape, what).toEqual(c.shape);
      if (c.values) {
        expect(Array.from(ex.y as Float32Array), what).toEqual(c.values);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(80);
    expect(refused).toBeGreaterThan(30);
  });
});
