/**
 * What a direct kernel check works with: tensors uploaded straight to the backend (no core, no
 * autograd), the storages kernels return, and comparison with a reference that says which
 * output, which element, and by how much.
 */
import type { Backend, DType, KernelTensor, Shape, TypedArray } from '@stride/core';
import { compareTensors, type Tolerance } from './compare.js';
import type { FixtureDType } from './fixtures.js';
import { sizeOf } from './reference.js';

/**
 * What a direct kernel check works with: operands uploaded straight to the backend, the storages
 * kernels return, and comparisons with the reference. `dispose` frees everything it saw.
 */
export class KernelKit {
  /** Everything uploaded or returned in this check, freed by `dispose`. */
  private readonly storages = new Set<unknown>();

  /** @param backend The backend the kernels are called on (the recording proxy, in the suite). */
  constructor(readonly backend: Backend) {}

  /** Uploads `values` as a kernel operand of `shape` and `dtype` (float32 by default). */
  tensor(values: ArrayLike<number>, shape: Shape, dtype: DType = 'float32'): KernelTensor {
    if (values.length !== sizeOf(shape)) {
      throw new Error(`kit bug: ${values.length} values for shape [${shape.join(',')}]`);
    }
    return this.result(this.backend.upload(hostArray(values, dtype), dtype), shape, dtype);
  }

  /** A storage a kernel returned, as a tensor of `shape` and `dtype` (freed by `dispose`). */
  result(storage: unknown, shape: Shape, dtype: DType): KernelTensor {
    this.storages.add(storage);
    return { storage, shape, dtype };
  }

  /** Reads `t`'s values back from the backend. */
  async read(t: KernelTensor): Promise<TypedArray> {
    return this.backend.read(t.storage, t.dtype, sizeOf(t.shape));
  }

  /**
   * Reads `t` and compares it with `expected` (rounded to `t`'s dtype once); throws a message
   * that starts with `what`. Float32 uses the fixtures' rule (compare.ts), other dtypes match
   * exactly.
   */
  async expectValues(
    what: string,
    t: KernelTensor,
    expected: ArrayLike<number>,
    tolerance: Tolerance = {},
  ): Promise<void> {
    const values = await this.read(t);
    const dtype: FixtureDType = t.dtype === 'float64' ? 'float32' : t.dtype;
    const want = hostArray(expected, dtype) as Float32Array | Int32Array | Uint8Array;
    // float64 results are compared as float32: the reference is exact only to that.
    const got = t.dtype === 'float64' ? Float32Array.from(values) : values;
    const problem = compareTensors(
      what,
      { shape: t.shape, dtype, values: got },
      { shape: [...t.shape], dtype, values: want },
      tolerance,
    );
    if (problem) throw new Error(problem);
  }

  /** Frees every storage of this check, each once. */
  dispose(): void {
    for (const s of this.storages) this.backend.free(s);
    this.storages.clear();
  }
}

/** `values` as the host typed array of `dtype` (bool as 0/1 bytes). */
export function hostArray(values: ArrayLike<number>, dtype: DType): TypedArray {
  switch (dtype) {
    case 'float32':
      return Float32Array.from(values);
    case 'float64':
      return Float64Array.from(values);
    case 'int32':
      return Int32Array.from(values);
    case 'bool':
      return Uint8Array.from(values, (v) => (v !== 0 ? 1 : 0));
  }
}

/**
 * `n` reproducible values: multiples of 1/8 in [-2, 2], so that products and short sums are
 * exact in float32 and a mismatch is the kernel's, not rounding's.
 */
export function eighths(n: number, seed = 1): number[] {
  let h = seed * 2654435761;
  return Array.from({ length: n }, () => {
    h = (Math.imul(h, 1664525) + 1013904223) >>> 0;
    return ((h >>> 8) % 33) / 8 - 2;
  });
}

/** `n` distinct values (a permutation of -n/2 … n/2, scaled): no ties for max pooling. */
export function distinct(n: number): number[] {
  return Array.from({ length: n }, (_, i) => (((i * 7) % n) - n / 2) / 4);
}
