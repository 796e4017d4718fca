import { backward, noGrad } from './autograd.js';
import { fail, fmtShape } from './errors.js';
import { mul } from './ops/arithmetic.js';
import { fromValues } from './ops/creation.js';
import { rand } from './ops/random.js';
import { sum } from './ops/reduce.js';
import { shareStorage, type Tensor } from './tensor.js';
import { tidy } from './tidy.js';

/** Options of `gradcheck`. An element passes when |analytic − numeric| ≤ atol + rtol·|numeric|. */
export interface GradcheckOptions {
  /** Finite-difference step. */
  eps?: number;
  /** Absolute tolerance. Default 1e-5. */
  atol?: number;
  /** Relative tolerance, a multiple of the numeric derivative's magnitude. Default 1e-3. */
  rtol?: number;
}

/** What `gradcheck` found. */
export interface GradcheckResult {
  /** Whether every checked element was within tolerance (false when an element is NaN). */
  ok: boolean;
  /** Largest |analytic - numeric| over all checked elements. */
  maxError: number;
  /** The element that failed first (or the worst one when all pass). */
  worst: {
    /** Position of the input in `inputs`. */
    input: number;
    /** Flat (row-major) index of the element within that input. */
    index: number;
    /** The autograd derivative. */
    analytic: number;
    /** The central finite-difference derivative. */
    numeric: number;
  } | null;
}

/**
 * Compares the autograd gradient of `fn` with central finite differences, for every float64
 * input (other inputs, such as int32 indices, pass through unchanged). A non-scalar output is
 * reduced with a fixed random projection, which checks the full vector-Jacobian product.
 * Inputs must be float64: float32 finite differences are too noisy to be a test.
 */
export async function gradcheck(
  fn: (...inputs: Tensor[]) => Tensor,
  inputs: readonly Tensor[],
  options: GradcheckOptions = {},
): Promise<GradcheckResult> {
  const { eps = 1e-6, atol = 1e-5, rtol = 1e-3 } = options;
  const checked = inputs.map((t, i) => {
    t._check('gradcheck', `inputs[${i}]`);
    if (t.dtype === 'float32')
      fail('gradcheck', `inputs[${i}] ${fmtShape(t.shape)} is float32; use float64`);
    return t.dtype === 'float64';
  });
  if (!checked.some(Boolean)) fail('gradcheck', 'no float64 input to differentiate');
  const probe = noGrad(() => tidy(() => fn(...inputs)));
  const projection = rand(probe.shape, { seed: 20240601, dtype: 'float64', device: probe.device });
  probe.dispose();
  const objective = (xs: Tensor[]): Tensor => {
    const y = fn(...xs);
    if (y.dtype !== 'float64')
      fail('gradcheck', `the function returned ${y.dtype}; it must keep float64`);
    return sum(mul(y, projection));
  };

  const leaves = inputs.map((t, i) => {
    if (!checked[i]) return t;
    const leaf = shareStorage(t, t.shape, false);
    leaf.requiresGrad = true;
    return leaf;
  });
  const analytic: Float64Array[] = [];
  try {
    const loss = tidy(() => objective(leaves));
    if (loss.requiresGrad) backward(loss);
    loss.dispose();
    for (let i = 0; i < leaves.length; i++) {
      const g = checked[i] ? (leaves[i] as Tensor).grad : null;
      analytic.push(
        g ? ((await g.data()) as Float64Array) : new Float64Array((inputs[i] as Tensor).size),
      );
    }
  } finally {
    leaves.forEach((l, i) => {
      if (checked[i]) l.dispose();
    });
  }

  const evaluate = async (xs: Tensor[]): Promise<number> => {
    const v = noGrad(() => tidy(() => objective(xs)));
    const out = (await v.data())[0] as number;
    v.dispose();
    return out;
  };
  let maxError = 0;
  let worst: GradcheckResult['worst'] = null;
  let ok = true;
  for (let i = 0; i < inputs.length; i++) {
    if (!checked[i]) continue;
    const x = inputs[i] as Tensor;
    const base = (await x.data()) as Float64Array;
    for (let j = 0; j < base.length; j++) {
      const at = async (delta: number): Promise<number> => {
        const values = Float64Array.from(base);
        values[j] = (values[j] as number) + delta;
        const moved = fromValues('gradcheck', values, x.shape, 'float64', { device: x.device });
        const xs = inputs.map((t, k) => (k === i ? moved : t));
        try {
          return await evaluate(xs);
        } finally {
          moved.dispose();
        }
      };
      const numeric = ((await at(eps)) - (await at(-eps))) / (2 * eps);
      const a = (analytic[i] as Float64Array)[j] as number;
      const err = Math.abs(a - numeric);
      const bad = !(err <= atol + rtol * Math.abs(numeric));
      if (ok && (bad || err > maxError)) worst = { input: i, index: j, analytic: a, numeric };
      if (bad) ok = false;
      maxError = Math.max(maxError, err);
    }
  }
  projection.dispose();
  return { ok, maxError, worst };
}
