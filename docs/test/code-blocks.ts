import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * A fenced code block of a page: ```js (runs in Node), ```js live (runs in Node, and in the
 * reader's browser, editable), ```js no-run (shown only), with the ```text output after it.
 */
export interface CodeBlock {
  /** `path/of/page.md:line`, relative to the docs folder; the line of the opening fence. */
  where: string;
  code: string;
  /** ```js no-run: shown, never executed (a browser-only example, a fragment). */
  skip: boolean;
  /** ```js live: the page also runs it in the reader's browser, where it can be edited. */
  live: boolean;
  /** The ```text block right after it (blank lines between allowed): what the code prints. */
  expected: string | null;
}

const ignoredDirs = new Set(['node_modules', '.vitepress', '.run', 'test']);
// The API reference is generated from the sources' doc comments at build time: not pages to run.
const generatedDir = join('reference', 'api');

/**
 * Every markdown page under `dir`, sorted, outside node_modules, .vitepress, the tests and the
 * generated API reference. A folder's README.md (the docs folder's guide for authors) is not a
 * page of the site.
 */
export function markdownPages(dir: string): string[] {
  const pages: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!ignoredDirs.has(entry.name) && !path.endsWith(generatedDir)) {
        pages.push(...markdownPages(path));
      }
    } else if (entry.name.endsWith('.md') && path !== join(dir, 'README.md')) {
      pages.push(path);
    }
  }
  return pages.sort();
}

const fence = /^(`{3,})(\S*)[ \t]*(.*)$/;

/** A fenced block: its language, the rest of its info string, its body and its lines (1-based). */
interface Fenced {
  lang: string;
  info: string;
  body: string;
  /** The opening fence's line. */
  line: number;
  /** The closing fence's line. */
  end: number;
}

/** The fenced blocks of a markdown text, in order. */
function fencedBlocks(markdown: string): Fenced[] {
  const lines = markdown.split('\n');
  const blocks: Fenced[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = fence.exec(lines[i] as string);
    if (!open) continue;
    const ticks = open[1] as string;
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !(lines[j] as string).startsWith(ticks))
      body.push(lines[j++] as string);
    blocks.push({
      lang: open[2] as string,
      info: (open[3] as string).trim(),
      line: i + 1,
      body: body.join('\n'),
      end: j + 1,
    });
    i = j;
  }
  return blocks;
}

/** The ```js blocks of a page, each with the ```text block that shows its output, if any. */
export function jsBlocks(markdown: string, where: string): CodeBlock[] {
  const blocks = fencedBlocks(markdown);
  const lines = markdown.split('\n');
  const out: CodeBlock[] = [];
  blocks.forEach((b, k) => {
    if (b.lang !== 'js') return;
    const next = blocks[k + 1];
    const between = next ? lines.slice(b.end, next.line - 1) : [];
    const adjacent = next?.lang === 'text' && between.every((l) => l.trim() === '');
    const flags = b.info.split(/\s+/);
    out.push({
      where: `${where}:${b.line}`,
      code: b.body,
      skip: flags.includes('no-run'),
      live: flags.includes('live'),
      expected: adjacent ? (next as Fenced).body : null,
    });
  });
  return out;
}

/** Every ```js block of every page under `docsDir`. */
export function docsCodeBlocks(docsDir: string): CodeBlock[] {
  return markdownPages(docsDir).flatMap((page) =>
    jsBlocks(readFileSync(page, 'utf8'), relative(docsDir, page)),
  );
}

/** Output as compared: trailing whitespace of every line and trailing blank lines dropped. */
export function normalizeOutput(text: string): string {
  return text
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n')
    .replace(/\n+$/, '');
}
