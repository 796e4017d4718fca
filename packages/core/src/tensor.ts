import type { Backend, KernelTensor, Shape } from './backend.js';
import type { DType, TypedArray } from './dtype.js';
import { bytesPerElement, isFloat } from './dtype.js';
import { type BackendUsage, engine, track, untrack, usageOf } from './engine.js';
import { fail, fmtShape } from './errors.js';
import { shapesEqual, sizeOf } from './shape.js';
import { noteCreated } from './trace.js';

/**
 * Storage shared by tensors that view the same numbers (a reshape, a detach, a saved copy in
 * the autograd graph). Freed on the backend when the last holder releases it.
 */
export class DataRef {
  private refs = 1;
  readonly bytes: number;
  /** @internal The accounting record of the backend, looked up once rather than on every op. */
  readonly usage: BackendUsage;

  constructor(
    readonly backend: Backend,
    readonly storage: unknown,
    readonly dtype: DType,
    readonly size: number,
  ) {
    this.bytes = size * bytesPerElement(dtype);
    const u = usageOf(backend);
    this.usage = u;
    u.numBytes += this.bytes;
    u.numStorages += 1;
  }

  retain(): this {
    this.refs++;
    return this;
  }

  release(): void {
    if (--this.refs > 0) return;
    const u = this.usage;
    u.numBytes -= this.bytes;
    u.numStorages -= 1;
    this.backend.free(this.storage);
  }
}

/** The autograd graph node that produced a tensor (see autograd.ts); opaque here. */
export interface GradNode {
  retain(): void;
  release(): void;
}

let nextId = 0;

/** @internal The id the next tensor will get: every tensor made before has a smaller one. */
export function nextTensorId(): number {
  return nextId;
}

/**
 * An n-dimensional array on one backend. Tensors are values: ops return new tensors and never
 * change their inputs; only `assign` (used by optimizers on parameters) and the in-place methods
 * built on it (`zero_`, `fill_`, `copy_`, for leaf tensors) replace the numbers a tensor holds.
 */
export class Tensor {
  /** A number unique to this tensor within the program, counting up from 0 in creation order. */
  readonly id = nextId++;
  /** The size of each dimension, outermost first (`[]` for a scalar); frozen. */
  readonly shape: readonly number[];
  /** The element type. */
  readonly dtype: DType;
  /** The number of elements: the product of `shape` (1 for a scalar). */
  readonly size: number;
  /** @internal */ _ref: DataRef;
  /** @internal */ _node: GradNode | null = null;
  private _requiresGrad = false;
  private _disposed = false;
  private _grad: Tensor | null = null;

  /** @internal Use the creation functions (`tensor`, `zeros`, ...) instead. */
  constructor(ref: DataRef, shape: Shape, options?: { tracked?: boolean }) {
    this._ref = ref;
    // A frozen shape (another tensor's) can be shared as it is: nobody can change it.
    this.shape = Object.isFrozen(shape) ? shape : Object.freeze(shape.slice());
    this.dtype = ref.dtype;
    this.size = sizeOf(shape);
    ref.usage.numTensors += 1;
    if (options === undefined || options.tracked !== false) track(this);
    if (engine.trace !== null) noteCreated(this);
  }

  /**
   * The accumulated gradient of a leaf tensor after `backward()` (also of a non-leaf that called
   * `retainGrad()`), else null. The tensor owns it: replacing it (`p.grad = null`, as in PyTorch)
   * disposes the old gradient.
   */
  get grad(): Tensor | null {
    return this._grad;
  }

  /** Replaces the gradient (null clears it), disposing the old one unless it is `value` itself. */
  set grad(value: Tensor | null) {
    if (value !== null) checkGrad(this, value);
    const old = this._grad;
    this._grad = value;
    if (old && old !== value) old.dispose();
  }

  /** The number of dimensions (0 for a scalar). */
  get rank(): number {
    return this.shape.length;
  }

  /** Alias of `rank`, as in PyTorch. */
  get ndim(): number {
    return this.shape.length;
  }

  /** The backend that holds this tensor's storage. */
  get backend(): Backend {
    return this._ref.backend;
  }

  /** The name of the backend that holds this tensor, e.g. `'cpu'`. */
  get device(): string {
    return this._ref.backend.name;
  }

  /** Whether `dispose()` has been called; a disposed tensor throws a StrideError when used. */
  get isDisposed(): boolean {
    return this._disposed;
  }

  /**
   * Whether ops on this tensor record gradients: true for leaves you set it on and for results of
   * ops that recorded one.
   */
  get requiresGrad(): boolean {
    return this._requiresGrad;
  }

  /**
   * Turns gradient recording on (or off) for a leaf tensor, which then collects `.grad` in
   * `backward()`. Throws a StrideError for a non-float tensor, or when turning it off on a
   * non-leaf (use `detach()`).
   */
  set requiresGrad(value: boolean) {
    if (value && !isFloat(this.dtype)) {
      fail('requiresGrad', `only float tensors can require gradients, got ${this.dtype}`);
    }
    if (!value && this._node) {
      fail('requiresGrad', 'cannot turn off gradients of a non-leaf tensor; use detach()');
    }
    this._requiresGrad = value;
  }

  /** False for tensors made by an op that recorded a gradient function, true for all others. */
  get isLeaf(): boolean {
    return this._node === null;
  }

  /** @internal Marks an op's output as part of the autograd graph. */
  _setNode(node: GradNode): void {
    this._node = node;
    this._requiresGrad = true;
  }

  /** @internal Throws a clear error if this tensor was disposed; `fn`/`arg` name the caller. */
  _check(fn: string, arg = 'input'): this {
    if (this._disposed) {
      fail(fn, `${arg} ${fmtShape(this.shape)} was disposed and can no longer be used`);
    }
    return this;
  }

  /** @internal The view a kernel takes. */
  _kernel(): KernelTensor {
    return { storage: this._ref.storage, shape: this.shape, dtype: this.dtype };
  }

  /** Copies the values to a new typed array (the flat, row-major contents). */
  async data(): Promise<TypedArray> {
    this._check('data', 'tensor');
    const ref = this._ref;
    return ref.backend.read(ref.storage, ref.dtype, ref.size);
  }

  /** Synchronous `data()`, only on backends that can read synchronously (the CPU). */
  dataSync(): TypedArray {
    return this._readSync('dataSync', 'data');
  }

  /** @internal A synchronous read whose errors name `fn`; `asyncName` is its awaitable twin. */
  _readSync(fn: string, asyncName: string): TypedArray {
    this._check(fn, 'tensor');
    const { backend, storage, dtype, size } = this._ref;
    if (!backend.readSync) {
      fail(fn, `the '${backend.name}' backend cannot read synchronously; use await ${asyncName}()`);
    }
    return backend.readSync(storage, dtype, size);
  }

  /** The values as nested arrays (a number for a scalar). Booleans come back as true/false. */
  async array(): Promise<NestedArray> {
    return toNested(await this.data(), this.shape, this.dtype);
  }

  /**
   * Synchronous `array()`, only on backends that can read synchronously (the CPU); throws a
   * StrideError elsewhere.
   */
  arraySync(): NestedArray {
    return toNested(this._readSync('arraySync', 'array'), this.shape, this.dtype);
  }

  /** The value of a one-element tensor. */
  async item(): Promise<number> {
    this._check('item', 'tensor');
    if (this.size !== 1)
      fail('item', `tensor ${fmtShape(this.shape)} has ${this.size} elements, not 1`);
    const ref = this._ref;
    return (await ref.backend.read(ref.storage, ref.dtype, ref.size))[0] as number;
  }

  /**
   * Synchronous `item()`, only on backends that can read synchronously (the CPU); throws a
   * StrideError elsewhere or when the tensor has more than one element.
   */
  itemSync(): number {
    this._check('itemSync', 'tensor');
    if (this.size !== 1)
      fail('itemSync', `tensor ${fmtShape(this.shape)} has ${this.size} elements, not 1`);
    return this._readSync('itemSync', 'item')[0] as number;
  }

  /** Frees this tensor's storage (once no other tensor shares it) and its gradient. */
  dispose(): void {
    if (this._disposed) return;
    this._disposed = true;
    if (engine.scopes.length > 0) untrack(this);
    this._ref.usage.numTensors -= 1;
    this._ref.release();
    const node = this._node;
    if (node !== null) {
      this._node = null;
      node.release();
    }
    const grad = this._grad;
    if (grad !== null) {
      this._grad = null;
      grad.dispose();
    }
  }

  /**
   * Replaces this tensor's numbers with `value`'s (same shape, dtype and backend), in place.
   * Meant for optimizers updating parameters; the graph of earlier steps keeps the old numbers.
   */
  assign(value: Tensor): this {
    this._check('assign', 'target');
    value._check('assign', 'value');
    if (value.backend !== this.backend) {
      fail('assign', `value is on '${value.device}' but the target is on '${this.device}'`);
    }
    if (value.dtype !== this.dtype || !shapesEqual(value.shape, this.shape)) {
      fail(
        'assign',
        `value ${fmtShape(value.shape)} ${value.dtype} does not match target ${fmtShape(this.shape)} ${this.dtype}`,
      );
    }
    const old = this._ref;
    this._ref = value._ref.retain();
    old.release();
    return this;
  }
}

/**
 * A tensor's values as nested arrays, one level per dimension (a bare number or boolean for a
 * scalar).
 */
export type NestedArray = number | boolean | NestedArray[];

function toNested(flat: TypedArray, shape: Shape, dtype: DType): NestedArray {
  const asValue = (v: number): number | boolean => (dtype === 'bool' ? v !== 0 : v);
  if (shape.length === 0) return asValue(flat[0] as number);
  const build = (dim: number, offset: number): NestedArray[] => {
    const n = shape[dim] as number;
    const inner = sizeOf(shape.slice(dim + 1));
    const out: NestedArray[] = new Array(n);
    for (let i = 0; i < n; i++) {
      out[i] =
        dim === shape.length - 1
          ? asValue(flat[offset + i] as number)
          : build(dim + 1, offset + i * inner);
    }
    return out;
  };
  return build(0, 0);
}

/** @internal Wraps a kernel's output storage as a new tensor. */
export function fromStorage(
  backend: Backend,
  storage: unknown,
  shape: Shape,
  dtype: DType,
): Tensor {
  return new Tensor(new DataRef(backend, storage, dtype, sizeOf(shape)), shape);
}

/** @internal A new tensor sharing `t`'s storage with another shape (same size). */
export function shareStorage(t: Tensor, shape: Shape, tracked = true): Tensor {
  return new Tensor(t._ref.retain(), shape, tracked ? undefined : UNTRACKED);
}

const UNTRACKED = { tracked: false };

/** Whether `v` is a `Tensor` (disposed or not). */
export function isTensor(v: unknown): v is Tensor {
  return v instanceof Tensor;
}

export function gradEnabled(): boolean {
  return engine.gradEnabled;
}

/** What `p.grad = value` accepts: a live tensor of the parameter's shape, dtype and device. */
function checkGrad(param: Tensor, value: unknown): void {
  const fn = 'grad';
  if (!isTensor(value)) {
    fail(
      fn,
      `a gradient must be a Tensor or null, got ${value === undefined ? 'undefined' : typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`}`,
    );
  }
  value._check(fn, 'value');
  if (
    value.dtype !== param.dtype ||
    value.device !== param.device ||
    value.shape.length !== param.shape.length ||
    value.shape.some((d, i) => d !== param.shape[i])
  ) {
    fail(
      fn,
      `a gradient must match its tensor: got ${fmtShape(value.shape)} ${value.dtype} on '${value.device}' for ${fmtShape(param.shape)} ${param.dtype} on '${param.device}'`,
    );
  }
}
