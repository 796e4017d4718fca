/**
 * `@stride/onnx`: ONNX export and import for Stride. `exportOnnx(model, exampleInput)` traces a
 * model's forward pass into an ONNX file that onnxruntime, PyTorch and other runtimes read, with
 * parameters named as in the state dict; `importOnnx(bytes)` turns an ONNX file (PyTorch's
 * exports, or Stride's) into a module that runs on any backend and trains further.
 *
 * @packageDocumentation
 */

export {
  EXPORT_OPSETS,
  type Exportable,
  type ExportOnnxOptions,
  exportOnnx,
} from './export/export-onnx.js';
export { type ImportOnnxOptions, importOnnx, OnnxModel } from './import/import-onnx.js';
export { supportedOnnxOps } from './import/op-table.js';
