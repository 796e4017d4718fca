/**
 * Import-time checks of an ONNX model, and the plan the model runs from. Everything that can be
 * known without inputs is checked here, so that an unsupported model fails at `importOnnx`, not at
 * its first run: the bytes parse, the opset is in range, every node is in the default domain with
 * a supported op, attributes and input and output counts, every name a node reads is defined
 * before it and defined once, every initializer can be read, every graph input is of an element
 * type Stride holds, and inputs that ONNX gives one element type have one (see types.ts).
 */
import { fromBinary } from '@bufbuild/protobuf';
import { type DType, fail } from '@stride/core';
import {
  type GraphProto,
  type ModelProto,
  ModelProtoSchema,
  type NodeProto,
} from '../gen/onnx_pb.js';
import { type HostTensor, hostDType, onnxTypeName, readTensorProto } from '../tensor-proto.js';
import { type Attrs, type AttrValue, readAttribute, showAttr } from './attributes.js';
import type { OpSpec } from './op-spec.js';
import { MAX_OPSET, MIN_OPSET, OPS } from './op-table.js';
import { checkNodeTypes, typeOfHost } from './types.js';
import { kindOf } from './values.js';

const FN = 'importOnnx';

/** A graph input the caller passes: its name, element type and declared dims. */
export interface GraphInput {
  readonly name: string;
  /** ONNX element type code. */
  readonly elemType: number;
  /** Declared dims: a number (static), a string (named, dynamic), null (unknown); undefined when no shape. */
  readonly dims: readonly (number | string | null)[] | undefined;
  /** The Stride dtypes a caller may pass for it. */
  readonly accepts: readonly DType[];
}

/** A node ready to run. */
export interface PlannedNode {
  /** As messages name it: `node #3 'conv1' (Conv)`, or `node #3 (Conv)` when unnamed. */
  readonly label: string;
  readonly opType: string;
  readonly spec: OpSpec;
  readonly attrs: Attrs;
  /** Input names; '' for a left-out optional input. */
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  /**
   * Inputs ONNX gives one element type whose types were not all known at import: their dtypes
   * are compared when the node runs.
   */
  readonly sameTypeAtRun?: readonly number[];
}

/** An initializer and what it becomes in the model. */
export interface PlannedInitializer {
  readonly name: string;
  readonly value: HostTensor;
  /** Trained (`parameter`), saved but not trained (`buffer`), or a host constant. */
  readonly role: 'parameter' | 'buffer' | 'constant';
}

/** What `importOnnx` builds a model from. */
export interface Plan {
  readonly opset: number;
  readonly irVersion: number;
  readonly producer: string;
  readonly inputs: readonly GraphInput[];
  readonly outputs: readonly string[];
  readonly initializers: readonly PlannedInitializer[];
  readonly nodes: readonly PlannedNode[];
}

/** Parses the bytes; malformed ones are a StrideError, never a protobuf exception. */
function parse(bytes: Uint8Array): ModelProto {
  if (!(bytes instanceof Uint8Array)) {
    fail(FN, `bytes must be a Uint8Array (the contents of a .onnx file), got ${describe(bytes)}`);
  }
  if (bytes.length === 0) fail(FN, 'bytes is empty, not an ONNX model');
  try {
    return fromBinary(ModelProtoSchema, bytes);
  } catch (error) {
    return fail(
      FN,
      `the bytes are not an ONNX model (${bytes.length} bytes; the protobuf decoder says: ${(error as Error).message})`,
    );
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v !== 'object') return typeof v;
  return (v as object).constructor?.name ?? 'an object';
}

/** The default domain's opset, checked against the supported range. */
function opsetOf(model: ModelProto): number {
  const entry = model.opsetImport.find((o) => o.domain === '' || o.domain === 'ai.onnx');
  if (!entry) {
    fail(FN, 'the model imports no opset of the default ONNX domain (opset_import lists none)');
  }
  const v = Number(entry.version);
  if (v < MIN_OPSET || v > MAX_OPSET) {
    fail(
      FN,
      `the model uses opset ${v} of the default domain; the importer reads opsets ${MIN_OPSET} to ${MAX_OPSET}${v < MIN_OPSET ? ' (convert it with onnx.version_converter.convert_version(model, 13))' : ''}`,
    );
  }
  return v;
}

function nodeLabel(n: NodeProto, i: number): string {
  return `node #${i}${n.name ? ` '${n.name}'` : ''} (${n.opType})`;
}

/** A node's attributes, each known to the op's spec and of an accepted value. */
function nodeAttrs(n: NodeProto, spec: OpSpec, label: string): Attrs {
  const out: Record<string, AttrValue> = {};
  for (const a of n.attribute) {
    const rule = spec.attrs[a.name];
    if (!rule) {
      const known = Object.keys(spec.attrs);
      fail(
        FN,
        `${label}: attribute ${a.name} is not supported by the importer's ${n.opType}${known.length ? ` (it supports ${known.join(', ')})` : ' (it takes no attributes)'}`,
      );
    }
    const v = readAttribute(a, rule, FN, label);
    if (typeof v === 'object' && v !== null && 'refused' in v) {
      fail(FN, `${label}: attribute ${a.name} ${v.refused}`);
    }
    const why = rule.check?.(v as never);
    if (why) fail(FN, `${label}: attribute ${a.name} ${showAttr(v)} ${why}`);
    out[a.name] = v;
  }
  return out;
}

/** What the graph defines so far: each name, with what defines it, and the known element types. */
interface Scope {
  readonly defined: Map<string, string>;
  readonly types: Map<string, number>;
}

function checkNode(
  n: NodeProto,
  i: number,
  opset: number,
  scope: Scope,
  planned: PlannedNode[],
): void {
  const { defined } = scope;
  const label = nodeLabel(n, i);
  if (n.domain !== '' && n.domain !== 'ai.onnx') {
    fail(
      FN,
      `${label} is in domain '${n.domain}', which the importer does not support (only the default ONNX domain)`,
    );
  }
  const spec = OPS[n.opType];
  if (!spec) {
    fail(
      FN,
      `${label}: op ${n.opType} is not supported (the importer supports ${Object.keys(OPS).sort().join(', ')})`,
    );
  }
  const attrs = nodeAttrs(n, spec, label);
  const [lo, hi] = spec.inputs;
  // Trailing empty names stand for left-out optional inputs.
  let count = n.input.length;
  while (count > 0 && n.input[count - 1] === '') count--;
  if (count < lo || count > hi) {
    fail(
      FN,
      `${label} has ${count} inputs; the importer's ${n.opType} takes ${lo === hi ? lo : hi === Number.POSITIVE_INFINITY ? `at least ${lo}` : `${lo} to ${hi}`}`,
    );
  }
  for (const [k, name] of n.input.entries()) {
    if (name !== '' && !defined.has(name)) {
      fail(
        FN,
        `${label}: input ${k} '${name}' is not a graph input, an initializer or an output of an earlier node (nodes must be in topological order)`,
      );
    }
  }
  const most = spec.outputs ?? 1;
  for (const [k, name] of n.output.entries()) {
    if (k >= most && name !== '') {
      fail(
        FN,
        `${label}: output ${k} ('${name}') is not supported (the importer computes ${most === 1 ? 'only the first output' : `the first ${most} outputs`})`,
      );
    }
  }
  const why = spec.check?.({ inputs: n.input, outputs: n.output, attrs, opset });
  if (why) fail(FN, `${label}: ${why}`);
  for (const [k, name] of n.output.entries()) {
    if (name === '') continue;
    const before = defined.get(name);
    // ONNX graphs are single-assignment: a second definition would silently replace the first.
    if (before !== undefined) {
      fail(
        FN,
        `${label}: output ${k} '${name}' is already defined by ${before} (every name in a graph is defined once)`,
      );
    }
    defined.set(name, label);
  }
  const outputs = n.output.slice(0, most);
  const sameTypeAtRun = checkNodeTypes(FN, label, n.opType, attrs, n.input, outputs, scope.types);
  planned.push({
    label,
    opType: n.opType,
    spec,
    attrs,
    inputs: [...n.input],
    outputs,
    ...(sameTypeAtRun ? { sameTypeAtRun } : {}),
  });
}

/** How each initializer is used: as a tensor, as numbers, or as running statistics. */
function rolesOf(nodes: readonly PlannedNode[]): Map<string, Set<'tensor' | 'host' | 'buffer'>> {
  const uses = new Map<string, Set<'tensor' | 'host' | 'buffer'>>();
  for (const node of nodes) {
    node.inputs.forEach((name, k) => {
      if (name === '') return;
      const use = node.spec.bufferInputs?.includes(k)
        ? 'buffer'
        : node.spec.hostInputs?.includes(k)
          ? 'host'
          : 'tensor';
      const set = uses.get(name) ?? new Set();
      set.add(use);
      uses.set(name, set);
    });
  }
  return uses;
}

/**
 * The Stride dtypes a graph input of an ONNX element type takes: FLOAT takes float32, or float64
 * for a model converted with `to('float64')`; DOUBLE float64; BOOL bool; the integer types int32
 * (Stride's only integer type). Undefined for a type Stride cannot hold, FLOAT16 included: a
 * float32 tensor fed to it would run at another precision than the model's.
 */
function inputDTypes(elemType: number): readonly DType[] | undefined {
  if (elemType === 1) return ['float32', 'float64'];
  if (elemType === 11) return ['float64'];
  const dtype = hostDType(elemType);
  if (dtype === undefined || dtype === 'float16') return undefined;
  return [dtype === 'bool' ? 'bool' : 'int32'];
}

function graphInputs(graph: GraphProto, initializers: Set<string>): GraphInput[] {
  const out: GraphInput[] = [];
  for (const vi of graph.input) {
    // Before IR version 4 initializers are listed as inputs too: they are not the caller's.
    if (initializers.has(vi.name)) continue;
    const t = vi.type?.value;
    if (t?.case !== 'tensorType') {
      fail(
        FN,
        `graph input '${vi.name}' is not a tensor (${t?.case ?? 'no type'}), which the importer does not support`,
      );
    }
    const elemType = t.value.elemType;
    const accepts = inputDTypes(elemType);
    if (!accepts) {
      fail(
        FN,
        `graph input '${vi.name}' has element type ${onnxTypeName(elemType)}, which Stride cannot hold${elemType === 10 ? ' (it has no float16 tensors; float32 ones would compute at another precision)' : ''}`,
      );
    }
    const dims = t.value.shape?.dim.map((d) =>
      d.value.case === 'dimValue'
        ? Number(d.value.value)
        : d.value.case === 'dimParam'
          ? d.value.value
          : null,
    );
    out.push({ name: vi.name, elemType, dims, accepts });
  }
  return out;
}

/**
 * Parses and checks a model, returning its plan; every refusal is a StrideError of `importOnnx`.
 */
export function planModel(bytes: Uint8Array): Plan {
  const model = parse(bytes);
  const graph = model.graph;
  if (!graph) fail(FN, 'the model has no graph');
  const opset = opsetOf(model);
  if (graph.sparseInitializer.length > 0) {
    fail(
      FN,
      `sparse initializers are not supported ('${graph.sparseInitializer[0]?.values?.name ?? ''}')`,
    );
  }
  const values = graph.initializer.map((p) => readTensorProto(p, FN, `initializer '${p.name}'`));
  const initNames = new Set(values.map((v) => v.name));
  const inputs = graphInputs(graph, initNames);
  const scope: Scope = { defined: new Map(), types: new Map() };
  for (const v of values) {
    if (scope.defined.has(v.name)) fail(FN, `initializer '${v.name}' is defined twice`);
    scope.defined.set(v.name, `initializer '${v.name}'`);
    scope.types.set(v.name, typeOfHost(v));
  }
  for (const input of inputs) {
    if (scope.defined.has(input.name)) fail(FN, `graph input '${input.name}' is declared twice`);
    scope.defined.set(input.name, `graph input '${input.name}'`);
    scope.types.set(input.name, input.elemType);
  }
  const nodes: PlannedNode[] = [];
  graph.node.forEach((n, i) => {
    checkNode(n, i, opset, scope, nodes);
  });
  const { defined } = scope;
  const outputs = graph.output.map((o) => o.name);
  for (const name of outputs) {
    if (!defined.has(name)) fail(FN, `graph output '${name}' is not computed by any node`);
  }
  if (outputs.length === 0) fail(FN, 'the graph has no outputs');
  const uses = rolesOf(nodes);
  const initializers = values.map((value): PlannedInitializer => {
    const use = uses.get(value.name);
    let role: PlannedInitializer['role'] = 'constant';
    if (kindOf(value.dtype) === 'float') {
      if (use === undefined || use.has('tensor')) role = 'parameter';
      else if (use.has('buffer')) role = 'buffer';
    }
    return { name: value.name, value, role };
  });
  return {
    opset,
    irVersion: Number(model.irVersion),
    producer: `${model.producerName}${model.producerVersion ? ` ${model.producerVersion}` : ''}`,
    inputs,
    outputs,
    initializers,
    nodes,
  };
}
