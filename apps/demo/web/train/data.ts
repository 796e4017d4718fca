import { type ArrayDataset, loadMnist } from '@stride/datasets';
import { MNIST_URL_DIR } from '../mnist-url.js';

let cached: Promise<{ train: ArrayDataset; test: ArrayDataset }> | null = null;

/**
 * MNIST from the page's own static files (`mnist/`, put there by the build), read by the same
 * `loadMnist` as in Node, with a URL instead of a directory. Loaded once, on first use.
 */
export function mnist(): Promise<{ train: ArrayDataset; test: ArrayDataset }> {
  if (!cached) {
    const dir = new URL(MNIST_URL_DIR, document.baseURI);
    cached = Promise.all([loadMnist({ dir, train: true }), loadMnist({ dir, train: false })]).then(
      ([train, test]) => ({ train, test }),
    );
    cached.catch(() => {
      cached = null;
    });
  }
  return cached;
}
