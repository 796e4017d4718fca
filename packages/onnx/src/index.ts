/**
 * `@stride/onnx`: ONNX export and import for Stride. `exportOnnx(model, exampleInput)` traces a
 * model's forward pass into an ONNX file that onnxruntime, PyTorch and other runtimes read, with
 * parameters named as in the state dict.
 *
 * @packageDocumentation
 */

export {
  EXPORT_OPSETS,
  type Exportable,
  type ExportOnnxOptions,
  exportOnnx,
} from './export/export-onnx.js';
