/**
 * The adjoint test of transposed convolution: `<conv(x, w), y> = <x, convTranspose(y, w)>` for
 * the same weight and options (with the output padding that gives back x's size). A transposed
 * convolution that is only nearly the adjoint (an index off by one at a border, padding
 * applied on the wrong side, a group's channels swapped) passes shape checks but fails this.
 * The dot products are taken on the host in float64, so only the backend's kernels round; the
 * tolerance is relative to `<conv(|x|, |w|), |y|>`, the sum of the magnitudes of every term.
 */
import {
  abs,
  type ConvOptions,
  type ConvTransposeOptions,
  conv1d,
  conv2d,
  conv3d,
  convTranspose1d,
  convTranspose2d,
  convTranspose3d,
  randn,
  type Tensor,
  tidy,
} from '@stride/core';
import { assert } from 'vitest';
import type { BackendCheck } from './backend-checks.js';

type Conv = (x: Tensor, w: Tensor, o: ConvOptions) => Tensor;
type ConvT = (x: Tensor, w: Tensor, o: ConvTransposeOptions) => Tensor;

const PAIRS: Record<number, [Conv, ConvT]> = {
  1: [conv1d, convTranspose1d],
  2: [conv2d, convTranspose2d],
  3: [conv3d, convTranspose3d],
};

interface AdjointCase {
  readonly title: string;
  /** The convolution's input `[N, C, ...]` and weight `[O, C/groups, ...k]`. */
  readonly x: readonly number[];
  readonly w: readonly number[];
  readonly stride: readonly number[];
  readonly padding: readonly number[];
  readonly dilation: readonly number[];
  readonly groups: number;
}

const CASES: readonly AdjointCase[] = [
  {
    title: '1-d, stride 2, padding 1, dilation 2, groups 2',
    x: [2, 4, 11],
    w: [6, 2, 3],
    stride: [2],
    padding: [1],
    dilation: [2],
    groups: 2,
  },
  {
    title: '2-d, stride [2,3], padding [1,0]',
    x: [1, 3, 9, 8],
    w: [4, 3, 3, 2],
    stride: [2, 3],
    padding: [1, 0],
    dilation: [1, 1],
    groups: 1,
  },
  {
    title: '2-d depthwise (groups 4), stride 2, padding 2, dilation 2',
    x: [2, 4, 7, 8],
    w: [4, 1, 3, 3],
    stride: [2, 2],
    padding: [2, 2],
    dilation: [2, 2],
    groups: 4,
  },
  {
    title: '2-d, stride 3 skipping the last input rows and columns',
    x: [1, 2, 10, 8],
    w: [3, 2, 2, 2],
    stride: [3, 3],
    padding: [0, 0],
    dilation: [1, 1],
    groups: 1,
  },
  {
    title: '3-d, stride [1,2,2], padding [0,1,1], dilation [2,1,1], groups 2',
    x: [1, 2, 5, 6, 4],
    w: [4, 1, 2, 3, 2],
    stride: [1, 2, 2],
    padding: [0, 1, 1],
    dilation: [2, 1, 1],
    groups: 2,
  },
];

/** Σ a·b over every element, in float64 on the host. */
async function dot(a: Tensor, b: Tensor): Promise<number> {
  const [u, v] = await Promise.all([a.data(), b.data()]);
  let s = 0;
  for (let i = 0; i < u.length; i++) s += (u[i] as number) * (v[i] as number);
  return s;
}

/** One check per case of `CASES`, for `BACKEND_CHECKS`. */
export const ADJOINT_CHECKS: readonly BackendCheck[] = CASES.map((c, i) => ({
  name: `adjoint: <conv(x, w), y> = <x, convTranspose(y, w)>, ${c.title}`,
  run: async () => {
    const n = c.x.length - 2;
    const [conv, convT] = PAIRS[n] as [Conv, ConvT];
    const options = {
      stride: c.stride,
      padding: c.padding,
      dilation: c.dilation,
      groups: c.groups,
    };
    const seed = 7100 + 10 * i;
    const made: Tensor[] = [];
    const keep = <T extends Tensor>(t: T): T => {
      made.push(t);
      return t;
    };
    try {
      const x = keep(randn(c.x, { seed }));
      const w = keep(randn(c.w, { seed: seed + 1 }));
      const cx = keep(conv(x, w, options));
      const y = keep(randn(cx.shape, { seed: seed + 2 }));
      // The output padding that maps the convolution's output size back to the input's.
      const outputPadding = c.x.slice(2).map((size, a) => {
        const k = c.w[a + 2] as number;
        const reached =
          ((cx.shape[a + 2] as number) - 1) * (c.stride[a] as number) -
          2 * (c.padding[a] as number) +
          (c.dilation[a] as number) * (k - 1) +
          1;
        return size - reached;
      });
      const ty = keep(convT(y, w, { ...options, outputPadding }));
      assert.deepEqual([...ty.shape], [...c.x], 'convTranspose(y, w) has the shape of x');
      const bound = keep(tidy(() => conv(abs(x), abs(w), options)));
      const absY = keep(abs(y));
      const lhs = await dot(cx, y);
      const rhs = await dot(x, ty);
      const scale = await dot(bound, absY);
      if (!(Math.abs(lhs - rhs) <= 1e-5 * scale)) {
        assert.fail(
          `<conv(x, w), y> = ${lhs} but <x, convTranspose(y, w)> = ${rhs}: they differ by ` +
            `${Math.abs(lhs - rhs)}, more than 1e-5 of the sum of the terms' magnitudes ${scale} ` +
            `(outputPadding [${outputPadding.join(',')}])`,
        );
      }
    } finally {
      for (const t of made) t.dispose();
    }
  },
}));
