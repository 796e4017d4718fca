import type { TypedArray } from './dtype.js';
import type { Tensor } from './tensor.js';

/**
 * Prints like PyTorch: `tensor([[1.0000, 2.0000], ...])`, four decimals for floats (scientific
 * when magnitudes are extreme), summarised with `...` past 1000 elements.
 */
export function formatTensor(t: Tensor): string {
  if (t.isDisposed) return `tensor(<disposed>, shape=[${t.shape.join(', ')}])`;
  const suffix = [
    t.dtype !== 'float32' && t.dtype !== 'int32' ? `dtype=${t.dtype}` : '',
    t.device !== 'cpu' ? `device='${t.device}'` : '',
    t.requiresGrad ? (t.isLeaf ? 'requiresGrad=true' : 'gradFn') : '',
  ].filter(Boolean);
  if (!t.backend.readSync)
    return `tensor(shape=[${t.shape.join(', ')}], ${[`dtype=${t.dtype}`, `device='${t.device}'`].join(', ')})`;
  const data = t.dataSync();
  const fmt = formatter(data, t.dtype);
  const summarise = t.size > 1000;
  const render = (dim: number, offset: number, indent: number): string => {
    if (t.rank === 0) return fmt(data[0] as number);
    const n = t.shape[dim] as number;
    const inner = t.shape.slice(dim + 1).reduce((a, b) => a * b, 1);
    const idx =
      summarise && n > 6
        ? [0, 1, 2, -1, n - 3, n - 2, n - 1]
        : Array.from({ length: n }, (_, i) => i);
    if (dim === t.rank - 1) {
      return `[${idx.map((i) => (i < 0 ? '...' : fmt(data[offset + i] as number))).join(', ')}]`;
    }
    const sep = `,${'\n'.repeat(t.rank - dim - 1)}${' '.repeat(indent + 1)}`;
    return `[${idx.map((i) => (i < 0 ? '...' : render(dim + 1, offset + i * inner, indent + 1))).join(sep)}]`;
  };
  const body = render(0, 0, 'tensor('.length);
  return `tensor(${body}${suffix.length ? `, ${suffix.join(', ')}` : ''})`;
}

function formatter(data: TypedArray, dtype: string): (v: number) => string {
  if (dtype === 'bool') return (v) => (v ? 'True' : 'False');
  if (dtype === 'int32') {
    const width = Math.max(1, ...Array.from(data.slice(0, 1000), (v) => String(v).length));
    return (v) => String(v).padStart(width);
  }
  let maxAbs = 0;
  let minAbs = Number.POSITIVE_INFINITY;
  let allInt = true;
  for (let i = 0; i < Math.min(data.length, 1000); i++) {
    const v = data[i] as number;
    if (!Number.isFinite(v)) continue;
    maxAbs = Math.max(maxAbs, Math.abs(v));
    if (v !== 0) minAbs = Math.min(minAbs, Math.abs(v));
    if (!Number.isInteger(v)) allInt = false;
  }
  const sci = maxAbs >= 1e8 || (minAbs < 1e-4 && minAbs !== Number.POSITIVE_INFINITY && !allInt);
  const raw = (v: number): string => {
    if (Number.isNaN(v)) return 'nan';
    if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
    if (sci) return v.toExponential(4).replace(/e([+-])(\d)$/, 'e$10$2');
    if (allInt) return `${v.toFixed(0)}.`;
    return v.toFixed(4);
  };
  const width = Math.max(1, ...Array.from(data.slice(0, 1000), (v) => raw(v).length));
  return (v) => raw(v).padStart(width);
}
