/**
 * Argument checks shared by the optimizers, schedulers and clipping functions. Options objects
 * go through core's `checkOptions`, positional arguments through `arg` with the same rules, so
 * every failure is a `StrideError` whose message starts with the public name (`Adam`, `StepLR`,
 * `clipGradNorm`) and names the option and the value that was given.
 */
import {
  checkOptions,
  fail,
  fmtShape,
  isTensor,
  type OptionRule,
  type OptionSpec,
  type OptionValues,
  option,
  StrideError,
  type Tensor,
} from '@stride/core';

export { checkOptions, fail, option };

/** `a` or `an` before a name. */
export const article = (name: string): string => (/^[aeiou]/i.test(name) ? 'an' : 'a');

/** A value as an error message shows it: `3`, `'x'`, `[0.9, 1]`, `a tensor [2]`, `a LeNet5`. */
export function show(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (Array.isArray(value)) return `[${value.map(show).join(', ')}]`;
  if (typeof value === 'function' && !isCallableObject(value)) return 'a function';
  if (value === null || (typeof value !== 'object' && !isCallableObject(value))) {
    return String(value);
  }
  if (isTensor(value)) return `a tensor ${fmtShape(value.shape)}`;
  // A module's stable name (`Module.typeName` of @stride/layers), which survives minification.
  const typeName = (value as { typeName?: unknown }).typeName;
  const name = typeof typeName === 'string' ? typeName : (value as object).constructor?.name;
  return name && name !== 'Object' ? `${article(name)} ${name}` : 'an object';
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * A callable object whose prototype chain leaves out Function.prototype: a layers Module, which is
 * called like PyTorch's. It is an object with members, not a function to pass as a callback.
 */
function isCallableObject(value: unknown): boolean {
  return typeof value === 'function' && !(value instanceof Function);
}

/** Checks a positional argument against an option rule; returns it. */
export function arg<T>(fn: string, name: string, value: unknown, rule: OptionRule<T>): T {
  if (!rule.test(value)) fail(fn, `${name} must be ${rule.expected}, got ${show(value)}`);
  return value as T;
}

/** Fails unless `key` was given: for options without a default (`SGD`'s lr, `StepLR`'s stepSize). */
export function required<T>(fn: string, key: string, value: T | undefined, why = ''): T {
  if (value === undefined) fail(fn, `option '${key}' is required${why}`);
  return value;
}

/**
 * `checkOptions` for an options object inside an argument (`paramGroups[1]`): the same checks
 * and messages, with the location in front of them.
 */
export function checkNested<S extends OptionSpec>(
  fn: string,
  where: string,
  value: unknown,
  spec: S,
): OptionValues<S> {
  try {
    return checkOptions(fn, value, spec, where);
  } catch (error) {
    const prefix = `${fn}: `;
    if (!(error instanceof StrideError) || error.message.startsWith(`${prefix}${where} `)) {
      throw error;
    }
    throw new StrideError(fn, `${where}: ${error.message.slice(prefix.length)}`);
  }
}

/** A non-negative number (not NaN or infinite), as PyTorch's `0.0 <= x` checks require. */
export const nonNegative: OptionRule<number> = option.number({ min: 0 });

/** Whole steps, counts and sizes. */
export const positiveInt: OptionRule<number> = option.integer({ min: 1 });

/**
 * Set by `Module.to()` of @stride/layers on each tensor it replaced (and disposed), to the
 * device it moved to.
 */
const MOVED_TO = Symbol.for('stride.movedTo');

/** The device `model.to()` moved a disposed parameter to, if that is how it was disposed. */
export function movedTo(p: Tensor): string | undefined {
  const device = (p as unknown as Record<symbol, unknown>)[MOVED_TO];
  return typeof device === 'string' ? device : undefined;
}

/**
 * Why a parameter `label` is disposed, for a parameter list: when `model.to()` did it, that the
 * list was taken before the move.
 */
export function disposedParameter(label: string, p: Tensor): string {
  const device = movedTo(p);
  if (device === undefined) return `${label} ${fmtShape(p.shape)} was disposed`;
  return `${label} ${fmtShape(p.shape)} was moved to '${device}' by model.to(), which replaced it with a new tensor; take model.parameters() after model.to(...)`;
}

/** The usual slip of passing the model where its parameters belong. */
export function parametersHint(value: unknown): string {
  const parameters =
    isRecord(value) || isCallableObject(value)
      ? (value as { parameters?: unknown }).parameters
      : undefined;
  return typeof parameters === 'function' ? ' (pass model.parameters())' : '';
}
