// Checks that the workspace packages bundle for the browser from their sources (the `source`
// export condition): core and the CPU backend load in Chromium and compute there (autograd
// included), with nothing from Node. The WebGPU backend's browser tests rely on the same resolution.
import { cpu } from '@stride/backend-cpu';
import { conv2d, registerBackend, setBackend, tensor } from '@stride/core';
import { beforeAll, describe, expect, it } from 'vitest';

/** Direct cross-correlation of a [1, C, H, W] input with [O, C, k, k] weights, zero padding p. */
function naiveConv2d(
  x: Float32Array,
  [c, h, w]: readonly number[],
  weight: Float32Array,
  [o, k]: readonly number[],
  p: number,
): number[] {
  const oh = h + 2 * p - k + 1;
  const ow = w + 2 * p - k + 1;
  const y: number[] = [];
  for (let oc = 0; oc < o; oc++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        let sum = 0;
        for (let ic = 0; ic < c; ic++) {
          for (let a = 0; a < k; a++) {
            for (let b = 0; b < k; b++) {
              const r = i + a - p;
              const s = j + b - p;
              if (r < 0 || r >= h || s < 0 || s >= w) continue;
              sum += x[(ic * h + r) * w + s] * weight[((oc * c + ic) * k + a) * k + b];
            }
          }
        }
        y.push(sum);
      }
    }
  }
  return y;
}

describe('@stride/core with the CPU backend in Chromium', () => {
  beforeAll(async () => {
    registerBackend(cpu());
    await setBackend('cpu');
  });

  it('runs conv2d forward and backward', async () => {
    const x = Float32Array.from({ length: 2 * 5 * 5 }, (_, i) => Math.sin(i));
    const weight = Float32Array.from({ length: 3 * 2 * 3 * 3 }, (_, i) => Math.cos(i) / 4);
    const xt = tensor(x, { shape: [1, 2, 5, 5] });
    const wt = tensor(weight, { shape: [3, 2, 3, 3], requiresGrad: true });

    const y = conv2d(xt, wt, { padding: 1 });
    expect(y.shape).toEqual([1, 3, 5, 5]);
    const expected = naiveConv2d(x, [2, 5, 5], weight, [3, 3], 1);
    const actual = Array.from(await y.data());
    for (let i = 0; i < expected.length; i++) expect(actual[i]).toBeCloseTo(expected[i], 5);

    // d(sum y)/dw[o, c, a, b] is the sum of the input window that tap (a, b) sees.
    y.sum().backward();
    const dw = Array.from(await (wt.grad as NonNullable<typeof wt.grad>).data());
    expect(dw).toHaveLength(weight.length);
    expect(dw[0]).toBeCloseTo(sumWindow(x, 0, 0, 0), 5); // o 0, c 0, tap (0, 0)
    expect(dw[9 + 4]).toBeCloseTo(sumWindow(x, 1, 1, 1), 5); // o 0, c 1, tap (1, 1)
    expect(dw[18 + 9 + 8]).toBeCloseTo(sumWindow(x, 1, 2, 2), 5); // o 1, c 1, tap (2, 2)
  });
});

/** Sum of channel c of the zero-padded (p = 1) 5×5 input over the 5×5 window at (a, b). */
function sumWindow(x: Float32Array, c: number, a: number, b: number): number {
  let sum = 0;
  for (let i = 0; i < 5; i++) {
    for (let j = 0; j < 5; j++) {
      const r = i + a - 1;
      const s = j + b - 1;
      if (r >= 0 && r < 5 && s >= 0 && s < 5) sum += x[(c * 5 + r) * 5 + s];
    }
  }
  return sum;
}
