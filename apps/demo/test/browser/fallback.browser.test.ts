/**
 * Without WebGPU the page says so plainly and runs everything on the CPU backend: the notice is
 * shown, the training panel offers only the CPU, drawings and MNIST digits are still read, and
 * training works and its weights download, as safetensors and as ONNX.
 */
import { readFile } from 'node:fs/promises';
import { cpu } from '@stride/backend-cpu';
import { decodeSafetensors, noGrad, registerBackend, setBackend, tensor, tidy } from '@stride/core';
import { LeNet5 } from '@stride/layers';
import type { Browser, Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDemo, screenshotPath } from './chromium.js';
import { images, LENET_NAMES, onnxDownload, readOnnxDownload } from './onnx-download.js';

let browser: Browser;
let page: Page;
let errors: string[];

beforeAll(async () => {
  // Stride in Node runs the downloaded weights, to compare with the downloaded ONNX model.
  registerBackend(cpu({ threads: 1, relaxedSimd: false }));
  await setBackend('cpu');
  ({ browser, page, errors } = await openDemo(
    { viewport: { width: 1024, height: 800 }, acceptDownloads: true },
    // A browser without WebGPU: navigator.gpu is missing, as in Firefox or Safari today.
    (p) =>
      p.addInitScript(() => {
        Object.defineProperty(Navigator.prototype, 'gpu', {
          get: () => undefined,
          configurable: true,
        });
      }),
  ));
});

afterAll(async () => {
  await browser?.close();
});

describe('the demo page without WebGPU', () => {
  it('tells the user it fell back to the CPU', async () => {
    expect(await page.getAttribute('#backend-pill', 'data-backend')).toBe('cpu');
    const notice = page.locator('#webgpu-notice');
    expect(await notice.isVisible()).toBe(true);
    expect(await notice.textContent()).toContain(
      'WebGPU is not available, so everything runs on the CPU backend',
    );
    expect(await notice.getAttribute('role')).toBe('alert');
    expect(await page.inputValue('#train-backend')).toBe('cpu');
    expect(await page.locator('#train-backend option[value="webgpu"]').isDisabled()).toBe(true);
    await page.screenshot({ path: screenshotPath('08-no-webgpu'), fullPage: false });
  });

  it('still reads drawings, on the CPU', async () => {
    // A 1: one vertical stroke, drawn with the keyboard (arrows move, Space lowers the pen).
    await page.focus('#draw-canvas');
    for (let i = 0; i < 6; i++) await page.keyboard.press('ArrowUp');
    await page.keyboard.press('Space');
    for (let i = 0; i < 12; i++) await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Space');
    await expect.poll(() => page.getAttribute('#prediction', 'data-digit')).toBe('1');
    await page.keyboard.press('Delete');
    await expect.poll(() => page.textContent('#prediction')).toBe('?');
  });

  it('shows a real MNIST test digit and reads it as its label', async () => {
    // A fixed image: Math.random() = 0.5 picks test image 5000. It is replaced only inside the
    // page and only until the image is shown (playwright's own page scripts need a real one).
    await page.evaluate(async () => {
      const random = Math.random;
      Math.random = () => 0.5;
      try {
        (document.querySelector('#draw-sample') as HTMLButtonElement).click();
        const info = document.querySelector('#draw-sample-info') as HTMLElement;
        for (let i = 0; i < 300 && !/labelled/.test(info.textContent ?? ''); i++) {
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      } finally {
        Math.random = random;
      }
    });
    const info = (await page.textContent('#draw-sample-info')) ?? '';
    expect(info).toMatch(/^Test image #5000, labelled \d\.$/);
    const label = info.match(/labelled (\d)/)?.[1];
    await expect.poll(() => page.getAttribute('#prediction', 'data-digit')).toBe(label);
  });

  it('trains on the CPU backend, and the loss falls', async () => {
    await page.click('#train-start');
    const stats = page.locator('#train-stats');
    await expect
      .poll(async () => Number(await stats.getAttribute('data-steps')), {
        timeout: 60_000,
        interval: 200,
      })
      .toBeGreaterThanOrEqual(40);
    expect(await page.textContent('#train-running-on')).toBe('Running on the CPU');
    await page.click('#train-stop');
    await expect
      .poll(() => page.textContent('#train-status'), { timeout: 60_000 })
      .toMatch(/^Done/);
    expect(await stats.getAttribute('data-backend')).toBe('cpu');
    expect(await page.textContent('#train-running-on')).toBe('Ran on the CPU');
    const first = Number(await stats.getAttribute('data-first-loss'));
    const last = Number(await stats.getAttribute('data-last-loss'));
    expect(first).toBeGreaterThan(1.9);
    expect(last).toBeLessThan(first * 0.8);
    expect(Number(await stats.getAttribute('data-test-accuracy'))).toBeGreaterThan(0.3);

    // The trained weights download as a safetensors file with PyTorch's names.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('#train-download'),
    ]);
    expect(download.suggestedFilename()).toBe('lenet5-mnist-browser.safetensors');
    const bytes = await readFile((await download.path()) as string);
    const headerLength = Number(bytes.readBigUInt64LE(0));
    const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8'));
    expect(
      Object.keys(header)
        .filter((k) => k !== '__metadata__')
        .sort(),
    ).toEqual([
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
    ]);
    expect(header['conv2.weight'].shape).toEqual([16, 6, 5, 5]);
    expect(errors).toEqual([]);
  });

  it('downloads the trained model as ONNX, predicting as its downloaded weights do', async () => {
    const onnx = await onnxDownload(page, () => page.click('#train-download-onnx'));
    const { logits } = await readOnnxDownload(onnx, 4);
    const [weights] = await Promise.all([
      page.waitForEvent('download'),
      page.click('#train-download'),
    ]);
    const { tensors } = decodeSafetensors(await readFile((await weights.path()) as string), {
      device: 'cpu',
    });
    expect(Object.keys(tensors).sort()).toEqual(LENET_NAMES);
    const model = new LeNet5();
    model.loadStateDict(tensors);
    for (const t of Object.values(tensors)) t.dispose();
    model.eval();
    const want = tidy(() =>
      noGrad(() => model.forward(tensor(images(4), { shape: [4, 1, 28, 28] })).dataSync()),
    ) as Float32Array;
    model.dispose();
    expect(logits.length).toBe(40);
    for (let i = 0; i < want.length; i++) {
      const r = want[i] as number;
      expect(Math.abs((logits[i] as number) - r) / Math.max(1, Math.abs(r))).toBeLessThan(1e-5);
    }
    expect(errors).toEqual([]);
  });
});
