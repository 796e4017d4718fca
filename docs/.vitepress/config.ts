import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type DefaultTheme, defineConfig } from 'vitepress';

const docsDir = fileURLToPath(new URL('..', import.meta.url));

/** A page's title: its frontmatter `title`, else its first `# ` heading, else its file name. */
function pageTitle(file: string): string {
  const text = readFileSync(file, 'utf8');
  const front = /^---\n([\s\S]*?)\n---/.exec(text);
  const fromFront = front && /^title:\s*['"]?(.+?)['"]?\s*$/m.exec(front[1] as string);
  if (fromFront) return fromFront[1] as string;
  const heading = /^# (.+)$/m.exec(text);
  if (heading) return (heading[1] as string).replace(/`/g, '').trim();
  return file.replace(/^.*\//, '').replace(/\.md$/, '');
}

/** The pages of a folder of the docs, sorted by file name: `index.md` first, titled by heading. */
function folderItems(folder: string): DefaultTheme.SidebarItem[] {
  const dir = join(docsDir, folder);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith('.md'))
    .sort((a, b) => (a === 'index.md' ? -1 : b === 'index.md' ? 1 : a.localeCompare(b)))
    .map((name) => ({
      text: pageTitle(join(dir, name)),
      link: `/${folder}/${name === 'index.md' ? '' : name.replace(/\.md$/, '')}`,
    }));
}

// The Learn section lists docs/learn/*.md as they are when the site is built or served.
const learn = folderItems('learn');
const learnLink = learn[0]?.link ?? '/getting-started';

// Cross-origin isolation: the CPU backend's worker threads need SharedArrayBuffer, which a page
// only gets with these two headers. The development server sends them; a server that hosts the
// built site must send them too.
const crossOriginIsolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

function crossOriginIsolationMiddleware(
  _req: IncomingMessage,
  res: ServerResponse,
  next: () => void,
): void {
  for (const [name, value] of Object.entries(crossOriginIsolation)) res.setHeader(name, value);
  next();
}

export default defineConfig({
  title: 'Stride',
  description:
    'Convolutional neural networks in JavaScript and TypeScript: tensors, autograd and N-d convolution on the CPU and WebGPU, in Node and the browser.',
  srcExclude: ['test/**', 'scripts/**', '**/node_modules/**'],
  lastUpdated: false,
  themeConfig: {
    nav: [
      { text: 'Getting started', link: '/getting-started' },
      { text: 'Learn', link: learnLink, activeMatch: '^/learn/' },
      { text: 'How-to', link: '/how-to/', activeMatch: '^/how-to/' },
      { text: 'Reference', link: '/reference/', activeMatch: '^/reference/' },
    ],
    sidebar: [
      { text: 'Getting started', items: [{ text: 'Install and train', link: '/getting-started' }] },
      { text: 'Learn CNNs with Stride', collapsed: false, items: learn },
      { text: 'How-to guides', items: folderItems('how-to') },
      { text: 'Reference', items: folderItems('reference') },
    ],
    search: { provider: 'local' },
    outline: { level: [2, 3] },
  },
  // The landing page's Learn button opens the first page of the Learn section, whatever its name.
  transformPageData(pageData) {
    if (pageData.relativePath !== 'index.md') return;
    const actions = pageData.frontmatter.hero?.actions as { link: string }[] | undefined;
    for (const action of actions ?? []) if (action.link === '/learn/') action.link = learnLink;
  },
  vite: {
    // Vite's `server.headers` misses the pages VitePress renders itself, so a middleware adds the
    // headers to every response of `vitepress dev`. (`vitepress preview` is a plain static
    // server that takes no plugins and sends neither header.)
    plugins: [
      {
        name: 'stride-cross-origin-isolation',
        configureServer(server) {
          server.middlewares.use(crossOriginIsolationMiddleware);
        },
      },
    ],
  },
});
