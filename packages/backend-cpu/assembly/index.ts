// The module's exports: the job runner every thread calls, and the few single-threaded entry
// points the JavaScript side uses directly.
export {
  gemmWorkBytes,
  packedWeightFloats,
  packWeights,
  setTileRows,
  sgemm,
  tileProbe,
  tileProbeBytes,
} from './gemm';
export { col2im, im2col } from './im2col';
export { sumSlices, work } from './jobs';
