/**
 * The one way every Stride function and constructor reads an options object: known keys only,
 * each value checked against its rule, and an unknown key named with the closest known one, so
 * that `conv2d(x, w, { strides: 2 })` fails instead of silently running with stride 1.
 */
import { fail, StrideError } from './errors.js';
import { isTensor, type Tensor } from './tensor.js';

/** What one option accepts: `expected` completes "option 'x' must be …" in the error message. */
export interface OptionRule<T> {
  /** What the rule accepts, as the error message says it: `an integer ≥ 1`. */
  readonly expected: string;
  /** Whether `value` is accepted. */
  readonly test: (value: unknown) => boolean;
  /**
   * The accepted value closest to a refused one, for "did you mean" (`oneOf` has it: PyTorch's
   * `'fan_out'` for `'fanOut'`); absent where there is no list to choose from.
   */
  readonly suggest?: (value: unknown) => string | undefined;
  /** Never set: carries the accepted type for `OptionValues`. */
  readonly __type?: T;
}

/** The rules of an options object, one per known key. */
export type OptionSpec = Readonly<Record<string, OptionRule<unknown>>>;

/** The checked options: each key that was given (and not `undefined`) with its rule's type. */
export type OptionValues<S extends OptionSpec> = {
  -readonly [K in keyof S]?: S[K] extends OptionRule<infer T> ? T : never;
};

function rule<T>(expected: string, test: (value: unknown) => boolean): OptionRule<T> {
  return { expected, test };
}

function isNumber(v: unknown): v is number {
  return typeof v === 'number' && !Number.isNaN(v);
}

/** Bounds of a numeric option; `above`/`below` exclude the bound, `min`/`max` include it. */
export interface NumberBounds {
  /** The smallest value accepted. */
  readonly min?: number;
  /** The largest value accepted. */
  readonly max?: number;
  /** Values must be greater than this. */
  readonly above?: number;
  /** Values must be less than this. */
  readonly below?: number;
}

function boundsText(b: NumberBounds): string {
  const parts: string[] = [];
  if (b.min !== undefined) parts.push(`≥ ${b.min}`);
  if (b.above !== undefined) parts.push(`> ${b.above}`);
  if (b.max !== undefined) parts.push(`≤ ${b.max}`);
  if (b.below !== undefined) parts.push(`< ${b.below}`);
  return parts.length ? ` ${parts.join(' and ')}` : '';
}

function inBounds(v: number, b: NumberBounds): boolean {
  return (
    (b.min === undefined || v >= b.min) &&
    (b.max === undefined || v <= b.max) &&
    (b.above === undefined || v > b.above) &&
    (b.below === undefined || v < b.below)
  );
}

/** Rule builders for `checkOptions`. */
export const option = {
  /** `true` or `false`, nothing truthy. */
  boolean: rule<boolean>('a boolean', (v) => typeof v === 'boolean'),
  /** A number (not NaN) within the bounds; finite unless a bound says otherwise. */
  number(bounds: NumberBounds = {}): OptionRule<number> {
    return rule(
      `a number${boundsText(bounds)}`,
      (v) => isNumber(v) && (Number.isFinite(v) || bounds.max === Infinity) && inBounds(v, bounds),
    );
  },
  /** A safe integer within the bounds. */
  integer(bounds: NumberBounds = {}): OptionRule<number> {
    return rule(
      `an integer${boundsText(bounds)}`,
      (v) => Number.isSafeInteger(v) && inBounds(v as number, bounds),
    );
  },
  /** One of the listed strings (or other primitives). */
  oneOf<const T extends readonly (string | number | boolean)[]>(
    ...values: T
  ): OptionRule<T[number]> {
    const shown = values.map((v) => (typeof v === 'string' ? `'${v}'` : String(v)));
    const strings = values.filter((v): v is string => typeof v === 'string');
    return {
      ...rule<T[number]>(
        shown.length === 1 ? (shown[0] as string) : `one of ${shown.join(', ')}`,
        (v) => values.includes(v as T[number]),
      ),
      suggest: (v) => (typeof v === 'string' ? closestKey(v, strings) : undefined),
    };
  },
  /** Any string. */
  string: rule<string>('a string', (v) => typeof v === 'string'),
  /** A tensor (whether it is alive is the op's check, which says so in its own words). */
  tensor: rule<Tensor>('a tensor', (v) => isTensor(v)),
  /** A function. */
  function: rule<(...args: never[]) => unknown>('a function', (v) => typeof v === 'function'),
  /** `null` or what `inner` accepts. */
  nullable<T>(inner: OptionRule<T>): OptionRule<T | null> {
    const nullable = rule<T | null>(
      `${inner.expected} or null`,
      (v) => v === null || inner.test(v),
    );
    return inner.suggest ? { ...nullable, suggest: inner.suggest } : nullable;
  },
  /** What any of the rules accepts. */
  either<T extends readonly OptionRule<unknown>[]>(
    ...rules: T
  ): OptionRule<T[number] extends OptionRule<infer U> ? U : never> {
    const any = rule<T[number] extends OptionRule<infer U> ? U : never>(
      rules.map((r) => r.expected).join(' or '),
      (v) => rules.some((r) => r.test(v)),
    );
    const suggesting = rules.filter((r) => r.suggest !== undefined);
    if (suggesting.length === 0) return any;
    return {
      ...any,
      suggest: (v) => {
        for (const r of suggesting) {
          const near = r.suggest?.(v);
          if (near !== undefined) return near;
        }
        return undefined;
      },
    };
  },
  /** An array whose every entry `inner` accepts, of `length` entries when given. */
  arrayOf<T>(inner: OptionRule<T>, length?: number): OptionRule<readonly T[]> {
    const count = length === undefined ? '' : ` ${length}`;
    return rule(
      `an array of${count} ${plural(inner.expected)}`,
      (v) =>
        Array.isArray(v) &&
        (length === undefined || v.length === length) &&
        allEntries(v, (e) => inner.test(e)),
    );
  },
  /** A rule of your own: `expected` completes "must be …". */
  custom<T>(expected: string, test: (value: unknown) => boolean): OptionRule<T> {
    return rule(expected, test);
  },
};

/** `every` that also fails on holes, which `Array.prototype.every` skips. */
export function allEntries(values: readonly unknown[], test: (v: unknown) => boolean): boolean {
  for (let i = 0; i < values.length; i++) if (!(i in values) || !test(values[i])) return false;
  return true;
}

/** "a boolean" → "booleans", "an integer ≥ 1" → "integers ≥ 1", for `arrayOf`'s message. */
function plural(expected: string): string {
  return expected.replace(/^an? (\w+)/, (_, noun: string) => `${noun}s`);
}

/** A value as error messages show it: `3`, `'same'`, `null`, `[1,2]`, `a tensor [2,3]`, `a Uint16Array`. */
export function showValue(v: unknown): string {
  if (typeof v === 'string') return `'${v}'`;
  if (typeof v === 'bigint') return `${v}n`;
  // A callable object whose prototype chain leaves out Function.prototype (a layers Module, which
  // is called like PyTorch's) is shown by its class, as any other object.
  const callableObject = typeof v === 'function' && !(v instanceof Function);
  if (v === null || (typeof v !== 'object' && !callableObject)) {
    return typeof v === 'function' ? 'a function' : String(v);
  }
  if (isTensor(v)) return `a tensor [${v.shape.join(',')}]`;
  if (Array.isArray(v)) {
    const shown = v.slice(0, 8).map((e) => (Array.isArray(e) ? '[…]' : showValue(e)));
    return `[${shown.join(',')}${v.length > 8 ? ',…' : ''}]`;
  }
  // A class may state a name that survives minification (layers' `typeName`).
  const ctor = (v as { constructor?: { typeName?: unknown; name?: string } }).constructor;
  const name = typeof ctor?.typeName === 'string' ? ctor.typeName : ctor?.name;
  if (!name || name === 'Object') return 'an object';
  // 'a Uint8Array', 'a URL' but 'an Int32Array', 'an ArrayBuffer': U here sounds like 'you'.
  return `${/^[AEIO]/.test(name) ? 'an' : 'a'} ${name}`;
}

/** Edit distance with transpositions, for "did you mean". */
function distance(a: string, b: string): number {
  const d: number[][] = [];
  for (let i = 0; i <= a.length; i++) d.push([i]);
  for (let j = 1; j <= b.length; j++) (d[0] as number[])[j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const row = d[i] as number[];
      const up = d[i - 1] as number[];
      row[j] = Math.min(
        (up[j] as number) + 1,
        (row[j - 1] as number) + 1,
        (up[j - 1] as number) + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        row[j] = Math.min(row[j] as number, ((d[i - 2] as number[])[j - 2] as number) + 1);
      }
    }
  }
  return (d[a.length] as number[])[b.length] as number;
}

/** Case and underscores ignored: `count_include_pad` and `countIncludePad` are one name. */
function squash(key: string): string {
  return key.replace(/_/g, '').toLowerCase();
}

/** The known key closest to `key` (PyTorch's snake_case spelling, a typo, a plural), if any. */
export function closestKey(key: string, known: readonly string[]): string | undefined {
  const exact = known.find((k) => squash(k) === squash(key));
  if (exact) return exact;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const dist = distance(squash(key), squash(k));
    if (dist < bestDistance) {
      best = k;
      bestDistance = dist;
    }
  }
  // An abbreviation ('pad', 'approx') or a known key with more after it ('strides2').
  const prefix = known.find(
    (k) =>
      Math.min(k.length, key.length) >= 3 &&
      (squash(k).startsWith(squash(key)) || squash(key).startsWith(squash(k))),
  );
  if (bestDistance <= Math.max(1, Math.floor(key.length / 3))) return best;
  return prefix;
}

/**
 * Checks `options` (an object, or `undefined` for none) against `spec` and returns the given
 * values. Throws a `StrideError` from `fn` for anything else: a non-object, a key the spec does
 * not know (named with the closest known key), or a value its rule rejects. A key given as
 * `undefined` counts as left out, as in a destructuring default. `what` names the argument in
 * messages (`options` unless the function calls it something else).
 *
 * @example
 * ```ts
 * const spec = { stride: option.integer({ min: 1 }), bias: option.nullable(option.tensor) };
 * checkOptions('myOp', { strides: 2 }, spec);
 * // StrideError: myOp: unknown option 'strides' (did you mean 'stride'?); the options are stride, bias
 * ```
 */
export function checkOptions<S extends OptionSpec>(
  fn: string,
  options: unknown,
  spec: S,
  what = 'options',
): OptionValues<S> {
  if (options === undefined) return {};
  const known = Object.keys(spec);
  // PyTorch passes these as keywords or positionally (`sort(x, 1)`): show the keys to write.
  const keys = known.length ? ` such as { ${known.join(', ')} }` : '';
  if (
    options === null ||
    typeof options !== 'object' ||
    Array.isArray(options) ||
    isTensor(options)
  ) {
    fail(fn, `${what} must be an object${keys}, got ${showValue(options)}`);
  }
  // A class instance (a layer, a Map) is an argument in the wrong place, not options.
  const proto = Object.getPrototypeOf(options);
  if (proto !== Object.prototype && proto !== null) {
    fail(fn, `${what} must be a plain object${keys}, got ${showValue(options)}`);
  }
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(options)) {
    const value = (options as Record<string, unknown>)[key];
    if (!Object.hasOwn(spec, key)) {
      const near = closestKey(key, known);
      const hint = near ? ` (did you mean '${near}'?)` : '';
      const list = known.length ? `the options are ${known.join(', ')}` : 'it takes no options';
      throw new StrideError(fn, `unknown option '${key}'${hint}; ${list}`);
    }
    if (value === undefined) continue;
    const check = spec[key] as OptionRule<unknown>;
    if (!check.test(value)) {
      const near = check.suggest?.(value);
      const hint = near === undefined ? '' : ` (did you mean '${near}'?)`;
      fail(fn, `option '${key}' must be ${check.expected}, got ${showValue(value)}${hint}`);
    }
    out[key] = value;
  }
  return out as OptionValues<S>;
}
