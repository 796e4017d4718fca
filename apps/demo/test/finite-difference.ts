import { noGrad, tensor, tidy } from '@stride/core';
import type { LeNet5 } from '@stride/layers';
import { expect } from 'vitest';

/** Logit `c` of a float64 LeNet-5 for one 28×28 image. */
export function logit64(model: LeNet5, image: ArrayLike<number>, c: number): number {
  return noGrad(() =>
    tidy(() => {
      const x = tensor(Float64Array.from(image), {
        shape: [1, 1, 28, 28],
        dtype: 'float64',
        device: 'cpu',
      });
      return (model.forward(x).dataSync() as Float64Array)[c] as number;
    }),
  );
}

/**
 * Checks `g`, a float32 backward pass's ∂ logit c / ∂ pixel p, against the two one-sided
 * differences of a float64 copy of the model. LeNet-5 is piecewise linear (ReLU, max pooling):
 * where the two sides agree the logit is smooth at p and `g` must equal them (and be exactly 0
 * when they are: the pixel cannot change the logit). Where they differ, p sits on a kink, such as
 * a tie of max pooling (a blank background is full of them), where the backward pass picks one
 * element of the tie as PyTorch's does; nothing is asserted there. Says which case it found.
 */
export function checkGradient(
  model64: LeNet5,
  image: ArrayLike<number>,
  c: number,
  p: number,
  g: number,
): 'flat' | 'smooth' | 'kink' {
  const eps = 1e-4;
  const at = (d: number) => {
    const x = Float64Array.from(image);
    x[p] = (x[p] as number) + d;
    return logit64(model64, x, c);
  };
  const mid = at(0);
  const fwd = (at(eps) - mid) / eps;
  const bwd = (mid - at(-eps)) / eps;
  const tol = 1e-4 + 1e-3 * Math.abs(fwd);
  if (Math.abs(fwd - bwd) > tol) return 'kink';
  if (Math.abs(fwd) < 1e-12 && Math.abs(bwd) < 1e-12) {
    expect(g, `pixel ${p}: the logit does not depend on it`).toBe(0);
    return 'flat';
  }
  expect(Math.abs(g - fwd), `pixel ${p}: gradient ${g}, finite difference ${fwd}`).toBeLessThan(
    tol,
  );
  return 'smooth';
}
