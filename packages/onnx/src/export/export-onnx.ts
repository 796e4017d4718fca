/**
 * `exportOnnx`: runs a model once on an example input under `traceOps`, turns every recorded op
 * into ONNX nodes and its parameters into initializers named as in its state dict, and returns the
 * serialized model.
 */
import { toBinary } from '@bufbuild/protobuf';
import {
  checkOptions,
  concat,
  fail,
  fmtShape,
  isTensor,
  noGrad,
  option,
  StrideError,
  slice,
  type Tensor,
  type TracedOp,
  tidy,
  traceOps,
} from '@stride/core';
import { Module } from '@stride/layers';
import { ModelProtoSchema } from '../gen/onnx_pb.js';
import { ExportContext, type Maker, type Probe, type ProbeOp, type Value } from './context.js';
import { type Dim, GraphBuilder } from './graph-builder.js';
import { EMITTERS } from './ops.js';

/** The oldest and newest opsets `exportOnnx` writes. */
export const EXPORT_OPSETS = {
  /** The oldest: where Squeeze, Unsqueeze and ReduceSum take their axes as an input. */
  min: 13,
  /** The newest. */
  max: 21,
  /** What ONNX 1.12's checker and every current runtime read. */
  default: 17,
} as const;

/** Options of `exportOnnx`. */
export interface ExportOnnxOptions {
  /**
   * The ONNX opset, 13 to 21 (default 17, which every current runtime and ONNX's checker from 1.12
   * read). A few ops are written differently by opset (LayerNormalization from 17, Gelu from 20).
   */
  opset?: number;
  /** Names of the graph inputs, one per example input. Default `input` (or `input_0`, `input_1`, …). */
  inputNames?: readonly string[];
  /** Names of the graph outputs. Default `output` (or `output_0`, `output_1`, …). */
  outputNames?: readonly string[];
  /**
   * Let dim 0 of every input (the batch) vary: it is declared as `batch` and the graph computes
   * shapes from it. Ops that would mix the batch with other dims are refused. Default false: the
   * graph takes exactly the example's shapes.
   */
  dynamicBatch?: boolean;
}

/** What `exportOnnx` exports: a module, or a function of tensors. */
export type Exportable = Module | ((...inputs: Tensor[]) => Tensor | readonly Tensor[]);

const OPTIONS = {
  opset: option.integer({ min: EXPORT_OPSETS.min, max: EXPORT_OPSETS.max }),
  inputNames: option.arrayOf(option.string),
  outputNames: option.arrayOf(option.string),
  dynamicBatch: option.boolean,
} as const;

/**
 * Exports `model` to ONNX: the bytes of a `.onnx` file that onnxruntime, PyTorch's importer and
 * other runtimes read. The model runs once on `exampleInput` (a tensor, or one per input), in
 * evaluation mode (a module's training flags are restored after) and without gradients; every op
 * it runs becomes ONNX nodes, and its parameters and buffers initializers named as in
 * `stateDict()` (`conv1.weight`). An op without an ONNX mapping is a StrideError that names it.
 *
 * @example
 * ```ts
 * const model = new LeNet5();
 * const bytes = await exportOnnx(model, zeros([1, 1, 28, 28]), { dynamicBatch: true });
 * // onnxruntime: await InferenceSession.create(bytes) → outputs { output: [N, 10] }
 * ```
 */
export async function exportOnnx(
  model: Exportable,
  exampleInput: Tensor | readonly Tensor[],
  options: ExportOnnxOptions = {},
): Promise<Uint8Array> {
  const fn = 'exportOnnx';
  if (!(model instanceof Module) && typeof model !== 'function') {
    fail(fn, `model must be a Module or a function of tensors, got ${describe(model)}`);
  }
  const inputs = isTensor(exampleInput) ? [exampleInput] : exampleInput;
  if (!Array.isArray(inputs) || inputs.length === 0 || !inputs.every((t) => isTensor(t))) {
    fail(
      fn,
      `exampleInput must be a tensor or a non-empty array of tensors, got ${describe(exampleInput)}`,
    );
  }
  inputs.forEach((t, i) => {
    if (t.isDisposed) fail(fn, `exampleInput[${i}] ${fmtShape(t.shape)} was disposed`);
  });
  const opts = checkOptions(fn, options, OPTIONS);
  const opset = opts.opset ?? EXPORT_OPSETS.default;
  const dynamicBatch = opts.dynamicBatch ?? false;
  const inputNames = names(fn, 'inputNames', opts.inputNames, inputs.length, 'input');
  if (dynamicBatch) {
    inputs.forEach((t, i) => {
      if (t.rank === 0) fail(fn, `dynamicBatch needs a batch dim, but exampleInput[${i}] is 0-d`);
    });
  }

  const graph = new GraphBuilder();
  const paramNames = new Map<Tensor, string>();
  if (model instanceof Module) {
    for (const [name, t] of [...model.namedParameters(), ...model.namedBuffers()]) {
      paramNames.set(t, name);
    }
  }
  const probe = dynamicBatch ? runProbe(fn, model, inputs, paramNames) : null;
  const ctx = new ExportContext(graph, opset, paramNames, probe);
  inputs.forEach((t, i) => {
    const name = inputNames[i] as string;
    if (!graph.claim(name) || [...paramNames.values()].includes(name)) {
      fail(fn, `input name '${name}' is used twice (inputNames, or a parameter of the model)`);
    }
    graph.value('input', name, t.dtype, dims(t.shape, probe?.inputShapes.get(t) ?? null, name));
    ctx.defineInput(t, name);
  });

  const outputs = trace(fn, model, inputs, ctx);
  const outputNames = names(fn, 'outputNames', opts.outputNames, outputs.length, 'output');
  const renamed = new Map<string, string>();
  outputs.forEach((o, i) => {
    const name = outputNames[i] as string;
    const value = o.value;
    if (!graph.claim(name)) fail(fn, `output name '${name}' is used twice`);
    const current = renamed.get(value.name) ?? value.name;
    const produced = graph.nodes.some((n) => n.output.includes(current));
    const graphInput = graph.inputs.some((v) => v.name === current);
    if (produced && !graphInput && !renamed.has(value.name)) {
      // The node that computes it writes the output name itself, as PyTorch's exporter does.
      renameValue(graph, current, name);
      renamed.set(value.name, name);
    } else {
      graph.node('Identity', [current], {}, [name]);
    }
    graph.value('output', name, o.dtype, dims(o.shape, o.probeShape, name));
  });
  await ctx.finish();
  return toBinary(ModelProtoSchema, graph.model(opset, 'stride', '0.1.0'));
}

/**
 * An output as the trace left it: its graph value, shape (and the probe's) and dtype (not the
 * tensor, which `tidy` would then keep alive).
 */
interface TracedOutput {
  readonly value: Value;
  readonly shape: readonly number[];
  readonly probeShape: readonly number[] | null;
  readonly dtype: Tensor['dtype'];
}

/**
 * Runs the model once under `traceOps`, in eval mode (a module's flags restored after) and
 * without gradients. `onOp` sees each recorded op; its first failure ends the run once the
 * forward pass returns (thrown inside, it would pass through the model's own code, which may
 * rename or catch it). Returns what `finish` makes of the outputs, inside the trace's `tidy`.
 */
function runTraced<T>(
  fn: string,
  model: Exportable,
  inputs: readonly Tensor[],
  onOp: (r: TracedOp) => void,
  onCreated: (t: Tensor, maker: Maker) => void,
  finish: (outputs: Tensor[]) => T,
): T {
  const modes = model instanceof Module ? model.modules().map((m) => [m, m.training] as const) : [];
  if (model instanceof Module) model.eval();
  let failure: unknown;
  try {
    return tidy(() =>
      noGrad(() => {
        const result = traceOps(
          {
            op: (r) => {
              if (failure !== undefined) return;
              try {
                onOp(r);
              } catch (e) {
                failure = e;
              }
            },
            created: (t, maker, constant, after) => {
              if (!constant) onCreated(t, { fn: maker, after });
            },
          },
          () => (model as (...xs: Tensor[]) => Tensor | readonly Tensor[])(...inputs),
        );
        if (failure !== undefined) throw failure;
        const outs = isTensor(result) ? [result] : result;
        if (!Array.isArray(outs) || outs.length === 0 || !outs.every((t) => isTensor(t))) {
          fail(
            fn,
            `the model must return a tensor or an array of tensors, got ${describe(result)}`,
          );
        }
        return finish(outs as Tensor[]);
      }),
    );
  } finally {
    for (const [m, training] of modes) m.training = training;
  }
}

/** The main trace: emits nodes as ops run. */
function trace(
  fn: string,
  model: Exportable,
  inputs: readonly Tensor[],
  ctx: ExportContext,
): TracedOutput[] {
  return runTraced(
    fn,
    model,
    inputs,
    (r) => {
      const emitter = EMITTERS[r.op];
      if (!emitter) {
        fail(
          fn,
          `${r.op} has no ONNX mapping (its result ${fmtShape(r.output.shape)}); see the list of ops in @stride/onnx's README`,
        );
      }
      ctx.beginOp(r);
      emitter(ctx, r);
      ctx.endOp(r);
    },
    (t, maker) => ctx.untraced.set(t, maker),
    // Names are resolved now, while constants and parameters are alive.
    (outs) =>
      outs.map((t) => ({
        value: ctx.values.get(t) ?? ctx.input(t, 'the output'),
        shape: [...t.shape],
        probeShape: ctx.probeShape(t),
        dtype: t.dtype,
      })),
  );
}

/**
 * The probe of `dynamicBatch`: the same forward pass at one more sample (the example's first
 * sample appended to each input), recording each op's arguments, its inputs' shapes and the values
 * of what may become constants. What differs from the main trace follows the batch size.
 */
function runProbe(
  fn: string,
  model: Exportable,
  inputs: readonly Tensor[],
  paramNames: ReadonlyMap<Tensor, string>,
): Probe {
  const grown = tidy(() => noGrad(() => inputs.map((t) => concat([t, slice(t, 0, 0, 1)], 0))));
  try {
    const known = new Set<Tensor>(grown);
    const ops: ProbeOp[] = [];
    runTraced(
      fn,
      model,
      grown,
      (r) => {
        ops.push({
          op: r.op,
          attrs: r.attrs,
          inputs: r.inputs.map((t) =>
            t === null
              ? null
              : {
                  tensor: t,
                  shape: [...t.shape],
                  data:
                    known.has(t) || paramNames.has(t) || t.isDisposed
                      ? null
                      : (t.data() as Promise<ArrayLike<number>>),
                },
          ),
          outShape: [...r.output.shape],
        });
        known.add(r.output);
      },
      () => {},
      () => undefined,
    );
    return {
      inputShapes: new Map(inputs.map((t, i) => [t, (grown[i] as Tensor).shape])),
      ops,
    };
  } catch (e) {
    if (e instanceof StrideError && e.fn === fn) throw e;
    const message = e instanceof Error ? e.message : String(e);
    return fail(
      fn,
      `with dynamicBatch the model must also run at batch ${((inputs[0] as Tensor).shape[0] as number) + 1} (the example's size plus one), but there it fails: ${message}`,
    );
  } finally {
    for (const t of grown) t.dispose();
  }
}

/**
 * The dims of a declared value: fixed where the probe agrees; where it does not, named `batch`
 * if the dim is the batch size, else after the value (`output_dim1`).
 */
function dims(shape: readonly number[], probeShape: readonly number[] | null, name: string): Dim[] {
  return shape.map((d, i) => {
    const p = probeShape?.[i];
    if (p === undefined || p === d) return d;
    return p === d + 1 ? 'batch' : `${name}_dim${i}`;
  });
}

/** Renames a node output (and its uses) so that a graph output carries the name asked for. */
function renameValue(graph: GraphBuilder, from: string, to: string): void {
  for (const node of graph.nodes) {
    node.input = node.input.map((n) => (n === from ? to : n));
    node.output = node.output.map((n) => (n === from ? to : n));
  }
}

function names(
  fn: string,
  option: string,
  given: readonly string[] | undefined,
  count: number,
  base: string,
): string[] {
  if (given === undefined)
    return count === 1 ? [base] : Array.from({ length: count }, (_, i) => `${base}_${i}`);
  if (given.length !== count) {
    fail(fn, `${option} has ${given.length} names for ${count} ${base}${count === 1 ? '' : 's'}`);
  }
  if (given.some((n) => n === '')) fail(fn, `${option} holds an empty name`);
  if (new Set(given).size !== given.length)
    fail(fn, `${option} repeats a name: ${given.join(', ')}`);
  return [...given];
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'an object';
  return `${typeof v} ${String(v)}`;
}
