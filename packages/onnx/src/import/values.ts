/**
 * The values an imported graph passes between its nodes: device tensors, and host values — small
 * arrays of plain numbers for shapes, axes, pads and scales. `torch.onnx.export` computes
 * `x.view(x.size(0), -1)` as Shape → Gather → Unsqueeze → Concat → Reshape; keeping such chains on
 * the host makes them exact, free of device round trips, and usable where an op needs numbers
 * (Reshape's shape, Pad's pads) on any backend, including those that cannot read synchronously.
 */
import { type DType, fail, fmtShape, isTensor, type Tensor, tensor } from '@stride/core';
import type { HostDType, HostTensor } from '../tensor-proto.js';
import { hostNumbers } from '../tensor-proto.js';

/** The element kinds host values keep apart: arithmetic and casts depend on them. */
export type HostKind = 'float' | 'int' | 'bool';

/** A value computed on the host: row-major numbers with dims. */
export interface Host {
  readonly host: true;
  readonly kind: HostKind;
  /** float64 for DOUBLE values, so that a DOUBLE graph's constants stay float64. */
  readonly wide: boolean;
  readonly dims: readonly number[];
  readonly values: readonly number[];
}

/** A value of the graph: a device tensor or a host value. */
export type Value = Tensor | Host;

/** Whether `v` is a host value. */
export function isHost(v: unknown): v is Host {
  return typeof v === 'object' && v !== null && (v as Host).host === true;
}

/** The host kind of an ONNX element type. */
export function kindOf(dtype: HostDType): HostKind {
  if (dtype === 'float32' || dtype === 'float64' || dtype === 'float16') return 'float';
  if (dtype === 'bool') return 'bool';
  return 'int';
}

/** A host value of `kind` with the given dims and values. */
export function host(
  kind: HostKind,
  dims: readonly number[],
  values: readonly number[],
  wide = false,
): Host {
  return { host: true, kind, wide, dims, values };
}

/** The host value of a TensorProto's contents. */
export function hostOf(t: HostTensor): Host {
  return host(kindOf(t.dtype), t.dims, hostNumbers(t), t.dtype === 'float64');
}

/** The dims of a value. */
export function dimsOf(v: Value): readonly number[] {
  return isHost(v) ? v.dims : v.shape;
}

/** The Stride dtype a host value becomes on the device, given the graph's float dtype. */
function deviceDType(h: Host, float: DType): DType {
  if (h.kind === 'bool') return 'bool';
  if (h.kind === 'int') return 'int32';
  return h.wide ? 'float64' : float;
}

/** The Stride dtype of a value: a tensor's own, or the one a host value becomes on the device. */
export function dtypeOf(v: Value, ctx: DeviceContext): DType {
  return isHost(v) ? deviceDType(v, ctx.float) : v.dtype;
}

/** Where and in which float dtype host values become tensors during one run of the graph. */
export interface DeviceContext {
  /** The backend of the run's inputs (or parameters). */
  readonly device: string;
  /** The float dtype of the run (float32, or float64 for a DOUBLE graph or a converted model). */
  readonly float: DType;
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/**
 * The value as a device tensor: a tensor as it is, a host value uploaded (integers as int32,
 * which every backend has; a value outside int32 is a StrideError of `fn` naming `what`).
 */
export function toTensor(fn: string, what: string, v: Value, ctx: DeviceContext): Tensor {
  if (!isHost(v)) return v;
  const dtype = deviceDType(v, ctx.float);
  if (dtype === 'int32') {
    for (const x of v.values) {
      if (x < INT32_MIN || x > INT32_MAX) {
        fail(fn, `${what} holds ${x}, outside int32, the widest integer type Stride has`);
      }
    }
  }
  const data =
    dtype === 'float32'
      ? Float32Array.from(v.values)
      : dtype === 'float64'
        ? Float64Array.from(v.values)
        : dtype === 'int32'
          ? Int32Array.from(v.values)
          : Uint8Array.from(v.values, (x) => (x !== 0 ? 1 : 0));
  return tensor(data, { dtype, device: ctx.device, shape: [...v.dims] });
}

/**
 * The value's numbers on the host: a host value's own, or a device tensor read synchronously
 * where its backend can (CPU); elsewhere a StrideError of `fn` naming `what`, since the op needs
 * numbers and the graph computed them on the device.
 */
export function toNumbers(fn: string, what: string, v: Value): number[] {
  if (isHost(v)) return [...v.values];
  if (!isTensor(v)) fail(fn, `${what} is missing`);
  try {
    return Array.from(v.dataSync() as ArrayLike<number>, (x) => Number(x));
  } catch {
    return fail(
      fn,
      `${what} must be known without reading the device (a constant or computed from shapes), but it was computed on the '${v.device}' backend, which cannot be read synchronously; it is a tensor ${fmtShape(v.shape)}`,
    );
  }
}

/** The value as a host value: a host value as it is, a tensor read as `toNumbers` reads it. */
export function toHost(fn: string, what: string, v: Value): Host {
  if (isHost(v)) return v;
  const kind: HostKind = v.dtype === 'bool' ? 'bool' : v.dtype === 'int32' ? 'int' : 'float';
  return host(kind, v.shape, toNumbers(fn, what, v), v.dtype === 'float64');
}
