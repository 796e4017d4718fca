/**
 * The network builder's model of an architecture: the spec becomes the `Sequential` a user would
 * write by hand, the rows the page shows are `summary()`'s of that hand-written model (shapes,
 * parameters, receptive fields and jumps, with dilation, groups, stride and padding), and every
 * impossible network is refused at the right layer with Stride's own message naming the option.
 */
import { cpu } from '@stride/backend-cpu';
import { memory, registerBackend, StrideError } from '@stride/core';
import {
  AvgPool2d,
  BatchNorm1d,
  BatchNorm2d,
  Conv2d,
  Dropout,
  Flatten,
  LeNet5,
  Linear,
  MaxPool2d,
  type Module,
  ReLU,
  Sequential,
  summary,
  Tanh,
} from '@stride/layers';
import { describe, expect, it } from 'vitest';
import { analyse, buildNetwork } from '../web/builder/analysis.js';
import { errorField } from '../web/builder/error-field.js';
import { PRESETS, preset } from '../web/builder/presets.js';
import {
  defaultLayer,
  FIELDS,
  formatField,
  KINDS,
  type LayerSpec,
  type NetworkSpec,
  parseField,
  setField,
} from '../web/builder/spec.js';

registerBackend(cpu({ threads: 1, relaxedSimd: false }));

const INPUT = [1, 1, 28, 28];

const conv = (
  outChannels: number,
  kernel: number | number[],
  o: Partial<Record<'stride' | 'padding' | 'dilation', number | number[] | string>> & {
    groups?: number;
    bias?: boolean;
  } = {},
): LayerSpec => ({
  kind: 'conv',
  outChannels,
  kernel,
  stride: o.stride ?? 1,
  padding: o.padding ?? 0,
  dilation: o.dilation ?? 1,
  groups: o.groups ?? 1,
  bias: o.bias ?? true,
});
const linear = (inFeatures: number | string, outFeatures: number, bias = true): LayerSpec => ({
  kind: 'linear',
  inFeatures,
  outFeatures,
  bias,
});

/** Each spec next to the model a user would write for it by hand. */
const CASES: { name: string; spec: NetworkSpec; model: () => Module }[] = [
  {
    name: 'dilation and padding',
    spec: [
      conv(4, 3, { padding: 2, dilation: 2 }),
      { kind: 'relu' },
      conv(8, 3, { dilation: 3 }),
      { kind: 'maxpool', kernel: 3, stride: 2, padding: 1, dilation: 2 },
      { kind: 'flatten' },
      linear(8 * 10 * 10, 10),
    ],
    model: () =>
      new Sequential(
        new Conv2d(1, 4, 3, { padding: 2, dilation: 2 }),
        new ReLU(),
        new Conv2d(4, 8, 3, { dilation: 3 }),
        new MaxPool2d(3, { stride: 2, padding: 1, dilation: 2 }),
        new Flatten(),
        new Linear(800, 10),
      ),
  },
  {
    name: 'groups, depthwise and pointwise',
    spec: [
      conv(6, 3, { padding: 'same' }),
      conv(12, 3, { groups: 3, padding: 1 }),
      { kind: 'batchnorm' },
      conv(12, 5, { groups: 12, stride: 2 }),
      conv(10, 1, { bias: false }),
      { kind: 'tanh' },
      { kind: 'avgpool', kernel: 3, stride: 3, padding: 1 },
      { kind: 'flatten' },
      { kind: 'dropout', p: 0.3 },
      linear(10 * 4 * 4, 10),
    ],
    model: () =>
      new Sequential(
        new Conv2d(1, 6, 3, { padding: 'same' }),
        new Conv2d(6, 12, 3, { groups: 3, padding: 1 }),
        new BatchNorm2d(12),
        new Conv2d(12, 12, 5, { groups: 12, stride: 2 }),
        new Conv2d(12, 10, 1, { bias: false }),
        new Tanh(),
        new AvgPool2d(3, { stride: 3, padding: 1 }),
        new Flatten(),
        new Dropout(0.3),
        new Linear(160, 10),
      ),
  },
  {
    name: 'per-axis kernel, stride and padding',
    spec: [
      conv(5, [3, 7], { stride: [1, 2], padding: [1, 0] }),
      { kind: 'maxpool', kernel: [2, 1], stride: null, padding: 0, dilation: 1 },
      conv(7, [5, 3], { stride: 2, dilation: [1, 2] }),
      { kind: 'flatten' },
      { kind: 'batchnorm' },
      linear(7 * 5 * 4, 32, false),
      { kind: 'relu' },
      linear(32, 10),
    ],
    model: () =>
      new Sequential(
        new Conv2d(1, 5, [3, 7], { stride: [1, 2], padding: [1, 0] }),
        new MaxPool2d([2, 1]),
        new Conv2d(5, 7, [5, 3], { stride: 2, dilation: [1, 2] }),
        new Flatten(),
        new BatchNorm1d(140),
        new Linear(140, 32, { bias: false }),
        new ReLU(),
        new Linear(32, 10),
      ),
  },
];

describe('spec ↔ summary()', () => {
  it.each(CASES.map((c) => [c.name, c] as const))(
    '%s: the rows equal summary() of the hand-written model',
    (_, c) => {
      const model = c.model();
      const want = summary(model, INPUT);
      model.dispose();
      const a = analyse(c.spec);
      expect(a.error).toBeNull();
      expect(a.problem).toBeNull();
      expect(a.ok).toBe(true);
      expect(a.rows).toHaveLength(c.spec.length);
      expect(a.summary.rows).toEqual(want.rows);
      for (const [i, row] of a.rows.entries()) {
        const w = want.rows[i];
        expect(row.status).toBe('ok');
        expect(row.type).toBe(w?.type);
        expect(row.inputShape).toEqual(w?.inputShape);
        expect(row.outputShape).toEqual(w?.outputShape);
        expect(row.params).toBe(w?.params);
        expect(row.receptiveField).toEqual(w?.receptiveField);
        expect(row.jump).toEqual(w?.jump);
      }
      expect(a.summary.totalParams).toBe(want.totalParams);
      expect(a.summary.receptiveField).toEqual(want.receptiveField);
    },
  );

  it('the dilation case has the receptive fields worked out by hand', () => {
    // r = 1 + (3-1)·2 = 5; then + (3-1)·3 = 11; the pool (k 3, dilation 2, j 1) + 4 = 15, jump 2.
    const a = analyse(CASES[0]?.spec as NetworkSpec);
    expect(a.rows.map((r) => r.receptiveField?.[0])).toEqual([5, 5, 11, 15, 15, 15 + 9 * 2]);
    expect(a.rows[3]?.outputShape).toEqual([1, 8, 10, 10]);
    expect(a.rows[3]?.jump).toEqual([2, 2]);
  });

  it('LeNet-5, the default, is Stride’s LeNet5 layer for layer', () => {
    const lenet = new LeNet5();
    const want = summary(lenet, INPUT);
    lenet.dispose();
    const a = analyse(preset('lenet5'));
    expect(a.ok).toBe(true);
    expect(a.summary.totalParams).toBe(61_706);
    const strip = (rows: typeof want.rows) => rows.map(({ name: _, ...r }) => r);
    expect(strip(a.summary.rows)).toEqual(strip(want.rows));
  });

  it('every preset builds, classifies into [1, 10] and has the parameters its label says', () => {
    for (const p of PRESETS) {
      const a = analyse(p.spec);
      expect(a.ok, p.name).toBe(true);
      expect(a.summary.outputShape).toEqual([1, 10]);
      const stated = /\(([\d,]+) parameters\)/.exec(p.label)?.[1];
      if (stated) expect(a.summary.totalParams, p.name).toBe(Number(stated.replace(/,/g, '')));
    }
    expect(analyse(preset('tiny')).summary.totalParams).toBe(80 + 3930);
    // The all-conv net uses stride, padding, dilation and groups.
    const allconv = preset('allconv');
    expect(allconv.some((l) => l.kind === 'conv' && l.groups === 32 && l.dilation === 2)).toBe(
      true,
    );
    expect(allconv.some((l) => l.kind === 'conv' && l.stride === 2)).toBe(true);
  });

  it('buildNetwork gives the same state-dict names and shapes as the hand-written model', () => {
    for (const c of CASES) {
      const built = buildNetwork(c.spec);
      const hand = c.model();
      const shapes = (m: Module) =>
        Object.fromEntries(
          [...m.namedParameters(), ...m.namedBuffers()].map(([k, t]) => [k, t.shape]),
        );
      expect(shapes(built), c.name).toEqual(shapes(hand));
      built.dispose();
      hand.dispose();
    }
  });

  it('leaves no tensor behind, whether the network works or not', () => {
    const broken = setField(preset('lenet5'), 3, 'kernel', 30);
    analyse(preset('allconv'));
    analyse(broken);
    const before = memory().numTensors;
    for (let i = 0; i < 5; i++) {
      analyse(preset('allconv'));
      analyse(broken);
      analyse(setField(preset('lenet5'), 0, 'stride', 0));
    }
    expect(memory().numTensors).toBe(before);
  });
});

/** The analysis of LeNet-5 with one option of one layer changed. */
function lenetWith(layer: number, key: string, value: unknown) {
  return analyse(setField(preset('lenet5'), layer, key, value as number));
}

describe('impossible networks are refused at the layer, naming the option', () => {
  const expectRefused = (
    a: ReturnType<typeof analyse>,
    index: number,
    field: string | null,
    message: RegExp,
  ) => {
    expect(a.error).not.toBeNull();
    expect(a.ok).toBe(false);
    expect(a.error?.index).toBe(index);
    expect(a.error?.field).toBe(field);
    expect(a.error?.strideError).toBe(true);
    expect(a.error?.message).toMatch(message);
    expect(a.rows.map((r) => r.status)).toEqual(
      a.rows.map((_, i) => (i < index ? 'ok' : i === index ? 'error' : 'blocked')),
    );
    // No shape, count or field for the refused layer or those after it: nothing wrong is shown.
    for (const r of a.rows.slice(index)) {
      expect(r.outputShape).toBeNull();
      expect(r.params).toBeNull();
      expect(r.receptiveField).toBeNull();
    }
    expect(a.summary.rows).toHaveLength(index);
  };

  it('a kernel larger than its input', () => {
    // conv2 sees 14×14 maps; a 15×15 kernel does not fit.
    const a = lenetWith(3, 'kernel', 15);
    expectRefused(
      a,
      3,
      'kernel',
      /^conv2d: kernel \[15,15\] is larger than the padded input \[14,14\]/,
    );
    expect(a.rows[3]?.inputShape).toEqual([1, 6, 14, 14]);
  });

  it('a dilation that spreads the kernel past the input', () => {
    const a = lenetWith(3, 'dilation', 4);
    expectRefused(a, 3, 'kernel', /kernel \[5,5\] \(dilated to \[17,17\]\) is larger/);
  });

  it('stride 0', () => {
    expectRefused(lenetWith(0, 'stride', 0), 0, 'stride', /^Conv2d: option 'stride'.*got 0$/);
  });

  it('groups that do not divide the channels', () => {
    expectRefused(
      lenetWith(3, 'groups', 4),
      3,
      'groups',
      /^Conv2d: groups 4 must divide inChannels 6 and outChannels 16$/,
    );
  });

  it('a linear layer whose input size does not match, with the size that fits', () => {
    const a = lenetWith(7, 'inFeatures', 256);
    expectRefused(
      a,
      7,
      'inFeatures',
      /^linear: input \[1,400\] has 400 features but weight \[120,256\] expects 256$/,
    );
    expect(a.error?.fix).toEqual({ field: 'inFeatures', value: 400 });
    // A smaller conv2 changes what fc1 receives: the error moves to fc1, with the new size.
    const b = lenetWith(3, 'outChannels', 8);
    expectRefused(b, 7, 'inFeatures', /has 200 features/);
    expect(b.error?.fix?.value).toBe(200);
  });

  it('text that is not a number, named as typed', () => {
    const a = lenetWith(0, 'padding', parseField(FIELDS.conv[3] as never, 'two'));
    expectRefused(a, 0, 'padding', /option 'padding' must be .* got 'two'$/);
    expectRefused(lenetWith(7, 'outFeatures', ''), 7, 'outFeatures', /outFeatures/);
  });

  it('pooling padding beyond half the kernel, and a pool window larger than its input', () => {
    expectRefused(lenetWith(2, 'padding', 2), 2, 'padding', /^MaxPool2d: padding \[2,2\]/);
    expectRefused(
      lenetWith(5, 'kernel', 11),
      5,
      'kernel',
      /^maxPool2d: kernel \[11,11\] is too large/,
    );
  });

  it("padding 'same' with a stride, and a dropout rate over 1", () => {
    const spec = setField(preset('lenet5'), 0, 'padding', 'same');
    expectRefused(analyse(setField(spec, 0, 'stride', 2)), 0, 'padding', /'same' needs stride 1/);
    const drop = [...preset('tiny')];
    drop.splice(3, 0, { kind: 'dropout', p: 1.5 });
    expectRefused(analyse(drop), 3, 'p', /^Dropout: p must be a number ≥ 0 and ≤ 1, got 1.5$/);
  });

  it('a convolution after Flatten: refused at the layer, no option to blame', () => {
    const spec = [...preset('tiny')];
    spec.splice(4, 0, conv(4, 3));
    expectRefused(analyse(spec), 4, null, /^conv2d: expected a 3-d \(unbatched\) or 4-d/);
  });

  it('sizes that would swamp a browser tab are refused before anything is allocated', () => {
    const before = memory();
    const wide = lenetWith(0, 'outChannels', 100_000);
    expect(wide.error).toMatchObject({ index: 0, field: 'outChannels', strideError: false });
    expect(wide.error?.message).toBe(
      "Too large: this layer's output would have 78,400,000 values per image; the page allows up to 4,000,000 so that a batch fits in a browser tab",
    );
    const huge = lenetWith(7, 'outFeatures', 1e9);
    expect(huge.error).toMatchObject({ index: 7, field: 'outFeatures', strideError: false });
    expect(huge.error?.message).toMatch(
      /^Too large: this layer would hold 401,000,000,000 parameters, 401,000,002,572 in the network so far; the page builds networks of up to 10,000,000/,
    );
    expect(lenetWith(0, 'padding', 3000).error).toMatchObject({ index: 0, field: 'padding' });
    expect(lenetWith(0, 'kernel', 5000).error).toMatchObject({ index: 0, field: 'kernel' });
    // Just inside both limits: 1·1000·3·3 weights, and 1000 maps of 28×28 = 784,000 values.
    expect(lenetWith(0, 'outChannels', 1000).error?.index).not.toBe(0);
    expect(memory().numTensors).toBe(before.numTensors);
    expect(memory().numBytes).toBe(before.numBytes);
  });

  it('buildNetwork throws the layer’s StrideError, numbered as the page numbers it', () => {
    expect(() => buildNetwork(setField(preset('lenet5'), 3, 'groups', 4))).toThrow(StrideError);
    expect(() => buildNetwork(setField(preset('lenet5'), 3, 'groups', 4))).toThrow(
      /^buildNetwork: layer 4 \(conv\): Conv2d: groups 4 must divide/,
    );
  });

  it('a network that works but is no digit classifier is not trainable, and says why', () => {
    const noHead = preset('lenet5').slice(0, 6);
    const a = analyse(noHead);
    expect(a.error).toBeNull();
    expect(a.ok).toBe(false);
    expect(a.summary.outputShape).toEqual([1, 16, 5, 5]);
    expect(a.problem).toMatch(/\[1, 10\]; it ends in \[1, 16, 5, 5\]\. Add a Flatten/);
    const twelve = analyse(setField(preset('tiny'), 4, 'outFeatures', 12));
    expect(twelve.problem).toMatch(/ends in \[1, 12\]\. Make the last layer output 10/);
    expect(analyse([]).problem).toMatch(/ends in \[1, 1, 28, 28\]/);
  });
});

describe('fields', () => {
  it('parses what is typed: numbers, pairs, padding modes, defaults, and keeps other text', () => {
    const kernel = FIELDS.conv.find((f) => f.key === 'kernel');
    const padding = FIELDS.conv.find((f) => f.key === 'padding');
    const poolStride = FIELDS.maxpool.find((f) => f.key === 'stride');
    if (!kernel || !padding || !poolStride) throw new Error('fields missing');
    expect(parseField(kernel, ' 3 ')).toBe(3);
    expect(parseField(kernel, '3,5')).toEqual([3, 5]);
    expect(parseField(kernel, '3x5')).toEqual([3, 5]);
    expect(parseField(kernel, '3 × 5')).toEqual([3, 5]);
    expect(parseField(kernel, '3 5')).toEqual([3, 5]);
    expect(parseField(kernel, '3,5,7')).toBe('3,5,7');
    expect(parseField(kernel, 'same')).toBe('same');
    expect(parseField(padding, 'same')).toBe('same');
    expect(parseField(padding, 'valid')).toBe('valid');
    expect(parseField(kernel, '')).toBe('');
    expect(parseField(poolStride, '')).toBeNull();
    expect(parseField(FIELDS.dropout[0] as never, '0.25')).toBe(0.25);
    for (const v of [3, [3, 5], 'same', null] as const) {
      expect(parseField(poolStride, formatField(v))).toEqual(v);
    }
    expect(formatField(true)).toBe('true');
  });

  it('every kind can be added with defaults that work after a 28×28 image', () => {
    for (const [kind] of KINDS) {
      const layer = defaultLayer(kind, kind === 'linear' ? [1, 784] : null);
      const a = analyse(kind === 'linear' ? [{ kind: 'flatten' }, layer] : [layer]);
      expect(a.error, kind).toBeNull();
      for (const f of FIELDS[kind]) expect(layer, kind).toHaveProperty(f.key);
    }
    expect(defaultLayer('linear')).toMatchObject({ inFeatures: 10, outFeatures: 10 });
  });

  it('errorField picks the option named first', () => {
    expect(errorField('conv', 'Conv2d: groups 4 must divide inChannels 6 and outChannels 16')).toBe(
      'groups',
    );
    expect(errorField('conv', "Conv2d: padding 'same' needs stride 1, got stride [2,2]")).toBe(
      'padding',
    );
    expect(errorField('maxpool', 'MaxPool2d: kernelSize must be an integer')).toBe('kernel');
    expect(
      errorField('linear', 'linear: input [1,4] has 4 features but weight [2,3] expects 3'),
    ).toBe('inFeatures');
    expect(errorField('relu', 'anything')).toBeNull();
  });
});
