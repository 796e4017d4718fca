/**
 * Checks of the values an integer op is undefined for (a negative exponent, a zero divisor),
 * which PyTorch refuses instead of returning garbage. A value in a plain number is checked at
 * once; a tensor's values are read where the backend reads synchronously.
 */
import { fail, fmtShape } from '../errors.js';
import { Tensor } from '../tensor.js';
import type { TensorLike } from './arithmetic.js';

/** Whether an operand is an integer (or bool) tensor or an integer number. */
export function isIntegerOperand(v: TensorLike): boolean {
  if (v instanceof Tensor) return v.dtype === 'int32' || v.dtype === 'bool';
  return typeof v === 'boolean' || (typeof v === 'number' && Number.isInteger(v));
}

/**
 * Throws a StrideError from `fn` if `operand` holds a value `isBad` refuses; `problem` says
 * what is wrong with it, e.g. "integers cannot be raised to a negative power".
 */
export function refuseValues(
  fn: string,
  arg: string,
  operand: TensorLike,
  isBad: (v: number) => boolean,
  problem: string,
): void {
  if (!(operand instanceof Tensor)) {
    if (isBad(Number(operand))) fail(fn, `${problem} (${arg} ${Number(operand)})`);
    return;
  }
  const { backend } = operand;
  if (!backend.readSync || operand.size === 0 || operand.isDisposed) return;
  const values = backend.readSync(operand._ref.storage, operand.dtype, operand.size);
  for (let i = 0; i < values.length; i++) {
    if (isBad(values[i] as number)) {
      fail(fn, `${problem} (${arg} ${fmtShape(operand.shape)} holds ${values[i]})`);
    }
  }
}
