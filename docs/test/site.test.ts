import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type Browser, chromium, type Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumLaunchOptions } from '../../chromium.shared.js';
// @ts-expect-error: a plain ES module script, without types.
import { startPreview } from '../scripts/preview.mjs';
import { jsBlocks, markdownPages } from './code-blocks.js';

// `pnpm docs:build` builds the site as a reader's machine would (the API reference from the
// packages' doc comments, then every page with VitePress, which fails on a dead link); the built
// files are then served as a static host should serve them (scripts/preview.mjs, with the
// cross-origin isolation headers) and read in Debian's Chromium, page by page.

const docsDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = join(docsDir, '..');
const dist = join(docsDir, '.vitepress', 'dist');
// Kept as test artefacts (CI keeps test-results/): what a reader sees.
const screenshots = join(repoRoot, 'test-results', 'docs-screenshots');

/** Every HTML page of the built site, relative to dist, except the 404 page. */
function builtPages(dir = dist): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => {
      const path = join(dir, e.name);
      if (e.isDirectory()) return e.name === 'assets' ? [] : builtPages(path);
      return e.name.endsWith('.html') ? [relative(dist, path)] : [];
    })
    .filter((p) => p !== '404.html')
    .sort();
}

const learnPages = readdirSync(join(docsDir, 'learn'))
  .filter((name) => name.endsWith('.md'))
  .map((name) => `learn/${name.replace(/\.md$/, '.html')}`);
const packages = readdirSync(join(repoRoot, 'packages')).filter((p) =>
  existsSync(join(repoRoot, 'packages', p, 'src', 'index.ts')),
);

/** The file a link of the site points at, or null when the site has none. */
function targetFile(pathname: string): string | null {
  const path = decodeURIComponent(pathname).replace(/^\//, '');
  const candidates =
    path === '' || path.endsWith('/') ? [`${path}index.html`] : [path, `${path}.html`];
  return candidates.find((c) => existsSync(join(dist, c)) && !c.endsWith('/')) ?? null;
}

let browser: Browser;
let site: { url: string; close(): Promise<void> };

/** A new page that records console errors, uncaught exceptions and failed requests. */
async function watchedPage(width = 1280, height = 900) {
  const page = await browser.newPage({ viewport: { width, height } });
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`uncaught: ${e.message}`));
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`${r.status()} ${r.url()}`);
  });
  // ERR_ABORTED is the browser cancelling a request (a prefetch) when the test moves on.
  page.on('requestfailed', (r) => {
    const why = r.failure()?.errorText ?? '';
    if (why !== 'net::ERR_ABORTED') problems.push(`failed: ${r.url()} ${why}`);
  });
  return { page, problems };
}

/** Runs every live example of the page at `path` on `backend`; what each ended with. */
async function runLiveExamples(page: Page, path: string, backend: 'cpu' | 'webgpu') {
  await page.goto(`${site.url}/${path}?backend=${backend}`);
  await page.waitForFunction(
    (b) =>
      (document.querySelector('.live-backend select') as HTMLSelectElement | null)?.value === b,
    backend,
  );
  const examples = page.locator('.live-example');
  const results: { where: string; status: string | null; status_text: string; output: string }[] =
    [];
  for (let i = 0; i < (await examples.count()); i++) {
    const example = examples.nth(i);
    await example.locator('.live-run').click();
    await page.waitForFunction(
      (k) => {
        const s = (document.querySelectorAll('.live-example')[k] as HTMLElement).dataset.status;
        return s !== 'running' && s !== 'idle';
      },
      i,
      { timeout: 120_000 },
    );
    results.push({
      where: `${path} example ${i + 1}`,
      status: await example.getAttribute('data-status'),
      status_text: (await example.locator('.live-status').textContent()) ?? '',
      output:
        (await example
          .locator('.live-output pre')
          .textContent()
          .catch(() => '')) ?? '',
    });
  }
  return results;
}

describe('the docs site', () => {
  beforeAll(async () => {
    // DOCS_BUILT=1 checks the site already in dist (while writing pages, after `pnpm docs:build`).
    if (process.env.DOCS_BUILT !== '1') {
      // Vitest sets NODE_ENV=test, which would make Vite bundle Vue's development build.
      const env = { ...process.env, NODE_ENV: 'production' };
      const { stdout } = await promisify(execFile)('pnpm', ['--silent', 'docs:build'], {
        cwd: repoRoot,
        env,
        maxBuffer: 64 * 1024 * 1024,
      });
      expect(stdout).toMatch(/build complete/);
    }
    site = await startPreview({ port: 0 });
    browser = await chromium.launch(chromiumLaunchOptions);
    mkdirSync(screenshots, { recursive: true });
  }, 400_000);

  afterAll(async () => {
    await browser?.close();
    await site?.close();
  });

  it('has every page', () => {
    // Every markdown page (the generated support and benchmark pages included), and the API pages.
    const expected = [
      ...markdownPages(docsDir).map((file) => relative(docsDir, file).replace(/\.md$/, '.html')),
      'reference/api/index.html',
      // A package that exports a namespace (`init` of @stride/layers) is a folder with its index.
      ...packages.map((p) =>
        existsSync(join(dist, 'reference', 'api', '@stride', p))
          ? `reference/api/@stride/${p}/index.html`
          : `reference/api/@stride/${p}.html`,
      ),
    ];
    expect(learnPages.length).toBe(12);
    expect(packages.length).toBe(10);
    expect(expected).toEqual(
      expect.arrayContaining([
        'getting-started.html',
        'how-to/backends.html',
        'reference/support.html',
        'reference/benchmarks.html',
        'reference/pytorch.html',
      ]),
    );
    expect(expected.filter((page) => !existsSync(join(dist, page)))).toEqual([]);
  });

  it('loads every page without errors, and every internal link and anchor resolves', async () => {
    const { page, problems } = await watchedPage();
    const anchors = new Map<string, Set<string>>();
    const links: { from: string; href: string }[] = [];
    for (const path of builtPages()) {
      const before = problems.length;
      await page.goto(`${site.url}/${path}`, { waitUntil: 'load' });
      await page.waitForLoadState('networkidle');
      for (let k = before; k < problems.length; k++) problems[k] = `${path}: ${problems[k]}`;
      const found = await page.evaluate(() => ({
        ids: [...document.querySelectorAll('[id]')].map((e) => e.id),
        hrefs: [...document.querySelectorAll('a[href]')].map((a) => (a as HTMLAnchorElement).href),
      }));
      anchors.set(path, new Set(found.ids));
      for (const href of found.hrefs)
        if (href.startsWith(site.url)) links.push({ from: path, href });
    }
    await page.close();
    expect(problems).toEqual([]);

    const dead: string[] = [];
    for (const { from, href } of links) {
      const url = new URL(href);
      const file = targetFile(url.pathname);
      if (!file) dead.push(`${from} → ${url.pathname}`);
      else if (
        url.hash.length > 1 &&
        !anchors.get(file)?.has(decodeURIComponent(url.hash.slice(1)))
      ) {
        dead.push(`${from} → ${url.pathname}${url.hash} (no such anchor)`);
      }
    }
    expect(links.length).toBeGreaterThan(100);
    expect(dead).toEqual([]);
  }, 300_000);

  it('finds a function by name in the search box', async () => {
    const { page, problems } = await watchedPage();
    await page.goto(`${site.url}/`);
    await page.locator('.VPNavBarSearch button').first().click();
    await page.locator('#localsearch-input').fill('maxPool2d');
    const result = page.locator('#localsearch-list a').first();
    await result.waitFor();
    const titles = await page.locator('#localsearch-list a').allTextContents();
    expect(titles.some((t) => t.includes('maxPool2d'))).toBe(true);
    await page.screenshot({ path: join(screenshots, 'search-maxPool2d.png') });
    await result.click();
    await page.waitForURL(/maxpool2d/i);
    expect(problems).toEqual([]);
    await page.close();
  });

  // Every ```js live block runs in the reader's browser, and prints what the page shows under it
  // (the Node test checks the same blocks in Node): all of them on the CPU backend, and those of
  // two pages on WebGPU (SwiftShader here), where each new shader takes a while to compile.
  const liveBlocks = (path: string) =>
    jsBlocks(readFileSync(join(docsDir, path.replace(/\.html$/, '.md')), 'utf8'), path).filter(
      (b) => b.live,
    ).length;
  const livePages = markdownPages(docsDir)
    .map((file) => relative(docsDir, file).replace(/\.md$/, '.html'))
    .filter((p) => liveBlocks(p) > 0);
  const onWebgpu = ['getting-started.html', 'learn/01-cross-correlation.html'];

  it.each([
    ['cpu', livePages],
    ['webgpu', onWebgpu],
  ] as const)(
    'runs the live examples on the %s backend, printing what the page shows',
    async (backend, pages) => {
      const { page, problems } = await watchedPage();
      const results = [];
      for (const path of pages) results.push(...(await runLiveExamples(page, path, backend)));
      const expected = pages.reduce((n, p) => n + liveBlocks(p), 0);
      expect(results.length).toBe(expected);
      const wrong = results.filter((r) => r.status !== 'match' && r.status !== 'done');
      expect(wrong).toEqual([]);
      for (const r of results) expect(r.status_text).toContain(`on ${backend}`);
      if (backend === 'webgpu') {
        const first = page.locator('.live-example').first();
        await first.scrollIntoViewIfNeeded();
        await page.screenshot({ path: join(screenshots, 'live-example-webgpu.png') });
      }
      expect(problems).toEqual([]);
      await page.close();
    },
    600_000,
  );

  it('runs an edited live example and shows its plots', async () => {
    const { page, problems } = await watchedPage();
    await page.goto(`${site.url}/learn/01-cross-correlation.html?backend=cpu`);
    const example = page.locator('.live-example').first();
    await example.locator('.live-edit').click();
    await example
      .locator('.live-editor')
      .fill(
        [
          "import { cpu } from '@stride/backend-cpu';",
          "import { arange, registerBackend } from '@stride/core';",
          'registerBackend(cpu());',
          'const x = arange(0, 12).reshape([3, 4]);',
          'console.log(await x.sum().item());',
          "await plot(x, { title: 'a ramp' });",
          'await plot([1, 3, 2]);',
        ].join('\n'),
      );
    await example.locator('.live-run').click();
    await page.locator('.live-example[data-status="done"]').first().waitFor();
    expect(await example.locator('.live-output pre').textContent()).toBe('66');
    expect(
      await example
        .locator('.live-plot')
        .evaluateAll((f) => f.map((e) => (e as HTMLElement).dataset.shape)),
    ).toEqual(['3x4', '3']);
    expect(await example.locator('.live-plot figcaption').first().textContent()).toContain(
      'a ramp',
    );

    // An import the page cannot give is an error the reader sees, not a silent failure.
    await example.locator('.live-editor').fill("import { readFileSync } from 'node:fs';");
    await example.locator('.live-run').click();
    await page.locator('.live-example[data-status="error"]').first().waitFor();
    expect(await example.locator('.live-output pre').textContent()).toContain(
      "import from 'node:fs'",
    );

    await example.locator('.live-edit').click(); // Reset
    expect(await example.locator('.live-editor').count()).toBe(0);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('computes output sizes, receptive fields and jumps in the calculator', async () => {
    const { page, problems } = await watchedPage();
    await page.goto(`${site.url}/learn/03-output-size.html`);
    const calc = page.locator('.size-calculator');
    const cell = (layer: number, field: string) =>
      calc.locator(`tr[data-layer="${layer}"] [data-field="${field}"]`);
    // LeNet-5's feature extractor on a 28-pixel axis, as the page says.
    expect(await cell(3, 'output').textContent()).toBe('5');
    expect(await cell(3, 'receptive').textContent()).toBe('16');
    expect(await cell(3, 'jump').textContent()).toBe('4');
    // AlexNet's first layer: 227, 11×11, stride 4 → 55.
    await calc.locator('[data-field="input"]').fill('227');
    await cell(0, 'kernel').fill('11');
    await cell(0, 'padding').fill('0');
    await cell(0, 'stride').fill('4');
    expect(await cell(0, 'output').textContent()).toBe('55');
    expect(await cell(1, 'receptive').textContent()).toBe('15');
    // A kernel larger than the padded input has no output, and says why; nor do the layers after.
    await calc.locator('[data-field="input"]').fill('4');
    expect(await cell(0, 'output').textContent()).toBe('none');
    expect(await cell(0, 'receptive').textContent()).toBe('–');
    expect(await calc.locator('tr[data-error="0"]').textContent()).toContain(
      'the kernel spans 11 inputs but the padded input has 4',
    );
    expect(await calc.locator('tr[data-error="1"]').textContent()).toContain(
      'an earlier layer has no output',
    );
    await calc.locator('[data-field="input"]').fill('');
    expect(await calc.locator('tr[data-error="0"]').textContent()).toContain(
      'the input size must be a whole number',
    );
    await calc.locator('[data-field="input"]').fill('28');
    await cell(0, 'dilation').fill('2');
    // 11 taps two apart span 21 inputs: ⌊(28 − 21) / 4⌋ + 1.
    expect(await cell(0, 'output').textContent()).toBe('2');
    await calc.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(screenshots, 'output-size-calculator.png') });
    expect(problems).toEqual([]);
    await page.close();
  });

  it('holds its layout at phone width', async () => {
    const { page, problems } = await watchedPage(390, 844);
    const overflowing: string[] = [];
    for (const path of [
      'index.html',
      'getting-started.html',
      ...learnPages,
      'reference/architecture.html',
    ]) {
      await page.goto(`${site.url}/${path}`);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      if (width > 390) overflowing.push(`${path}: ${width}px wide`);
      if (path === 'index.html')
        await page.screenshot({ path: join(screenshots, 'landing-phone.png') });
      if (path === learnPages[0])
        await page.screenshot({ path: join(screenshots, 'learn-phone.png'), fullPage: true });
    }
    expect(overflowing).toEqual([]);
    expect(problems).toEqual([]);
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`${site.url}/`);
    await page.screenshot({ path: join(screenshots, 'landing-desktop.png') });
    await page.close();
  });
});
