import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright';
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
