/**
 * Makes a fixture: generates the cases for a seed and asks PyTorch (scripts/torch_outcomes.py,
 * run with /usr/bin/python3) what it does with each. Without Python and torch every case keeps
 * only the invariants (a StrideError from the op, or a result, and no leak).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Case, Fixture, TorchOutcome } from './describe.js';
import { generateCases } from './generate.js';
import { ALL_SPECS } from './specs.js';

export const PYTHON = process.env.FUZZ_PYTHON ?? '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('../scripts/torch_outcomes.py', import.meta.url));

/** The committed fixture of the CI run. */
export const FIXTURE_PATH = fileURLToPath(new URL('../fixtures/cases.json', import.meta.url));

/** PyTorch's outcome for each case, or null when Python with torch is not available. */
export function torchOutcomes(
  cases: readonly Case[],
): { torch: string; outcomes: TorchOutcome[] } | null {
  const probe = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.status !== 0) return null;
  const dir = mkdtempSync(join(tmpdir(), 'stride-fuzz-'));
  try {
    const input = join(dir, 'cases.json');
    const output = join(dir, 'outcomes.json');
    writeFileSync(input, JSON.stringify(cases));
    const run = spawnSync(PYTHON, [SCRIPT, input, output], { encoding: 'utf8', stdio: 'inherit' });
    if (run.status !== 0) throw new Error(`${SCRIPT} failed with status ${run.status}`);
    return JSON.parse(readFileSync(output, 'utf8'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function makeFixture(seed: number, runsPerOp: number): Fixture {
  const cases = generateCases(ALL_SPECS, seed, runsPerOp);
  const torch = torchOutcomes(cases);
  return {
    seed,
    runsPerOp,
    torch: torch?.torch ?? 'none',
    cases: cases.map((c, i) => ({ ...c, torch: torch?.outcomes[i] ?? { status: 'none' } })),
  };
}

export function readFixture(path = FIXTURE_PATH): Fixture {
  return JSON.parse(readFileSync(path, 'utf8')) as Fixture;
}
