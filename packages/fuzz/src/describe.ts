/**
 * The serialisable description of one call: JSON that both the replay (TypeScript) and the
 * PyTorch script (Python) turn into real arguments, so the fixtures can be committed and a
 * failure can be printed as the exact call.
 */

/** A number, with the values JSON cannot hold spelled as strings. */
export type Num = number | 'NaN' | 'Infinity' | '-Infinity' | '-0';

/** The dtypes of Stride tensors. */
export type DTypeName = 'float32' | 'float64' | 'int32' | 'bool';

/** A tensor argument: shape, dtype and its values in row-major order. */
export interface TensorDesc {
  k: 't';
  shape: number[];
  dtype: DTypeName;
  data: Num[];
  /** Created, then disposed before the call. */
  disposed?: boolean;
  /** Created with `requiresGrad: true` (float dtypes only). */
  grad?: boolean;
}

/** The typed array kinds a caller might pass; several of them Stride has no dtype for. */
export type TypedKind =
  | 'Float32Array'
  | 'Float64Array'
  | 'Int32Array'
  | 'Uint8Array'
  | 'Int8Array'
  | 'Int16Array'
  | 'Uint16Array'
  | 'Uint32Array'
  | 'Uint8ClampedArray'
  | 'BigInt64Array';

/** One argument (or an element of an array or object argument). */
export type Arg =
  | { k: 'n'; v: Num }
  | { k: 's'; v: string }
  | { k: 'b'; v: boolean }
  | { k: 'null' }
  | { k: 'undef' }
  | { k: 'big'; v: string }
  | { k: 'fn' }
  | { k: 'hole' }
  | { k: 'a'; items: Arg[] }
  | { k: 'o'; entries: [string, Arg][] }
  | { k: 'typed'; type: TypedKind; v: number[] }
  /** A module without parameters (a ReLU), for the containers of modules. */
  | { k: 'mod' }
  | TensorDesc;

/** One generated call: `op(...args)`; `group` is the test it is reported under. */
export interface Case {
  id: number;
  op: string;
  args: Arg[];
  /** What made it: 'valid' or the mutation applied to a valid call. */
  how: string;
}

/** What PyTorch did with a case (written by scripts/torch_outcomes.py). */
export type TorchOutcome =
  | { status: 'raised'; type: string; message: string }
  | { status: 'ok'; out: (TorchTensor | null)[]; random?: boolean }
  | { status: 'none' };

/** A result tensor as PyTorch computed it. */
export interface TorchTensor {
  shape: number[];
  dtype: string;
  /** Row-major values; absent for random ops and outputs too large to record. */
  data?: Num[];
}

/** The committed fixture file. */
export interface Fixture {
  seed: number;
  runsPerOp: number;
  torch: string;
  cases: (Case & { torch: TorchOutcome })[];
}

export function encodeNum(v: number): Num {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return 'Infinity';
  if (v === Number.NEGATIVE_INFINITY) return '-Infinity';
  if (Object.is(v, -0)) return '-0';
  return v;
}

export function decodeNum(v: Num): number {
  if (typeof v === 'number') return v;
  if (v === '-0') return -0;
  return Number(v);
}

/** Renders an argument as JavaScript source, for failure messages. */
export function show(a: Arg): string {
  switch (a.k) {
    case 'n':
      return String(a.v);
    case 's':
      return JSON.stringify(a.v);
    case 'b':
      return String(a.v);
    case 'null':
      return 'null';
    case 'undef':
      return 'undefined';
    case 'big':
      return `${a.v}n`;
    case 'fn':
      return '() => 0';
    case 'hole':
      return '';
    case 'a':
      return `[${a.items.map(show).join(', ')}${a.items.at(-1)?.k === 'hole' ? ',' : ''}]`;
    case 'o':
      return `{ ${a.entries.map(([key, v]) => `${/^[A-Za-z_]\w*$/.test(key) ? key : JSON.stringify(key)}: ${show(v)}`).join(', ')} }`;
    case 'typed':
      return `new ${a.type}([${a.v.join(', ')}])`;
    case 'mod':
      return 'new ReLU()';
    case 't': {
      const vals = a.data.length <= 6 ? a.data.join(',') : `${a.data.slice(0, 6).join(',')},…`;
      const extra = `${a.grad ? ', requiresGrad' : ''}${a.disposed ? ', disposed' : ''}`;
      return `T${a.dtype === 'float32' ? '' : `<${a.dtype}>`}[${a.shape.join(',')}](${vals}${extra})`;
    }
  }
}

/** `op(arg, …)` as a one-line string. */
export function showCall(c: Case): string {
  // Trailing undefined arguments are the same as omitted ones.
  const args = [...c.args];
  while (args.length && args.at(-1)?.k === 'undef') args.pop();
  return `${c.op}(${args.map(show).join(', ')})`;
}

/** The tensor dtypes a case's arguments need (a backend without one cannot even build them). */
export function dtypesOf(args: readonly Arg[], into = new Set<DTypeName>()): Set<DTypeName> {
  for (const a of args) {
    if (a.k === 't') into.add(a.dtype);
    else if (a.k === 'a') dtypesOf(a.items, into);
    else if (a.k === 'o')
      dtypesOf(
        a.entries.map(([, v]) => v),
        into,
      );
  }
  return into;
}
