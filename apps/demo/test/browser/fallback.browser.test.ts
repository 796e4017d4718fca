/**
 * Without WebGPU the page says so plainly and runs everything on the CPU backend: the notice is
 * shown, the training panel offers only the CPU, a drawing is still read, and training works.
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
    await page.click('#train-stop');
    await expect
      .poll(() => page.textContent('#train-status'), { timeout: 60_000 })
      .toMatch(/^Done/);
    expect(await stats.getAttribute('data-backend')).toBe('cpu');
    expect(await page.textContent('#train-running-on')).toBe('Running on the CPU');
    const first = Number(await stats.getAttribute('data-first-loss'));
    const last = Number(await stats.getAttribute('data-last-loss'));
    expect(first).toBeGreaterThan(1.9);
    expect(last).toBeLessThan(first * 0.8);
    expect(Number(await stats.getAttribute('data-test-accuracy'))).toBeGreaterThan(0.3);
    expect(errors).toEqual([]);
  });
});
