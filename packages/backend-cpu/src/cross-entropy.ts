/**
 * The contract's fused cross-entropy of class indices (`crossEntropy` and its backward): each
 * row's log-sum-exp in double, the maximum taken out first (as `softmax` does), so that a
 * classifier's loss is one kernel call each way instead of a chain of about thirty tiny ones.
 */
import type { CrossEntropyParams, KernelTensor, TypedArray } from '@stride/core';
import { allocate } from './storage.js';

type T = KernelTensor<TypedArray>;

/** The maximum of row `r` (NaN if any) and log Σ exp(x − max), in double. */
function rowStats(x: TypedArray, r: number, classes: number): { max: number; logSum: number } {
  const base = r * classes;
  let max = -Infinity;
  for (let c = 0; c < classes; c++) {
    const v = x[base + c] as number;
    if (v > max || Number.isNaN(v)) max = v;
  }
  let sum = 0;
  for (let c = 0; c < classes; c++) sum += Math.exp((x[base + c] as number) - max);
  return { max, logSum: Math.log(sum) };
}

/** How many rows count: those whose target is not `ignoreIndex`. */
function countedRows(target: TypedArray, ignoreIndex: number): number {
  let n = 0;
  for (let r = 0; r < target.length; r++) if (target[r] !== ignoreIndex) n++;
  return n;
}

export function crossEntropy(x: T, target: T, p: CrossEntropyParams): TypedArray {
  const [rows, classes] = x.shape as [number, number];
  const xs = x.storage;
  const ts = target.storage;
  const losses = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    const t = ts[r] as number;
    if (t === p.ignoreIndex) continue;
    const { max, logSum } = rowStats(xs, r, classes);
    const shift = max + logSum;
    let loss = -(1 - p.smoothing) * ((xs[r * classes + t] as number) - shift);
    if (p.smoothing > 0) {
      let all = 0;
      for (let c = 0; c < classes; c++) all += (xs[r * classes + c] as number) - shift;
      loss -= (p.smoothing / classes) * all;
    }
    losses[r] = loss;
  }
  if (p.reduction === 'none') {
    const out = allocate(x.dtype, rows);
    out.set(losses);
    return out;
  }
  let total = 0;
  for (let r = 0; r < rows; r++) total += losses[r] as number;
  const out = allocate(x.dtype, 1);
  out[0] = p.reduction === 'sum' ? total : total / countedRows(ts, p.ignoreIndex);
  return out;
}

export function crossEntropyBackward(dy: T, x: T, target: T, p: CrossEntropyParams): TypedArray {
  const [rows, classes] = x.shape as [number, number];
  const xs = x.storage;
  const ts = target.storage;
  const out = allocate(x.dtype, rows * classes);
  const scale =
    p.reduction === 'none'
      ? 0
      : p.reduction === 'sum'
        ? (dy.storage[0] as number)
        : (dy.storage[0] as number) / countedRows(ts, p.ignoreIndex);
  const spread = p.smoothing / classes;
  for (let r = 0; r < rows; r++) {
    const t = ts[r] as number;
    if (t === p.ignoreIndex) {
      out.fill(0, r * classes, (r + 1) * classes);
      continue;
    }
    const g = p.reduction === 'none' ? (dy.storage[r] as number) : scale;
    const { max, logSum } = rowStats(xs, r, classes);
    const base = r * classes;
    for (let c = 0; c < classes; c++) {
      const prob = Math.exp((xs[base + c] as number) - max - logSum);
      const want = (c === t ? 1 - p.smoothing : 0) + spread;
      out[base + c] = g * (prob - want);
    }
  }
  return out;
}
