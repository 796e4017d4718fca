import { withGrad } from '../autograd.js';
import type { Backend } from '../backend.js';
import type { DType } from '../dtype.js';
import { fail, fmtShape } from '../errors.js';
import { backendOf, checkOutputSize, wrap } from '../kernel.js';
import { showValue } from '../options.js';
import { broadcastShapes, sizeOf } from '../shape.js';
import { isTensor, type Tensor } from '../tensor.js';
import { tidy } from '../tidy.js';
import { traced } from '../trace.js';
import { add, cast } from './arithmetic.js';
import { expand, reshape } from './layout.js';
import { sum } from './reduce.js';

/**
 * The batched product of 3-d tensors, op(a) @ op(b) where op transposes the last two dims when
 * its flag is set; a batch of 1 broadcasts. The building block of `matmul` and `linear`.
 */
export function bmm(a: Tensor, b: Tensor, transposeA = false, transposeB = false): Tensor {
  const fn = 'bmm';
  const backend = backendOf(fn, [
    ['input', a],
    ['mat2', b],
  ]);
  for (const [name, flag] of [
    ['transposeA', transposeA],
    ['transposeB', transposeB],
  ] as const) {
    if (typeof flag !== 'boolean') fail(fn, `${name} must be a boolean, got ${showValue(flag)}`);
  }
  if (a.rank !== 3 || b.rank !== 3)
    fail(fn, `expected 3-d tensors, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  if (a.dtype !== b.dtype || a.dtype === 'bool') {
    fail(fn, `expected two float or int32 tensors of one dtype, got ${a.dtype} and ${b.dtype}`);
  }
  const [ba, m, ka] = transposeA ? [a.shape[0], a.shape[2], a.shape[1]] : a.shape;
  const [bb, kb, n] = transposeB ? [b.shape[0], b.shape[2], b.shape[1]] : b.shape;
  if (ka !== kb) {
    fail(
      fn,
      `shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)} cannot be multiplied (${ka} != ${kb})`,
    );
  }
  if (ba !== bb && ba !== 1 && bb !== 1) {
    fail(fn, `batch sizes ${ba} and ${bb} differ (${fmtShape(a.shape)} and ${fmtShape(b.shape)})`);
  }
  // Not Math.max: a batch of 0 against a broadcast batch of 1 is empty.
  const batch = ba === 1 ? (bb as number) : (ba as number);
  const outShape = [batch, m as number, n as number];
  checkOutputSize(
    fn,
    backend,
    outShape,
    a.dtype,
    () => `input ${fmtShape(a.shape)}, mat2 ${fmtShape(b.shape)}`,
  );
  const out = wrap(
    backend,
    backend.matmul(a._kernel(), b._kernel(), transposeA, transposeB),
    outShape,
    a.dtype,
  );
  return withGrad(fn, out, [a, b], [a, b], (dy, [sa, sb]) => {
    const x = sa as Tensor;
    const y = sb as Tensor;
    let ga = transposeA ? bmm(y, dy, transposeB, true) : bmm(dy, y, false, !transposeB);
    let gb = transposeB ? bmm(dy, x, true, transposeA) : bmm(x, dy, !transposeA, false);
    if (ba === 1 && batch !== 1) ga = sum(ga, 0, true);
    if (bb === 1 && batch !== 1) gb = sum(gb, 0, true);
    return [ga, gb];
  });
}

/** Matrix product with NumPy/PyTorch semantics: 1-d operands, batching and broadcast batch dims. */
export function matmul(a: Tensor, b: Tensor): Tensor {
  const fn = 'matmul';
  backendOf(fn, [
    ['input', a],
    ['other', b],
  ]);
  if (a.rank === 0 || b.rank === 0) {
    fail(
      fn,
      `both arguments need at least 1 dim, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`,
    );
  }
  if (a.dtype === 'bool' || b.dtype === 'bool')
    fail(fn, 'bool tensors cannot be multiplied; cast them first');
  // PyTorch multiplies only matrices of one dtype; promoting would hide a mistake.
  if (a.dtype !== b.dtype) {
    fail(fn, `input is ${a.dtype} but other is ${b.dtype}; cast one of them first`);
  }
  const dtype = a.dtype;
  const backend = a.backend;
  return traced(fn, [a, b], {}, () => matmulImpl(fn, a, b, dtype, backend));
}

function matmulImpl(fn: string, a: Tensor, b: Tensor, dtype: DType, backend: Backend): Tensor {
  return tidy(() => {
    const x = cast(a, dtype);
    const y = cast(b, dtype);
    const xs = x.rank === 1 ? [1, x.shape[0] as number] : [...x.shape];
    const ys = y.rank === 1 ? [y.shape[0] as number, 1] : [...y.shape];
    const [m, k] = xs.slice(-2) as [number, number];
    const [k2, n] = ys.slice(-2) as [number, number];
    if (k !== k2) {
      fail(
        fn,
        `shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)} cannot be multiplied (${k} != ${k2})`,
      );
    }
    const batchShape = batchBroadcast(xs.slice(0, -2), ys.slice(0, -2), a, b);
    const batch = sizeOf(batchShape);
    checkOutputSize(
      fn,
      backend,
      [...batchShape, m, n],
      dtype,
      () => `input ${fmtShape(a.shape)}, other ${fmtShape(b.shape)}`,
    );
    const to3 = (t: Tensor, s: number[], rows: number, cols: number): Tensor => {
      const own = s.slice(0, -2);
      if (sizeOf(own) === 1) return reshape(t, [1, rows, cols]);
      const full =
        own.length === batchShape.length && own.every((d, i) => d === batchShape[i])
          ? reshape(t, s)
          : expand(reshape(t, s), [...batchShape, rows, cols]);
      return reshape(full, [batch, rows, cols]);
    };
    const out = bmm(to3(x, xs, m, k), to3(y, ys, k, n), false, false);
    const shape = [...batchShape, ...(a.rank === 1 ? [] : [m]), ...(b.rank === 1 ? [] : [n])];
    return reshape(out, shape);
  });
}

function batchBroadcast(xb: number[], yb: number[], a: Tensor, b: Tensor): number[] {
  try {
    return broadcastShapes('matmul', xb, yb);
  } catch {
    return fail(
      'matmul',
      `batch dims of ${fmtShape(a.shape)} and ${fmtShape(b.shape)} cannot be broadcast together`,
    );
  }
}

/** `x @ weight^T + bias` over the last dim of `x`, like `torch.nn.functional.linear`. */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  const fn = 'linear';
  if (bias !== undefined && bias !== null && !isTensor(bias)) {
    fail(fn, `bias must be a tensor or null, got ${showValue(bias)}`);
  }
  backendOf(
    fn,
    bias
      ? [
          ['input', x],
          ['weight', weight],
          ['bias', bias],
        ]
      : [
          ['input', x],
          ['weight', weight],
        ],
  );
  if (weight.rank !== 2) fail(fn, `weight must be 2-d [out, in], got ${fmtShape(weight.shape)}`);
  if (x.rank < 1 || x.shape[x.rank - 1] !== weight.shape[1]) {
    fail(
      fn,
      `input ${fmtShape(x.shape)} has ${x.shape[x.rank - 1]} features but weight ${fmtShape(weight.shape)} expects ${weight.shape[1]}`,
    );
  }
  const outF = weight.shape[0] as number;
  if (bias && (bias.rank !== 1 || bias.shape[0] !== outF)) {
    fail(fn, `bias ${fmtShape(bias.shape)} must be [${outF}] for weight ${fmtShape(weight.shape)}`);
  }
  for (const [name, t] of [
    ['weight', weight],
    ['bias', bias],
  ] as const) {
    if (t && t.dtype !== x.dtype) fail(fn, `${name} is ${t.dtype} but input is ${x.dtype}`);
  }
  if (x.dtype === 'bool') fail(fn, 'input is a bool tensor; cast it to float first');
  const rows = sizeOf(x.shape.slice(0, -1));
  checkOutputSize(
    fn,
    x.backend,
    [...x.shape.slice(0, -1), outF],
    x.dtype,
    () => `input ${fmtShape(x.shape)}, weight ${fmtShape(weight.shape)}`,
  );
  return traced(fn, [x, weight, bias ?? null], {}, () =>
    linearImpl(x, weight, bias ?? null, rows, outF),
  );
}

function linearImpl(
  x: Tensor,
  weight: Tensor,
  bias: Tensor | null,
  rows: number,
  outF: number,
): Tensor {
  return tidy(() => {
    const y = bmm(
      reshape(x, [1, rows, weight.shape[1] as number]),
      reshape(weight, [1, ...weight.shape]),
      false,
      true,
    );
    const shaped = reshape(y, [...x.shape.slice(0, -1), outF]);
    return bias ? add(shaped, bias) : shaped;
  });
}
