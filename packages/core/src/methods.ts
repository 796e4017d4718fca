/**
 * Method forms of the ops (`x.add(y)`, `loss.backward()`), attached to `Tensor.prototype` by
 * `installTensorMethods` so that tensor.ts does not import every op. The package entry calls it:
 * a bare side-effect import would be dropped by bundlers under `"sideEffects": false`.
 */
import { backward, retainGrad, retainsGrad } from './autograd.js';
import type { DType } from './dtype.js';
import { formatTensor } from './format.js';
import { relu } from './ops/activation.js';
import * as a from './ops/arithmetic.js';
import { cumsum } from './ops/cumsum.js';
import { indexSelect, maskedFill } from './ops/indexing.js';
import { copy_, fill_, zero_ } from './ops/inplace.js';
import * as L from './ops/layout.js';
import { matmul } from './ops/matmul.js';
import * as R from './ops/reduce.js';
import { numel, sizeAt, viewAs } from './ops/sizes.js';
import { type SortOptions, type SortResult, sort, type TopkOptions, topk } from './ops/sort.js';
import { startBackend } from './registry.js';
import { fromStorage, shareStorage, Tensor } from './tensor.js';

type T = Tensor;
type TL = a.TensorLike;

declare module './tensor.js' {
  interface Tensor {
    /** `add(this, other)`: element-wise sum with broadcasting. */
    add(other: TL): T;
    /** `sub(this, other)`: element-wise difference with broadcasting. */
    sub(other: TL): T;
    /** `mul(this, other)`: element-wise product with broadcasting. */
    mul(other: TL): T;
    /** `div(this, other)`: element-wise true division with broadcasting (integers give float32). */
    div(other: TL): T;
    /** `pow(this, other)`: element-wise power with broadcasting. */
    pow(other: TL): T;
    /** `maximum(this, other)`: element-wise larger value with broadcasting. */
    maximum(other: TL): T;
    /** `minimum(this, other)`: element-wise smaller value with broadcasting. */
    minimum(other: TL): T;
    /** `eq(this, other)`: element-wise `==`, as a bool tensor. */
    eq(other: TL): T;
    /** `ne(this, other)`: element-wise `!=`, as a bool tensor. */
    ne(other: TL): T;
    /** `lt(this, other)`: element-wise `<`, as a bool tensor. */
    lt(other: TL): T;
    /** `le(this, other)`: element-wise `<=`, as a bool tensor. */
    le(other: TL): T;
    /** `gt(this, other)`: element-wise `>`, as a bool tensor. */
    gt(other: TL): T;
    /** `ge(this, other)`: element-wise `>=`, as a bool tensor. */
    ge(other: TL): T;
    /** `neg(this)`: element-wise `-x`. */
    neg(): T;
    /** `abs(this)`: element-wise absolute value. */
    abs(): T;
    /** `exp(this)`: element-wise eˣ. */
    exp(): T;
    /** `log(this)`: element-wise natural logarithm. */
    log(): T;
    /** `sqrt(this)`: element-wise square root. */
    sqrt(): T;
    /** `square(this)`: element-wise `x * x`. */
    square(): T;
    /** `sigmoid(this)`: element-wise logistic function. */
    sigmoid(): T;
    /** `tanh(this)`: element-wise hyperbolic tangent. */
    tanh(): T;
    /** `relu(this)`: element-wise `max(x, 0)`. */
    relu(): T;
    /** `clamp(this, min, max)`: clamps into [min, max]; either bound may be omitted, not both. */
    clamp(min?: number, max?: number): T;
    /** `sum(this, dim, keepDims)`: sum over `dim` (all axes when omitted). */
    sum(dim?: R.Dims, keepDims?: boolean): T;
    /** `mean(this, dim, keepDims)`: mean over `dim` (all axes when omitted); float tensors only. */
    mean(dim?: R.Dims, keepDims?: boolean): T;
    /** `max(this, dim, keepDims)`: largest value over `dim` (all axes when omitted). */
    max(dim?: R.Dims, keepDims?: boolean): T;
    /** `min(this, dim, keepDims)`: smallest value over `dim` (all axes when omitted). */
    min(dim?: R.Dims, keepDims?: boolean): T;
    /**
     * `argmax(this, dim, keepDims)`: int32 index of the largest value along `dim` (of the flattened
     * tensor when omitted).
     */
    argmax(dim?: number, keepDims?: boolean): T;
    /**
     * `argmin(this, dim, keepDims)`: int32 index of the smallest value along `dim` (of the
     * flattened tensor when omitted).
     */
    argmin(dim?: number, keepDims?: boolean): T;
    /** `softmax(this, dim)`: softmax along `dim` (default the last). */
    softmax(dim?: number): T;
    /** `logSoftmax(this, dim)`: log-softmax along `dim` (default the last). */
    logSoftmax(dim?: number): T;
    /** `matmul(this, other)`: matrix product, batched and broadcast like `torch.matmul`. */
    matmul(other: T): T;
    /**
     * `reshape(this, shape)`: the same elements in a new shape (one size may be -1). The sizes
     * may also be separate arguments, as in PyTorch: `x.reshape(2, -1)`.
     */
    reshape(shape: readonly number[]): T;
    reshape(...shape: number[]): T;
    /**
     * `reshape(this, shape)` under PyTorch's other name, with the sizes as separate arguments or
     * one array: `x.view(2, -1)`, `x.view([2, -1])`.
     */
    view(...shape: number[]): T;
    view(shape: readonly number[]): T;
    /**
     * `flatten(this, startDim, endDim)`: merges dims `startDim` to `endDim` (default all) into one.
     */
    flatten(startDim?: number, endDim?: number): T;
    /** `squeeze(this, dim)`: removes dims of size 1 (only those in `dim` when given). */
    squeeze(dim?: number | readonly number[]): T;
    /** `unsqueeze(this, dim)`: inserts a dim of size 1 at `dim`. */
    unsqueeze(dim: number): T;
    /** `transpose(this, dim0, dim1)`: swaps two dims (default the last two). */
    transpose(dim0?: number, dim1?: number): T;
    /** `permute(this, dims)` with the dims as separate arguments: `x.permute(0, 2, 3, 1)`. */
    permute(...dims: number[]): T;
    /** `expand(this, shape)`: broadcasts dims of size 1 (and new leading dims) to `shape`. */
    expand(shape: readonly number[]): T;
    /** `index(this, ...specs)`: basic indexing, `x.index(1, null, { start: 2, end: 5 })`. */
    index(...specs: L.IndexSpec[]): T;
    /** `flip(this, dims)`: reverses the order along each of `dims`. */
    flip(dims: number | readonly number[]): T;
    /**
     * `cast(this, dtype)`, except that it always returns a new tensor (a copy when the dtype is
     * already `dtype`).
     */
    cast(dtype: DType): T;
    /** A tensor with the same values and no autograd history. */
    detach(): T;
    /** A copy that records gradients back to this tensor. */
    clone(): T;
    /** Runs reverse-mode autograd from this tensor (see `backward` in autograd.ts). */
    backward(gradient?: T): void;
    /**
     * `retainGrad(this)`: makes `backward()` fill `.grad` of this non-leaf tensor too, as
     * PyTorch's `retain_grad()` does.
     */
    retainGrad(): void;
    /** Whether `retainGrad()` was called on this non-leaf tensor (PyTorch's `retains_grad`). */
    readonly retainsGrad: boolean;
    /** `numel(this)`: the number of elements (the same as `size`), as PyTorch's `numel()`. */
    numel(): number;
    /** `sizeAt(this, dim)`: the size of one dim (negative counts from the end), PyTorch's `size(dim)`. */
    sizeAt(dim: number): number;
    /** `viewAs(this, other)`: this tensor reshaped to `other`'s shape. */
    viewAs(other: T): T;
    /** `maskedFill(this, mask, value)`: `value` where the bool `mask` is true (broadcast). */
    maskedFill(mask: T, value: number | boolean | T): T;
    /** `indexSelect(this, dim, index)`: the slices along `dim` at the int32 positions in `index`. */
    indexSelect(dim: number, index: T): T;
    /** `cumsum(this, dim)`: running sums along `dim`. */
    cumsum(dim: number): T;
    /** `sort(this, options)`: sorted values and their int32 indices along a dim (stable). */
    sort(options?: SortOptions): SortResult;
    /** `topk(this, k, options)`: the k largest (or smallest) values and their int32 indices. */
    topk(k: number, options?: TopkOptions): SortResult;
    /**
     * In place: sets every element to 0 and returns this tensor. For leaf tensors only
     * (parameters, buffers, gradients); records no gradient, as under `noGrad`.
     */
    zero_(): this;
    /**
     * In place: sets every element to `value` and returns this tensor. For leaf tensors only
     * (parameters, buffers, gradients); records no gradient, as under `noGrad`.
     */
    fill_(value: number | boolean): this;
    /**
     * In place: copies `src` (same dtype and device, broadcast to this shape) into this tensor
     * and returns it. For leaf tensors only (parameters, buffers, gradients); records no
     * gradient, as under `noGrad`.
     */
    copy_(src: T): this;
    /** Copies this tensor to another backend (no autograd history). */
    to(device: string): Promise<T>;
    /**
     * The values formatted the way PyTorch prints a tensor (also what `console.log` shows in Node).
     */
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
  P.reshape = function (this: Tensor, ...shape: unknown[]) {
    return L.reshape(this, shapeArgs(shape));
  } as Tensor['reshape'];
  P.view = function (this: Tensor, ...shape: unknown[]) {
    return L.reshapeNamed('view', this, shapeArgs(shape));
  } as Tensor['view'];
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
  P.retainGrad = function () {
    retainGrad(this);
  };
  Object.defineProperty(P, 'retainsGrad', {
    get(this: Tensor) {
      return retainsGrad(this);
    },
    configurable: true,
  });
  P.numel = function () {
    return numel(this);
  };
  P.sizeAt = function (dim) {
    return sizeAt(this, dim);
  };
  P.viewAs = function (other) {
    return viewAs(this, other);
  };
  P.maskedFill = function (mask, value) {
    return maskedFill(this, mask, value);
  };
  P.indexSelect = function (dim, index) {
    return indexSelect(this, dim, index);
  };
  P.cumsum = function (dim) {
    return cumsum(this, dim);
  };
  P.sort = function (options) {
    return sort(this, options);
  };
  P.topk = function (k, options) {
    return topk(this, k, options);
  };
  P.zero_ = function () {
    zero_(this);
    return this;
  };
  P.fill_ = function (value) {
    fill_(this, value);
    return this;
  };
  P.copy_ = function (src) {
    copy_(this, src);
    return this;
  };
  P.to = async function (device: string) {
    this._check('to', 'tensor');
    const target = await startBackend('to', device);
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

/** The sizes of `x.reshape(...)` and `x.view(...)`: one array, or each size as an argument. */
function shapeArgs(args: readonly unknown[]): readonly number[] {
  return (args.length === 1 && Array.isArray(args[0]) ? args[0] : args) as readonly number[];
}
