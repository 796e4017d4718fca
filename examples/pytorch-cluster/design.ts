/**
 * Step 1: writes the PyTorch module of the Stride model (`model.py`) and its initial weights
 * (`init.safetensors`) into a folder, for `train_ddp.py`.
 *
 *   npx tsx design.ts [out-dir]
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { cpu } from '@stride/backend-cpu';
import { manualSeed, registerBackend } from '@stride/core';
import { saveSafetensors } from '@stride/core/node';
import { toPyTorch } from '@stride/pytorch';
import { buildModel, CLASS_NAME } from './model.js';

/** Writes `model.py` and `init.safetensors` into `dir`; returns their paths. */
export async function design(dir: string, seed = 0): Promise<{ module: string; init: string }> {
  manualSeed(seed);
  const model = buildModel();
  const module = join(dir, 'model.py');
  const init = join(dir, 'init.safetensors');
  await writeFile(module, toPyTorch(model, { className: CLASS_NAME }));
  const state = model.stateDict();
  await saveSafetensors(init, state, { producer: 'stride design.ts' });
  for (const t of Object.values(state)) t.dispose();
  model.dispose();
  return { module, init };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  registerBackend(cpu());
  const { module, init } = await design(process.argv[2] ?? '.');
  console.log(`wrote ${module} (class ${CLASS_NAME}) and ${init}`);
}
