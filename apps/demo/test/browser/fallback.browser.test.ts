/**
 * Without WebGPU the page says so plainly and runs everything on the CPU backend: the notice is
 * shown, the training panel offers only the CPU, and a drawing is still read.
 */
import type { Browser, Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchChromium, screenshotPath, watchErrors } from './chromium.js';

let browser: Browser;
let page: Page;
let errors: string[];

beforeAll(async () => {
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1024, height: 800 } });
  errors = watchErrors(page);
  // A browser without WebGPU: navigator.gpu is missing, as in Firefox or Safari today.
  await page.addInitScript(() => {
    Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined, configurable: true });
  });
  await page.goto(inject('demoUrl'));
  await page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
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
    expect(errors).toEqual([]);
  });
});
