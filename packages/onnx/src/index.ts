/**
 * `@stride/onnx`: ONNX export and import for Stride.
 *
 * @packageDocumentation
 */
