/**
 * fast-check building blocks for argument descriptions: tiny tensors with exactly representable
 * values (so PyTorch and Stride can be compared to the last bit where the math allows), numbers,
 * strings and options objects.
 */
import fc from 'fast-check';
import type { Arg, DTypeName, Num, TensorDesc } from './describe.js';

export type A = fc.Arbitrary<Arg>;

/** Value rules for tensor data. */
export type Values = 'float' | 'pos' | 'int' | 'bool' | 'prob' | { index: number };

function value(dtype: DTypeName, rule: Values): fc.Arbitrary<number> {
  if (typeof rule === 'object') return fc.integer({ min: 0, max: Math.max(0, rule.index - 1) });
  if (dtype === 'bool' || rule === 'bool') return fc.integer({ min: 0, max: 1 });
  if (dtype === 'int32' && rule === 'pos') return fc.integer({ min: 1, max: 4 });
  if (dtype === 'int32' || rule === 'int') return fc.integer({ min: -4, max: 4 });
  if (rule === 'pos') return fc.integer({ min: 1, max: 16 }).map((i) => i / 4);
  if (rule === 'prob') return fc.integer({ min: 0, max: 8 }).map((i) => i / 8);
  return fc.integer({ min: -16, max: 16 }).map((i) => i / 4);
}

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** A tensor of a fixed shape with random values. */
export function tensor(
  shape: readonly number[],
  dtype: DTypeName = 'float32',
  rule: Values = 'float',
): fc.Arbitrary<TensorDesc> {
  const n = sizeOf(shape);
  return fc
    .array(value(dtype, rule), { minLength: n, maxLength: n })
    .map((data) => ({ k: 't', shape: [...shape], dtype, data: data as Num[] }));
}

/** A shape of rank in [min, max] with dims in [1, maxDim]. */
export function shape(minRank: number, maxRank: number, maxDim = 3): fc.Arbitrary<number[]> {
  return fc.array(fc.integer({ min: 1, max: maxDim }), {
    minLength: minRank,
    maxLength: maxRank,
  });
}

/** A float tensor of random rank in [minRank, maxRank]. */
export function anyTensor(
  minRank = 0,
  maxRank = 3,
  dtype: DTypeName = 'float32',
  rule: Values = 'float',
): fc.Arbitrary<TensorDesc> {
  return shape(minRank, maxRank).chain((s) => tensor(s, dtype, rule));
}

export const num = (v: number): Arg => ({ k: 'n', v });
export const str = (v: string): Arg => ({ k: 's', v });
export const bool = (v: boolean): Arg => ({ k: 'b', v });
export const undef: Arg = { k: 'undef' };
export const nul: Arg = { k: 'null' };
export const arr = (items: Arg[]): Arg => ({ k: 'a', items });
export const ints = (v: readonly number[]): Arg => arr(v.map(num));

export function int(min: number, max: number): A {
  return fc.integer({ min, max }).map(num);
}

export function oneOfStr(...v: string[]): A {
  return fc.constantFrom(...v).map(str);
}

export function anyBool(): A {
  return fc.boolean().map(bool);
}

/** Either the argument or nothing (`undefined`, the default). */
export function maybe(a: A): A {
  return fc.oneof({ arbitrary: a, weight: 3 }, { arbitrary: fc.constant(undef), weight: 1 });
}

/**
 * An options object: each key present or not (the `required` ones always). Missing keys are left
 * out, not set to undefined, so that the printed call reads as a user would write it.
 */
export function options(spec: Record<string, A>, required: readonly string[] = []): A {
  const keys = Object.keys(spec);
  return fc
    .tuple(
      ...keys.map((key) =>
        required.includes(key)
          ? (spec[key] as A)
          : fc.option(spec[key] as A, { nil: undefined, freq: 2 }),
      ),
    )
    .map((vals) => ({
      k: 'o',
      entries: keys.flatMap((key, i) => (vals[i] === undefined ? [] : [[key, vals[i] as Arg]])),
    }));
}

/** Either one number or an array of `n` numbers in [min, max]: per-axis options. */
export function perAxis(n: number, min: number, max: number): A {
  return fc.oneof(
    int(min, max),
    fc.array(fc.integer({ min, max }), { minLength: n, maxLength: n }).map(ints),
  );
}
