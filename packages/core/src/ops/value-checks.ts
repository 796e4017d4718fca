/**
 * Checks of the values an integer op is undefined for (a negative exponent, a zero divisor),
 * which PyTorch refuses instead of returning garbage. A plain number is checked at once; a
 * tensor's values are read where the backend reads synchronously, and elsewhere checked on the
 * device with `checkIndices`, which reports at the next read (a GPU cannot stop mid-kernel).
 */
import { fail, fmtShape, StrideError } from '../errors.js';
import { Tensor } from '../tensor.js';
import { tidy } from '../tidy.js';
import type { TensorLike } from './arithmetic.js';
import { cast, eq } from './arithmetic.js';

/** Whether an operand is an integer (or bool) tensor or an integer number. */
export function isIntegerOperand(v: TensorLike): boolean {
  if (v instanceof Tensor) return v.dtype === 'int32' || v.dtype === 'bool';
  return typeof v === 'boolean' || (typeof v === 'number' && Number.isInteger(v));
}

/** Throws (or, on a device, reports at the next read) if int32 `operand` holds a negative value. */
export function refuseNegative(
  fn: string,
  arg: string,
  operand: TensorLike,
  problem: string,
): void {
  refuse(
    fn,
    arg,
    operand,
    (v) => v < 0,
    problem,
    (t) => t,
    0,
    2 ** 31,
  );
}

/** Throws (or, on a device, reports at the next read) if int32 `operand` holds a zero. */
export function refuseZero(fn: string, arg: string, operand: TensorLike, problem: string): void {
  // On a device the check is a range check of the mask `operand == 0`: it must hold only 0s.
  const mask = (t: Tensor) => cast(eq(t, 0), 'int32');
  refuse(fn, arg, operand, (v) => v === 0, problem, mask, 0, 1, 0);
}

function refuse(
  fn: string,
  arg: string,
  operand: TensorLike,
  isBad: (v: number) => boolean,
  problem: string,
  onDevice: (t: Tensor) => Tensor,
  low: number,
  high: number,
  shownOnDevice?: number,
): void {
  if (!(operand instanceof Tensor)) {
    if (isBad(Number(operand))) fail(fn, `${problem} (${arg} ${Number(operand)})`);
    return;
  }
  // Bool operands are 0 or 1; only a tensor of integers can hold a bad value.
  if (operand.dtype !== 'int32' || operand.size === 0 || operand.isDisposed) return;
  const message = (v: number) => `${problem} (${arg} ${fmtShape(operand.shape)} holds ${v})`;
  const { backend } = operand;
  if (backend.readSync) {
    const values = backend.readSync(operand._ref.storage, operand.dtype, operand.size);
    for (let i = 0; i < values.length; i++) {
      if (isBad(values[i] as number)) fail(fn, message(values[i] as number));
    }
    return;
  }
  const checkIndices = backend.checkIndices;
  if (!checkIndices) return;
  tidy(() => {
    const checked = onDevice(operand);
    checkIndices(
      checked._kernel(),
      low,
      high,
      (v) =>
        new StrideError(
          fn,
          `${message(shownOnDevice ?? v)}; found on the '${backend.name}' device and reported at the first read after the call`,
        ),
    );
  });
}
