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
