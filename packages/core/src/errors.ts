import type { Shape } from './backend.js';

/**
 * The one error type Stride throws for bad input. The message always starts with the public
 * function's name, then says which argument is wrong and shows the shapes or values involved.
 */
export class StrideError extends Error {
  /** The public function that rejected its input, e.g. `'conv2d'`. */
  readonly fn: string;

  constructor(fn: string, message: string) {
    super(`${fn}: ${message}`);
    this.name = 'StrideError';
    this.fn = fn;
  }
}

/** Throws a `StrideError` for `fn`. */
export function fail(fn: string, message: string): never {
  throw new StrideError(fn, message);
}

/** `[64,3,28,28]`, the compact form used in every error message. */
export function fmtShape(shape: Shape): string {
  return `[${shape.join(',')}]`;
}

/** A byte count as messages show it: `512 B`, `3.5 MiB`, `40 GiB`. */
export function fmtBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const shown = unit === 0 || value >= 100 ? Math.round(value) : Number(value.toPrecision(3));
  return `${shown} ${units[unit]}`;
}
