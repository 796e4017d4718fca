import { type ArrayDataset, loadMnist } from '@stride/datasets';
import { MNIST_URL_DIR } from './mnist-url.js';

const cache = new Map<'train' | 'test', Promise<ArrayDataset>>();

/**
 * One MNIST split from the page's own static files (`mnist/`, put there by the build), read by
 * the same `loadMnist` as in Node, with a URL instead of a directory. Each split loads once, on
 * first use: the test split (1.6 MB) is enough for the drawing panel's samples.
 */
export function mnistSplit(split: 'train' | 'test'): Promise<ArrayDataset> {
  let loading = cache.get(split);
  if (!loading) {
    loading = loadMnist({
      dir: new URL(MNIST_URL_DIR, document.baseURI),
      train: split === 'train',
    });
    cache.set(split, loading);
    loading.catch(() => cache.delete(split));
  }
  return loading;
}

/** Both splits, for training and evaluation. */
export async function mnist(): Promise<{ train: ArrayDataset; test: ArrayDataset }> {
  const [train, test] = await Promise.all([mnistSplit('train'), mnistSplit('test')]);
  return { train, test };
}
