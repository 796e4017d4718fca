/**
 * The builder's three downloads of a network (on the CPU backend): its weights as safetensors
 * (PyTorch's names, `0.weight`, `1.running_mean`, with the architecture in the metadata), an ONNX
 * file, and the Python source of the same `torch.nn` module. The ONNX exporter and the PyTorch
 * writer load only when asked for, so they add nothing to the page's first load.
 */
import type { Module } from '@stride/layers';
import { checkpointBytes } from '../model.js';
import { INPUT_SHAPE, type NetworkSpec } from './spec.js';

/** The model as ONNX, traced on one 28×28 image (the builder's input) with the batch left free. */
export { onnxBytes } from '../model.js';

/** What the files are called when the browser saves them (the Python file is importable). */
export const FILE_NAMES = {
  safetensors: 'my-network.safetensors',
  onnx: 'my-network.onnx',
  pytorch: 'my_network.py',
} as const;

/** The generated PyTorch class. */
export const PYTORCH_CLASS = 'MyNetwork';

/**
 * The model's state dict as a safetensors file. The metadata holds the architecture (the spec as
 * JSON) and how the weights came about, e.g. `{ trained: '300 steps' }`.
 */
export function safetensorsBytes(
  model: Module,
  spec: NetworkSpec,
  metadata: Record<string, string> = {},
): Promise<Uint8Array> {
  return checkpointBytes(model, {
    ...metadata,
    architecture: JSON.stringify(spec),
    input_shape: JSON.stringify(INPUT_SHAPE),
  });
}

/**
 * The Python source of a `torch.nn.Sequential` subclass with the same layers and state-dict names;
 * the safetensors download loads into it with `load_state_dict(load_safetensors(path),
 * strict=True)`.
 */
export async function pytorchSource(model: Module): Promise<string> {
  const { toPyTorch } = await import('@stride/pytorch');
  return toPyTorch(model, { className: PYTORCH_CLASS });
}
