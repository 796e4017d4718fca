/**
 * An ONNX model writer: the protocol-buffer wire format and the handful of onnx.proto messages a
 * small inference graph needs (field numbers from onnx/onnx.proto, IR version 8, opset 17).
 * Graphs are built at run time so that weights are initializers holding this run's seeded
 * values: onnxruntime pre-packs constant weights, and a peer should be shown at its best.
 */

export interface OnnxNode {
  readonly op: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attrs?: Readonly<Record<string, number | readonly number[]>>;
}

export interface OnnxValue {
  readonly name: string;
  readonly shape: readonly number[];
}

export interface OnnxGraph {
  readonly nodes: readonly OnnxNode[];
  readonly inputs: readonly OnnxValue[];
  readonly outputs: readonly OnnxValue[];
  readonly initializers?: readonly (OnnxValue & { readonly data: Float32Array })[];
}

const VARINT = 0;
const LENGTH = 2;
const FLOAT_TYPE = 1; // TensorProto.DataType.FLOAT
const ATTR_INT = 2;
const ATTR_INTS = 7;

function varint(value: number, out: number[]): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`cannot encode ${value}`);
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function int(field: number, value: number): Uint8Array {
  const out: number[] = [];
  varint((field << 3) | VARINT, out);
  varint(value, out);
  return Uint8Array.from(out);
}

function bytes(field: number, data: Uint8Array): Uint8Array {
  const head: number[] = [];
  varint((field << 3) | LENGTH, head);
  varint(data.length, head);
  return concat([Uint8Array.from(head), data]);
}

const str = (field: number, s: string): Uint8Array => bytes(field, new TextEncoder().encode(s));
const msg = (field: number, ...parts: Uint8Array[]): Uint8Array => bytes(field, concat(parts));

function valueInfo(field: number, v: OnnxValue): Uint8Array {
  const dims = v.shape.map((d) => msg(1, int(1, d))); // TensorShapeProto.dim { dim_value }
  const tensorType = msg(1, int(1, FLOAT_TYPE), msg(2, ...dims)); // TypeProto.tensor_type
  return msg(field, str(1, v.name), msg(2, tensorType));
}

function attribute(name: string, value: number | readonly number[]): Uint8Array {
  if (typeof value === 'number') return msg(5, str(1, name), int(20, ATTR_INT), int(3, value));
  return msg(5, str(1, name), int(20, ATTR_INTS), ...value.map((v) => int(8, v)));
}

function node(n: OnnxNode, index: number): Uint8Array {
  return msg(
    1,
    ...n.inputs.map((s) => str(1, s)),
    ...n.outputs.map((s) => str(2, s)),
    str(3, `${n.op.toLowerCase()}${index}`),
    str(4, n.op),
    ...Object.entries(n.attrs ?? {}).map(([k, v]) => attribute(k, v)),
  );
}

function initializer(t: OnnxValue & { data: Float32Array }): Uint8Array {
  return msg(
    5,
    ...t.shape.map((d) => int(1, d)),
    int(2, FLOAT_TYPE),
    str(8, t.name),
    // raw_data is little-endian, as typed arrays are on every platform this runs on.
    bytes(9, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength)),
  );
}

/** Serialises a single-graph float32 model. */
export function encodeModel(g: OnnxGraph): Uint8Array {
  const graph = msg(
    7,
    ...g.nodes.map(node),
    str(2, 'bench'),
    ...(g.initializers ?? []).map(initializer),
    ...g.inputs.map((v) => valueInfo(11, v)),
    ...g.outputs.map((v) => valueInfo(12, v)),
  );
  const opset = msg(8, str(1, ''), int(2, 17));
  return concat([int(1, 8), str(2, 'stride-bench'), opset, graph]);
}
