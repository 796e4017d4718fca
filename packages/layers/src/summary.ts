/**
 * `summary(model, inputShape)`: a layer-by-layer table of output shapes, parameters, FLOPs,
 * receptive field and jump, found by running the model once on zeros (in eval mode; the model's
 * state is left exactly as it was).
 *
 * Receptive field r and jump j (the distance in input pixels between neighbouring outputs)
 * follow each spatial axis from r = j = 1 at the input:
 *   r_out = r_in + (k - 1) · dilation · j_in,   j_out = j_in · stride,
 * through every path of the forward pass, branches and merges included (receptive-field.ts):
 * where paths merge, as in a residual block, r and j are the largest over the paths. A layer
 * that sees its whole input (a Linear after Flatten) acts as a kernel covering the last feature
 * map. FLOPs count a multiply-add as 2 and are for the whole input batch.
 */
import {
  DTYPES,
  type DType,
  isFloat,
  isGradEnabled,
  isTensor,
  type Tensor,
  tidy,
  zeros,
} from '@stride/core';
import { checkOptions, deviceRule, fail, option, show } from './check.js';
import type { LayerInfo } from './layer-info.js';
import { Module } from './module.js';
import { type Geometry, GeometryTracer } from './receptive-field.js';

/** One call of a leaf layer in a `summary`. */
export interface SummaryRow {
  /** The layer's dotted name in the model, e.g. `conv1` or `features.0`. */
  readonly name: string;
  /** Its class name, e.g. `Conv2d`. */
  readonly type: string;
  /** The shape of the call's first input. */
  readonly inputShape: readonly number[];
  /** The shape of the call's output. */
  readonly outputShape: readonly number[];
  /** Parameters the layer holds (0 on a repeated call of a shared layer). */
  readonly params: number;
  /** Floating-point operations of the call for the whole batch (a multiply-add counts as 2). */
  readonly flops: number;
  /**
   * Receptive field of one output element, in input elements, per spatial axis: the largest over
   * the paths from the input. NaN where an op outside a layer changed the spatial extent in a way
   * summary cannot follow (a functional `maxPool2d`, a crop).
   */
  readonly receptiveField: readonly number[];
  /** Input elements between neighbouring outputs (the cumulative stride), per spatial axis. */
  readonly jump: readonly number[];
}

/**
 * What `summary()` returns: the rows, the totals, and the table that prints them. It prints as
 * the table: `console.log(s)` in Node, `String(s)` and `${s}` show `s.table`.
 */
export interface ModelSummary {
  /** The input shape the model was run on (batch dim included). */
  readonly inputShape: readonly number[];
  /** The shape of the model's output. */
  readonly outputShape: readonly number[];
  /** One row per call of a leaf layer, in execution order. */
  readonly rows: readonly SummaryRow[];
  /** Parameter elements of the model, each shared parameter counted once. */
  readonly totalParams: number;
  /** Parameters that require gradients. */
  readonly trainableParams: number;
  /** Bytes of parameter storage. */
  readonly paramBytes: number;
  /** The sum of the rows' FLOPs. */
  readonly totalFlops: number;
  /** Receptive field of the model's output, over every path from the input. */
  readonly receptiveField: readonly number[];
  /** Input elements between neighbouring outputs of the model, per spatial axis. */
  readonly jump: readonly number[];
  /** The printable table. */
  readonly table: string;
  /** The table, so that a template string or `String()` shows it. */
  toString(): string;
}

/** Options of `summary()`. */
export interface SummaryOptions {
  /** dtype of the zero input; defaults to the first parameter's (else float32). */
  dtype?: DType;
  /** Backend of the zero input; defaults to the first parameter's (else the active one). */
  device?: string;
}

interface Call {
  name: string;
  module: Module;
  input: number[];
  output: number[];
  info: LayerInfo;
  geometry: Geometry | undefined;
}

interface Recording {
  calls: Call[];
  output: number[];
  geometry: Geometry | undefined;
}

function record(model: Module, inputShape: readonly number[], options: SummaryOptions): Recording {
  const named = model.namedModules();
  const leaves = named.filter(([, m]) => m.children().length === 0);
  const calls: Call[] = [];
  let tracer: GeometryTracer | undefined;
  const removers = leaves.map(([name, m]) =>
    m.registerForwardHook((mod, inputs, output) => {
      const first = inputs[0];
      const input = isTensor(first) ? [...first.shape] : [];
      const info = mod.layerInfo(input, output.shape);
      calls.push({
        name: name || mod.typeName,
        module: mod,
        input,
        output: [...output.shape],
        info,
        geometry: tracer?.record(info, inputs, output),
      });
    }),
  );
  const modes = named.map(([, m]) => [m, m.training] as const);
  const probe = [...model.parameters(), ...model.buffers()].find((t) => t.dtype !== 'int32');
  let output: number[] = [];
  let geometry: Geometry | undefined;
  try {
    model.eval();
    tidy(() => {
      const dtype = options.dtype ?? probe?.dtype ?? 'float32';
      // The input requires gradients so that every op on a path from it records an autograd
      // node, which is how the tracer follows ops outside layers. Nothing calls backward: the
      // graph goes with the tensors at the end of this tidy, and no parameter gets a gradient.
      const recording = isGradEnabled() && isFloat(dtype);
      const x = zeros(inputShape, {
        dtype,
        device: options.device ?? probe?.device,
        requiresGrad: recording,
      });
      tracer = new GeometryTracer(x, recording);
      const y = model.forward(x);
      output = [...y.shape];
      geometry = tracer.of(y);
    });
  } finally {
    for (const remove of removers) remove();
    for (const [m, training] of modes) m.training = training;
  }
  return { calls, output, geometry };
}

const num = (v: number): string => v.toLocaleString('en-US');
const dims = (v: readonly number[]): string =>
  v.length === 0
    ? '-'
    : v
        .map((x) => (Number.isNaN(x) ? '?' : Number.isInteger(x) ? String(x) : x.toFixed(2)))
        .join('x');
const shape = (s: readonly number[]): string => `[${s.join(', ')}]`;

function render(s: Omit<ModelSummary, 'table'>): string {
  const head = ['Layer (type)', 'Output shape', 'Params', 'FLOPs', 'RF', 'Jump'];
  const body = s.rows.map((r) => [
    `${r.name} (${r.type})`,
    shape(r.outputShape),
    num(r.params),
    num(r.flops),
    dims(r.receptiveField),
    dims(r.jump),
  ]);
  const widths = head.map((h, c) =>
    Math.max(h.length, ...body.map((row) => (row[c] as string).length)),
  );
  const line = (cells: string[]): string =>
    cells
      .map((cell, c) =>
        c < 2 ? cell.padEnd(widths[c] as number) : cell.padStart(widths[c] as number),
      )
      .join('  ')
      .trimEnd();
  const rule = '-'.repeat(widths.reduce((a, b) => a + b, 0) + 2 * (widths.length - 1));
  return [
    line(head),
    rule,
    ...body.map(line),
    rule,
    `Input shape: ${shape(s.inputShape)}   Output shape: ${shape(s.outputShape)}`,
    `Total params: ${num(s.totalParams)} (${num(s.paramBytes)} bytes)`,
    `Trainable params: ${num(s.trainableParams)}`,
    `Non-trainable params: ${num(s.totalParams - s.trainableParams)}`,
    `Total FLOPs: ${num(s.totalFlops)} (a multiply-add counts as 2; for the whole input batch)`,
    `Receptive field of the output: ${dims(s.receptiveField)}, jump ${dims(s.jump)}`,
  ].join('\n');
}

/**
 * Runs `model` once on zeros of `inputShape` (batch dim included, e.g. `[1, 1, 28, 28]`) and
 * describes every leaf layer it called. Nothing the run created outlives it, and no parameter
 * gets a gradient.
 *
 * Receptive fields follow every path, through ops outside layers too (a residual `add`), by the
 * autograd graph of the run; inside `noGrad` there is none, so there they follow only layers
 * that feed each other directly, and show NaN (`?` in the table) after any other op.
 */
export function summary(
  model: Module,
  inputShape: readonly number[],
  options?: SummaryOptions,
): ModelSummary {
  const fn = 'summary';
  if (!(model instanceof Module)) fail(fn, `model must be a Module, got ${show(model)}`);
  if (
    !Array.isArray(inputShape) ||
    inputShape.length === 0 ||
    !inputShape.every((d) => Number.isSafeInteger(d) && d >= 1)
  ) {
    fail(fn, `inputShape must be a non-empty array of integers ≥ 1, got ${show(inputShape)}`);
  }
  const opts = checkOptions(fn, options, {
    dtype: option.oneOf(...DTYPES),
    device: deviceRule(),
  });
  const { calls, output, geometry } = record(model, inputShape, opts);
  const n = Math.max(0, inputShape.length - 2);
  const unknown = new Array<number>(n).fill(Number.NaN);
  const counted = new Set<Module>();
  const rows: SummaryRow[] = calls.map((c) => {
    const params = counted.has(c.module) ? 0 : c.module.numParameters();
    counted.add(c.module);
    return {
      name: c.name,
      type: c.module.typeName,
      inputShape: c.input,
      outputShape: c.output,
      params,
      flops: c.info.flops,
      receptiveField: [...(c.geometry?.r ?? unknown)],
      jump: [...(c.geometry?.j ?? unknown)],
    };
  });
  const parameters: Tensor[] = model.parameters();
  const result = {
    inputShape: [...inputShape],
    outputShape: output,
    rows,
    totalParams: parameters.reduce((a, p) => a + p.size, 0),
    trainableParams: parameters.reduce((a, p) => a + (p.requiresGrad ? p.size : 0), 0),
    paramBytes: parameters.reduce((a, p) => a + p.size * (p.dtype === 'float64' ? 8 : 4), 0),
    totalFlops: rows.reduce((a, r) => a + r.flops, 0),
    receptiveField: [...(geometry?.r ?? unknown)],
    jump: [...(geometry?.j ?? unknown)],
  };
  const table = render(result);
  const out = { ...result, table };
  // Not enumerable, so that spreading, comparing or serialising the summary sees only its data.
  // Node's console.log and util.inspect print the table too (as they print a Module's tree).
  const asTable = { value: (): string => table, configurable: true, writable: true };
  Object.defineProperty(out, 'toString', asTable);
  Object.defineProperty(out, Symbol.for('nodejs.util.inspect.custom'), asTable);
  return out as ModelSummary;
}
