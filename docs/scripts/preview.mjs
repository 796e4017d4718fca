// Serves the built site (docs/.vitepress/dist) as a static host should: with the two
// cross-origin isolation headers, which `vitepress preview` does not send and without which the
// live examples' CPU backend gets no SharedArrayBuffer for its worker threads.
//   node scripts/preview.mjs [--port 4173]      (pnpm --filter @stride/docs preview)
// The site's browser test starts it through `startPreview`.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sirv from 'sirv';

const dist = fileURLToPath(new URL('../.vitepress/dist', import.meta.url));

export const crossOriginIsolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/**
 * Starts a static server for `dir` on `port` (0: any free port) and resolves to its address and a
 * function that stops it. Unknown paths get the site's 404 page, with status 404.
 */
export function startPreview({ dir = dist, port = 4173, host = '127.0.0.1' } = {}) {
  const files = sirv(dir, {
    extensions: ['html'],
    dev: false,
    etag: true,
    setHeaders(res) {
      for (const [name, value] of Object.entries(crossOriginIsolation)) res.setHeader(name, value);
    },
  });
  const notFound = readFileSync(join(dir, '404.html'));
  const server = createServer((req, res) => {
    files(req, res, () => {
      res.writeHead(404, { ...crossOriginIsolation, 'Content-Type': 'text/html; charset=utf-8' });
      res.end(notFound);
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const { port: bound } = server.address();
      resolve({
        url: `http://${host}:${bound}`,
        close: () => new Promise((done) => server.close(() => done(undefined))),
      });
    });
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--port');
  const port = at > 0 ? Number(process.argv[at + 1]) : 4173;
  const { url } = await startPreview({ port });
  console.log(`Stride docs: ${url}/ (cross-origin isolated; Ctrl+C stops)`);
}
