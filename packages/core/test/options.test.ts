import { describe, expect, it } from 'vitest';
import { checkOptions, option, StrideError } from '../src/index.js';
import './setup.js';
import { zeros } from '../src/index.js';

const spec = {
  stride: option.integer({ min: 1 }),
  padding: option.either(option.integer({ min: 0 }), option.oneOf('same', 'valid')),
  bias: option.nullable(option.tensor),
  countIncludePad: option.boolean,
  weightDecay: option.number({ min: 0 }),
  betas: option.arrayOf(option.number({ min: 0, below: 1 }), 2),
};

function error(options: unknown): string {
  try {
    checkOptions('myOp', options, spec);
  } catch (e) {
    expect(e).toBeInstanceOf(StrideError);
    expect((e as StrideError).fn).toBe('myOp');
    return (e as Error).message;
  }
  throw new Error('checkOptions accepted the options');
}

describe('checkOptions', () => {
  it('returns the given values and skips keys set to undefined', () => {
    const bias = zeros([2]);
    expect(checkOptions('myOp', { stride: 2, bias, padding: undefined }, spec)).toEqual({
      stride: 2,
      bias,
    });
    expect(checkOptions('myOp', undefined, spec)).toEqual({});
    expect(checkOptions('myOp', { padding: 'same', bias: null }, spec)).toEqual({
      padding: 'same',
      bias: null,
    });
  });

  it('names an unknown key with the closest known one', () => {
    expect(error({ strides: 2 })).toBe(
      "myOp: unknown option 'strides' (did you mean 'stride'?); the options are stride, padding, bias, countIncludePad, weightDecay, betas",
    );
    expect(error({ Stride: 2 })).toMatch(/unknown option 'Stride' \(did you mean 'stride'\?\)/);
    expect(error({ count_include_pad: false })).toMatch(/did you mean 'countIncludePad'/);
    expect(error({ weight_decay: 0.1 })).toMatch(/did you mean 'weightDecay'/);
    expect(error({ paddng: 1 })).toMatch(/did you mean 'padding'/);
    expect(error({ xyzzy: 1 })).toMatch(/^myOp: unknown option 'xyzzy'; the options are/);
  });

  it('checks each value against its rule', () => {
    expect(error({ stride: 0 })).toBe("myOp: option 'stride' must be an integer ≥ 1, got 0");
    expect(error({ stride: 1.5 })).toMatch(/'stride' must be an integer ≥ 1, got 1.5/);
    expect(error({ stride: null })).toMatch(/'stride' must be an integer ≥ 1, got null/);
    // A value that is PyTorch's spelling, or a typo, of an allowed one is named, through either().
    expect(error({ padding: 'Same' })).toBe(
      "myOp: option 'padding' must be an integer ≥ 0 or one of 'same', 'valid', got 'Same' (did you mean 'same'?)",
    );
    const modes = { mode: option.nullable(option.oneOf('fanIn', 'fanOut')) };
    expect(() => checkOptions('init', { mode: 'fan_out' }, modes)).toThrow(
      "init: option 'mode' must be one of 'fanIn', 'fanOut' or null, got 'fan_out' (did you mean 'fanOut'?)",
    );
    expect(error({ padding: 'full' })).toBe(
      "myOp: option 'padding' must be an integer ≥ 0 or one of 'same', 'valid', got 'full'",
    );
    expect(error({ bias: 0 })).toBe("myOp: option 'bias' must be a tensor or null, got 0");
    expect(error({ countIncludePad: 'yes' })).toMatch(/must be a boolean, got 'yes'/);
    expect(error({ weightDecay: Number.NaN })).toMatch(/must be a number ≥ 0, got NaN/);
    expect(error({ weightDecay: Infinity })).toMatch(/got Infinity/);
    expect(error({ betas: [0.9] })).toBe(
      "myOp: option 'betas' must be an array of 2 numbers ≥ 0 and < 1, got [0.9]",
    );
    // biome-ignore lint/suspicious/noSparseArray: a hole is what is being rejected
    expect(error({ betas: [0.9, ,] })).toMatch(/'betas' must be an array/);
  });

  it('rejects options that are not an object', () => {
    expect(error(null)).toBe(
      'myOp: options must be an object such as { stride, padding, bias, countIncludePad, weightDecay, betas }, got null',
    );
    expect(error(3)).toBe(
      'myOp: options must be an object such as { stride, padding, bias, countIncludePad, weightDecay, betas }, got 3',
    );
    expect(error([1])).toBe(
      'myOp: options must be an object such as { stride, padding, bias, countIncludePad, weightDecay, betas }, got [1]',
    );
    expect(error(zeros([1]))).toBe(
      `myOp: options must be an object such as { stride, padding, bias, countIncludePad, weightDecay, betas }, got a tensor [1]`,
    );
    expect(error(new Map())).toBe(
      `myOp: options must be a plain object such as { stride, padding, bias, countIncludePad, weightDecay, betas }, got a Map`,
    );
    class Conv {
      static typeName = 'Conv2d';
      readonly training = true;
    }
    expect(error(new Conv())).toBe(
      `myOp: options must be a plain object such as { stride, padding, bias, countIncludePad, weightDecay, betas }, got a Conv2d`,
    );
    // A callable module (a function object whose prototype is its class's) is named by its class.
    const callable = Object.setPrototypeOf(() => 0, Conv.prototype) as unknown;
    expect(error(callable)).toBe(
      `myOp: options must be an object such as { stride, padding, bias, countIncludePad, weightDecay, betas }, got a Conv2d`,
    );
    expect(error(() => 0)).toBe(
      `myOp: options must be an object such as { stride, padding, bias, countIncludePad, weightDecay, betas }, got a function`,
    );
    expect(checkOptions('myOp', Object.create(null), spec)).toEqual({});
  });
});
