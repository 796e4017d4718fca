/**
 * From the builder's spec to `@stride/layers` modules and `summary()`'s table. The layers are
 * built one after another, each for the shape the previous one outputs (that is where a
 * convolution's input channels come from) and run once on zeros of that shape, so that the first
 * layer Stride refuses, at construction or in its forward, is known by its position with Stride's
 * own message. The rows the page shows are then `summary()`'s, for the layers before it.
 */
import { fail, noGrad, StrideError, tidy, zeros } from '@stride/core';
import {
  AvgPool2d,
  BatchNorm1d,
  BatchNorm2d,
  Conv2d,
  Dropout,
  Flatten,
  Linear,
  MaxPool2d,
  type ModelSummary,
  type Module,
  ReLU,
  Sequential,
  summary,
  Tanh,
} from '@stride/layers';
import { overBudget } from './budget.js';
import { errorField } from './error-field.js';
import {
  INPUT_SHAPE,
  type LayerKind,
  type LayerSpec,
  type NetworkSpec,
  OUTPUT_SHAPE,
} from './spec.js';

/** The first layer of a spec that Stride refuses, and why. */
export interface LayerError {
  /** Its position in the spec (0-based; the page numbers layers from 1). */
  readonly index: number;
  readonly kind: LayerKind;
  /** Stride's message, as thrown. */
  readonly message: string;
  /**
   * Whether Stride threw it: false for the page's own size limit (budget.ts), or for a bug, which
   * is shown all the same.
   */
  readonly strideError: boolean;
  /** The option the message names first, to outline in the page; null if none. */
  readonly field: string | null;
  /** A value of `field` that fits, where one follows from the shapes (a linear's in features). */
  readonly fix?: { readonly field: string; readonly value: number };
}

/** What the page shows for one layer of the spec. */
export interface LayerRow {
  readonly index: number;
  readonly kind: LayerKind;
  /** 'error' for the layer Stride refused, 'blocked' for those after it (their input is unknown). */
  readonly status: 'ok' | 'error' | 'blocked';
  /** The module's printed form, e.g. `Conv2d(1, 6, kernelSize=[5,5], padding=2)`; null unless ok. */
  readonly repr: string | null;
  /** From `summary()` for an ok layer, else null. */
  readonly type: string | null;
  readonly inputShape: readonly number[] | null;
  readonly outputShape: readonly number[] | null;
  readonly params: number | null;
  readonly receptiveField: readonly number[] | null;
  readonly jump: readonly number[] | null;
}

/** What the page takes from `summary()`. */
export type NetworkSummary = Pick<
  ModelSummary,
  'rows' | 'outputShape' | 'totalParams' | 'receptiveField' | 'jump' | 'table'
>;

export interface Analysis {
  readonly spec: NetworkSpec;
  readonly rows: readonly LayerRow[];
  readonly error: LayerError | null;
  /**
   * Why the network cannot be trained as a digit classifier although every layer works (its
   * output is not `[1, 10]`), or null.
   */
  readonly problem: string | null;
  /** `summary()` of the layers before the error (all of them without one). */
  readonly summary: NetworkSummary;
  /** True when the network can be built, trained and downloaded. */
  readonly ok: boolean;
}

const same = (a: readonly number[], b: readonly number[]): boolean =>
  a.length === b.length && a.every((d, i) => d === b[i]);

/** The spec value as the layer receives it: typed text goes to Stride unchanged. */
const as = <T>(v: unknown): T => v as T;

/**
 * The module for `layer` when its input has `input`'s shape: a convolution's input channels and
 * a batch norm's features are the input's channels; a batch norm is `BatchNorm1d` on flat
 * features and `BatchNorm2d` otherwise. Stride checks every option.
 */
export function buildLayer(layer: LayerSpec, input: readonly number[], device?: string): Module {
  const factory = device === undefined ? {} : { device };
  const channels = input[1] ?? 1;
  switch (layer.kind) {
    case 'conv':
      return new Conv2d(channels, as(layer.outChannels), as(layer.kernel), {
        stride: as(layer.stride),
        padding: as(layer.padding),
        dilation: as(layer.dilation),
        groups: as(layer.groups),
        bias: layer.bias,
        ...factory,
      });
    case 'maxpool':
      return new MaxPool2d(as(layer.kernel), {
        ...(layer.stride === null ? {} : { stride: as(layer.stride) }),
        padding: as(layer.padding),
        dilation: as(layer.dilation),
      });
    case 'avgpool':
      return new AvgPool2d(as(layer.kernel), {
        ...(layer.stride === null ? {} : { stride: as(layer.stride) }),
        padding: as(layer.padding),
      });
    case 'batchnorm':
      return input.length === 2
        ? new BatchNorm1d(channels, factory)
        : new BatchNorm2d(channels, factory);
    case 'dropout':
      return new Dropout(as(layer.p));
    case 'linear':
      return new Linear(as(layer.inFeatures), as(layer.outFeatures), {
        bias: layer.bias,
        ...factory,
      });
    case 'relu':
      return new ReLU();
    case 'tanh':
      return new Tanh();
    case 'flatten':
      return new Flatten();
  }
}

/** The output shape of `module` on zeros of `input` (in eval mode, as `summary()` runs it). */
function probe(module: Module, input: readonly number[]): number[] {
  module.eval();
  return noGrad(() => tidy(() => [...module.forward(zeros(input, { device: 'cpu' })).shape]));
}

function layerError(layer: LayerSpec, index: number, error: unknown, input: readonly number[]) {
  const message = error instanceof Error ? error.message : String(error);
  const field = errorField(layer.kind, message);
  const last = input[input.length - 1] as number;
  const fix =
    layer.kind === 'linear' && field === 'inFeatures' && Number.isSafeInteger(last)
      ? { field, value: last }
      : undefined;
  return {
    index,
    kind: layer.kind,
    message,
    strideError: error instanceof StrideError,
    field,
    ...(fix ? { fix } : {}),
  };
}

function networkProblem(output: readonly number[]): string | null {
  if (same(output, OUTPUT_SHAPE)) return null;
  const ends = `it ends in [${output.join(', ')}]`;
  if (output.length > 2) {
    return `A digit classifier must end in 10 scores per image, [1, 10]; ${ends}. Add a Flatten, then a Linear layer with 10 out features.`;
  }
  return `A digit classifier must end in 10 scores per image, [1, 10]; ${ends}. Make the last layer output 10 features.`;
}

/**
 * Builds `spec` on the CPU for a `[1, 1, 28, 28]` image, finds the first layer Stride refuses,
 * and runs `summary()` on the layers before it. Every tensor it creates is disposed.
 */
export function analyse(spec: NetworkSpec): Analysis {
  const modules: Module[] = [];
  let shape: readonly number[] = INPUT_SHAPE;
  let error: LayerError | null = null;
  let params = 0;
  for (const [i, layer] of spec.entries()) {
    const over = overBudget(layer, shape, params);
    if (over) {
      error = { index: i, kind: layer.kind, strideError: false, ...over };
      break;
    }
    let module: Module | undefined;
    try {
      module = buildLayer(layer, shape, 'cpu');
      const out = probe(module, shape);
      modules.push(module);
      params += module.numParameters();
      shape = out;
    } catch (e) {
      module?.dispose();
      error = layerError(layer, i, e, shape);
      break;
    }
  }
  const network = new Sequential(...modules);
  let s: NetworkSummary;
  try {
    const full = summary(network, INPUT_SHAPE);
    // An empty Sequential is a leaf itself, and summary() lists it as a layer.
    s = modules.length === 0 ? { ...full, rows: [] } : full;
  } finally {
    network.dispose();
  }
  const rows = spec.map((layer, i): LayerRow => {
    const row = s.rows[i];
    const module = modules[i];
    if (row && module) {
      return {
        index: i,
        kind: layer.kind,
        status: 'ok',
        repr: String(module),
        type: row.type,
        inputShape: row.inputShape,
        outputShape: row.outputShape,
        params: row.params,
        receptiveField: row.receptiveField,
        jump: row.jump,
      };
    }
    return {
      index: i,
      kind: layer.kind,
      status: error && i === error.index ? 'error' : 'blocked',
      repr: null,
      type: null,
      inputShape: error && i === error.index ? shape : null,
      outputShape: null,
      params: null,
      receptiveField: null,
      jump: null,
    };
  });
  const problem = error ? null : networkProblem(s.outputShape);
  return { spec, rows, error, problem, summary: s, ok: error === null && problem === null };
}

/**
 * `spec` as a `Sequential` on `device` (the active backend by default), with fresh parameters.
 * Throws a `StrideError` naming the layer when Stride refuses one.
 */
export function buildNetwork(spec: NetworkSpec, device?: string): Sequential {
  const a = analyse(spec);
  if (a.error) {
    fail('buildNetwork', `layer ${a.error.index + 1} (${a.error.kind}): ${a.error.message}`);
  }
  return new Sequential(
    ...spec.map((layer, i) => buildLayer(layer, a.rows[i]?.inputShape ?? INPUT_SHAPE, device)),
  );
}
