/**
 * Job kinds and the order of their arguments, as assembly/jobs.ts and assembly/args.ts read
 * them: `jobWords` turns named arguments into the i32 words the kernels find in memory, so a
 * missing or misspelt argument is a type error here rather than a wrong address there.
 */
export const JOB = {
  matmul: 1,
  conv: 2,
  convInputGrad: 3,
  convFilterGrad: 4,
  pad: 5,
  directFilterGrad: 6,
  shiftedConv: 7,
  map: 8,
  maxPool2x2: 9,
  maxPoolBackward: 10,
  adam: 11,
  channelSum: 12,
  binary: 13,
} as const;

/** The maps of a `map` job (assembly/map.ts). */
export const MAP = { relu: 1, reluBackward: 2 } as const;

/** The ops of a `binary` job (assembly/map.ts). */
export const BINARY = { add: 1, sub: 2, mul: 3, div: 4 } as const;

const LAYOUTS = {
  matmul: [
    'units',
    'batch',
    'm',
    'n',
    'k',
    'a',
    'aRs',
    'aCs',
    'aBatch',
    'b',
    'bRs',
    'bCs',
    'bBatch',
    'c',
    'ldc',
    'cBatch',
    'mParts',
    'nParts',
    'work',
    'workBytes',
  ],
  conv: [
    'units',
    'batch',
    'channels',
    'outChannels',
    'groups',
    'geometry',
    'in0',
    'in1',
    'out',
    'colBlock',
    'blocks',
    'workArea',
    'workBytes',
    'identity',
    'bias',
    'relu',
  ],
  pad: [
    'units',
    'planes',
    'src',
    'srcH',
    'srcW',
    'dst',
    'dstH',
    'dstW',
    'dstPlaneStride',
    'phases',
    'phaseStarts',
    'rowStep',
    'colStep',
    'planesPerUnit',
    'flags',
  ],
  shiftedConv: [
    'units',
    'batch',
    'inChannels',
    'outChannels',
    'groups',
    'offsets',
    'padded',
    'planeStride',
    'weights',
    'out',
    'OH',
    'OW',
    'Wp',
    'rowsPerUnit',
    'rowBlocks',
    'work',
    'workBytes',
    'ck',
    'bias',
    'relu',
    'pad',
  ],
  directFilterGrad: [
    'units',
    'batch',
    'inChannels',
    'outChannels',
    'groups',
    'offsets',
    'x',
    'xPlaneStride',
    'dy',
    'dyPlaneStride',
    'partials',
    'ck',
  ],
  map: ['units', 'op', 'n', 'a', 'b', 'out', 'perUnit'],
  channelSum: ['units', 'batch', 'channels', 'plane', 'x', 'out'],
  binary: ['units', 'op', 'n', 'len', 'a', 'aRow', 'aStep', 'b', 'bRow', 'bStep', 'out', 'perUnit'],
  // The last seven are float32 values, passed as their bits (`floatBits`).
  adam: [
    'units',
    'n',
    'param',
    'grad',
    'expAvg',
    'expAvgSq',
    'outParam',
    'outExpAvg',
    'outExpAvgSq',
    'perUnit',
    'beta1',
    'keep1',
    'beta2',
    'keep2',
    'correction',
    'eps',
    'step',
  ],
  pool: [
    'units',
    'planes',
    'H',
    'W',
    'outH',
    'outW',
    'sh',
    'sw',
    'x',
    'values',
    'indices',
    'dy',
    'dx',
    'planesPerUnit',
  ],
} as const;

type Layouts = typeof LAYOUTS;
/** The three im2col convolution jobs share one layout. */
type LayoutOf<K extends keyof typeof JOB> = K extends 'convInputGrad' | 'convFilterGrad'
  ? Layouts['conv']
  : K extends 'maxPool2x2' | 'maxPoolBackward'
    ? Layouts['pool']
    : K extends keyof Layouts
      ? Layouts[K]
      : never;
export type JobArgs<K extends keyof typeof JOB> = Record<LayoutOf<K>[number], number>;

export function jobWords<K extends keyof typeof JOB>(kind: K, args: JobArgs<K>): number[] {
  const layout = (
    kind === 'convInputGrad' || kind === 'convFilterGrad'
      ? LAYOUTS.conv
      : kind === 'maxPool2x2' || kind === 'maxPoolBackward'
        ? LAYOUTS.pool
        : LAYOUTS[kind as keyof Layouts]
  ) as readonly string[];
  const words: number[] = [JOB[kind]];
  for (const field of layout) words.push((args as Record<string, number>)[field] as number);
  return words;
}

const floatWord = new Float32Array(1);
const floatWordBits = new Int32Array(floatWord.buffer);

/** The bits of `x` rounded to float32, for a float argument of a job. */
export function floatBits(x: number): number {
  floatWord[0] = x;
  return floatWordBits[0] as number;
}
