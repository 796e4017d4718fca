/**
 * `@stride/pytorch`: PyTorch interop for Stride. `toPyTorch(model)` writes the Python source of a
 * `torch.nn.Module` equivalent to a Stride model (same layers, options and state-dict names), which
 * loads Stride's safetensors checkpoints with `strict=True`: design a model in Stride, train it
 * on a PyTorch cluster (`torchrun`, `DistributedDataParallel`), and load the trained weights back
 * into Stride for inference in the browser.
 *
 * ```ts
 * const source = toPyTorch(new LeNet5());          // Python: class LeNet5(nn.Module) ...
 * ```
 *
 * @packageDocumentation
 */

export { type ToPyTorchOptions, toPyTorch } from './to-pytorch.js';
