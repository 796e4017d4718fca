/**
 * Runs the arithmetic panel's generated PyTorch code in PyTorch (`/usr/bin/python3`), every case
 * in one Python process (importing torch takes seconds): the whole snippet as the panel shows it
 * (random tensors: the shape, or the error PyTorch raises), and the call line alone on the
 * panel's example tensors (the values).
 */
import { spawnSync } from 'node:child_process';
import { pytorchCall, pytorchCode } from '../web/arithmetic/calls.js';
import { runExample } from '../web/arithmetic/example.js';
import type { ArithSettings } from '../web/arithmetic/settings.js';

export const PYTHON = '/usr/bin/python3';

/** Why PyTorch cannot run here, or null when it can. */
export const torchMissing: string | null = (() => {
  const r = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
  if (r.status === 0) return null;
  return `PyTorch is not installed for ${PYTHON} (run scripts/python-deps.sh, as .ci/run does): ${
    r.error ? r.error.message : (r.stderr.trim().split('\n').pop() ?? `exit ${r.status}`)
  }`;
})();

/** What PyTorch made of one setting's code. */
export interface TorchOutcome {
  /** The shape of `y` after the whole snippet ran, or null where PyTorch raised. */
  shape: number[] | null;
  /** `TypeName: message` of what PyTorch raised, or null. */
  error: string | null;
  /** The call line's output on the panel's example tensors, row-major (null where it raised). */
  values: number[] | null;
}

interface TorchCase {
  code: string;
  call: string;
  x?: { shape: number[]; data: number[] };
  w?: { shape: number[]; data: number[] };
}

const DRIVER = `
import json
import sys

import torch

torch.set_num_threads(1)
out = []
for case in json.load(sys.stdin):
    result = {"shape": None, "error": None, "values": None}
    scope = {}
    try:
        exec(case["code"], scope)
        result["shape"] = list(scope["y"].shape)
    except Exception as e:
        result["error"] = f"{type(e).__name__}: {e}"
    if result["shape"] is not None and "x" in case:
        x = torch.tensor(case["x"]["data"], dtype=torch.float32).reshape(case["x"]["shape"])
        w = torch.tensor(case["w"]["data"], dtype=torch.float32).reshape(case["w"]["shape"])
        y = eval(case["call"], {"torch": torch, "x": x, "w": w})
        result["values"] = y.flatten().tolist()
    out.append(result)
json.dump(out, sys.stdout)
`;

/** The PyTorch call line of the settings' code, and the code itself. */
export function torchCodeOf(s: ArithSettings): { code: string; call: string } {
  return { code: pytorchCode(s, runExample(s)), call: pytorchCall(s) };
}

/** Runs every setting's PyTorch code; throws if Python itself fails. */
export function runInTorch(grid: readonly ArithSettings[]): TorchOutcome[] {
  const cases: TorchCase[] = grid.map((s) => {
    const ex = runExample(s);
    const { code, call } = torchCodeOf(s);
    return ex.ok
      ? {
          code,
          call,
          x: { shape: ex.xShape, data: Array.from(ex.x) },
          w: { shape: ex.wShape, data: Array.from(ex.w) },
        }
      : { code, call };
  });
  const r = spawnSync(PYTHON, ['-c', DRIVER], {
    input: JSON.stringify(cases),
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`${PYTHON} failed: ${r.error?.message ?? r.stderr}`);
  return JSON.parse(r.stdout) as TorchOutcome[];
}
