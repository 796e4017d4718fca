/**
 * "Watch it learn", the live view of the look-inside panel, in Chromium: started from the
 * keyboard, it refreshes as panel 2 trains (on the CPU backend: SwiftShader's WebGPU is too slow
 * for a short test); the filters it paints are the weights it reports, and they change from one
 * refresh to the next; the probe digit's first layer equals conv2d of the MNIST test image with
 * those weights, computed in Node; every layer's gradient sizes are finite, positive and shown as
 * reported; memory stays flat over refreshes; it fits a phone.
 */
import { cpu } from '@stride/backend-cpu';
import { conv2d, registerBackend, setBackend, tensor, tidy } from '@stride/core';
import type { Browser, Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTrainOptions } from '../../src/cli/options.js';
import { loadData } from '../../src/cli/setup.js';
import { formatGradient, logPosition } from '../../web/inside/gradient-flow.js';
import { diverging } from '../../web/ui/colormap.js';
import { expectFitsPhone, openDemo, screenshotPath } from './chromium.js';

let browser: Browser;
let page: Page;
let errors: string[];

beforeAll(async () => {
  registerBackend(cpu({ threads: 1, relaxedSimd: false }));
  await setBackend('cpu');
  // Tall enough to see the whole live view: its blocks paint only while on screen.
  ({ browser, page, errors } = await openDemo({ viewport: { width: 1280, height: 3000 } }));
});

afterAll(async () => {
  await browser?.close();
});

interface Refresh {
  step: number;
  /** The step each block of pictures shows. */
  painted: number[];
  refreshes: number;
  tensors: number;
  weights: number[];
  bias: number[];
  /** RGB of every pixel of conv1's six 5×5 filters, filter by filter. */
  pixels: number[];
  probeImage: number[];
  probeConv1: number[];
  flow: { layer: string; output: number; weight: number; shown: string[]; widths: string[] }[];
  histograms: { id: string; sum: number; total: number }[];
}

/** Everything the live view shows at one moment, read in one go (no refresh can come between). */
function readRefresh(p: Page): Promise<Refresh> {
  return p.evaluate(() => {
    const nums = (s: string | undefined) => (s ? s.split(',').map(Number) : []);
    const live = document.getElementById('live') as HTMLElement;
    const grid = document.getElementById('live-filters-conv1') as HTMLElement;
    const pixels: number[] = [];
    for (const c of grid.querySelectorAll('canvas')) {
      const data = (c.getContext('2d') as CanvasRenderingContext2D).getImageData(0, 0, 5, 5).data;
      for (let i = 0; i < data.length; i += 4) pixels.push(data[i], data[i + 1], data[i + 2]);
    }
    const rows = [...document.querySelectorAll<HTMLElement>('#live-gradients .flow-row')];
    const painted = ['live-probe', 'live-filters', 'live-distributions'].map((id) =>
      Number(document.getElementById(id)?.dataset.step),
    );
    return {
      step: Number(live.dataset.step),
      painted,
      refreshes: Number(live.dataset.refreshes),
      tensors: Number(document.getElementById('live-memory')?.dataset.tensors),
      weights: nums(grid.dataset.values),
      bias: nums(grid.dataset.bias),
      pixels,
      probeImage: nums(document.getElementById('live-probe-image')?.dataset.values),
      probeConv1: nums(
        document.querySelector<HTMLElement>('#live-probe-stages [data-probe-layer="conv1"]')
          ?.dataset.values,
      ),
      flow: rows.map((r) => ({
        layer: r.dataset.layer as string,
        output: Number(r.dataset.output),
        weight: Number(r.dataset.weight),
        shown: [...r.querySelectorAll('.flow-value')].map((e) => e.textContent ?? ''),
        widths: [...r.querySelectorAll<HTMLElement>('.flow-bar')].map((e) => e.style.width),
      })),
      histograms: [...document.querySelectorAll<HTMLCanvasElement>('#live-histograms canvas')].map(
        (c) => ({
          id: c.id,
          sum: nums(c.dataset.counts).reduce((a, b) => a + b, 0),
          total: Number(c.dataset.total),
        }),
      ),
    };
  });
}

/** Waits for a refresh after step `after` and reads it. */
async function nextRefresh(p: Page, after: number): Promise<Refresh> {
  await expect
    .poll(async () => Number(await p.getAttribute('#live', 'data-step')), {
      timeout: 30_000,
      interval: 100,
    })
    .toBeGreaterThan(after);
  return readRefresh(p);
}

/**
 * Waits for a refresh after step `after` that every block on screen has painted, and reads it.
 * A block learns that it is on screen from an IntersectionObserver callback, which a loaded
 * machine may deliver after the first refresh following the scroll; the block then catches up.
 */
async function nextPaintedRefresh(p: Page, after: number): Promise<Refresh> {
  let last: Refresh | null = null;
  await expect
    .poll(
      async () => {
        last = await readRefresh(p);
        const r = last;
        return r.step > after && r.painted.every((step) => step === r.step);
      },
      { timeout: 30_000, interval: 100 },
    )
    .toBe(true);
  return last as unknown as Refresh;
}

/** The colour the page gives a weight of a bank whose largest |weight| is `m`. */
function expectedPixels(weights: number[]): number[] {
  const m = Math.max(...weights.map(Math.abs)) || 1;
  return weights.flatMap((v) => diverging(v / m));
}

describe('watch it learn', () => {
  let first: Refresh;
  let second: Refresh;

  it('starts training from the keyboard and refreshes with the training model', async () => {
    // Small batches on the CPU: a step takes milliseconds.
    await page.selectOption('#train-backend', 'cpu');
    await page.selectOption('#train-batch', '16');
    // Before training: the invitation and the probe digit, no empty charts.
    expect(await page.textContent('#live-status')).toMatch(/^Not training yet/);
    expect(await page.isVisible('#live-train')).toBe(true);
    expect(await page.isVisible('#live-blocks')).toBe(false);
    await expect
      .poll(() => page.getAttribute('#live-probe-image', 'data-label'), { timeout: 30_000 })
      .toBe('7');
    // The button, then Tab to the interval: every 5 steps (from 10); Shift+Tab back, Enter.
    const focused = () => page.evaluate(() => document.activeElement?.id);
    await page.focus('#live-train');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('live-every');
    await page.keyboard.press('ArrowUp');
    expect(await page.inputValue('#live-every')).toBe('5');
    await page.keyboard.press('Shift+Tab');
    expect(await focused()).toBe('live-train');
    await page.keyboard.press('Enter');
    // MNIST (11 MB) loads first.
    await expect
      .poll(() => page.getAttribute('#live', 'data-running'), { timeout: 30_000 })
      .toBe('true');
    expect(await page.textContent('#live-train')).toBe('Stop training');

    // The whole view on screen, from its top.
    await page.locator('#live').evaluate((el) => el.scrollIntoView({ block: 'start' }));
    first = await nextPaintedRefresh(page, 1);
    expect(await page.isVisible('#live-blocks')).toBe(true);
    second = await nextPaintedRefresh(page, first.step);
    const third = await nextPaintedRefresh(page, second.step);
    for (const r of [first, second, third]) {
      expect(r.step % 5, `step ${r.step}`).toBe(0);
      expect(r.painted).toEqual([r.step, r.step, r.step]);
      expect(r.weights).toHaveLength(150);
      // The pictures are the weights the page reports, in its colour map.
      const want = expectedPixels(r.weights);
      expect(r.pixels).toHaveLength(want.length);
      for (let i = 0; i < want.length; i++) {
        expect(
          Math.abs((r.pixels[i] as number) - (want[i] as number)),
          `pixel value ${i}`,
        ).toBeLessThanOrEqual(1);
      }
      // Backward order: the loss's end first.
      expect(r.flow.map((f) => f.layer)).toEqual(['fc3', 'fc2', 'fc1', 'conv2', 'conv1']);
      for (const f of r.flow) {
        for (const v of [f.output, f.weight]) {
          expect(Number.isFinite(v) && v > 0, `${f.layer}: ${v}`).toBe(true);
        }
        expect(f.shown).toEqual([formatGradient(f.output), formatGradient(f.weight)]);
        // Bars on the log axis: the browser writes widths its own way (56.0% is 56%).
        expect(f.widths.map((w) => Number.parseFloat(w))).toEqual(
          [f.output, f.weight].map((v) => Number((100 * logPosition(v)).toFixed(1))),
        );
      }
      // Every weight and every output of the batch counted once.
      expect(r.histograms).toHaveLength(10);
      for (const h of r.histograms) expect(h.sum, h.id).toBe(h.total);
      const total = (id: string) => r.histograms.find((h) => h.id === id)?.total;
      expect(total('live-hist-conv1-weights')).toBe(150);
      expect(total('live-hist-fc1-weights')).toBe(48_000);
      expect(total('live-hist-conv1-outputs')).toBe(8 * 6 * 28 * 28);
    }
    // The filters move between refreshes, and so do their pictures.
    expect(second.weights).not.toEqual(first.weights);
    expect(second.pixels).not.toEqual(first.pixels);
    // Memory is the same at every refresh.
    expect(first.tensors).toBeGreaterThan(0);
    expect([second.tensors, third.tensors]).toEqual([first.tensors, first.tensors]);
    await page.locator('#live').screenshot({ path: screenshotPath('12-inside-live') });
  });

  it('paints its pictures only while they are on screen, and catches up when they come back', async () => {
    await page.setViewportSize({ width: 1280, height: 700 });
    await page.evaluate(() => window.scrollTo(0, 0));
    const painted = () => page.getAttribute('#live-filters', 'data-step').then(Number);
    // Give the observer a frame to notice, then let two refreshes pass off screen.
    const away = (await nextRefresh(page, await painted())).step;
    const later = (await nextRefresh(page, away)).step;
    expect(await painted()).toBeLessThan(later);
    await page.locator('#live-filters').scrollIntoViewIfNeeded();
    await expect.poll(painted, { timeout: 10_000 }).toBeGreaterThanOrEqual(later);
    await page.setViewportSize({ width: 1280, height: 3000 });
    await page.locator('#live').evaluate((el) => el.scrollIntoView({ block: 'start' }));
  });

  it('runs the MNIST test digit through the weights it shows', async () => {
    const { test } = await loadData(parseTrainOptions([]));
    const image = test.getBatch([0]).x;
    expect(second.probeImage).toHaveLength(784);
    for (let i = 0; i < 784; i++) {
      expect(second.probeImage[i]).toBeCloseTo(image[i] as number, 6);
    }
    expect(await page.getAttribute('#live-probe-image', 'data-label')).toBe('7');
    const want = tidy(
      () =>
        conv2d(
          tensor(image, { shape: [1, 1, 28, 28] }),
          tensor(Float32Array.from(second.weights), { shape: [6, 1, 5, 5] }),
          { bias: tensor(Float32Array.from(second.bias)), padding: 2 },
        ).dataSync() as Float32Array,
    );
    expect(second.probeConv1).toHaveLength(want.length);
    let worst = 0;
    for (let i = 0; i < want.length; i++) {
      worst = Math.max(worst, Math.abs((second.probeConv1[i] as number) - (want[i] as number)));
    }
    expect(worst).toBeLessThan(1e-5);
    expect(await page.getAttribute('#live-probe-prediction', 'data-digit')).toMatch(/^\d$/);
  });

  it('stops from the keyboard and keeps the last picture', async () => {
    await page.focus('#live-train');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getAttribute('#live', 'data-running')).toBe('false');
    expect(await page.textContent('#live-status')).toMatch(/^Stopped after \d+ steps/);
    expect(await page.textContent('#live-train')).toBe('Train and watch');
    // Panel 2 finishes its run as when its own Stop is pressed.
    await expect
      .poll(() => page.textContent('#train-status'), { timeout: 30_000 })
      .toMatch(/^Done/);
  });

  it('fits a phone-sized screen', async () => {
    await expectFitsPhone(page, '#live', [
      '#live-train',
      '#live-every',
      '#live-probe-stages',
      '#live-filters-conv2',
      '#live-gradients',
      '#live-histograms',
    ]);
    await page.locator('#live').screenshot({ path: screenshotPath('13-inside-live-phone') });
  });

  it('logged no errors', () => {
    expect(errors).toEqual([]);
  });
});
