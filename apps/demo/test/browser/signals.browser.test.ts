/**
 * The signals panel in Chromium, checked by its values: the detector's response the page shows
 * against plain loops over the samples it shows (edges of 'same' padding, other windows, shapes
 * and strides set from the keyboard), the silent stretches against that response and the
 * generator's pauses, the scrubber's window; SignalNet trained a few steps in the page raises the
 * held-out accuracy with memory flat, and its first-layer responses are its filters slid over the
 * example; the panel fits a phone.
 */
import type { Browser, Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { curveScale, formatLoss } from '../../web/signals/readout.js';
import { expectFitsPhone, openDemo, screenshotPath } from './chromium.js';

let browser: Browser;
let page: Page;
let errors: string[];
const missing: string[] = [];

beforeAll(async () => {
  ({ browser, page, errors } = await openDemo({}, (p) => {
    // A console line for a failed load does not name the file; this does.
    p.on('response', (r) => {
      if (r.status() >= 400) missing.push(`${r.status()} ${r.url()}`);
    });
  }));
});

afterAll(async () => {
  await browser?.close();
});

async function values(selector: string, p: Page = page): Promise<Float32Array> {
  const text = await p.getAttribute(selector, 'data-values');
  if (!text) throw new Error(`${selector} has no data-values`);
  return Float32Array.from(text.split(',').map(Number));
}

async function attr(selector: string, name: string): Promise<string> {
  const v = await page.getAttribute(selector, name);
  if (v === null) throw new Error(`${selector} has no ${name}`);
  return v;
}

/** The detector written out with loops: taps, 'same' zeros, stride; nothing from the page. */
function direct(x: Float32Array, window: number, shape: string, stride: number): Float64Array {
  const w = Array.from({ length: window }, (_, a) =>
    shape === 'box' ? 1 : Math.sin((Math.PI * (a + 1)) / (window + 1)) ** 2,
  );
  const sum = w.reduce((p, v) => p + v, 0);
  const before = Math.floor((window - 1) / 2);
  const out = new Float64Array(Math.ceil(x.length / stride));
  for (let j = 0; j < out.length; j++) {
    let e = 0;
    for (let a = 0; a < window; a++) {
      const i = j * stride - before + a;
      if (i >= 0 && i < x.length) e += ((w[a] as number) / sum) * (x[i] as number) ** 2;
    }
    out[j] = e;
  }
  return out;
}

/** Checks the shown response against `direct` for the settings the page says it used. */
async function checkResponse(): Promise<{ response: Float32Array; stride: number }> {
  const samples = await values('#signals-waveform');
  const response = await values('#signals-response');
  const window = Number(await attr('#signals-response', 'data-window'));
  const shape = await attr('#signals-response', 'data-shape');
  const stride = Number(await attr('#signals-response', 'data-stride'));
  const want = direct(samples, window, shape, stride);
  expect(response).toHaveLength(want.length);
  let worst = 0;
  let at = -1;
  for (let j = 0; j < want.length; j++) {
    const d =
      Math.abs((response[j] as number) - (want[j] as number)) / Math.max(1e-4, want[j] as number);
    if (d > worst) [worst, at] = [d, j];
  }
  expect(worst, `window ${window} ${shape}, stride ${stride}: output ${at}`).toBeLessThan(1e-4);
  // The edges, where 'same' reads padding: the first and last outputs by hand as well.
  expect(response[0]).toBeCloseTo(want[0] as number, 7);
  expect(response[want.length - 1]).toBeCloseTo(want[want.length - 1] as number, 7);
  return { response, stride };
}

/** Runs of outputs under the threshold, as sample ranges: the marks the page should draw. */
function stretchesOf(response: Float32Array, threshold: number, stride: number, n: number): string {
  const out: [number, number][] = [];
  for (let j = 0; j < response.length; j++) {
    if ((response[j] as number) >= threshold) continue;
    const start = j * stride;
    const end = Math.min(n, start + stride);
    const last = out[out.length - 1];
    if (last && last[1] === start) last[1] = end;
    else out.push([start, end]);
  }
  return out.map(([a, b]) => `${a}-${b}`).join(',');
}

describe('the silence detector', () => {
  it('shows the response that plain loops compute from the samples it shows, and marks the pauses', async () => {
    await page.locator('#signals').scrollIntoViewIfNeeded();
    expect(await attr('#signals-waveform', 'data-seed')).toBe('1');
    const { response, stride } = await checkResponse();
    expect(response).toHaveLength(16000);
    const threshold = Number(await attr('#signals-response', 'data-threshold'));
    expect(threshold).toBeCloseTo(10 ** -3.5, 9);
    const marked = await attr('#signals-waveform', 'data-stretches');
    expect(marked).toBe(stretchesOf(response, threshold, stride, 16000));
    // Every mark lies in one of the generator's pauses, and every pause of 320+ samples is found.
    const pauses = (await attr('#signals-waveform', 'data-pauses'))
      .split(',')
      .map((s) => s.split('-').map(Number) as [number, number]);
    const stretches = marked.split(',').map((s) => s.split('-').map(Number) as [number, number]);
    expect(stretches.length).toBeGreaterThanOrEqual(3);
    for (const [a, b] of stretches) {
      expect(
        pauses.some(([s, e]) => a < e && s < b),
        `mark ${a}-${b}`,
      ).toBe(true);
    }
    for (const [s, e] of pauses.filter(([s, e]) => e - s >= 320)) {
      expect(
        stretches.some(([a, b]) => a < e && s < b),
        `pause ${s}-${e}`,
      ).toBe(true);
    }
    expect(await page.textContent('#signals-summary')).toMatch(/silent stretch/);
    // The canvas is drawn: the waveform's row through the middle has the line's colour.
    const inked = await page.evaluate(() => {
      const c = document.getElementById('signals-response') as HTMLCanvasElement;
      const d = (c.getContext('2d') as CanvasRenderingContext2D).getImageData(
        0,
        0,
        c.width,
        c.height,
      ).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) if ((d[i + 3] as number) > 0) n++;
      return n;
    });
    expect(inked).toBeGreaterThan(1000);
    // What a first visit shows: the window in the middle of the first burst.
    expect(await page.textContent('#signals-readout')).toMatch(/: sound\.$/);
    await page
      .locator('#signals-detector')
      .screenshot({ path: screenshotPath('16-signals-detector') });
  });

  it('recomputes for a window, shape and stride set from the keyboard', async () => {
    await page.focus('#signals-window');
    await page.keyboard.press('ArrowUp');
    await expect.poll(() => attr('#signals-response', 'data-window')).toBe('168');
    await checkResponse();
    await page.focus('#signals-shape');
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => attr('#signals-response', 'data-shape')).toBe('hann');
    await page.focus('#signals-stride');
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowUp');
    await expect.poll(() => attr('#signals-response', 'data-stride')).toBe('4');
    const { response } = await checkResponse();
    expect(response).toHaveLength(4000);
    expect(await page.getAttribute('#signals-taps', 'data-values')).toMatch(
      /^[0-9.e-]+(,[0-9.e-]+){167}$/,
    );
  });

  it('moves the window along the signal with the scrubber’s keys', async () => {
    const response = await values('#signals-response');
    await page.focus('#signals-position');
    await page.keyboard.press('Home');
    for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowRight');
    expect(await page.inputValue('#signals-position')).toBe('5');
    // Window 5 at stride 4 is centred on sample 20; 168 taps start 83 samples before it.
    expect(await attr('#signals-position', 'data-first')).toBe(String(20 - 83));
    expect(await attr('#signals-position', 'data-last')).toBe(String(20 - 83 + 167));
    expect(Number(await attr('#signals-position', 'data-value'))).toBe(response[5]);
    expect(await page.textContent('#signals-readout')).toMatch(
      /^Window 5 of 4000: samples -63 to 104 .*partly padding/,
    );
    // Play moves the window on by itself; Pause stops it.
    await page.focus('#signals-play');
    await page.keyboard.press('Enter');
    expect(await attr('#signals-play', 'aria-pressed')).toBe('true');
    await expect
      .poll(async () => Number(await page.inputValue('#signals-position')))
      .toBeGreaterThan(5);
    await page.keyboard.press('Enter');
    expect(await attr('#signals-play', 'aria-pressed')).toBe('false');
    const paused = await page.inputValue('#signals-position');
    expect(await attr('#signals-position', 'data-first')).toBe(String(Number(paused) * 4 - 83));
    await page.focus('#signals-position');
    await page.keyboard.press('End');
    expect(await page.inputValue('#signals-position')).toBe('3999');
    expect(Number(await attr('#signals-position', 'data-value'))).toBe(response[3999]);
    expect(await page.textContent('#signals-readout')).toMatch(/silent\.$/);
    expect(await attr('#signals-readout', 'data-verdict')).toBe('silent');
  });

  it('moves the threshold from the keyboard, and makes a new signal', async () => {
    await page.focus('#signals-threshold');
    for (let i = 0; i < 10; i++) await page.keyboard.press('ArrowLeft');
    const threshold = Number(await attr('#signals-response', 'data-threshold'));
    expect(threshold).toBeCloseTo(10 ** -4.5, 10);
    expect(await page.textContent('#signals-threshold-value')).toMatch(/^-45 dB/);
    const response = await values('#signals-response');
    expect(await attr('#signals-waveform', 'data-stretches')).toBe(
      stretchesOf(response, threshold, 4, 16000),
    );
    const before = await values('#signals-waveform');
    await page.focus('#signals-new');
    await page.keyboard.press('Enter');
    await expect.poll(() => attr('#signals-waveform', 'data-seed')).toBe('2');
    expect(await values('#signals-waveform')).not.toEqual(before);
    await checkResponse();
  });

  it('says why when the microphone cannot record, and keeps the synthetic signal', async () => {
    // No test needs a microphone: this one stands in a refusal, as a user who says no would give.
    await page.evaluate(() => {
      navigator.mediaDevices.getUserMedia = () =>
        Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));
    });
    const seed = await attr('#signals-waveform', 'data-seed');
    await page.focus('#signals-record');
    await page.keyboard.press('Enter');
    await expect
      .poll(() => page.textContent('#signals-mic-status'))
      .toBe('Could not record: Permission denied. The synthetic signal works the same.');
    expect(await attr('#signals-waveform', 'data-seed')).toBe(seed);
    expect(await page.isDisabled('#signals-record')).toBe(false);
  });
});

describe('the learned classifier', () => {
  it('trains a few steps from the keyboard: the held-out accuracy rises and memory stays flat', async () => {
    await page.locator('#signals-classifier').scrollIntoViewIfNeeded();
    await expect.poll(() => page.getAttribute('#signals-progress', 'data-accuracy-step')).toBe('0');
    const untrained = Number(await attr('#signals-progress', 'data-accuracy'));
    expect(untrained).toBeLessThan(0.5);
    await page.focus('#signals-train');
    await page.keyboard.press('Enter');
    await expect
      .poll(
        async () => Number(await page.getAttribute('#signals-progress', 'data-accuracy-step')),
        {
          timeout: 60_000,
          interval: 100,
        },
      )
      .toBeGreaterThanOrEqual(30);
    await page.focus('#signals-stop');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.isDisabled('#signals-stop')).toBe(true);
    const steps = Number(await attr('#signals-progress', 'data-step'));
    expect(steps).toBeGreaterThanOrEqual(30);
    // After a stop the accuracy is measured on the weights it stopped with.
    expect(await attr('#signals-progress', 'data-accuracy-step')).toBe(String(steps));
    const trained = Number(await attr('#signals-progress', 'data-accuracy'));
    expect(trained, `${untrained} → ${trained} after ${steps} steps`).toBeGreaterThanOrEqual(0.6);
    expect(await page.textContent('#signals-accuracy')).toBe(`${(trained * 100).toFixed(1)}%`);
    // The batch's readouts as the Node module writes them: both accuracies with one decimal.
    expect(await page.textContent('#signals-loss')).toBe(
      formatLoss(Number(await attr('#signals-progress', 'data-loss'))),
    );
    expect(await page.textContent('#signals-batch-accuracy')).toMatch(/^\d{1,3}\.\d%$/);
    // The curve's caption gives its scale: the steps across, the loss and accuracy ranges.
    const scale = page.locator('#signals-curve-scale');
    expect(await scale.textContent()).toBe(
      curveScale(
        Number(await scale.getAttribute('data-steps')),
        Number(await scale.getAttribute('data-loss-top')),
      ),
    );
    expect(Number(await scale.getAttribute('data-loss-top'))).toBeGreaterThanOrEqual(1.5);
    expect(await page.textContent('#signals-train-status')).toContain(
      `Stopped after ${steps} steps`,
    );
    // Live tensors at each measurement: from step 10 on (Adam's state exists) they do not grow.
    const counts = (await attr('#signals-progress', 'data-tensors')).split(',').map(Number);
    expect(counts.length).toBeGreaterThanOrEqual(4);
    expect(counts.slice(1), counts.join(' ')).toEqual(counts.slice(1).map(() => counts[1]));
  });

  it('shows first-layer responses that are the learned filters slid over the example', async () => {
    const check = async () => {
      const signal = await values('#signals-example');
      expect(signal).toHaveLength(128);
      const filters = await page.locator('#signals-filters .signals-filter').count();
      expect(filters).toBe(8);
      for (let o = 0; o < filters; o++) {
        const w = await values(`#signals-filters .signals-filter[data-channel="${o}"]`);
        const r = await values(`#signals-filters .signals-filter-response[data-channel="${o}"]`);
        expect(w).toHaveLength(15);
        for (let t = 0; t < 128; t++) {
          let sum = 0;
          for (let a = 0; a < 15; a++) {
            const i = t + a - 7;
            if (i >= 0 && i < 128) sum += (w[a] as number) * (signal[i] as number);
          }
          expect(r[t], `filter ${o}, t ${t}`).toBeCloseTo(sum, 4);
        }
      }
    };
    expect(await attr('#signals-filters', 'data-step')).toBe(
      await attr('#signals-progress', 'data-step'),
    );
    await check();
    await page.focus('#signals-example-class');
    await page.keyboard.press('ArrowUp');
    await expect.poll(() => page.getAttribute('#signals-example', 'data-class')).toBe('noise');
    await expect
      .poll(() => page.getAttribute('#signals-prediction', 'data-predicted'))
      .not.toBeNull();
    await check();
    await page
      .locator('#signals-classifier')
      .screenshot({ path: screenshotPath('16-signals-classifier') });
  });

  it('fits a phone-sized screen', async () => {
    await expectFitsPhone(
      page,
      '#signals',
      [
        '#signals-waveform',
        '#signals-response',
        '#signals-position',
        '#signals-window',
        '#signals-threshold',
        '#signals-train',
        '#signals-filters',
        '#signals-readout',
      ],
      { scrollEach: true },
    );
    // Redrawn at the new width: the canvas's backing store follows its box.
    const { css, px } = await page.evaluate(() => {
      const c = document.getElementById('signals-waveform') as HTMLCanvasElement;
      return { css: c.clientWidth, px: c.width / (window.devicePixelRatio || 1) };
    });
    expect(Math.abs(css - px)).toBeLessThanOrEqual(1);
    await page
      .locator('#signals-detector')
      .screenshot({ path: screenshotPath('17-signals-phone-detector') });
    await page
      .locator('#signals-classifier')
      .screenshot({ path: screenshotPath('17-signals-phone-classifier') });
  });

  it('logged no errors', () => {
    expect(errors, [...errors, ...missing].join('\n')).toEqual([]);
  });
});
