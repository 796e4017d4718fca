import type { AdamStepParams, BinaryOp, KernelTensor, Shape, TypedArray } from '@stride/core';
import { broadcastStrides, coalesce, sizeOf, stridesOf } from '@stride/core';
import { BINARY, floatBits, jobWords, MAP } from './jobs.js';
import type { WasmRuntime } from './runtime.js';

type T = KernelTensor<TypedArray>;

/**
 * Element-wise maps take over from TypeScript from this many elements, this many per unit. A job
 * of one unit runs on the calling thread and costs a few microseconds; the TypeScript loops cost
 * 2.5 (relu) to 3.6 ns (a broadcast add) an element. Measured on Node 24: relu of 7,680 floats
 * (LeNet-5's fc1 at batch 64) took 4.7 µs instead of 19.7, a bias add 9.5 instead of 30.5, and
 * at 640 floats the TypeScript loops were as fast or faster.
 */
export const MAP_MIN_ELEMENTS = 1 << 10;
const MAP_UNIT_ELEMENTS = 1 << 15;
/** An Adam step is worth a job from this many elements (it costs about 13 ns each in JS). */
const ADAM_MIN_ELEMENTS = 2048;

/**
 * relu, or with `dy` its gradient (dy where x > 0, else 0), for large float32 tensors that
 * already live in this memory (a copy in and out would cost more than the map saves); null
 * otherwise, and the TypeScript kernel runs.
 */
export function map(rt: WasmRuntime, op: keyof typeof MAP, x: T, dy?: T): Float32Array | null {
  const n = sizeOf(x.shape);
  const inputs = dy ? [x, dy] : [x];
  if (n < MAP_MIN_ELEMENTS || inputs.some((t) => !rt.owns(t.storage as Float32Array))) return null;
  rt.begin();
  const out = rt.output(n);
  if (out < 0) return null;
  const perUnit = MAP_UNIT_ELEMENTS;
  rt.run(
    jobWords('map', {
      units: Math.ceil(n / perUnit),
      op: MAP[op],
      n,
      // reluBackward reads dy first, then x.
      a: rt.put((dy ?? x).storage as Float32Array),
      b: dy ? rt.put(x.storage as Float32Array) : 0,
      out,
      perUnit,
    }),
  );
  return rt.take(out, n);
}

/**
 * A float32 add, sub, mul or div whose operands live in this memory and broadcast as at most two
 * axes: equal shapes, a scalar on either side, or one operand repeated along the leading axes (a
 * bias added to a batch). Null otherwise, and the TypeScript kernel runs.
 */
export function binary(
  rt: WasmRuntime,
  op: BinaryOp,
  a: T,
  b: T,
  outShape: Shape,
): Float32Array | null {
  const code = BINARY[op as keyof typeof BINARY];
  const n = sizeOf(outShape);
  if (code === undefined || n < MAP_MIN_ELEMENTS) return null;
  if (!rt.owns(a.storage as Float32Array) || !rt.owns(b.storage as Float32Array)) return null;
  const c = coalesce(outShape, [
    stridesOf(outShape),
    broadcastStrides(a.shape, outShape),
    broadcastStrides(b.shape, outShape),
  ]);
  const rank = c.shape.length;
  const [, sa, sb] = c.strides as [number[], number[], number[]];
  const aStep = sa[rank - 1] as number;
  const bStep = sb[rank - 1] as number;
  if (rank > 2 || aStep > 1 || bStep > 1) return null;
  rt.begin();
  const out = rt.output(n);
  if (out < 0) return null;
  rt.run(
    jobWords('binary', {
      units: Math.ceil(n / MAP_UNIT_ELEMENTS),
      op: code,
      n,
      len: c.shape[rank - 1] as number,
      a: rt.put(a.storage as Float32Array),
      aRow: rank === 2 ? (sa[0] as number) : 0,
      aStep,
      b: rt.put(b.storage as Float32Array),
      bRow: rank === 2 ? (sb[0] as number) : 0,
      bStep,
      out,
      perUnit: MAP_UNIT_ELEMENTS,
    }),
  );
  return rt.take(out, n);
}

/**
 * The sum of x [batch, channels, ...] over every axis but the channels' (a convolution's bias
 * gradient), for large float32 tensors in this memory; null otherwise.
 */
export function channelSum(rt: WasmRuntime, x: T): Float32Array | null {
  const n = sizeOf(x.shape);
  if (n < MAP_MIN_ELEMENTS || !rt.owns(x.storage as Float32Array)) return null;
  const [batch, channels] = x.shape as [number, number];
  rt.begin();
  const out = rt.output(channels);
  if (out < 0) return null;
  rt.run(
    jobWords('channelSum', {
      units: channels,
      batch,
      channels,
      plane: n / (batch * channels),
      x: rt.put(x.storage as Float32Array),
      out,
    }),
  );
  return rt.take(out, channels);
}

/**
 * One float32 Adam step (the contract's adamStep), bit for bit the TypeScript kernel's, for
 * tensors that live in this memory; null otherwise.
 */
export function adamStep(
  rt: WasmRuntime,
  base: T,
  grad: T,
  expAvg: T,
  expAvgSq: T,
  h: AdamStepParams,
): { param: Float32Array; expAvg: Float32Array; expAvgSq: Float32Array } | null {
  const n = sizeOf(base.shape);
  const inputs = [base, grad, expAvg, expAvgSq].map((t) => t.storage as Float32Array);
  if (n < ADAM_MIN_ELEMENTS || !inputs.every((s) => rt.owns(s))) return null;
  rt.begin();
  const outParam = rt.output(n);
  const outExpAvg = rt.output(n);
  const outExpAvgSq = rt.output(n);
  if (outParam < 0 || outExpAvg < 0 || outExpAvgSq < 0) return null;
  const [param, g, m, v] = inputs.map((s) => rt.put(s)) as [number, number, number, number];
  rt.run(
    jobWords('adam', {
      units: Math.ceil(n / MAP_UNIT_ELEMENTS),
      n,
      param,
      grad: g,
      expAvg: m,
      expAvgSq: v,
      outParam,
      outExpAvg,
      outExpAvgSq,
      perUnit: MAP_UNIT_ELEMENTS,
      beta1: floatBits(h.beta1),
      keep1: floatBits(1 - h.beta1),
      beta2: floatBits(h.beta2),
      keep2: floatBits(1 - h.beta2),
      correction: floatBits(h.biasCorrection2Sqrt),
      eps: floatBits(h.eps),
      step: floatBits(-h.stepSize),
    }),
  );
  return {
    param: rt.take(outParam, n),
    expAvg: rt.take(outExpAvg, n),
    expAvgSq: rt.take(outExpAvgSq, n),
  };
}
