/**
 * `@stride/onnx/node`: writing an export to a file, atomically (Node only; the main entry stays
 * browser-safe).
 */
import { StrideError } from '@stride/core';
import { writeFileAtomic } from '@stride/core/node';
import { type Exportable, type ExportOnnxOptions, exportOnnx } from '../export/export-onnx.js';

/**
 * Exports `model` as `exportOnnx` does and writes the bytes to `path` atomically: the file holds
 * the old contents or the new ones, never a mix, and a failed export or write leaves it as it was.
 *
 * @example
 * ```ts
 * import { saveOnnx } from '@stride/onnx/node';
 * await saveOnnx('lenet5.onnx', model, zeros([1, 1, 28, 28]), { dynamicBatch: true });
 * ```
 */
export async function saveOnnx(
  path: string,
  model: Exportable,
  exampleInput: Parameters<typeof exportOnnx>[1],
  options: ExportOnnxOptions = {},
): Promise<void> {
  const bytes = await exportOnnx(model, exampleInput, options);
  try {
    await writeFileAtomic(path, bytes);
  } catch (e) {
    // The write's own message, under the function the caller called.
    if (e instanceof StrideError)
      throw new StrideError('saveOnnx', e.message.slice(e.fn.length + 2));
    throw e;
  }
}
