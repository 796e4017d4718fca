/**
 * The demo page, built and served as users get it, driven in headless Chromium (WebGPU on
 * SwiftShader): a 7 drawn with the mouse is read as 7, the filters render, Waldo is found where
 * he was planted, follows a shifted crowd and is lost (not wrapped around) when it carries him
 * out of the picture, the arithmetic panel gives the formula's sizes, and
 * LeNet-5 trains on WebGPU with a falling loss. Screenshots go to test-results/demo-screenshots.
 */
import type { Browser, Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeScene } from '../../web/waldo/scene.js';
import { expectFitsPhone, openDemo, screenshotPath } from './chromium.js';
import { onnxDownload, readOnnxDownload } from './onnx-download.js';

let browser: Browser;
let page: Page;
let errors: string[];

beforeAll(async () => {
  ({ browser, page, errors } = await openDemo({ acceptDownloads: true }));
});

afterAll(async () => {
  await browser?.close();
});

/** Drags the mouse through `points` given as fractions of the drawing pad's size. */
async function strokeOnPad(points: [number, number][]): Promise<void> {
  const box = await page.locator('#draw-canvas').boundingBox();
  if (!box) throw new Error('the drawing pad is not visible');
  const at = ([fx, fy]: [number, number]) =>
    [box.x + fx * box.width, box.y + fy * box.height] as const;
  const [x0, y0] = at(points[0] as [number, number]);
  await page.mouse.move(x0, y0);
  await page.mouse.down();
  for (const p of points.slice(1)) {
    const [x, y] = at(p);
    await page.mouse.move(x, y, { steps: 12 });
  }
  await page.mouse.up();
}

/** Distinct colours in a canvas: 1 means a blank (uniform) picture. */
function distinctColours(selector: string): Promise<number[]> {
  return page.$$eval(selector, (canvases) =>
    (canvases as HTMLCanvasElement[]).map((c) => {
      const data = (c.getContext('2d') as CanvasRenderingContext2D).getImageData(
        0,
        0,
        c.width,
        c.height,
      ).data;
      const seen = new Set<number>();
      for (let i = 0; i < data.length; i += 4)
        seen.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
      return seen.size;
    }),
  );
}

describe('the demo page', () => {
  it('starts on WebGPU and loads the shipped checkpoint', async () => {
    expect(await page.getAttribute('#backend-pill', 'data-backend')).toBe('webgpu');
    expect(await page.locator('#webgpu-notice').count()).toBe(0);
    // The checkpoint's metadata carries its test accuracy; the page shows it.
    expect(await page.textContent('#draw-model-info')).toMatch(/Test accuracy 9\d\.\d\d%/);
    // The weights are named for a student, not by the command that made them.
    expect(await page.textContent('#draw-model option:checked')).toBe('LeNet-5 on MNIST, 2 epochs');
    await page.screenshot({ path: screenshotPath('01-first-view'), fullPage: false });
  });

  it('reads a 7 drawn with the mouse', async () => {
    // The top bar of a 7, then its diagonal down to the bottom left.
    await strokeOnPad([
      [0.25, 0.2],
      [0.5, 0.19],
      [0.76, 0.2],
    ]);
    await strokeOnPad([
      [0.76, 0.2],
      [0.62, 0.5],
      [0.47, 0.85],
    ]);
    await expect.poll(() => page.getAttribute('#prediction', 'data-digit')).toBe('7');
    const confidence = await page.textContent('#prediction-confidence');
    expect(Number.parseFloat(confidence ?? '')).toBeGreaterThan(50);
    // The bar of 7 is the highlighted one.
    expect(await page.getAttribute('#prediction-bars .bar.top', 'data-digit')).toBe('7');
    await page.locator('#draw').screenshot({ path: screenshotPath('02-draw-seven') });
  });

  it('shows the learned filters and the activations of the drawing', async () => {
    const conv1 = await distinctColours('#filters-conv1 canvas');
    const conv2 = await distinctColours('#filters-conv2 canvas');
    expect(conv1).toHaveLength(6);
    expect(conv2).toHaveLength(16 * 6);
    // Every 5×5 filter has several different weights, so several colours.
    expect(Math.min(...conv1)).toBeGreaterThan(5);
    expect(Math.min(...conv2)).toBeGreaterThan(5);
    // The drawn 7 lights up the first layer's maps.
    const maps = await distinctColours('[data-layer="act1"] canvas');
    expect(maps).toHaveLength(6);
    expect(Math.max(...maps)).toBeGreaterThan(10);
    await page.locator('#inside').screenshot({ path: screenshotPath('03-inside') });
  });

  it('finds Waldo where he was planted, and follows the crowd when it shifts', async () => {
    const { waldo, image } = makeScene(1);
    // The test browser's WebGPU is SwiftShader, a software adapter (the amber pill), where three
    // convolutions of a 192×128 image take seconds: Waldo starts on the CPU backend by itself.
    expect(await page.getAttribute('#backend-pill', 'class')).toContain('warn');
    expect(await page.inputValue('#waldo-device')).toBe('cpu');
    await page.click('#waldo-find');
    const result = page.locator('#waldo-result');
    await expect
      .poll(() => result.getAttribute('data-x'), { timeout: 30_000 })
      .toBe(String(waldo.x));
    expect(await result.getAttribute('data-y')).toBe(String(waldo.y));
    expect(await result.getAttribute('data-found')).toBe('true');
    expect(Math.max(...(await distinctColours('#waldo-response')))).toBeGreaterThan(50);

    // Shift the crowd with the keyboard by 10 px across and 6 px up or down, towards the middle,
    // so that Waldo stays whole (what crosses an edge leaves the picture).
    const dx = waldo.x + 10 + 9 <= image.width ? 10 : -10;
    const dy = waldo.y - 6 >= 0 ? -6 : 6;
    await page.focus('#waldo-shift-x');
    for (let i = 0; i < 10; i++) await page.keyboard.press(dx > 0 ? 'ArrowRight' : 'ArrowLeft');
    await page.focus('#waldo-shift-y');
    for (let i = 0; i < 6; i++) await page.keyboard.press(dy > 0 ? 'ArrowRight' : 'ArrowLeft');
    expect(await page.textContent('#waldo-shift')).toBe(`(${dx}, ${dy})`);
    await expect
      .poll(() => result.getAttribute('data-x'), { timeout: 30_000 })
      .toBe(String(waldo.x + dx));
    await expect
      .poll(() => result.getAttribute('data-y'), { timeout: 30_000 })
      .toBe(String(waldo.y + dy));
    expect(await page.textContent('#waldo-equivariance')).toContain(`(${dx}, ${dy})`);
    await page.locator('#waldo').screenshot({ path: screenshotPath('04-waldo-shifted') });

    // All the way right (48 px) takes him out of the picture: nothing wraps around, so the best
    // match is the runner-up of page-waldo.test.ts, a decoy at (111, 19), moved with the crowd.
    expect(waldo).toEqual({ x: 181, y: 39 });
    await page.focus('#waldo-shift-x');
    await page.keyboard.press('End');
    expect(await page.textContent('#waldo-shift')).toBe(`(48, ${dy})`);
    await expect
      .poll(() => result.getAttribute('data-in-view'), { timeout: 30_000 })
      .toBe('outside');
    await expect.poll(() => result.getAttribute('data-x'), { timeout: 30_000 }).toBe('159');
    expect(await result.getAttribute('data-y')).toBe(String(19 + dy));
    expect(await result.getAttribute('data-target-x')).toBe(String(waldo.x + 48));
    expect(await result.getAttribute('data-found')).toBe('false');
    expect(await result.textContent()).toContain('out of the picture');
    expect(await page.textContent('#waldo-equivariance')).toContain(
      `and Waldo with it, to (${waldo.x + 48}, ${waldo.y + dy}), out of the picture altogether`,
    );
    await page.locator('#waldo').screenshot({ path: screenshotPath('21-waldo-out-of-view') });
  });

  it('gives the output size of the formula for several settings', async () => {
    const cases = [
      { input: 28, kernel: 5, stride: 1, padding: 0, dilation: 1, expected: 24 },
      { input: 32, kernel: 3, stride: 2, padding: 1, dilation: 1, expected: 16 },
      { input: 7, kernel: 3, stride: 1, padding: 0, dilation: 2, expected: 3 },
      { input: 10, kernel: 3, stride: 3, padding: 2, dilation: 1, expected: 4 },
    ];
    for (const c of cases) {
      for (const key of ['input', 'kernel', 'stride', 'padding', 'dilation'] as const) {
        await page.fill(`#arith-${key}`, String(c[key]));
      }
      expect(await page.getAttribute('#arith-output', 'data-value')).toBe(String(c.expected));
      expect(await page.textContent('#arith-output')).toBe(`${c.expected} × ${c.expected}`);
      expect(await page.textContent('#arith-formula')).toContain(`= ${c.expected}`);
      // The shape is the one conv2d returned in the page (2 channels in and out by default).
      expect(await page.getAttribute('#arith-check', 'data-shape')).toBe(
        `1,2,${c.expected},${c.expected}`,
      );
    }
    await page.locator('#arithmetic').screenshot({ path: screenshotPath('05-arithmetic') });
  });

  it('trains LeNet-5 on WebGPU for a few dozen steps and the loss falls', async () => {
    await page.selectOption('#train-backend', 'webgpu');
    await page.selectOption('#train-batch', '32');
    await page.fill('#train-lr', '0.005');
    await page.click('#train-start');
    const stats = page.locator('#train-stats');
    // About 1 s a step on SwiftShader alone; several under a full parallel test run.
    await expect
      .poll(async () => Number(await stats.getAttribute('data-steps')), {
        timeout: 200_000,
        interval: 500,
      })
      .toBeGreaterThanOrEqual(30);
    expect(await page.textContent('#train-running-on')).toBe('Running on WebGPU');
    await page.click('#train-stop');
    await expect
      .poll(() => page.textContent('#train-status'), { timeout: 60_000 })
      .toMatch(/^Done/);
    expect(await stats.getAttribute('data-backend')).toBe('webgpu');
    expect(await page.textContent('#train-running-on')).toBe('Ran on WebGPU');
    // Away from the cursor the chart's legend names its two lines, with no empty values.
    await page.mouse.move(0, 0);
    const legend = await page.evaluate(() =>
      Array.from(document.querySelectorAll('#train .u-legend .u-label, #train .u-legend .u-value'))
        .filter((el) => el.getClientRects().length > 0)
        .map((el) => el.textContent),
    );
    expect(legend).toEqual(['loss', 'batch accuracy']);
    // The software adapter's note says what the builder's says: slower than the CPU.
    expect(await page.textContent('#train')).toContain(
      'No GPU was found: WebGPU runs in software here, slower than the CPU.',
    );
    const first = Number(await stats.getAttribute('data-first-loss'));
    const last = Number(await stats.getAttribute('data-last-loss'));
    // A fresh network starts near ln 10 ≈ 2.3.
    expect(first).toBeGreaterThan(1.9);
    expect(last).toBeLessThan(first * 0.8);
    // Better than chance (10%) on held-out images after a few dozen steps.
    expect(Number(await stats.getAttribute('data-test-accuracy'))).toBeGreaterThan(0.3);
    await page.locator('#train').screenshot({ path: screenshotPath('06-train-webgpu') });

    // The trained model goes to the drawing panel, which reads the 7 again with it.
    await page.click('#train-use');
    expect(await page.locator('#draw-model option:checked').textContent()).toMatch(
      /^trained here: \d+ steps/,
    );
    expect(await page.getAttribute('#prediction', 'data-digit')).toMatch(/^\d$/);
  }, 300_000);

  it('downloads the model trained on WebGPU as ONNX, from the keyboard', async () => {
    // The ONNX button follows the weights button in tab order, and Enter presses it.
    await page.focus('#train-download');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('train-download-onnx');
    expect(await page.locator('#train-download-onnx').textContent()).toBe('Download ONNX');
    const download = await onnxDownload(page, () => page.keyboard.press('Enter'));
    const { logits } = await readOnnxDownload(download, 3);
    expect(logits.every((v) => Number.isFinite(v))).toBe(true);
  });

  it('fits a phone-sized screen', async () => {
    // Every panel's link in the header is on screen, none hidden in a sideways scroll.
    const links = await page.locator('nav a').count();
    expect(links).toBe(8);
    await expectFitsPhone(
      page,
      null,
      Array.from({ length: links }, (_, i) => `nav li:nth-child(${i + 1}) a`),
    );
    // The shipped weights' name is not cut off in its picker: the text fits left of the arrow.
    const name = await page.evaluate(() => {
      const select = document.getElementById('draw-model') as HTMLSelectElement;
      const style = getComputedStyle(select);
      const context = document.createElement('canvas').getContext('2d');
      if (!context) throw new Error('no 2-d canvas context');
      context.font = style.font;
      const text = select.options[0]?.textContent ?? '';
      const arrow = 24;
      const room =
        select.clientWidth -
        Number.parseFloat(style.paddingLeft) -
        Number.parseFloat(style.paddingRight) -
        arrow;
      return { text, width: context.measureText(text).width, room };
    });
    expect(name.text).toBe('LeNet-5 on MNIST, 2 epochs');
    expect(name.width, JSON.stringify(name)).toBeLessThanOrEqual(name.room);
    await expect
      .poll(async () => (await page.locator('#draw-canvas').boundingBox())?.width ?? 0, {
        timeout: 10_000,
      })
      .toBeGreaterThan(250);
    await page.screenshot({ path: screenshotPath('07-phone'), fullPage: true });
  });

  it('logged no errors', () => {
    expect(errors).toEqual([]);
  });
});
