import { fail } from './fail.js';

/** Labels as int32, each checked to be a class index below `classes`. */
export function checkLabels(
  fn: string,
  source: string,
  labels: ArrayLike<number>,
  classes: number,
): Int32Array {
  const y = new Int32Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i] as number;
    if (v >= classes)
      fail(fn, `${source}: expected labels 0-${classes - 1}, found ${v} at index ${i}`);
    y[i] = v;
  }
  return y;
}
