/**
 * `OnnxModel`, the module an imported ONNX graph becomes: its float initializers are parameters
 * (BatchNormalization's running statistics are buffers) named by their initializer names, and
 * `forward` runs the graph's nodes with Stride's ops, so autograd, optimizers, `to()`, state
 * dicts and every backend work as for any other module.
 */
import {
  fail,
  fmtShape,
  getBackend,
  isFloat,
  isTensor,
  StrideError,
  type Tensor,
  tidy,
} from '@stride/core';
import { hostToTensor, onnxTypeName } from '../tensor-proto.js';
import type { NodeRun } from './op-spec.js';
import { placeTensor, type Slot, TensorHolder } from './param-scope.js';
import type { GraphInput, Plan, PlannedNode } from './validate.js';
import {
  type DeviceContext,
  dtypeOf,
  type Host,
  hostOf,
  isHost,
  toTensor,
  type Value,
} from './values.js';

function showDims(dims: readonly (number | string | null)[]): string {
  return `[${dims.map((d) => (d === null ? '?' : d)).join(',')}]`;
}

/**
 * An imported ONNX model (see `importOnnx`). Call it with the graph's inputs in order:
 * `model(x)` returns the first output, `model.run(x)` all of them.
 *
 * The graph runs as ONNX defines it, which is inference: BatchNormalization normalises with its
 * running statistics and Dropout passes its input through, whatever `train()` or `eval()` say.
 * Gradients flow to every parameter, so the model can be fine-tuned with any optimizer.
 *
 * @example
 * ```ts
 * const model = importOnnx(readFileSync('lenet.onnx'));
 * const logits = model(images);                      // [N, 10]
 * Object.keys(model.stateDict());                    // ['conv1.weight', 'conv1.bias', ...]
 * ```
 */
export class OnnxModel extends TensorHolder {
  static override readonly typeName = 'OnnxModel';

  readonly #plan: Plan;
  readonly #slots = new Map<string, Slot>();
  readonly #constants = new Map<string, Host>();

  /** Builds the model from a checked plan; use `importOnnx`. */
  constructor(plan: Plan, device?: string) {
    super();
    this.#plan = plan;
    // The graph runs as exported (inference); see the class comment.
    this.training = false;
    const readAsNumbers = new Set(
      plan.nodes.flatMap((n) => n.inputs.filter((_, k) => n.spec.hostInputs?.includes(k))),
    );
    for (const init of plan.initializers) {
      if (init.role === 'constant') {
        this.#constants.set(init.name, hostOf(init.value));
        continue;
      }
      const t = hostToTensor(init.value, 'importOnnx', `initializer '${init.name}'`, device);
      this.#slots.set(init.name, placeTensor(this, init.name, t, init.role));
      // A parameter also read as numbers (rare) keeps its value for that use.
      if (readAsNumbers.has(init.name)) this.#constants.set(init.name, hostOf(init.value));
    }
  }

  /** The graph's input names, in the order `forward` takes them. */
  get inputNames(): string[] {
    return this.#plan.inputs.map((i) => i.name);
  }

  /** The graph's output names, in the order `run` returns them. */
  get outputNames(): string[] {
    return [...this.#plan.outputs];
  }

  /** The opset of the default ONNX domain the model was exported with. */
  get opset(): number {
    return this.#plan.opset;
  }

  /** The producer recorded in the file (`pytorch 1.13.1`), or '' when it names none. */
  get producer(): string {
    return this.#plan.producer;
  }

  /** Runs the graph and returns its first output. */
  forward(...inputs: Tensor[]): Tensor {
    return this.#execute('OnnxModel.forward', inputs)[0] as Tensor;
  }

  /**
   * Runs the graph and returns every output, in the graph's order (`outputNames`).
   *
   * @example
   * ```ts
   * const [logits, features] = model.run(x);
   * ```
   */
  run(...inputs: Tensor[]): Tensor[] {
    return this.#execute('OnnxModel.run', inputs);
  }

  protected override extraRepr(): string {
    return `opset=${this.#plan.opset}, nodes=${this.#plan.nodes.length}, inputs=[${this.inputNames.join(', ')}]`;
  }

  #checkInputs(fn: string, inputs: readonly unknown[]): void {
    const declared = this.#plan.inputs;
    if (inputs.length !== declared.length) {
      fail(
        fn,
        `the model takes ${declared.length} input${declared.length === 1 ? '' : 's'} (${declared.map((d) => `'${d.name}'`).join(', ')}), got ${inputs.length}`,
      );
    }
    declared.forEach((d: GraphInput, i) => {
      const x = inputs[i];
      if (!isTensor(x)) fail(fn, `input '${d.name}' must be a Tensor, got ${typeof x}`);
      if (x.isDisposed) fail(fn, `input '${d.name}' ${fmtShape(x.shape)} was disposed`);
      if (!d.accepts.includes(x.dtype)) {
        fail(
          fn,
          `input '${d.name}' must be ${d.accepts.join(' or ')} (the model declares ${onnxTypeName(d.elemType)}), got ${x.dtype}`,
        );
      }
      if (d.dims === undefined) return;
      const bad =
        x.rank !== d.dims.length ||
        d.dims.some((want, k) => typeof want === 'number' && want !== x.shape[k]);
      if (bad) {
        fail(
          fn,
          `input '${d.name}' has shape ${fmtShape(x.shape)} but the model declares ${showDims(d.dims)}`,
        );
      }
    });
  }

  /** The backend and float dtype of a run: the inputs', else the parameters'. */
  #context(inputs: readonly Tensor[]): DeviceContext {
    const params = [...this.#slots.values()].map(
      (s) => (s.holder as unknown as Record<string, Tensor>)[s.prop] as Tensor,
    );
    const all = [...inputs, ...params];
    const device = all[0]?.device ?? getBackend().name;
    const float = all.find((t) => isFloat(t.dtype))?.dtype ?? 'float32';
    return { device, float };
  }

  #execute(fn: string, inputs: Tensor[]): Tensor[] {
    this.#checkInputs(fn, inputs);
    const ctx = this.#context(inputs);
    return tidy(() => {
      const env = new Map<string, Value>();
      for (const [name, h] of this.#constants) env.set(name, h);
      for (const [name, s] of this.#slots) {
        env.set(name, (s.holder as unknown as Record<string, Tensor>)[s.prop] as Tensor);
      }
      this.#plan.inputs.forEach((d, i) => {
        env.set(d.name, inputs[i] as Tensor);
      });
      for (const node of this.#plan.nodes) this.#runNode(fn, node, env, ctx);
      return this.#plan.outputs.map((name) => {
        const v = env.get(name) as Value;
        return isHost(v) ? toTensor(fn, `output '${name}'`, v, ctx) : v;
      });
    });
  }

  #runNode(fn: string, node: PlannedNode, env: Map<string, Value>, ctx: DeviceContext): void {
    const wanted = node.outputs.reduce((n, name, k) => (name === '' ? n : k + 1), 0);
    const run: NodeRun = {
      fn,
      label: node.label,
      attrs: node.attrs,
      ctx,
      opset: this.#plan.opset,
      wanted,
    };
    const inputs = node.inputs.map((name, k) => {
      if (name === '') return undefined;
      // A parameter read as numbers (Resize's scales kept as an initializer): its host value.
      if (node.spec.hostInputs?.includes(k) && this.#constants.has(name)) {
        return this.#constants.get(name);
      }
      return env.get(name);
    });
    const outputs = this.#runOp(run, node, inputs);
    node.outputs.forEach((name, k) => {
      if (name === '') return;
      const v = outputs[k];
      if (v === undefined) {
        fail(
          fn,
          `${node.label}: output ${k} ('${name}') cannot be computed for this node's attributes`,
        );
      }
      env.set(name, v);
    });
  }

  /**
   * Runs a node's op. Whatever fails inside it is a StrideError of `fn` naming the node: a core
   * op's own message (`linear: input [2,3] has 3 features…`) is kept after the node's label.
   */
  #runOp(run: NodeRun, node: PlannedNode, inputs: (Value | undefined)[]): Value[] {
    const { fn, label } = run;
    if (node.sameTypeAtRun) checkSameType(run, node, inputs);
    try {
      return node.spec.run(run, inputs);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (error instanceof StrideError && message.startsWith(`${fn}: ${label}`)) throw error;
      const wrapped = new StrideError(fn, `${label}: ${message}`);
      wrapped.cause = error;
      throw wrapped;
    }
  }
}

/**
 * The run-time half of ONNX's same-type rule (see types.ts), for inputs whose element types were
 * not known at import: their dtypes must agree.
 */
function checkSameType(
  run: NodeRun,
  node: PlannedNode,
  inputs: readonly (Value | undefined)[],
): void {
  let first: { k: number; dtype: string } | undefined;
  for (const k of node.sameTypeAtRun ?? []) {
    const v = inputs[k];
    if (v === undefined) continue;
    const dtype = dtypeOf(v, run.ctx);
    if (first === undefined) first = { k, dtype };
    else if (first.dtype !== dtype) {
      fail(
        run.fn,
        `${run.label}: input ${first.k} '${node.inputs[first.k]}' is ${first.dtype} but input ${k} '${node.inputs[k]}' is ${dtype}; ONNX's ${node.opType} needs both of one element type`,
      );
    }
  }
}
