/**
 * Turns a valid call into a bad one by changing one argument (or one entry of an options object
 * or array): wrong rank, shape, size or dtype, empty tensors, NaN and infinities, disposed
 * tensors, out-of-range indices, garbage values of every JavaScript type, huge sizes, and
 * misspelled or wrongly typed options.
 */
import fc from 'fast-check';
import type { Arg, DTypeName, Num, TensorDesc, TypedKind } from './describe.js';

/** A mutated argument and how it was changed. */
type M = [Arg, string];

/** Values no argument should accept silently where a number, shape or tensor is expected. */
export const GARBAGE: readonly Arg[] = [
  { k: 'n', v: 'NaN' },
  { k: 'n', v: 'Infinity' },
  { k: 'n', v: '-Infinity' },
  { k: 'n', v: '-0' },
  { k: 'n', v: 1.5 },
  { k: 'n', v: -1 },
  { k: 'n', v: 0 },
  { k: 'n', v: 3e9 },
  { k: 'n', v: 2 ** 53 + 1 },
  { k: 'n', v: 1e10 },
  { k: 's', v: 'abc' },
  { k: 's', v: '2' },
  { k: 's', v: '' },
  { k: 'null' },
  { k: 'undef' },
  { k: 'o', entries: [] },
  { k: 'a', items: [] },
  { k: 'a', items: [{ k: 'n', v: 1 }, { k: 'hole' }, { k: 'n', v: 2 }] },
  {
    k: 'a',
    items: [
      { k: 'a', items: [{ k: 'n', v: 1 }] },
      {
        k: 'a',
        items: [
          { k: 'n', v: 1 },
          { k: 'n', v: 2 },
        ],
      },
    ],
  },
  { k: 'b', v: true },
  { k: 'b', v: false },
  { k: 'big', v: '2' },
  { k: 'fn' },
  { k: 'typed', type: 'Int8Array', v: [1, 2] },
  { k: 'typed', type: 'BigInt64Array', v: [1, 2] },
];

const TYPED: readonly TypedKind[] = [
  'Float32Array',
  'Float64Array',
  'Int32Array',
  'Uint8Array',
  'Int8Array',
  'Int16Array',
  'Uint16Array',
  'Uint32Array',
  'Uint8ClampedArray',
  'BigInt64Array',
];

/** Refill a tensor's data after its shape or dtype changed, reusing its values where possible. */
function refill(t: TensorDesc, shape: number[], dtype: DTypeName): TensorDesc {
  const n = shape.reduce((a, b) => a * b, 1);
  const data: Num[] = [];
  for (let i = 0; i < n; i++) {
    const old = t.data.length ? t.data[i % t.data.length] : ((i * 7) % 9) - 4;
    const v = typeof old === 'number' ? old : 1;
    data.push(dtype === 'bool' ? (v !== 0 ? 1 : 0) : dtype === 'int32' ? Math.trunc(v) : v);
  }
  // Only float tensors can require gradients: a dtype change drops the flag.
  const grad = t.grad && (dtype === 'float32' || dtype === 'float64');
  const { grad: _, ...rest } = t;
  return { ...rest, shape, dtype, data, ...(grad ? { grad } : {}) };
}

function tensorMutations(t: TensorDesc): fc.Arbitrary<[Arg, string]> {
  const r = t.shape.length;
  const list: fc.Arbitrary<[Arg, string]>[] = [
    fc.constant([refill(t, [...t.shape, 2], t.dtype), 'rank+1']),
    fc.constant([refill(t, [2, ...t.shape], t.dtype), 'rank+1 (leading)']),
    fc.constant([refill(t, [], t.dtype), 'scalar']),
    fc
      .constantFrom<DTypeName>('float32', 'float64', 'int32', 'bool')
      .filter((d) => d !== t.dtype)
      .map((d) => [refill(t, t.shape, d), `dtype ${d}`]),
    fc.constant([{ ...t, disposed: true }, 'disposed']),
    fc.constantFrom(...GARBAGE).map((g) => [g, 'not a tensor']),
    fc.constantFrom(...TYPED).map((type) => [{ k: 'typed', type, v: [1, 2] }, 'typed array']),
  ];
  if (r > 0) {
    list.push(fc.constant([refill(t, t.shape.slice(0, -1), t.dtype), 'rank-1']));
    list.push(
      fc
        .tuple(fc.nat(r - 1), fc.constantFrom(0, 1, 2, 5))
        .filter(([j, s]) => t.shape[j] !== s)
        .map(([j, s]) => {
          const shape = [...t.shape];
          shape[j] = s;
          return [refill(t, shape, t.dtype), s === 0 ? `empty dim ${j}` : `dim ${j} → ${s}`];
        }),
    );
  }
  if (t.dtype === 'float32' || t.dtype === 'float64') {
    list.push(fc.constant([{ ...t, grad: true }, 'requiresGrad']));
    if (t.data.length) {
      list.push(
        fc.constantFrom<Num>('NaN', 'Infinity', '-Infinity', '-0').map((v) => {
          const data = [...t.data];
          data[0] = v;
          return [{ ...t, data }, `value ${v}`];
        }),
      );
    }
  }
  if (t.dtype === 'int32' && t.data.length) {
    list.push(
      fc.constantFrom<number>(-1, -100, 99, 2147483647).map((v) => {
        const data = [...t.data];
        data[data.length - 1] = v;
        return [{ ...t, data }, `value ${v}`];
      }),
    );
  }
  return fc.oneof(...list);
}

/** Misspellings a user makes: plural, snake_case, wrong case, PyTorch's name for another key. */
function misspell(key: string): string[] {
  const snake = key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  const out = [`${key}s`, key.toLowerCase(), key.slice(0, -1)];
  if (snake !== key) out.push(snake);
  return out.filter((k) => k !== key && k.length > 0);
}

function optionMutations(
  o: Arg & { k: 'o' },
  known: readonly string[],
): fc.Arbitrary<[Arg, string]> {
  const present = o.entries.map(([key]) => key);
  const unknown = [...new Set(known.flatMap(misspell).filter((k) => !known.includes(k)))];
  const list: fc.Arbitrary<[Arg, string]>[] = [
    fc
      .constantFrom(...GARBAGE.filter((g) => g.k !== 'undef'))
      .map((g) => [g, 'options not an object']),
    fc
      .tuple(fc.constantFrom(...(unknown.length ? unknown : ['foo'])), fc.constantFrom(...GARBAGE))
      .map(([key, v]) => [
        { k: 'o', entries: [...o.entries, [key, key === 'foo' ? v : { k: 'n', v: 2 }]] },
        `unknown option ${key}`,
      ]),
  ];
  if (known.length) {
    list.push(
      fc
        .tuple(fc.constantFrom(...known), fc.constantFrom(...GARBAGE))
        .map(([key, v]) => [
          { k: 'o', entries: [...o.entries.filter(([k2]) => k2 !== key), [key, v]] },
          `option ${key} garbage`,
        ]),
    );
  }
  if (present.length) {
    list.push(
      fc.nat(present.length - 1).chain((i) => {
        const [key, v] = o.entries[i] as [string, Arg];
        return mutateArg(v, []).map(([m, how]): [Arg, string] => {
          const entries = [...o.entries];
          entries[i] = [key, m];
          return [{ k: 'o', entries }, `option ${key}: ${how}`];
        });
      }),
    );
  }
  return fc.oneof(...list);
}

function arrayMutations(a: Arg & { k: 'a' }): fc.Arbitrary<[Arg, string]> {
  const n = a.items.length;
  const list: fc.Arbitrary<[Arg, string]>[] = [
    fc.constant([{ k: 'a', items: [...a.items, { k: 'n', v: 1 }] }, 'array longer']),
    fc.constant([
      { k: 'a', items: [...a.items, { k: 'hole' }, { k: 'n', v: 1 }] },
      'array with hole',
    ]),
    fc.constantFrom(...GARBAGE).map((g) => [g, 'not an array']),
  ];
  if (n > 0) {
    list.push(fc.constant([{ k: 'a', items: a.items.slice(0, -1) }, 'array shorter']));
    list.push(
      fc.nat(n - 1).chain((i) =>
        mutateArg(a.items[i] as Arg, []).map(([m, how]): [Arg, string] => {
          const items = [...a.items];
          items[i] = m;
          return [{ k: 'a', items }, `[${i}]: ${how}`];
        }),
      ),
    );
  }
  return fc.oneof(...list);
}

function numberMutations(v: Num): fc.Arbitrary<[Arg, string]> {
  const x = typeof v === 'number' ? v : 0;
  return fc.oneof(
    fc
      .constantFrom<Num>(
        x + 1,
        x - 1,
        -x - 1,
        x + 0.5,
        'NaN',
        'Infinity',
        '-0',
        3e9,
        2 ** 53 + 1,
        1e10,
        -1e10,
      )
      .map((n): M => [{ k: 'n', v: n }, `number ${n}`]),
    fc.constantFrom(...GARBAGE.filter((g) => g.k !== 'n')).map((g): M => [g, 'not a number']),
  );
}

/** Damaged file bytes: truncated, a huge or wrong header length, a corrupt header. */
function bytesMutations(a: Arg & { k: 'typed' }): fc.Arbitrary<[Arg, string]> {
  const at = (i: number, v: number): number[] => a.v.map((b, j) => (j === i ? v : b));
  return fc.oneof(
    fc
      .constantFrom(0, 4, 7, 12, Math.floor(a.v.length / 2), a.v.length - 1)
      .map((n): M => [{ ...a, v: a.v.slice(0, n) }, `truncated to ${n} bytes`]),
    fc
      .constantFrom<[number, number, string]>(
        [0, 255, 'header length +255'],
        [4, 1, 'header length 2^32'],
        [0, 1, 'header length 1'],
        [8, 91, 'header starts with ['],
        [9, 0, 'NUL in header'],
      )
      .map(([i, v, how]): M => [{ ...a, v: at(i, v) }, how]),
    fc.nat(Math.max(0, a.v.length - 1)).map((i): M => [{ ...a, v: at(i, 48) }, `byte ${i} → '0'`]),
    fc.constantFrom(...GARBAGE).map((g): M => [g, 'not bytes']),
  );
}

/** One mutation of one argument; `known` are the option keys if it is an options object. */
export function mutateArg(a: Arg, known: readonly string[]): fc.Arbitrary<[Arg, string]> {
  switch (a.k) {
    case 't':
      return tensorMutations(a);
    case 'o':
      return optionMutations(a, known);
    case 'a':
      return arrayMutations(a);
    case 'n':
      return numberMutations(a.v);
    case 's':
      return fc.oneof(
        fc
          .constantFrom('bogus', '', a.v.toUpperCase(), `${a.v} `)
          .filter((s) => s !== a.v)
          .map((s): M => [{ k: 's', v: s }, `string ${JSON.stringify(s)}`]),
        fc.constantFrom(...GARBAGE.filter((g) => g.k !== 's')).map((g): M => [g, 'not a string']),
      );
    case 'b':
      return fc
        .constantFrom(...GARBAGE.filter((g) => g.k !== 'b'))
        .map((g) => [g, 'not a boolean']);
    case 'typed':
      return bytesMutations(a);
    default:
      return fc.constantFrom(...GARBAGE).map((g) => [g, 'garbage']);
  }
}

/** A bad call made from a valid one: one argument (by position) mutated. */
export function mutateCall(
  args: Arg[],
  optionKeys: readonly string[],
  /** Argument 0 is the tensor a method is called on: it stays a tensor. */
  receiver = false,
): fc.Arbitrary<{ args: Arg[]; how: string }> {
  return fc.nat(args.length - 1).chain((i) =>
    (receiver && i === 0
      ? mutateArg(args[0] as Arg, optionKeys).filter(([m]) => m.k === 't')
      : mutateArg(args[i] as Arg, optionKeys)
    ).map(([m, how]) => {
      const out = [...args];
      out[i] = m;
      return { args: out, how: `arg ${i}: ${how}` };
    }),
  );
}
