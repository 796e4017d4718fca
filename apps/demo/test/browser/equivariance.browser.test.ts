/**
 * The equivariance panel in Chromium, checked by its numbers: the keyboard shifts and turns the
 * digit; the page's input and transformed input are MNIST test image #0 and its exact transform
 * (no wrap-around); the differences it reports are ~0 for conv1 under a shift (away from the
 * border band) and for the p4 layer under a turn, large for conv1 under a turn, and equal to what
 * Node computes with the same checkpoint; the p4 planes are framed by the plane they came from;
 * the drawing of panel 1 can be the input; memory stays flat; the panel fits a phone.
 */
import { cpu } from '@stride/backend-cpu';
import { registerBackend, setBackend } from '@stride/core';
import { loadMnist } from '@stride/datasets';
import type { LeNet5 } from '@stride/layers';
import type { Browser, Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareEquivariance } from '../../web/equivariance/compare.js';
import { applyTransform } from '../../web/equivariance/transform.js';
import { shippedLenet } from '../shipped-lenet.js';
import { expectFitsPhone, openDemo, screenshotPath } from './chromium.js';

let browser: Browser;
let page: Page;
let errors: string[];
let model: LeNet5;

beforeAll(async () => {
  registerBackend(cpu({ threads: 1, relaxedSimd: false }));
  await setBackend('cpu');
  model = shippedLenet();
  ({ browser, page, errors } = await openDemo());
});

afterAll(async () => {
  await browser?.close();
  model?.dispose();
});

/** The numbers behind a picture (its `data-values`), as the float32 values the page had. */
async function values(selector: string): Promise<Float32Array> {
  const text = await page.getAttribute(selector, 'data-values');
  if (!text) throw new Error(`${selector} has no data-values`);
  return Float32Array.from(text.split(',').map(Number));
}

/** A number the page reports in a data attribute. */
async function reported(selector: string, name: string): Promise<number> {
  const text = await page.getAttribute(selector, `data-${name}`);
  if (text === null) throw new Error(`${selector} has no data-${name}`);
  return Number(text);
}

/** Whether the text of `selector` is set smaller than the panel's lead paragraph. */
function smallerThanLead(selector: string): Promise<boolean> {
  return page.evaluate((sel) => {
    const size = (el: Element | null) =>
      Number.parseFloat(getComputedStyle(el as Element).fontSize);
    return size(document.querySelector(sel)) < size(document.querySelector('#equivariance .lead'));
  }, selector);
}

async function transformOnPage(): Promise<{ dx: number; dy: number; turns: number }> {
  return {
    dx: await reported('#equivariance', 'dx'),
    dy: await reported('#equivariance', 'dy'),
    turns: await reported('#equivariance', 'turns'),
  };
}

/** Presses `key` on the focused T x `times` times, and waits for the panel to redraw each time. */
async function press(key: string, times = 1): Promise<void> {
  for (let i = 0; i < times; i++) {
    const before = await reported('#equivariance', 'updates');
    await page.keyboard.press(key);
    await expect.poll(() => reported('#equivariance', 'updates')).toBeGreaterThan(before);
  }
}

/** The page's numbers against Node's, for the page's own input and transform. */
async function checkAgainstNode(): Promise<ReturnType<typeof compareEquivariance>> {
  const input = await values('#eq-input');
  const t = await transformOnPage();
  const r = compareEquivariance(model.conv1.weight, model.conv1.bias, input, 28, t);
  expect(Array.from(await values('#eq-transformed'))).toEqual(
    Array.from(applyTransform(input, 28, t)),
  );
  for (const [selector, c] of [
    ['#eq-plain-diff', r.plain],
    ['#eq-p4-diff', r.p4],
  ] as const) {
    expect(await reported(selector, 'scale')).toBeCloseTo(c.scale, 5);
    expect(await reported(selector, 'max')).toBeCloseTo(c.maxDifference, 5);
    expect(await reported(selector, 'compared')).toBe(r.mask.reduce((s, v) => s + v, 0));
  }
  return r;
}

describe('the equivariance panel', () => {
  it('shows MNIST test image #0 and its maps once scrolled to, with nothing moved', async () => {
    await page.locator('#equivariance').scrollIntoViewIfNeeded();
    await expect.poll(() => page.isVisible('#eq-results'), { timeout: 30_000 }).toBe(true);
    expect(await page.isVisible('#eq-empty')).toBe(false);
    const test = await loadMnist({ train: false });
    const { x, y } = test.getBatch([0]);
    expect(Array.from(await values('#eq-input'))).toEqual(Array.from(x));
    expect(await page.textContent('#eq-source-info')).toBe(`Test image #0, labelled ${y[0]}.`);
    expect(await transformOnPage()).toEqual({ dx: 0, dy: 0, turns: 0 });
    expect(await reported('#eq-plain-diff', 'max')).toBe(0);
    expect(await reported('#eq-p4-diff', 'max')).toBe(0);
    expect(await page.locator('#eq-plain-original canvas').count()).toBe(6);
    expect(await page.locator('#eq-p4-original canvas').count()).toBe(4);
  });

  it('shifts by the arrow keys: conv1 and p4 maps move with the digit, 0 difference inside', async () => {
    await page.focus('#eq-stage');
    await press('ArrowRight', 3);
    await press('ArrowUp', 2);
    expect(await transformOnPage()).toEqual({ dx: 3, dy: -2, turns: 0 });
    expect(await page.textContent('#eq-transform-value')).toBe(
      'T: turn 0°, then shift dx = 3, dy = -2',
    );
    await checkAgainstNode();
    expect(await reported('#eq-plain-diff', 'max')).toBeLessThanOrEqual(1e-6);
    expect(await reported('#eq-p4-diff', 'max')).toBeLessThanOrEqual(1e-6);
    expect(await reported('#eq-plain-diff', 'scale')).toBeGreaterThan(1);
    // The band along the edges is left out: (24 − 1) columns × 24 rows compared.
    expect(await reported('#eq-plain-diff', 'compared')).toBe(23 * 24);
  });

  it('shifts without wrap-around: what leaves the frame is gone, zeros come in', async () => {
    await press('Home');
    await press('ArrowLeft', 10);
    const input = await values('#eq-input');
    const moved = await values('#eq-transformed');
    for (let row = 0; row < 28; row++) {
      for (let col = 0; col < 28; col++) {
        expect(moved[row * 28 + col]).toBe(col < 18 ? input[row * 28 + col + 10] : 0);
      }
    }
    // The 7's left end was in columns 0-9: its ink is gone, not wrapped to the right.
    const ink = (a: Float32Array) => a.reduce((s, v) => s + v, 0);
    expect(ink(moved)).toBeLessThan(ink(input) - 1);
    expect(await reported('#eq-plain-diff', 'max')).toBeLessThanOrEqual(1e-6);
    // The buttons go no further than half the frame.
    await press('ArrowLeft', 4);
    await page.keyboard.press('ArrowLeft');
    expect((await transformOnPage()).dx).toBe(-14);
    await press('Home');
  });

  it('turns with R: conv1 changes a lot, the p4 maps only turn and roll their rotation axis', async () => {
    await press('r');
    expect(await transformOnPage()).toEqual({ dx: 0, dy: 0, turns: 1 });
    const r = await checkAgainstNode();
    expect(await reported('#eq-plain-diff', 'relative')).toBeGreaterThan(0.5);
    expect(await reported('#eq-p4-diff', 'max')).toBeLessThanOrEqual(1e-5);
    expect(r.p4.maxDifference).toBeLessThanOrEqual(1e-5);
    // Plane r of p4(T x) came from plane r − 1 of p4(x); each original plane moved on by one.
    expect(await page.getAttribute('#eq-permutation', 'data-perm')).toBe('1,2,3,0');
    const sources = await page.$$eval('#eq-p4-transformed figure', (figures) =>
      figures.map((f) => (f as HTMLElement).dataset.source),
    );
    expect(sources).toEqual(['3', '0', '1', '2']);
    expect(await page.getAttribute('#eq-p4-transformed figure >> nth=1', 'class')).toContain(
      'eq-r0',
    );
    expect(await page.textContent('#eq-p4-diff')).toContain('the 90° turn');

    // A turn and a shift together, from the buttons, reached by Tab and pressed with the keyboard.
    await page.focus('#eq-reset');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('eq-right');
    await press('Enter');
    await page.focus('#eq-turn-left');
    await press('Space');
    expect(await transformOnPage()).toEqual({ dx: 1, dy: 0, turns: 2 });
    await checkAgainstNode();
    expect(await reported('#eq-plain-diff', 'relative')).toBeGreaterThan(0.5);
    expect(await reported('#eq-p4-diff', 'max')).toBeLessThanOrEqual(1e-5);
    expect(await page.getAttribute('#eq-permutation', 'data-perm')).toBe('2,3,0,1');
    await page
      .locator('#equivariance')
      .screenshot({ path: screenshotPath('18-equivariance-turn') });
  });

  it('keeps memory flat as the user presses on', async () => {
    await page.focus('#eq-stage');
    const counts: number[] = [];
    for (const key of ['ArrowDown', 'r', 'ArrowLeft', 'R', 'ArrowUp', 'r']) {
      await press(key);
      counts.push(await reported('#eq-memory', 'tensors'));
    }
    expect(counts[0]).toBeGreaterThan(0);
    expect(counts, counts.join(' ')).toEqual(counts.map(() => counts[0]));
    // The count is a small note under the pictures, not a headline.
    expect(await page.textContent('#eq-memory')).toMatch(
      new RegExp(`^memory: ${counts[0]} tensors \\(\\d+ kB\\), the same after every update$`),
    );
    expect(await smallerThanLead('#eq-memory')).toBe(true);
  });

  it('names the documentation page in words, not by its file', async () => {
    const lead = (await page.textContent('#equivariance .lead')) ?? '';
    expect(lead).toContain(
      'The Equivariance page of Stride’s documentation (under Learn) derives both',
    );
    expect(lead).not.toMatch(/docs\/|\.md/);
  });

  it('reads the drawing of panel 1 when asked to', async () => {
    expect(await page.isDisabled('#eq-source option[value="drawing"]')).toBe(true);
    await page.locator('#draw-canvas').scrollIntoViewIfNeeded();
    const box = await page.locator('#draw-canvas').boundingBox();
    if (!box) throw new Error('the drawing pad is not visible');
    await page.mouse.move(box.x + 0.5 * box.width, box.y + 0.15 * box.height);
    await page.mouse.down();
    await page.mouse.move(box.x + 0.5 * box.width, box.y + 0.85 * box.height, { steps: 12 });
    await page.mouse.up();
    await expect.poll(() => page.isDisabled('#eq-source option[value="drawing"]')).toBe(false);
    await page.locator('#equivariance').scrollIntoViewIfNeeded();
    await page.selectOption('#eq-source', 'drawing');
    await expect.poll(() => page.textContent('#eq-source-info')).toContain('Your drawing');
    // The same 28×28 image the look-inside panel explains.
    expect(Array.from(await values('#eq-input'))).toEqual(Array.from(await values('#why-input')));
    expect(await page.isDisabled('#eq-index')).toBe(true);
    await checkAgainstNode();
    await page.selectOption('#eq-source', 'mnist');
    await expect.poll(() => page.textContent('#eq-source-info')).toMatch(/^Test image #0/);
  });

  it('picks another MNIST test digit by its number, from the keyboard', async () => {
    await page.focus('#eq-index');
    await page.keyboard.press('ArrowUp');
    await expect.poll(() => page.getAttribute('#equivariance', 'data-index')).toBe('1');
    const { x, y } = (await loadMnist({ train: false })).getBatch([1]);
    expect(await page.textContent('#eq-source-info')).toBe(`Test image #1, labelled ${y[0]}.`);
    expect(Array.from(await values('#eq-input'))).toEqual(Array.from(x));
    await checkAgainstNode();
  });

  it('fits a phone-sized screen, controls and maps in view', async () => {
    await expectFitsPhone(page, '#equivariance', [
      '#eq-stage',
      '#eq-input',
      '#eq-source',
      '#eq-index',
      '#eq-turn-right',
      '#eq-right',
      '#eq-plain-difference',
      '#eq-p4-transformed',
      '#eq-channel',
      '#eq-p4-diff',
    ]);
    // The arrow buttons stay big enough to tap.
    const arrow = await page.locator('#eq-up').boundingBox();
    expect(Math.min(arrow?.width ?? 0, arrow?.height ?? 0)).toBeGreaterThanOrEqual(44);
    await page
      .locator('#equivariance')
      .screenshot({ path: screenshotPath('19-equivariance-phone') });
  });

  it('logged no errors', () => {
    expect(errors).toEqual([]);
  });
});
