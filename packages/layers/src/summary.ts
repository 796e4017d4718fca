/**
 * `summary(model, inputShape)`: a layer-by-layer table of output shapes, parameters, FLOPs,
 * receptive field and jump, found by running the model once on zeros (in eval mode, without
 * gradients; the model's state is left exactly as it was).
 *
 * Receptive field r and jump j (the distance in input pixels between neighbouring outputs)
 * follow each spatial axis through the layers, starting from r = j = 1 at the input:
 *   r_out = r_in + (k - 1) · dilation · j_in,   j_out = j_in · stride.
 * They assume the layers run as a chain, which holds for plain CNNs such as LeNet or AlexNet.
 * A layer that sees its whole input (a Linear after Flatten) acts as a kernel covering the last
 * feature map. FLOPs count a multiply-add as 2 and are for the whole input batch.
 */
import { DTYPES, type DType, isTensor, noGrad, type Tensor, tidy, zeros } from '@stride/core';
import { checkOptions, deviceRule, fail, option, show } from './check.js';
import type { LayerGeometry } from './layer-info.js';
import { Module } from './module.js';

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
  /** Receptive field of one output element, in input elements, per spatial axis. */
  readonly receptiveField: readonly number[];
  /** Input elements between neighbouring outputs (the cumulative stride), per spatial axis. */
  readonly jump: readonly number[];
}

/** What `summary()` returns: the rows, the totals, and the table that prints them. */
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
  /** Receptive field and jump of the model's output (those after the last row). */
  readonly receptiveField: readonly number[];
  /** Input elements between neighbouring outputs of the model, per spatial axis. */
  readonly jump: readonly number[];
  /** The printable table. */
  readonly table: string;
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
}

function record(
  model: Module,
  inputShape: readonly number[],
  options: SummaryOptions,
): { calls: Call[]; output: number[] } {
  const named = model.namedModules();
  const leaves = named.filter(([, m]) => m.children().length === 0);
  const calls: Call[] = [];
  const removers = leaves.map(([name, m]) =>
    m.registerForwardHook((mod, inputs, output) => {
      const first = inputs[0];
      calls.push({
        name: name || mod.typeName,
        module: mod,
        input: isTensor(first) ? [...first.shape] : [],
        output: [...output.shape],
      });
    }),
  );
  const modes = named.map(([, m]) => [m, m.training] as const);
  const probe = [...model.parameters(), ...model.buffers()].find((t) => t.dtype !== 'int32');
  let output: number[] = [];
  try {
    model.eval();
    tidy(() =>
      noGrad(() => {
        const x = zeros(inputShape, {
          dtype: options.dtype ?? probe?.dtype ?? 'float32',
          device: options.device ?? probe?.device,
        });
        output = [...model.forward(x).shape];
      }),
    );
  } finally {
    for (const remove of removers) remove();
    for (const [m, training] of modes) m.training = training;
  }
  return { calls, output };
}

/** Advances receptive field, jump and feature-map extent through one layer. */
function step(
  geometry: LayerGeometry | 'global' | undefined,
  state: { r: number[]; j: number[]; extent: number[] },
  output: readonly number[],
): void {
  const n = state.r.length;
  if (geometry === 'global') {
    for (let i = 0; i < n; i++) {
      state.r[i] =
        (state.r[i] as number) + ((state.extent[i] as number) - 1) * (state.j[i] as number);
      state.j[i] = (state.j[i] as number) * (state.extent[i] as number);
      state.extent[i] = 1;
    }
    return;
  }
  if (geometry && geometry.kernel.length === n) {
    for (let i = 0; i < n; i++) {
      const k = geometry.kernel[i] as number;
      const d = geometry.dilation[i] as number;
      state.r[i] = (state.r[i] as number) + (k - 1) * d * (state.j[i] as number);
      state.j[i] = (state.j[i] as number) * (geometry.stride[i] as number);
    }
  }
  // Layers that keep the spatial layout tell the current extent; Flatten's output does not.
  if (output.length === n + 2) state.extent = output.slice(2);
}

const num = (v: number): string => v.toLocaleString('en-US');
const dims = (v: readonly number[]): string =>
  v.length === 0 ? '-' : v.map((x) => (Number.isInteger(x) ? String(x) : x.toFixed(2))).join('x');
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
 * describes every leaf layer it called. Nothing the run created outlives it.
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
  const { calls, output } = record(model, inputShape, opts);
  const n = Math.max(0, inputShape.length - 2);
  const state = {
    r: new Array<number>(n).fill(1),
    j: new Array<number>(n).fill(1),
    extent: inputShape.slice(2),
  };
  const counted = new Set<Module>();
  const rows: SummaryRow[] = calls.map((c) => {
    const info = c.module.layerInfo(c.input, c.output);
    step(info.geometry, state, c.output);
    const params = counted.has(c.module) ? 0 : c.module.numParameters();
    counted.add(c.module);
    return {
      name: c.name,
      type: c.module.typeName,
      inputShape: c.input,
      outputShape: c.output,
      params,
      flops: info.flops,
      receptiveField: [...state.r],
      jump: [...state.j],
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
    receptiveField: [...state.r],
    jump: [...state.j],
  };
  return { ...result, table: render(result) };
}
