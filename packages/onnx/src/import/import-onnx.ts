/**
 * `importOnnx`: an ONNX model's bytes to a runnable, trainable Stride module.
 */
import { checkOptions, option, resolveDevice } from '@stride/core';
import { OnnxModel } from './onnx-model.js';
import { planModel } from './validate.js';

/** Options of `importOnnx`. */
export interface ImportOnnxOptions {
  /** The backend the parameters are created on (default: the active one). */
  device?: string;
}

/**
 * Imports an ONNX model (the bytes of a `.onnx` file) as an `OnnxModel`: a module whose float
 * initializers are parameters named by their initializer names (BatchNormalization's running
 * statistics are buffers), and whose `forward` runs the graph with Stride's ops on any backend,
 * with gradients. Opsets 13 to 26 of the default domain are read. Everything is checked here,
 * not at the first run: an unsupported op, attribute or attribute value, another domain, another
 * opset, malformed bytes, a graph input of a type Stride cannot hold (FLOAT16 included) or a graph
 * ONNX calls invalid (a name defined twice, the two inputs of an Add of different element types)
 * is a `StrideError` that names the node, op and attribute. An error while a node runs is a
 * `StrideError` of `forward` or `run` that names the node.
 *
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 * const model = importOnnx(readFileSync('resnet.onnx'));
 * const y = model(x);                                   // the first graph output
 * model.namedParameters().map(([name]) => name);        // ['conv1.weight', 'bn1.weight', ...]
 * const opt = new SGD(model.parameters(), { lr: 0.01 });   // fine-tune it
 * ```
 */
export function importOnnx(bytes: Uint8Array, options: ImportOnnxOptions = {}): OnnxModel {
  const { device } = checkOptions('importOnnx', options, { device: option.string });
  // An unknown or unready backend is refused now, even for a model without parameters.
  if (device !== undefined) resolveDevice('importOnnx', device);
  const plan = planModel(bytes);
  return new OnnxModel(plan, device);
}

export { OnnxModel };
