import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { decodeSafetensors, type Tensor } from '@stride/core';
import { LeNet5 } from '@stride/layers';

/** The checkpoint the page ships (public/models), written by the training CLI. */
export const CHECKPOINT = fileURLToPath(
  new URL('../public/models/lenet5-mnist.safetensors', import.meta.url),
);

/**
 * The page's LeNet-5 in Node, on the CPU backend in eval mode: the shipped weights, cast to
 * `dtype` (float64 for finite differences).
 */
export function shippedLenet(dtype: 'float32' | 'float64' = 'float32'): LeNet5 {
  const { tensors } = decodeSafetensors(readFileSync(CHECKPOINT), { device: 'cpu' });
  const model = new LeNet5({ device: 'cpu', dtype });
  const cast: Record<string, Tensor> = {};
  for (const [k, t] of Object.entries(tensors)) cast[k] = t.cast(dtype);
  model.loadStateDict(cast);
  for (const t of [...Object.values(tensors), ...Object.values(cast)]) t.dispose();
  model.eval();
  return model;
}
