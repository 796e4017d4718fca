import { describe, expect, it } from 'vitest';
import {
  arange,
  eye,
  full,
  linspace,
  memory,
  ones,
  tensor,
  zeros,
  zerosLike,
} from '../src/index.js';
import { errorOf } from './error-of.js';
import './setup.js';

describe('tensor stores values exactly or refuses', () => {
  it('refuses integers outside int32 instead of wrapping them', () => {
    expect(errorOf('tensor', () => tensor([3000000000]))).toBe(
      "tensor: values[0] 3000000000 is outside int32's range [-2147483648, 2147483647]; pass { dtype: 'float32' } or 'float64' to store it as a float",
    );
    expect(
      errorOf('tensor', () =>
        tensor([
          [1, 2],
          [3, 2 ** 53 + 1],
        ]),
      ),
    ).toMatch(/^tensor: values\[1\]\[1\] 9007199254740992 is outside int32's range/);
    expect(errorOf('tensor', () => tensor([1e40]))).toMatch(/values\[0\] 1e\+40 is outside int32/);
    expect(Array.from(tensor([3000000000], { dtype: 'float64' }).dataSync())).toEqual([3e9]);
  });

  it('refuses fractions and NaN for int32', () => {
    expect(errorOf('tensor', () => tensor([Number.NaN], { dtype: 'int32' }))).toBe(
      'tensor: values[0] must be an integer for dtype int32, got NaN',
    );
    expect(errorOf('tensor', () => tensor([1, 2.5], { dtype: 'int32' }))).toBe(
      'tensor: values[1] must be an integer for dtype int32, got 2.5',
    );
    expect(errorOf('tensor', () => tensor(new Float32Array([1.5]), { dtype: 'int32' }))).toBe(
      'tensor: values[0] must be an integer for dtype int32, got 1.5',
    );
  });

  it('asks for a dtype for typed arrays Stride has no dtype for, and converts when given one', () => {
    for (const values of [
      new Uint16Array([1, 2]),
      new Int8Array([-1, 5]),
      new Uint8Array([0, 255]),
    ]) {
      expect(errorOf('tensor', () => tensor(values))).toBe(
        `tensor: a ${values.constructor.name} has no dtype of its own in Stride (the dtypes are float32, float64, int32, bool); say which with { dtype }, e.g. { dtype: 'int32' }, or pass a Float32Array, Float64Array or Int32Array`,
      );
    }
    expect(Array.from(tensor(new Int8Array([-1, 5]), { dtype: 'int32' }).dataSync())).toEqual([
      -1, 5,
    ]);
    expect(Array.from(tensor(new Uint8Array([0, 2, 1]), { dtype: 'bool' }).dataSync())).toEqual([
      0, 1, 1,
    ]);
    expect(Array.from(tensor(new Uint16Array([7]), { dtype: 'float32' }).dataSync())).toEqual([7]);
    expect(
      errorOf('tensor', () => tensor(new Uint32Array([2 ** 32 - 1]), { dtype: 'int32' })),
    ).toMatch(/values\[0\] 4294967295 is outside int32's range/);
    expect(errorOf('tensor', () => tensor(new BigInt64Array([1n]) as never))).toBe(
      'tensor: values is a BigInt64Array; Stride has no 64-bit integer dtype: convert it to an Int32Array (values within int32) or a Float64Array first',
    );
  });

  it('refuses sparse, ragged, deep and non-numeric nesting', () => {
    // biome-ignore lint/suspicious/noSparseArray: the hole is what is refused
    expect(errorOf('tensor', () => tensor([1, , 3] as number[]))).toBe(
      'tensor: values has a hole at index 1 (a sparse array)',
    );
    const holes: number[] = new Array(400);
    holes.fill(1, 0, 300);
    expect(errorOf('tensor', () => tensor(holes))).toBe(
      'tensor: values has a hole at index 300 (a sparse array)',
    );
    expect(errorOf('tensor', () => tensor([[1, 2], [3]]))).toBe(
      'tensor: values are ragged: values[1] should be an array of length 2 (shape [2,2]), got length 1',
    );
    let deep: unknown = 1;
    for (let i = 0; i < 100000; i++) deep = [deep];
    expect(errorOf('tensor', () => tensor(deep as never))).toBe(
      'tensor: values nest more than 64 arrays deep; a tensor has at most 64 dims',
    );
    expect(errorOf('tensor', () => tensor([1, 'a'] as never))).toBe(
      "tensor: expected a number or boolean at values[1], got 'a'",
    );
    expect(errorOf('tensor', () => tensor([1, 2], { dtyp: 'int32' } as never))).toMatch(
      /^tensor: unknown option 'dtyp' \(did you mean 'dtype'\?\)/,
    );
  });

  it('checks requiresGrad before allocating, so a refused call leaves nothing behind', () => {
    const before = memory().numTensors;
    expect(errorOf('tensor', () => tensor([1, 2], { dtype: 'int32', requiresGrad: true }))).toBe(
      'tensor: requiresGrad needs a float dtype, got int32',
    );
    expect(errorOf('zeros', () => zeros([2], { dtype: 'bool', requiresGrad: true }))).toMatch(
      /^zeros: requiresGrad needs a float dtype/,
    );
    expect(memory().numTensors).toBe(before);
  });
});

describe('full, arange, linspace, eye and the *Like functions', () => {
  it('full refuses a value its dtype cannot hold', () => {
    expect(errorOf('full', () => full([2], 3e9, { dtype: 'int32' }))).toMatch(
      /^full: value 3000000000 is outside int32's range/,
    );
    expect(errorOf('full', () => full([2], 0.5, { dtype: 'int32' }))).toBe(
      'full: value must be an integer for dtype int32, got 0.5',
    );
    expect(Array.from(full([2], 7, { dtype: 'bool' }).dataSync())).toEqual([1, 1]);
    expect(errorOf('full', () => full([2], 'a' as never))).toBe(
      "full: value must be a number or boolean, got 'a'",
    );
  });

  it('arange refuses int32 ranges that overflow and takes options after any number', () => {
    expect(errorOf('arange', () => arange(2 ** 31, 2 ** 31 + 3))).toMatch(
      /^arange: start 2147483648 is outside int32's range/,
    );
    expect(errorOf('arange', () => arange(2 ** 31 - 2, 2 ** 31 + 1))).toMatch(
      /^arange: the last value 2147483648 is outside int32's range/,
    );
    const a = arange(4, { dtype: 'float32' });
    expect([a.dtype, Array.from(a.dataSync())]).toEqual(['float32', [0, 1, 2, 3]]);
    const b = arange(1, 3, { dtype: 'float64' });
    expect([b.dtype, Array.from(b.dataSync())]).toEqual(['float64', [1, 2]]);
    expect(errorOf('arange', () => arange(4, { dtyp: 'float32' } as never))).toMatch(
      /unknown option 'dtyp' \(did you mean 'dtype'\?\)/,
    );
    expect(errorOf('arange', () => arange(0, 3, { dtype: 'float32' }, 5 as never))).toBe(
      'arange: the options object must be the last argument',
    );
    expect(errorOf('arange', () => arange(3, { dtype: 'float32' }, null as never))).toBe(
      'arange: the options object must be the last argument',
    );
    expect(errorOf('eye', () => eye(2, { dtype: 'int32' }, { dtype: 'bool' }))).toBe(
      'eye: the options object must be the last argument',
    );
    expect(errorOf('arange', () => arange('a' as never))).toBe(
      "arange: start must be a finite number, got 'a'",
    );
  });

  it('linspace and eye check their numbers and options', () => {
    expect(errorOf('linspace', () => linspace('a' as never, 1, 3))).toBe(
      "linspace: start must be a finite number, got 'a'",
    );
    expect(errorOf('linspace', () => linspace(0, 1, 1.5))).toBe(
      'linspace: steps must be a non-negative integer, got 1.5',
    );
    expect(errorOf('linspace', () => linspace(0, 1, 3, { dtype: 'int32' }))).toMatch(
      /^linspace: dtype must be a float dtype/,
    );
    expect(eye(2, { dtype: 'int32' }).dtype).toBe('int32');
    expect(Array.from(eye(2, 3).dataSync())).toEqual([1, 0, 0, 0, 1, 0]);
  });

  it('the *Like functions name themselves in errors', () => {
    expect(errorOf('zerosLike', () => zerosLike(null as never))).toBe(
      'zerosLike: input must be a Tensor, got null',
    );
    expect(errorOf('zerosLike', () => zerosLike(ones([2]), { dtype: 'x' as never }))).toMatch(
      /^zerosLike: option 'dtype' must be one of/,
    );
  });

  it('refuses outputs larger than the backend can hold, before allocating', () => {
    expect(errorOf('zeros', () => zeros([40000, 40000]))).toBe(
      "zeros: the output [40000,40000] float32 would take 5.96 GiB, more than the 'cpu' backend's limit of 4 GiB for one tensor",
    );
    expect(errorOf('zeros', () => zeros([100000, 100000]))).toBe(
      'zeros: shape [100000,100000] would hold 10000000000 elements, more than the 2147483647 a tensor can hold',
    );
  });
});
