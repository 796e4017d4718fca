import { defaultClientConditions, defineConfig } from 'vite';
import { mnistFiles } from './vite/mnist-files.js';

// Cross-origin isolation makes SharedArrayBuffer available, which the CPU backend's worker
// threads use when the page allows it. Everything the page loads is same-origin, so
// `require-corp` blocks nothing.
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/** The demo page: `pnpm demo` from the repository root serves it; `build:web` builds it. */
export default defineConfig({
  root: import.meta.dirname,
  // The page imports `@stride/*` from their sources (the "source" export condition), so it needs
  // no build of the packages first, like the tests.
  resolve: { conditions: ['source', ...defaultClientConditions] },
  // A multi-page app answers 404 for a missing file instead of index.html: the dataset loader
  // tries each file name with and without `.gz` and must see which ones exist.
  appType: 'mpa',
  base: './',
  build: {
    outDir: 'dist/web',
    emptyOutDir: true,
    target: 'es2022',
    // The backends and layers make one ~300 kB chunk; that is expected for this page.
    chunkSizeWarningLimit: 1024,
  },
  server: { headers: isolation },
  preview: { headers: isolation },
  plugins: [mnistFiles()],
});
