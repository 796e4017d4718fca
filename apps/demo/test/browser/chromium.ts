import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContextOptions, chromium, type Page } from 'playwright';
import { expect, inject } from 'vitest';
import { chromiumLaunchOptions } from '../../../../chromium.shared.js';

/** Debian's Chromium with the flags of every browser test (chromium.shared.ts at the root). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ ...chromiumLaunchOptions, headless: true });
}

/** Screenshots are artefacts of the run, in the git-ignored test-results folder. */
export const SCREENSHOT_DIR = fileURLToPath(
  new URL('../../../../test-results/demo-screenshots/', import.meta.url),
);
mkdirSync(SCREENSHOT_DIR, { recursive: true });

export function screenshotPath(name: string): string {
  return `${SCREENSHOT_DIR}${name}.png`;
}

/** Collects uncaught page errors and console errors, so a test can assert there were none. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  return errors;
}

/** A page of the demo opened for a test file, with the errors it logs (see `watchErrors`). */
export interface DemoPage {
  browser: Browser;
  page: Page;
  errors: string[];
}

/**
 * Opens the served demo page (serve-page.ts) in a fresh Chromium, 1280 × 900 unless `options`
 * say otherwise, and waits until every panel is ready. `beforeLoad` runs on the new page before
 * it loads (init scripts, routes, listeners).
 */
export async function openDemo(
  options: BrowserContextOptions = {},
  beforeLoad?: (page: Page) => unknown,
): Promise<DemoPage> {
  const browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, ...options });
  const errors = watchErrors(page);
  await beforeLoad?.(page);
  await loadDemo(page);
  return { browser, page, errors };
}

/** Loads the served demo page in `page` and waits until every panel is ready. */
export async function loadDemo(page: Page): Promise<void> {
  await page.goto(inject('demoUrl'));
  await page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
}

/** The phone the page must fit: an iPhone's 375 CSS pixels across. */
export const PHONE = { width: 375, height: 812 };

/**
 * Turns `page` into a phone and checks that the page does not scroll sideways and that each of
 * `inView` (selectors) is laid out within the phone's width. `scope` is scrolled into view first
 * (the page's top when absent); `scrollEach` scrolls to each selector before measuring it.
 */
export async function expectFitsPhone(
  page: Page,
  scope: string | null,
  inView: readonly string[] = [],
  { scrollEach = false } = {},
): Promise<void> {
  await page.setViewportSize(PHONE);
  if (scope) await page.locator(scope).scrollIntoViewIfNeeded();
  else await page.evaluate(() => window.scrollTo(0, 0));
  // The page lays itself out again after the resize; under a full parallel test run that can
  // take a moment, so the check polls (and still fails if it never fits).
  await expect
    .poll(() => page.evaluate(() => document.documentElement.scrollWidth), { timeout: 10_000 })
    .toBeLessThanOrEqual(PHONE.width);
  for (const selector of inView) {
    if (scrollEach) await page.locator(selector).scrollIntoViewIfNeeded();
    const box = await page.locator(selector).boundingBox();
    expect(box, selector).not.toBeNull();
    expect((box?.x ?? -1) >= 0 && (box?.x ?? 0) + (box?.width ?? 0) <= PHONE.width, selector).toBe(
      true,
    );
  }
}
