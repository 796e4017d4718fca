/**
 * Argument checks shared by the layers, models and `summary`. Options objects go through core's
 * `checkOptions`; positional arguments through `arg`, with the same rules, so both read alike
 * (`Conv2d: inChannels must be an integer ≥ 1, got 0`, `Conv2d: option 'stride' must be ...`).
 * Every failure is a `StrideError` that names the layer and the argument, so a typo in a model
 * definition is reported where the model is built, not at the first forward pass.
 */
import {
  checkOptions,
  fail,
  isTensor,
  listBackends,
  type OptionRule,
  option,
  StrideError,
} from '@stride/core';

export { checkOptions, fail, option };

const article = (name: string): string => (/^[aeiou]/i.test(name) ? 'an' : 'a');

/** A value as an error message shows it: `[1,0]`, `1.5`, `'same'`, `a tensor [2,3]`, `a ReLU`. */
export function show(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(show).join(',')}]`;
  if (typeof v === 'string') return `'${v}'`;
  // A module is a function too (`model(x)`), but not a Function: its chain leaves that out.
  if (typeof v === 'function' && v instanceof Function) return 'a function';
  if (v === null || (typeof v !== 'object' && typeof v !== 'function')) return String(v);
  if (isTensor(v)) return `a tensor [${v.shape.join(',')}]`;
  // A module's stable name (Module.typeName), which survives minification unlike class names.
  const typeName = (v as { typeName?: unknown }).typeName;
  const name = typeof typeName === 'string' ? typeName : v.constructor?.name;
  return name && name !== 'Object' ? `${article(name)} ${name}` : 'an object';
}

/** Checks a positional argument against an option rule; returns it. */
export function arg<T>(fn: string, name: string, value: unknown, rule: OptionRule<T>): T {
  if (!rule.test(value)) fail(fn, `${name} must be ${rule.expected}, got ${show(value)}`);
  return value as T;
}

/**
 * Refuses the arguments a layer's constructor was given past `names`, the ones it reads.
 * TypeScript rejects them when it compiles; JavaScript passes them on, and an argument nobody
 * reads is a mistake, most often PyTorch's `inplace` (`nn.ReLU(True)`, `nn.Dropout(0.5, True)`).
 * Trailing `undefined`s count as left out, as for any optional parameter. `inplaceAt` is where
 * PyTorch's constructor of the layer takes `inplace`, for the layers that have one.
 */
export function noExtraArgs(
  fn: string,
  args: ArrayLike<unknown>,
  names: readonly string[],
  inplaceAt?: number,
): void {
  let given = args.length;
  while (given > names.length && args[given - 1] === undefined) given--;
  if (given <= names.length) return;
  const extra = Array.from(args).slice(names.length, given);
  const noInplace = 'Stride has no in-place layers; leave the argument out, the result is the same';
  for (const [i, v] of extra.entries()) {
    const at = names.length + i;
    if (at === inplaceAt && typeof v === 'boolean') {
      fail(fn, `argument ${at + 1} (${v}) is PyTorch's inplace: ${noInplace}`);
    }
    if (v !== null && typeof v === 'object' && Object.hasOwn(v, 'inplace')) {
      fail(fn, `argument ${at + 1} has PyTorch's option 'inplace': ${noInplace}`);
    }
  }
  const shown = extra.map(show).join(', ');
  if (names.length === 0) fail(fn, `takes no arguments, got ${shown}`);
  const takes = `${names.length} argument${names.length === 1 ? '' : 's'} (${names.join(', ')})`;
  fail(
    fn,
    `takes at most ${takes}, got ${given}: the extra ${extra.length === 1 ? 'one is' : 'ones are'} ${shown}`,
  );
}

/** Sizes and counts: channels, features, kernel sizes, groups. */
export const positiveInt: OptionRule<number> = option.integer({ min: 1 });

/** A probability in [0, 1] (dropout). */
export const probability: OptionRule<number> = option.number({ min: 0, max: 1 });

/**
 * A per-axis value: one integer of at least `min` for every spatial axis, or an array of `n`
 * of them (or of one, as PyTorch accepts).
 */
export function perAxis(n: number, min: 0 | 1): OptionRule<number | readonly number[]> {
  const int = option.integer({ min });
  const count = n === 1 ? '1 such integer' : `${n} such integers`;
  return option.custom(
    `${int.expected} or an array of ${count}`,
    (v) =>
      int.test(v) ||
      (Array.isArray(v) && (v.length === n || v.length === 1) && v.every((x) => int.test(x))),
  );
}

/** Expands a value `perAxis` accepted to one entry per axis. */
export function expand(v: number | readonly number[], n: number): number[] {
  if (typeof v === 'number') return new Array<number>(n).fill(v);
  return v.length === n ? [...v] : new Array<number>(n).fill(v[0] as number);
}

/** A registered backend's name, for `device` options and `Module.to`. */
export function deviceRule(): OptionRule<string> {
  const names = listBackends();
  const list = names.length ? names.map((n) => `'${n}'`).join(', ') : 'none is registered';
  return option.custom(
    `the name of a registered backend (${list})`,
    (v) => typeof v === 'string' && names.includes(v),
  );
}

/** The options of layers that create parameters (`FactoryOptions`). */
export function factoryRules(): {
  dtype: OptionRule<'float32' | 'float64'>;
  device: OptionRule<string>;
} {
  return { dtype: option.oneOf('float32', 'float64'), device: deviceRule() };
}

/**
 * Runs `make` and reports a StrideError it throws as `fn`'s, after `context`. The user called
 * `fn`, not the `rand` or `ones` it creates tensors with; those only fail here on a size no tensor
 * can have (or none on that backend), as in `new Linear(2, 1e10)`.
 */
export function asCalledBy<T>(fn: string, make: () => T, context = ''): T {
  try {
    return make();
  } catch (e) {
    if (!(e instanceof StrideError) || e.fn === fn) throw e;
    // The message without its `fn: ` prefix, which names the inner function.
    fail(fn, `${context}${e.message.slice(e.fn.length + 2)}`);
  }
}

/**
 * A model's error for one a layer threw while the model was built (a size too large for one
 * tensor, as in `new LeNet5({ numClasses: 1e10 })`): named after the model, then the layer.
 */
export function modelError(fn: string, e: unknown): unknown {
  return e instanceof StrideError && e.fn !== fn ? new StrideError(fn, e.message) : e;
}
