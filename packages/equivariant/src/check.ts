/**
 * Argument checks shared by the p4 functions and layers. Each failure is a `StrideError` named
 * after the function the user called: the p4 ops are built from core ops (flip, permute, conv2d,
 * max), whose own messages would name those ops and the reshaped tensors the user never made.
 */
import {
  fail,
  fmtShape,
  isFloat,
  isTensor,
  type OptionRule,
  option,
  type Tensor,
} from '@stride/core';

/** A value as messages show it: `[1,0]`, `'same'`, `a tensor [2,3]`, `an object`. */
export function show(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(show).join(',')}]`;
  if (typeof v === 'string') return `'${v}'`;
  if (typeof v === 'function') return 'a function';
  if (v === null || typeof v !== 'object') return String(v);
  if (isTensor(v)) return `a tensor [${v.shape.join(',')}]`;
  return 'an object';
}

/** Checks that `value` is a live tensor; returns it. */
export function tensorArg(fn: string, name: string, value: unknown): Tensor {
  if (!isTensor(value)) fail(fn, `${name} must be a Tensor, got ${show(value)}`);
  if (value.isDisposed) {
    fail(fn, `${name} ${fmtShape(value.shape)} was disposed and can no longer be used`);
  }
  return value;
}

/** Checks that every tensor is on the device and of the float dtype of the first, `input`. */
export function sameDeviceAndDtype(fn: string, args: readonly (readonly [string, Tensor])[]): void {
  const [firstName, first] = args[0] as readonly [string, Tensor];
  if (!isFloat(first.dtype)) fail(fn, `${firstName} must be a float tensor, got ${first.dtype}`);
  for (const [name, t] of args.slice(1)) {
    if (t.device !== first.device) {
      fail(
        fn,
        `${firstName} is on '${first.device}' but ${name} is on '${t.device}' ` +
          `(${firstName} ${fmtShape(first.shape)}, ${name} ${fmtShape(t.shape)}); move one with await t.to(...)`,
      );
    }
    if (t.dtype !== first.dtype)
      fail(fn, `${name} is ${t.dtype} but ${firstName} is ${first.dtype}`);
  }
}

/** Checks that `x` is a p4 feature map: `[N, C, 4, H, W]`, one plane per channel and rotation. */
export function checkP4Map(fn: string, name: string, x: Tensor): void {
  if (x.rank !== 5 || x.shape[2] !== 4) {
    fail(
      fn,
      `${name} must be a p4 feature map [batch, channels, 4, height, width] (one plane per rotation), got ${name} ${fmtShape(x.shape)}`,
    );
  }
}

/** A per-axis value of the 2-d ops: one integer of at least `min` for both axes, or one per axis. */
export function perAxis(min: 0 | 1): OptionRule<number | readonly number[]> {
  const int = option.integer({ min });
  return option.custom(
    `${int.expected} or an array of 2 such integers`,
    (v) =>
      int.test(v) ||
      (Array.isArray(v) && (v.length === 2 || v.length === 1) && v.every((e) => int.test(e))),
  );
}

/** A value `perAxis` accepted, as `[height, width]`. */
export function pairOf(v: number | readonly number[]): [number, number] {
  return typeof v === 'number' ? [v, v] : [v[0] as number, (v[1] ?? v[0]) as number];
}
