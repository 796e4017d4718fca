import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright';

/**
 * Debian's Chromium, never a browser downloaded by playwright: this machine reaches only the npm
 * registry and apt, and Debian's build ships SwiftShader, so WebGPU runs without a GPU. The flags
 * are those of the WebGPU package's browser tests.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: [
      // WebGPU is off by default on Linux; this enables it (SwiftShader here).
      '--enable-unsafe-webgpu',
      // CI runs as root, where Chromium refuses to start with its sandbox.
      '--no-sandbox',
      // Nothing outside this machine can be reached: keep Chromium from trying.
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
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
