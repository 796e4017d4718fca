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
