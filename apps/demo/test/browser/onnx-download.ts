/**
 * What the page's "Download ONNX" button hands over, read in Node: an ONNX model that
 * onnxruntime loads and runs at any batch size, with LeNet-5's parameters as initializers under
 * their state-dict names.
 */
import { readFile } from 'node:fs/promises';
import * as ort from 'onnxruntime-node';
import type { Download, Page } from 'playwright';
import { expect } from 'vitest';

export const LENET_NAMES = [
  'conv1.bias',
  'conv1.weight',
  'conv2.bias',
  'conv2.weight',
  'fc1.bias',
  'fc1.weight',
  'fc2.bias',
  'fc2.weight',
  'fc3.bias',
  'fc3.weight',
];

/**
 * The download that `press` starts (a click, or Enter on the focused button). The export runs in
 * the page first; if no file comes, the error says what the page's status line reported.
 */
export async function onnxDownload(page: Page, press: () => Promise<void>): Promise<Download> {
  try {
    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: 60_000 }),
      press(),
    ]);
    return download;
  } catch (error) {
    const status = await page.textContent('#train-status');
    throw new Error(`no ONNX download (${(error as Error).message}); the page says: ${status}`);
  }
}

/** `n` images of deterministic values in [0, 1), flattened. */
export function images(n: number): Float32Array {
  return Float32Array.from({ length: n * 28 * 28 }, (_, i) => ((i * 7919) % 1000) / 1000);
}

/**
 * Checks the download and returns its bytes and onnxruntime's logits for `images(batch)`. The
 * first byte is the tag of ModelProto's field 1 (ir_version, a varint): 0x08.
 */
export async function readOnnxDownload(
  download: Download,
  batch: number,
): Promise<{ bytes: Buffer; logits: Float32Array }> {
  expect(download.suggestedFilename()).toBe('stride-lenet5.onnx');
  const bytes = await readFile((await download.path()) as string);
  expect(bytes[0]).toBe(0x08);
  for (const name of LENET_NAMES) expect(bytes.includes(Buffer.from(name))).toBe(true);
  const session = await ort.InferenceSession.create(bytes);
  try {
    expect(session.inputNames).toEqual(['input']);
    const out = await session.run({
      input: new ort.Tensor('float32', images(batch), [batch, 1, 28, 28]),
    });
    const logits = out[session.outputNames[0] as string] as ort.Tensor;
    // Exported for one image with the batch left free: it takes `batch` images.
    expect(logits.dims).toEqual([batch, 10]);
    return { bytes, logits: logits.data as Float32Array };
  } finally {
    await session.release();
  }
}
