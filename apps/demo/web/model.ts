import { decodeSafetensors, encodeSafetensors, type Tensor, zeros } from '@stride/core';
import { LeNet5, type Module } from '@stride/layers';

/** The checkpoint the training CLI wrote, shipped in the page's static files. */
export const CHECKPOINT_URL = 'models/lenet5-mnist.safetensors';

export interface LoadedModel {
  model: LeNet5;
  /** Where the weights came from, in words, for the page. */
  source: string;
  /** The test accuracy recorded with the weights, when known (0-1). */
  testAccuracy: number | null;
}

/**
 * Loads a safetensors checkpoint into a LeNet-5 on the CPU backend, exactly as a user would:
 * `decodeSafetensors` then `loadStateDict`. The drawing and inspection panels run on the CPU:
 * one 28×28 image is too small for a GPU round trip to pay.
 */
export async function loadCheckpoint(url = CHECKPOINT_URL): Promise<LoadedModel> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`could not fetch ${url}: HTTP ${response.status}`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  const { tensors, metadata } = decodeSafetensors(bytes, { device: 'cpu' });
  const model = new LeNet5({ device: 'cpu' });
  model.loadStateDict(tensors);
  for (const t of Object.values(tensors)) t.dispose();
  model.eval();
  const accuracy = Number(metadata.test_accuracy);
  return {
    model,
    source: `LeNet-5 on MNIST, ${metadata.epochs ?? '?'} epochs`,
    testAccuracy: Number.isFinite(accuracy) ? accuracy : null,
  };
}

/**
 * A copy of `model` (on any backend) on the CPU backend, in eval mode: `build('cpu')` makes the
 * same architecture, which then takes the weights.
 */
export async function copyToCpu<M extends Module>(
  model: M,
  build: (device: string) => M,
): Promise<M> {
  const weights = model.stateDict();
  const moved: Record<string, Tensor> = {};
  try {
    for (const [name, t] of Object.entries(weights)) moved[name] = await t.to('cpu');
    const copy = build('cpu');
    copy.loadStateDict(moved);
    copy.eval();
    return copy;
  } finally {
    for (const t of [...Object.values(weights), ...Object.values(moved)]) t.dispose();
  }
}

/** The model's weights as a safetensors file, named as PyTorch names them. */
export async function checkpointBytes(
  model: Module,
  metadata: Record<string, string>,
): Promise<Uint8Array> {
  const weights = model.stateDict();
  try {
    return await encodeSafetensors(weights, metadata);
  } finally {
    for (const t of Object.values(weights)) t.dispose();
  }
}

/**
 * The model as an ONNX file, for onnxruntime (Python, Node, the web) and other runtimes: traced on
 * one image, with the batch left free. The exporter loads only when asked for, so it adds nothing
 * to the page's first load.
 */
export async function onnxBytes(model: Module): Promise<Uint8Array> {
  const { exportOnnx } = await import('@stride/onnx');
  const example = zeros([1, 1, 28, 28], { device: 'cpu' });
  try {
    return await exportOnnx(model, example, { dynamicBatch: true });
  } finally {
    example.dispose();
  }
}
