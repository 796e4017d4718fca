/**
 * Method forms of the ops (`x.add(y)`, `loss.backward()`), attached to `Tensor.prototype` by
 * `installTensorMethods` so that tensor.ts does not import every op. The package entry calls it:
 * a bare side-effect import would be dropped by bundlers under `"sideEffects": false`.
 */
import { backward } from './autograd.js';
import type { DType } from './dtype.js';
import { formatTensor } from './format.js';
import { relu } from './ops/activation.js';
import * as a from './ops/arithmetic.js';
import * as L from './ops/layout.js';
import { matmul } from './ops/matmul.js';
import * as R from './ops/reduce.js';
import { initBackend } from './registry.js';
import { fromStorage, shareStorage, Tensor } from './tensor.js';

type T = Tensor;
type TL = a.TensorLike;

declare module './tensor.js' {
  interface Tensor {
    add(other: TL): T;
    sub(other: TL): T;
    mul(other: TL): T;
    div(other: TL): T;
    pow(other: TL): T;
    maximum(other: TL): T;
    minimum(other: TL): T;
    eq(other: TL): T;
    ne(other: TL): T;
    lt(other: TL): T;
    le(other: TL): T;
    gt(other: TL): T;
    ge(other: TL): T;
    neg(): T;
    abs(): T;
    exp(): T;
    log(): T;
    sqrt(): T;
    square(): T;
    sigmoid(): T;
    tanh(): T;
    relu(): T;
    clamp(min?: number, max?: number): T;
    sum(dim?: R.Dims, keepDims?: boolean): T;
    mean(dim?: R.Dims, keepDims?: boolean): T;
    max(dim?: R.Dims, keepDims?: boolean): T;
    min(dim?: R.Dims, keepDims?: boolean): T;
    argmax(dim?: number, keepDims?: boolean): T;
    argmin(dim?: number, keepDims?: boolean): T;
    softmax(dim?: number): T;
    logSoftmax(dim?: number): T;
    matmul(other: T): T;
    reshape(shape: readonly number[]): T;
    view(...shape: number[]): T;
    flatten(startDim?: number, endDim?: number): T;
    squeeze(dim?: number | readonly number[]): T;
    unsqueeze(dim: number): T;
    transpose(dim0?: number, dim1?: number): T;
    permute(...dims: number[]): T;
    expand(shape: readonly number[]): T;
    index(...specs: L.IndexSpec[]): T;
    flip(dims: number | readonly number[]): T;
    cast(dtype: DType): T;
    /** A tensor with the same values and no autograd history. */
    detach(): T;
    /** A copy that records gradients back to this tensor. */
    clone(): T;
    /** Runs reverse-mode autograd from this tensor (see `backward` in autograd.ts). */
    backward(gradient?: T): void;
    /** Copies this tensor to another backend (no autograd history). */
    to(device: string): Promise<T>;
    toString(): string;
  }
}

export function installTensorMethods(): void {
  const P = Tensor.prototype;
  P.add = function (o) {
    return a.add(this, o);
  };
  P.sub = function (o) {
    return a.sub(this, o);
  };
  P.mul = function (o) {
    return a.mul(this, o);
  };
  P.div = function (o) {
    return a.div(this, o);
  };
  P.pow = function (o) {
    return a.pow(this, o);
  };
  P.maximum = function (o) {
    return a.maximum(this, o);
  };
  P.minimum = function (o) {
    return a.minimum(this, o);
  };
  P.eq = function (o) {
    return a.eq(this, o);
  };
  P.ne = function (o) {
    return a.ne(this, o);
  };
  P.lt = function (o) {
    return a.lt(this, o);
  };
  P.le = function (o) {
    return a.le(this, o);
  };
  P.gt = function (o) {
    return a.gt(this, o);
  };
  P.ge = function (o) {
    return a.ge(this, o);
  };
  P.neg = function () {
    return a.neg(this);
  };
  P.abs = function () {
    return a.abs(this);
  };
  P.exp = function () {
    return a.exp(this);
  };
  P.log = function () {
    return a.log(this);
  };
  P.sqrt = function () {
    return a.sqrt(this);
  };
  P.square = function () {
    return a.square(this);
  };
  P.sigmoid = function () {
    return a.sigmoid(this);
  };
  P.tanh = function () {
    return a.tanh(this);
  };
  P.relu = function () {
    return relu(this);
  };
  P.clamp = function (min, max) {
    return a.clamp(this, min, max);
  };
  P.sum = function (dim, keepDims) {
    return R.sum(this, dim, keepDims);
  };
  P.mean = function (dim, keepDims) {
    return R.mean(this, dim, keepDims);
  };
  P.max = function (dim, keepDims) {
    return R.max(this, dim, keepDims);
  };
  P.min = function (dim, keepDims) {
    return R.min(this, dim, keepDims);
  };
  P.argmax = function (dim, keepDims) {
    return R.argmax(this, dim, keepDims);
  };
  P.argmin = function (dim, keepDims) {
    return R.argmin(this, dim, keepDims);
  };
  P.softmax = function (dim) {
    return R.softmax(this, dim);
  };
  P.logSoftmax = function (dim) {
    return R.logSoftmax(this, dim);
  };
  P.matmul = function (o) {
    return matmul(this, o);
  };
  P.reshape = function (shape) {
    return L.reshape(this, shape);
  };
  P.view = function (...shape) {
    return L.reshape(this, shape);
  };
  P.flatten = function (s, e) {
    return L.flatten(this, s, e);
  };
  P.squeeze = function (dim) {
    return L.squeeze(this, dim);
  };
  P.unsqueeze = function (dim) {
    return L.unsqueeze(this, dim);
  };
  P.transpose = function (d0, d1) {
    return L.transpose(this, d0, d1);
  };
  P.permute = function (...dims) {
    return L.permute(this, dims);
  };
  P.expand = function (shape) {
    return L.expand(this, shape);
  };
  P.index = function (...specs) {
    return L.index(this, ...specs);
  };
  P.flip = function (dims) {
    return L.flip(this, dims);
  };
  P.cast = function (dtype) {
    const out = a.cast(this, dtype);
    return out === this ? L.reshape(this, this.shape) : out;
  };
  P.detach = function () {
    this._check('detach', 'tensor');
    return shareStorage(this, this.shape);
  };
  P.clone = function () {
    // Storage is never written in place, so sharing it is as good as copying.
    return L.reshape(this, this.shape);
  };
  P.backward = function (gradient) {
    backward(this, gradient);
  };
  P.to = async function (device: string) {
    this._check('to', 'tensor');
    const target = await initBackend(device);
    if (target === this.backend) return shareStorage(this, this.shape);
    if (!target.dtypes.includes(this.dtype)) {
      throw new (await import('./errors.js')).StrideError(
        'to',
        `the '${device}' backend does not support ${this.dtype}`,
      );
    }
    const values = await this.data();
    return fromStorage(target, target.upload(values, this.dtype), this.shape, this.dtype);
  };
  P.toString = function () {
    return formatTensor(this);
  };
  // console.log in Node prints tensors the way PyTorch's print does.
  Object.defineProperty(P, Symbol.for('nodejs.util.inspect.custom'), {
    value(this: Tensor) {
      return formatTensor(this);
    },
  });
}
