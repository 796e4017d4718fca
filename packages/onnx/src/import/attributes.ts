/**
 * Node attributes: read from their `AttributeProto`s into plain values, and checked against what
 * the importer supports for each op. An attribute the importer does not know, of the wrong type,
 * or with a value it cannot honour is refused at import, naming the node, the op and the
 * attribute, rather than ignored at run time.
 */
import { type AttributeProto, AttributeProto_AttributeType } from '../gen/onnx_pb.js';
import { type HostTensor, readTensorProto } from '../tensor-proto.js';

/** The attribute types the importer reads. */
export type AttrType = 'int' | 'ints' | 'float' | 'floats' | 'string' | 'strings' | 'tensor';

/** An attribute's value, as read. */
export type AttrValue = number | readonly number[] | string | readonly string[] | HostTensor;

/** A node's attributes by name. */
export type Attrs = Readonly<Record<string, AttrValue>>;

/** What the importer accepts for one attribute. */
export interface AttrSpec {
  readonly type: AttrType;
  /** Why a value is refused (undefined when it is accepted). */
  readonly check?: (value: never) => string | undefined;
}

const TYPE_NAMES: Readonly<Record<number, AttrType | string>> = {
  [AttributeProto_AttributeType.FLOAT]: 'float',
  [AttributeProto_AttributeType.INT]: 'int',
  [AttributeProto_AttributeType.STRING]: 'string',
  [AttributeProto_AttributeType.TENSOR]: 'tensor',
  [AttributeProto_AttributeType.GRAPH]: 'graph',
  [AttributeProto_AttributeType.SPARSE_TENSOR]: 'sparse tensor',
  [AttributeProto_AttributeType.TYPE_PROTO]: 'type',
  [AttributeProto_AttributeType.FLOATS]: 'floats',
  [AttributeProto_AttributeType.INTS]: 'ints',
  [AttributeProto_AttributeType.STRINGS]: 'strings',
  [AttributeProto_AttributeType.TENSORS]: 'tensors',
  [AttributeProto_AttributeType.GRAPHS]: 'graphs',
  [AttributeProto_AttributeType.SPARSE_TENSORS]: 'sparse tensors',
  [AttributeProto_AttributeType.TYPE_PROTOS]: 'types',
};

const utf8 = new TextDecoder();

/**
 * Reads one attribute. Returns its value, or a string saying why it cannot be read (the caller
 * adds the node and the attribute's name).
 */
export function readAttribute(
  a: AttributeProto,
  spec: AttrSpec,
  fn: string,
  where: string,
): AttrValue | { refused: string } {
  const type = TYPE_NAMES[a.type] ?? `type ${a.type}`;
  if (a.refAttrName) return { refused: `refers to a function attribute ('${a.refAttrName}')` };
  if (type !== spec.type) return { refused: `must be of type ${spec.type}, got ${type}` };
  switch (spec.type) {
    case 'int':
      return Number(a.i);
    case 'float':
      return a.f;
    case 'string':
      return utf8.decode(a.s);
    case 'ints':
      return a.ints.map(Number);
    case 'floats':
      return [...a.floats];
    case 'strings':
      return a.strings.map((s) => utf8.decode(s));
    case 'tensor':
      if (!a.t) return { refused: 'has no tensor' };
      return readTensorProto(a.t, fn, `${where}: the tensor of attribute ${a.name}`);
  }
}

/** How a value shows in a message: strings quoted, arrays bracketed. */
export function showAttr(v: AttrValue): string {
  if (typeof v === 'string') return `'${v}'`;
  if (typeof v === 'number') return String(v);
  if (Array.isArray(v))
    return `[${v.map((x) => (typeof x === 'string' ? `'${x}'` : x)).join(',')}]`;
  return 'a tensor';
}

const spec = (type: AttrType, check?: (value: never) => string | undefined): AttrSpec =>
  check ? { type, check } : { type };

/** Rules for the attribute tables of the op builders. */
export const attr = {
  int: (check?: (v: number) => string | undefined) => spec('int', check as never),
  ints: (check?: (v: readonly number[]) => string | undefined) => spec('ints', check as never),
  float: (check?: (v: number) => string | undefined) => spec('float', check as never),
  floats: () => spec('floats'),
  string: (check?: (v: string) => string | undefined) => spec('string', check as never),
  strings: () => spec('strings'),
  tensor: () => spec('tensor'),
  /** A string from a list (the importer's supported subset of the op's values). */
  oneOf: (...values: string[]): AttrSpec =>
    spec('string', ((v: string) =>
      values.includes(v)
        ? undefined
        : `is not supported (supported: ${values.map((x) => `'${x}'`).join(', ')})`) as never),
  /** An int that must equal one of the listed values. */
  intIn: (...values: number[]): AttrSpec =>
    spec('int', ((v: number) =>
      values.includes(v)
        ? undefined
        : `is not supported (supported: ${values.join(', ')})`) as never),
  /** A list of ints that must all be at least `min`. */
  intsAtLeast: (min: number): AttrSpec =>
    spec('ints', ((v: readonly number[]) =>
      v.every((x) => x >= min) ? undefined : `must hold integers ≥ ${min}`) as never),
};

/** An int attribute, or its default. */
export function intAttr(attrs: Attrs, name: string, dflt: number): number {
  const v = attrs[name];
  return typeof v === 'number' ? v : dflt;
}

/** A float attribute, or its default. */
export function floatAttr(attrs: Attrs, name: string, dflt: number): number {
  const v = attrs[name];
  return typeof v === 'number' ? v : dflt;
}

/** A string attribute, or its default. */
export function stringAttr(attrs: Attrs, name: string, dflt: string): string {
  const v = attrs[name];
  return typeof v === 'string' ? v : dflt;
}

/** An ints attribute, or undefined. */
export function intsAttr(attrs: Attrs, name: string): readonly number[] | undefined {
  const v = attrs[name];
  return Array.isArray(v) ? (v as readonly number[]) : undefined;
}
