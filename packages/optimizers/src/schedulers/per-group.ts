/**
 * Options that take one value for every parameter group or a list with one per group
 * (`maxLr`, `baseMomentum`, `minLr`), as PyTorch's schedulers take a float or a list.
 */
import { fail, nonNegative, option } from '../check.js';

/** A number ≥ 0, or an array of them (its length is checked against the groups by `perGroup`). */
export const perGroupRule = option.either(nonNegative, option.arrayOf(nonNegative));

/** One value per group, from one for all or a list (checked by `perGroupRule`). */
export function perGroup(
  fn: string,
  name: string,
  value: number | readonly number[],
  groups: number,
): number[] {
  if (Array.isArray(value)) {
    if (value.length !== groups)
      fail(
        fn,
        `option '${name}' must hold one value per parameter group (${groups}), got ${value.length}`,
      );
    return [...value];
  }
  return new Array<number>(groups).fill(value as number);
}
