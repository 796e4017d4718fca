/**
 * The "look inside" panel's two views of what the network does with a drawing, checked by their
 * values: the saliency the page shows against finite differences of the same weights in Node,
 * Grad-CAM against the map that hand-set weights dictate (served in place of the checkpoint),
 * gradient ascent against the activation that Node measures on the page's pictures; memory stays
 * flat as the user redraws; the class and channel pickers work from the keyboard; and the views
 * fit a phone.
 */
import { cpu } from '@stride/backend-cpu';
import {
  encodeSafetensors,
  noGrad,
  registerBackend,
  setBackend,
  slice,
  tensor,
  tidy,
} from '@stride/core';
import type { LeNet5 } from '@stride/layers';
import type { Browser, Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { largestGain } from '../../web/inside/unit-choice.js';
import { checkGradient } from '../finite-difference.js';
import { handSetState } from '../hand-set-lenet.js';
import { shippedLenet } from '../shipped-lenet.js';
import { expectFitsPhone, loadDemo, openDemo, screenshotPath, watchErrors } from './chromium.js';

let browser: Browser;
let page: Page;
let errors: string[];
let model32: LeNet5;
let model64: LeNet5;

beforeAll(async () => {
  registerBackend(cpu({ threads: 1, relaxedSimd: false }));
  await setBackend('cpu');
  model32 = shippedLenet('float32');
  model64 = shippedLenet('float64');
  ({ browser, page, errors } = await openDemo());
});

afterAll(async () => {
  await browser?.close();
  model32?.dispose();
  model64?.dispose();
});

/** Drags the mouse through `points` given as fractions of the drawing pad's size. */
async function strokeOnPad(p: Page, points: [number, number][]): Promise<void> {
  await p.locator('#draw-canvas').scrollIntoViewIfNeeded();
  const box = await p.locator('#draw-canvas').boundingBox();
  if (!box) throw new Error('the drawing pad is not visible');
  const at = ([fx, fy]: [number, number]) =>
    [box.x + fx * box.width, box.y + fy * box.height] as const;
  const [x0, y0] = at(points[0] as [number, number]);
  await p.mouse.move(x0, y0);
  await p.mouse.down();
  for (const q of points.slice(1)) {
    const [x, y] = at(q);
    await p.mouse.move(x, y, { steps: 12 });
  }
  await p.mouse.up();
}

async function drawSeven(p: Page, shift = 0): Promise<void> {
  await strokeOnPad(p, [
    [0.25 + shift, 0.2],
    [0.5 + shift, 0.19],
    [0.76 + shift, 0.2],
  ]);
  await strokeOnPad(p, [
    [0.76 + shift, 0.2],
    [0.62 + shift, 0.5],
    [0.47 + shift, 0.85],
  ]);
}

/** The numbers behind a picture (its `data-values`), as the float32 values the page had. */
async function values(p: Page, selector: string): Promise<Float32Array> {
  const text = await p.getAttribute(selector, 'data-values');
  if (!text) throw new Error(`${selector} has no data-values`);
  return Float32Array.from(text.split(',').map(Number));
}

/** Mean of conv2's channel `c` (before ReLU) for one image, in Node. */
function unitActivation(image: Float32Array, c: number): number {
  return noGrad(() =>
    tidy(() => {
      const x = tensor(image, { shape: [1, 1, 28, 28], dtype: 'float32', device: 'cpu' });
      const m = model32;
      const a = m.conv2.forward(m.pool1.forward(m.act1.forward(m.conv1.forward(x))));
      return slice(a, 1, c, c + 1)
        .mean()
        .itemSync() as number;
    }),
  );
}

/** Checks the page's saliency (signed gradient) for class `c` against finite differences. */
function checkSaliency(image: Float32Array, gradient: Float32Array, c: number): void {
  let top = 0;
  for (let p = 1; p < 784; p++)
    if (Math.abs(gradient[p] as number) > Math.abs(gradient[top] as number)) top = p;
  const pixels = [top];
  for (let p = 0; p < 784; p += 5) pixels.push(p);
  const seen = { flat: 0, smooth: 0, kink: 0 };
  for (const p of pixels) seen[checkGradient(model64, image, c, p, gradient[p] as number)]++;
  // The strokes are smooth; the blank background is one big tie of max pooling (a kink, where
  // the backward pass picks one side).
  expect(seen.smooth, JSON.stringify(seen)).toBeGreaterThan(5);
}

describe('why this answer: saliency and Grad-CAM', () => {
  it('shows the saliency of the drawn 7, equal to finite differences of the logit', async () => {
    expect(await page.isVisible('#why-empty')).toBe(true);
    await drawSeven(page);
    await expect.poll(() => page.getAttribute('#prediction', 'data-digit')).toBe('7');
    await expect.poll(() => page.getAttribute('#why-maps', 'data-class')).toBe('7');
    expect(await page.getAttribute('#why-maps', 'data-predicted')).toBe('7');
    expect(await page.isVisible('#why-empty')).toBe(false);
    const image = await values(page, '#why-input');
    const gradient = await values(page, '#why-saliency');
    expect(image).toHaveLength(784);
    expect(gradient).toHaveLength(784);
    checkSaliency(image, gradient, 7);
    // The map is scaled by its largest |gradient|, which the page reports.
    const top = Math.max(...gradient.map(Math.abs));
    expect(Number(await page.getAttribute('#why-saliency', 'data-max'))).toBeCloseTo(top, 6);
    const cam = await values(page, '#why-gradcam');
    expect(cam).toHaveLength(784);
    expect(cam.every((v) => v >= 0 && v <= 1)).toBe(true);
    expect(Math.max(...cam)).toBe(1);
    await page.locator('#why').screenshot({ path: screenshotPath('09-inside-why') });
  });

  it('explains another digit picked with the keyboard, and comes back to the prediction', async () => {
    const before = await values(page, '#why-saliency');
    await page.focus('#why-class');
    await page.keyboard.press('ArrowDown');
    expect(await page.inputValue('#why-class')).toBe('0');
    await expect.poll(() => page.getAttribute('#why-maps', 'data-class')).toBe('0');
    const image = await values(page, '#why-input');
    const gradient = await values(page, '#why-saliency');
    expect(gradient).not.toEqual(before);
    checkSaliency(image, gradient, 0);
    expect(await page.textContent('#why-summary')).toContain('score of 0');
    await page.keyboard.press('ArrowUp');
    await expect.poll(() => page.getAttribute('#why-maps', 'data-class')).toBe('7');
    expect(await page.textContent('#why-summary')).toContain('7, the prediction');
  });

  it('keeps memory flat while the user redraws many times', async () => {
    const counts: number[] = [];
    for (let i = 0; i < 4; i++) {
      await page.click('#draw-clear');
      await expect.poll(() => page.isVisible('#why-empty')).toBe(true);
      await drawSeven(page, (i % 3) * 0.05 - 0.05);
      await expect.poll(() => page.isVisible('#why-maps')).toBe(true);
      counts.push(Number(await page.getAttribute('#why-memory', 'data-tensors')));
    }
    expect(counts[0]).toBeGreaterThan(0);
    expect(counts, counts.join(' ')).toEqual(counts.map(() => counts[0]));
    // A small note in plain words, not a headline.
    expect(await page.textContent('#why-memory')).toMatch(
      new RegExp(`^memory: ${counts[0]} tensors \\(\\d+ kB\\), the same after every redraw$`),
    );
    expect(
      await page.evaluate(
        () => getComputedStyle(document.getElementById('why-memory') as Element).fontSize,
      ),
    ).toBe('12px');
  });

  it('draws the Grad-CAM map that hand-set weights dictate', async () => {
    // conv1 and conv2 copy the image in their channel 0, logit 3 sums it after pool2 and no
    // other logit reads anything (test/hand-set-lenet.ts). Then Grad-CAM for 3 is the channel
    // itself: A⁰ = max-pool(image)[2..11, 2..11], upsampled ×2 (bilinear) and placed 4 pixels in.
    const bytes = await encodeSafetensors(handSetState(), { epochs: '0' });
    const p = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const seen = watchErrors(p);
    await p.route('**/models/lenet5-mnist.safetensors', (route) =>
      route.fulfill({ body: Buffer.from(bytes), contentType: 'application/octet-stream' }),
    );
    await loadDemo(p);
    await drawSeven(p);
    await expect.poll(() => p.getAttribute('#why-maps', 'data-class')).toBe('3');
    const image = await values(p, '#why-input');
    const cam = await values(p, '#why-gradcam');
    const pooled = (y: number, x: number) =>
      Math.max(
        image[2 * y * 28 + 2 * x] as number,
        image[2 * y * 28 + 2 * x + 1] as number,
        image[(2 * y + 1) * 28 + 2 * x] as number,
        image[(2 * y + 1) * 28 + 2 * x + 1] as number,
      );
    const a0 = (i: number, j: number) =>
      pooled(Math.min(9, Math.max(0, i)) + 2, Math.min(9, Math.max(0, j)) + 2);
    // PyTorch's bilinear ×2 (half-pixel centres): output o reads input (o + 0.5) / 2 − 0.5.
    const expected = new Float32Array(784);
    for (let oy = 0; oy < 20; oy++) {
      for (let ox = 0; ox < 20; ox++) {
        const sy = Math.max(0, (oy + 0.5) / 2 - 0.5);
        const sx = Math.max(0, (ox + 0.5) / 2 - 0.5);
        const [y0, x0] = [Math.floor(sy), Math.floor(sx)];
        const [fy, fx] = [sy - y0, sx - x0];
        expected[(oy + 4) * 28 + ox + 4] =
          (1 - fy) * ((1 - fx) * a0(y0, x0) + fx * a0(y0, x0 + 1)) +
          fy * ((1 - fx) * a0(y0 + 1, x0) + fx * a0(y0 + 1, x0 + 1));
      }
    }
    const top = Math.max(...expected);
    expect(top).toBeGreaterThan(0);
    for (let i = 0; i < 784; i++) {
      expect(cam[i] as number, `pixel ${i}`).toBeCloseTo((expected[i] as number) / top, 5);
    }
    // Its peak lies on ink.
    expect(image[cam.indexOf(1)]).toBeGreaterThan(0.3);

    // Digit 5 has no evidence at all: an empty map, and the page says so.
    await p.focus('#why-class');
    for (let i = 0; i < 6; i++) await p.keyboard.press('ArrowDown');
    await expect.poll(() => p.getAttribute('#why-maps', 'data-class')).toBe('5');
    expect((await values(p, '#why-gradcam')).every((v) => v === 0)).toBe(true);
    expect(await p.textContent('#why-summary')).toContain('Grad-CAM is empty');
    expect(seen).toEqual([]);
    await p.close();
  });
});

describe('what a unit wants to see: gradient ascent on conv2 channels', () => {
  it('raises every channel’s activation, as Node measures it on the page’s pictures', async () => {
    await page.locator('#units').scrollIntoViewIfNeeded();
    await expect
      .poll(() => page.getAttribute('#unit-grid', 'data-done'), { timeout: 90_000, interval: 250 })
      .toBe('16');
    let gains = 0;
    for (let c = 0; c < 16; c++) {
      const cell = `#unit-grid [data-channel="${c}"]`;
      const start = Number(await page.getAttribute(cell, 'data-start'));
      const end = Number(await page.getAttribute(cell, 'data-end'));
      expect(Number(await page.getAttribute(cell, 'data-steps'))).toBe(64);
      expect(end, `channel ${c}: ${start} → ${end}`).toBeGreaterThan(start + 0.1);
      gains += end - start;
      if (c % 5 === 0) {
        const image = await values(page, `${cell} canvas`);
        expect(image.every((v) => v >= 0 && v <= 1)).toBe(true);
        expect(unitActivation(image, c)).toBeCloseTo(end, 4);
      }
    }
    expect(gains / 16).toBeGreaterThan(0.5);
    await page.locator('#units').screenshot({ path: screenshotPath('10-inside-units') });
  });

  it('opens on the channel whose activation rose most, and says from what to what', async () => {
    const starts: number[] = [];
    const ends: number[] = [];
    for (let c = 0; c < 16; c++) {
      const cell = `#unit-grid [data-channel="${c}"]`;
      starts.push(Number(await page.getAttribute(cell, 'data-start')));
      ends.push(Number(await page.getAttribute(cell, 'data-end')));
    }
    const best = largestGain(starts, ends);
    expect(ends[best] - starts[best]).toBe(Math.max(...ends.map((e, c) => e - starts[c])));
    expect(await page.getAttribute('#unit-large', 'data-channel')).toBe(String(best));
    expect(await page.inputValue('#unit-channel')).toBe(String(best));
    expect(await page.textContent('#unit-large-caption')).toBe(
      `Channel ${best}: mean activation from ${starts[best].toFixed(2)} on the starting noise to ${ends[best].toFixed(2)} after 64 steps.`,
    );
  });

  it('picks the channel with the keyboard, one Tab stop for all sixteen', async () => {
    await page.focus('#unit-channel');
    await page.keyboard.press('Home');
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight');
    expect(await page.getAttribute('#unit-large', 'data-channel')).toBe('3');
    expect(await page.textContent('#unit-channel-value')).toBe('3');
    expect(await page.getAttribute('#unit-grid [data-channel="3"]', 'aria-pressed')).toBe('true');
    expect(await page.getAttribute('#unit-grid [data-channel="0"]', 'aria-pressed')).toBe('false');
    expect(await page.textContent('#unit-large-caption')).toMatch(
      /^Channel 3: mean activation from -?\d+\.\d\d on the starting noise to -?\d+\.\d\d after 64 steps\.$/,
    );
    // Tab goes from the slider to "New start" and on past the grid's sixteen buttons.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('unit-restart');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.closest('#unit-grid'))).toBeNull();
    // The grid still picks a channel by click.
    await page.click('#unit-grid [data-channel="9"]');
    expect(await page.getAttribute('#unit-large', 'data-channel')).toBe('9');
    expect(await page.inputValue('#unit-channel')).toBe('9');
  });

  it('fits a phone-sized screen', async () => {
    await expectFitsPhone(page, '#why', ['#why-maps', '#unit-grid', '#unit-large', '#why-class']);
    // The grid's cells stay big enough to tap.
    const cell = await page.locator('#unit-grid [data-channel="0"]').boundingBox();
    expect(cell?.width ?? 0).toBeGreaterThanOrEqual(44);
    await page.locator('#inside').screenshot({ path: screenshotPath('11-inside-phone') });
  });

  it('logged no errors', () => {
    expect(errors).toEqual([]);
  });
});
