import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { format } from 'node:util';
import { describe, expect, it, vi } from 'vitest';
import { plotData } from '../.vitepress/theme/live/plot-data.js';
import { docsCodeBlocks, normalizeOutput } from './code-blocks.js';

// Every ```js block of the docs runs, as an ES module, against the packages' sources, and what it
// prints is checked against the ```text block that follows it on the page. A renamed function or
// a changed result fails here rather than in front of a reader. ```js no-run blocks are skipped.
// `plot(value, { title })`, which the browser runner draws, is checked here and draws nothing.
// `fetch('/models/…')`, a path from the site's root, reads the file of docs/public that the site
// serves there, so a block can load the files a live example fetches in the browser.

const docsDir = join(dirname(fileURLToPath(import.meta.url)), '..');
// Inside docs/, so `@stride/*` resolve through docs/package.json's dev dependencies.
const runDir = join(docsDir, '.run');
const blocks = docsCodeBlocks(docsDir);
const runnable = blocks.filter((b) => !b.skip);

/** The docs' `plot`: in Node it draws nothing, but what it is given must be drawable. */
async function plot(value: unknown, options?: { title?: string }): Promise<void> {
  await plotData(value, options);
}

const publicDir = join(docsDir, 'public');

/**
 * A `fetch` that answers a site-root path (`/models/x.json`) with the file of docs/public the
 * built site serves at that path (404 if there is none), and hands anything else to `realFetch`.
 */
function siteFetch(realFetch: typeof fetch): typeof fetch {
  return async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? null : input.url;
    if (url === null || !url.startsWith('/') || url.startsWith('//')) {
      return realFetch(input, init);
    }
    const path = decodeURIComponent(url.replace(/[?#].*$/, ''));
    const file = join(publicDir, path);
    if (!file.startsWith(publicDir + sep)) return new Response(null, { status: 404 });
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch {
      return new Response(null, { status: 404, statusText: 'Not Found' });
    }
    const type = file.endsWith('.json') ? 'application/json' : 'application/octet-stream';
    return new Response(new Uint8Array(bytes), { headers: { 'content-type': type } });
  };
}

/** Runs `code` as a fresh module graph (as `node file.mjs` would) and returns what it printed. */
async function runBlock(name: string, code: string): Promise<string> {
  const file = join(runDir, `${name}.mjs`);
  writeFileSync(file, code);
  vi.resetModules();
  const printed: string[] = [];
  const print = (...args: unknown[]) => {
    printed.push(`${format(...args)}\n`);
  };
  const saved = { log: console.log, info: console.info };
  console.log = print;
  console.info = print;
  const plots = globalThis as { plot?: typeof plot };
  plots.plot = plot;
  const realFetch = globalThis.fetch;
  globalThis.fetch = siteFetch(realFetch);
  try {
    await import(/* @vite-ignore */ pathToFileURL(file).href);
  } finally {
    console.log = saved.log;
    console.info = saved.info;
    delete plots.plot;
    globalThis.fetch = realFetch;
  }
  const output = printed.join('');
  // Left in the (ignored) run folder next to the module, to compare or paste into the page.
  writeFileSync(join(runDir, `${name}.txt`), output);
  return output;
}

describe('docs code blocks', () => {
  rmSync(runDir, { recursive: true, force: true });
  mkdirSync(runDir, { recursive: true });

  it('are found', () => {
    expect(runnable.length).toBeGreaterThan(0);
  });

  for (const { where, code, skip, expected } of blocks) {
    (skip ? it.skip : it)(where, async () => {
      const output = await runBlock(where.replace(/[^\w]+/g, '-'), code);
      if (expected !== null) {
        expect(normalizeOutput(output), `${where} prints`).toBe(normalizeOutput(expected));
      }
    });
  }
});
