import { readFile, writeFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeSafetensors, encodeSafetensors, type Tensor, tensor, zeros } from '../src/index.js';
import { useCpu } from './setup.js';

// Both fixtures come from scripts/safetensors_cross_check.py: `write` makes the PyTorch one,
// and `check` verifies in PyTorch the Stride one that this file pins byte for byte.
// STRIDE_UPDATE_FIXTURES=1 rewrites the Stride fixture (then run the script's `check`).

beforeAll(useCpu);

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url);

const F32 = [-0.5, -0.25, 0, 0.25, 0.5, 0.75];
const F64 = [1 / 3, -2.5, 1e-300, 1e300];
const INTS = [0, -1, 2147483647, -2147483648];
const BN = {
  'bn.weight': [1, 0.5, 2],
  'bn.bias': [0, 0.25, -1],
  'bn.running_mean': [0.125, -0.5, 2],
  'bn.running_var': [1, 0.75, 4],
};

describe('safetensors fixtures shared with PyTorch', () => {
  it('loads the file PyTorch wrote, int64 included', async () => {
    const { tensors, metadata } = decodeSafetensors(
      await readFile(fixture('torch-tensors.safetensors')),
    );
    expect(metadata).toEqual({ format: 'pt' });
    const get = (name: string) => tensors[name] as Tensor;
    expect(Object.keys(tensors).length).toBe(12);
    expect(get('f32').shape).toEqual([2, 3]);
    expect(Array.from(get('f32').dataSync())).toEqual(F32);
    expect(get('f64').dtype).toBe('float64');
    expect(Array.from(get('f64').dataSync())).toEqual(F64);
    expect(get('i64').dtype).toBe('int32');
    expect(Array.from(get('i64').dataSync())).toEqual(INTS);
    expect(get('mask').arraySync()).toEqual([true, false, true]);
    expect(get('scalar').shape).toEqual([]);
    expect(get('scalar').itemSync()).toBe(3.5);
    expect(get('empty').shape).toEqual([0]);
    expect(get('empty2d').shape).toEqual([2, 0]);
    for (const [name, values] of Object.entries(BN))
      expect(Array.from(get(name).dataSync()), name).toEqual(values);
    // BatchNorm's counter as PyTorch stores it: a 0-d int64, read as int32.
    expect(get('bn.num_batches_tracked').shape).toEqual([]);
    expect(get('bn.num_batches_tracked').dtype).toBe('int32');
    expect(get('bn.num_batches_tracked').itemSync()).toBe(7);
  });

  it('writes exactly the file that PyTorch was shown to load', async () => {
    const tensors: Record<string, Tensor> = {
      f32: tensor(new Float32Array(F32), { shape: [2, 3] }),
      f64: tensor(new Float64Array(F64)),
      i32: tensor(new Int32Array(INTS)),
      mask: tensor([true, false, true]),
      scalar: tensor(3.5),
      empty: zeros([0]),
      empty2d: zeros([2, 0]),
      ...Object.fromEntries(Object.entries(BN).map(([k, v]) => [k, tensor(new Float32Array(v))])),
      'bn.num_batches_tracked': tensor(7, { dtype: 'int32' }),
    };
    const bytes = await encodeSafetensors(tensors, { format: 'pt' });
    const path = fixture('stride-tensors.safetensors');
    if (process.env.STRIDE_UPDATE_FIXTURES === '1') await writeFile(path, bytes);
    expect(Buffer.from(bytes).equals(await readFile(path))).toBe(true);
  });
});
