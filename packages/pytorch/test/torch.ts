/**
 * Runs generated modules in PyTorch (`/usr/bin/python3`), many in one Python process: each
 * case's module file, its Stride checkpoint and its inputs go to a temporary folder, one driver
 * script loads every module with `load_state_dict(..., strict=True)`, runs it, and writes back
 * its output, its state-dict keys, and its state dict (saved with the module's own writer) before
 * and after the forward.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeSafetensors, encodeSafetensors, type Tensor } from '@stride/core';

export const PYTHON = '/usr/bin/python3';

/** Why the PyTorch checks cannot run here, or null when they can. */
export const torchMissing: string | null = (() => {
  const r = spawnSync(PYTHON, ['-c', 'import torch, numpy'], { encoding: 'utf8' });
  if (r.status === 0) return null;
  return `PyTorch is not installed for ${PYTHON} (run scripts/python-deps.sh, as .ci/run does): ${
    r.error ? r.error.message : (r.stderr.trim().split('\n').pop() ?? `exit ${r.status}`)
  }`;
})();

export interface TorchCase {
  /** A file-name-safe identifier. */
  readonly name: string;
  /** The generated Python source. */
  readonly source: string;
  /** The root class to instantiate. */
  readonly className: string;
  /** The Stride checkpoint (safetensors bytes). */
  readonly weights: Uint8Array;
  /** The forward's arguments; none to only load the checkpoint (a ModuleList has no forward). */
  readonly inputs: readonly Tensor[];
  /** Run in training mode (default: eval). */
  readonly train?: boolean;
}

export interface TorchResult {
  /** The Python traceback, when the case failed. */
  readonly error?: string;
  /** `list(model.state_dict().keys())`. */
  readonly keys: string[];
  /** The forward's output (absent without inputs). */
  readonly output?: Tensor;
  /** The state dict right after loading, written by the generated `save_safetensors`. */
  readonly resaved: Uint8Array;
  /** The state dict after the forward (training mode updates running statistics). */
  readonly after: Uint8Array;
}

const DRIVER = `
import importlib.util
import json
import sys
import traceback

import torch

torch.manual_seed(0)
cases = json.load(open(sys.argv[1]))
report = {}
for c in cases:
    try:
        spec = importlib.util.spec_from_file_location(c["name"], c["module"])
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        model = getattr(mod, c["className"])()
        model.load_state_dict(mod.load_safetensors(c["weights"]), strict=True)
        mod.save_safetensors(model.state_dict(), c["resaved"])
        model.train(c["train"])
        if c["inputs"]:
            named = mod.load_safetensors(c["inputs"])
            args = [named[f"input{i}"] for i in range(len(named))]
            # Stride's class indices are int32; PyTorch's losses take int64.
            args = [a.long() if a.dtype == torch.int32 else a for a in args]
            with torch.no_grad():
                out = model(*args)
            mod.save_safetensors({"output": out}, c["output"])
        mod.save_safetensors(model.state_dict(), c["after"])
        report[c["name"]] = {"keys": list(model.state_dict().keys())}
    except Exception:
        report[c["name"]] = {"error": traceback.format_exc(), "keys": []}
json.dump(report, open(sys.argv[2], "w"))
`;

/** Runs every case in one Python process. */
export async function runInTorch(cases: readonly TorchCase[]): Promise<Map<string, TorchResult>> {
  const dir = mkdtempSync(join(tmpdir(), 'stride-pytorch-'));
  try {
    const specs = [];
    for (const c of cases) {
      const file = (suffix: string) => join(dir, `${c.name}${suffix}`);
      writeFileSync(file('.py'), c.source);
      writeFileSync(file('.weights.safetensors'), c.weights);
      const inputs = Object.fromEntries(c.inputs.map((t, i) => [`input${i}`, t]));
      if (c.inputs.length > 0) {
        writeFileSync(file('.inputs.safetensors'), await encodeSafetensors(inputs));
      }
      specs.push({
        name: c.name,
        module: file('.py'),
        className: c.className,
        weights: file('.weights.safetensors'),
        inputs: c.inputs.length > 0 ? file('.inputs.safetensors') : null,
        output: file('.output.safetensors'),
        resaved: file('.resaved.safetensors'),
        after: file('.after.safetensors'),
        train: c.train ?? false,
      });
    }
    writeFileSync(join(dir, 'cases.json'), JSON.stringify(specs));
    writeFileSync(join(dir, 'driver.py'), DRIVER);
    const r = spawnSync(
      PYTHON,
      [join(dir, 'driver.py'), join(dir, 'cases.json'), join(dir, 'report.json')],
      { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } },
    );
    if (r.status !== 0) throw new Error(`the driver failed (exit ${r.status}):\n${r.stderr}`);
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as Record<
      string,
      { error?: string; keys: string[] }
    >;
    const out = new Map<string, TorchResult>();
    for (const s of specs) {
      const entry = report[s.name] as { error?: string; keys: string[] };
      if (entry.error) {
        out.set(s.name, {
          error: entry.error,
          keys: [],
          resaved: new Uint8Array(),
          after: new Uint8Array(),
        });
        continue;
      }
      const output = s.inputs
        ? (decodeSafetensors(readFileSync(s.output)).tensors.output as Tensor)
        : undefined;
      out.set(s.name, {
        keys: entry.keys,
        output,
        resaved: readFileSync(s.resaved),
        after: readFileSync(s.after),
      });
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
