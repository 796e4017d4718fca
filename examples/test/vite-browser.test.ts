import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { chromiumLaunchOptions } from '../../chromium.shared.js';
import { installExample, run } from './consumer.js';

// examples/vite-browser as its user ships it: `npm run build` (tsc, then vite build), the built
// site served by `vite preview` (which sends the cross-origin isolation headers), opened in
// Debian's Chromium. Everything asserted comes from what the page reports.

interface Run {
  backend: string;
  dtype: string;
  boxFilter: number[];
  loss: number;
  gradW1: number[];
  gradW2: number[];
}
interface Report {
  crossOriginIsolated: boolean;
  hardwareConcurrency: number;
  auto: string;
  cpu: { kernels: string; threads: number; fallbacks: string[] };
  webgpu: { available: boolean; error?: string };
  runs: Run[];
  threadedConv: { relativeError: number };
}

let example: ReturnType<typeof installExample>;
let server: ChildProcess | undefined;
let browser: Browser | undefined;
let url: string;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Starts `vite preview` on `port` and resolves once it answers. */
async function preview(dir: string, port: number): Promise<ChildProcess> {
  const child = spawn(
    'node',
    [
      'node_modules/vite/bin/vite.js',
      'preview',
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--strictPort',
    ],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`vite preview exited:\n${output}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/`)).ok) return child;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill();
  throw new Error(`vite preview did not answer within 60 s:\n${output}`);
}

beforeAll(async () => {
  example = installExample('vite-browser', inject('packsDir'));
  const build = run('npm', ['run', 'build'], example.dir);
  expect(build.status, build.output).toBe(0);
  const port = await freePort();
  [server, browser] = await Promise.all([
    preview(example.dir, port),
    chromium.launch({ ...chromiumLaunchOptions, headless: true }),
  ]);
  url = `http://127.0.0.1:${port}/`;
});

afterAll(async () => {
  await browser?.close();
  server?.kill();
  example?.dispose();
});

test('vite-browser: the built page runs on WebGPU and on the CPU backend’s WebAssembly threads', async () => {
  // The build emitted one page and its scripts, nothing referring to the repository.
  const assets = readdirSync(join(example.dir, 'dist/assets'));
  expect(existsSync(join(example.dir, 'dist/index.html'))).toBe(true);
  expect(assets.some((f) => f.endsWith('.js'))).toBe(true);

  const page = await (browser as Browser).newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  // A request the page makes that fails (a worker script or a .wasm the bundler did not emit,
  // a resource blocked by cross-origin isolation) is a failure too.
  page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()}`));
  page.on('response', (r) => {
    if (r.status() >= 400) errors.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  await page.goto(url);
  await page.waitForSelector('body[data-status]', { timeout: 120_000 });
  const status = await page.textContent('#status');
  expect(await page.getAttribute('body', 'data-status'), status ?? '').toBe('done');
  const report = JSON.parse((await page.textContent('#report')) ?? '') as Report;
  const adapter = await page.evaluate(
    async () =>
      !!(await (
        navigator as { gpu?: { requestAdapter(): Promise<unknown> } }
      ).gpu?.requestAdapter()),
  );
  await page.close();
  expect(errors).toEqual([]);

  // The CPU backend: WebAssembly on several threads, which needs the COOP/COEP headers of
  // vite.config.js (crossOriginIsolated) and Web Workers that started in the bundled page.
  expect(report.crossOriginIsolated).toBe(true);
  expect(report.cpu.kernels).toMatch(/^wasm-/);
  expect(report.cpu.fallbacks).toEqual([]);
  expect(report.cpu.threads).toBe(Math.min(report.hardwareConcurrency, 8));
  expect(report.cpu.threads).toBeGreaterThanOrEqual(2);
  // float32 on the threads agrees with the float64 TypeScript kernels.
  expect(report.threadedConv.relativeError).toBeLessThan(1e-5);

  // WebGPU: Debian's Chromium gives an adapter (SwiftShader) with --enable-unsafe-webgpu, and
  // `setBackend('auto')` must then pick it.
  expect(adapter, 'Chromium found no WebGPU adapter').toBe(true);
  expect(report.webgpu).toEqual({ available: true });
  expect(report.auto).toBe('webgpu');

  // Values: the 3×3 box filter of a 4×4 image of ones is the count of neighbours in the image.
  const box = [4, 6, 6, 4, 6, 9, 9, 6, 6, 9, 9, 6, 4, 6, 6, 4];
  expect(report.runs.map((r) => `${r.backend} ${r.dtype}`)).toEqual([
    'webgpu float32',
    'cpu float32',
    'cpu float64',
  ]);
  for (const r of report.runs) expect(r.boxFilter, r.backend).toEqual(box);
  // The conv net's loss and gradients on each float32 backend match float64 on the CPU.
  const reference = report.runs[2] as Run;
  expect(reference.loss).toBeGreaterThan(0.1); // not a degenerate net (ln 3 = 1.10 at chance)
  for (const r of report.runs.slice(0, 2)) {
    expect(r.loss, r.backend).toBeCloseTo(reference.loss, 5);
    for (const key of ['gradW1', 'gradW2'] as const) {
      const scale = Math.max(...reference[key].map(Math.abs));
      expect(scale).toBeGreaterThan(0);
      const worst = Math.max(...r[key].map((g, i) => Math.abs(g - (reference[key][i] as number))));
      expect(worst / scale, `${r.backend} ${key}`).toBeLessThan(1e-5);
    }
  }
});
