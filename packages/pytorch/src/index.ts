/**
 * `@stride/pytorch`: PyTorch interop for Stride.
 *
 * @packageDocumentation
 */
