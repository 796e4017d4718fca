import { diverging } from '../ui/colormap.js';
import { h } from '../ui/dom.js';
import { maxAbs, paintHeatmap } from '../ui/heatmap.js';
import type { EquivarianceResult } from './compare.js';
import { describeDifference, paintDifference, paintMap, setDifferenceData } from './paint.js';
import { type PlaneTransform, quarterTurns, rotatePlane } from './transform.js';

export interface P4View {
  readonly el: HTMLElement;
  /** Shows channel `channel` of `result`; `weights` are the filters `[O, 1, k, k]` it used. */
  show(
    result: EquivarianceResult,
    weights: Float32Array,
    kernel: number,
    t: PlaneTransform,
    transformWords: string,
  ): void;
}

const ROTATIONS = [0, 1, 2, 3] as const;

interface Cell {
  figure: HTMLElement;
  canvas: HTMLCanvasElement;
  caption: HTMLElement;
}

function cellRow(id: string, label: string, what: string) {
  const cells: Cell[] = ROTATIONS.map((r) => {
    const canvas = h('canvas', {
      class: 'map eq-map',
      role: 'img',
      'aria-label': `${what}, rotation plane ${r}`,
    });
    const caption = h('figcaption', {});
    return {
      canvas,
      caption,
      figure: h('figure', { class: `eq-plane eq-r${r}`, 'data-rotation': r }, canvas, caption),
    };
  });
  return {
    cells,
    el: h(
      'div',
      { class: 'eq-row' },
      h('p', { class: 'eq-row-label' }, label),
      h('div', { class: 'eq-maps eq-planes', id }, ...cells.map((c) => c.figure)),
    ),
  };
}

/**
 * (b) The p4 lifting convolution, one channel at a time: its filter in the four quarter turns,
 * the four rotation planes of the image's map and of the transformed image's map, and the
 * difference once the transform is undone. Each plane of the transformed map is framed in the
 * colour of the plane of the original map it came from, so that the cyclic shift of the rotation
 * axis shows.
 */
export function p4View(channels: number): P4View {
  const picker = h('select', { id: 'eq-channel', 'aria-describedby': 'eq-channel-hint' });
  for (let c = 0; c < channels; c++) {
    picker.append(h('option', { value: c }, `filter ${c + 1} of conv1`));
  }
  const filters = cellRow('eq-p4-filters', 'the filter turned r × 90°', 'filter');
  const original = cellRow(
    'eq-p4-original',
    'p4(x): one plane per rotation r',
    'p4 map of the input',
  );
  const transformed = cellRow(
    'eq-p4-transformed',
    'p4(T x): each plane framed in the colour of the plane of p4(x) it came from',
    'p4 map of the transformed input',
  );
  const difference = cellRow(
    'eq-p4-difference',
    'the difference after undoing T and rolling the rotation axis back',
    'difference after undoing the transform',
  );
  const permutation = h('p', { class: 'eq-permutation', id: 'eq-permutation' });
  const number = h('p', { class: 'eq-number', id: 'eq-p4-diff', 'aria-live': 'polite' });

  let last: Parameters<P4View['show']> | null = null;

  const show: P4View['show'] = (r, weights, kernel, t, transformWords) => {
    last = [r, weights, kernel, t, transformWords];
    const o = Number(picker.value);
    const { p4, size } = r;
    const area = size * size;
    const k = quarterTurns(t.turns);
    const filterScale = maxAbs(weights, o * kernel * kernel, (o + 1) * kernel * kernel) || 1;
    let scale = 0;
    for (let i = o * 4 * area; i < (o + 1) * 4 * area; i++) {
      scale = Math.max(
        scale,
        Math.abs(p4.original[i] as number),
        Math.abs(p4.transformed[i] as number),
      );
    }
    for (const rot of ROTATIONS) {
      const plane = (o * 4 + rot) * area;
      const turned = rotatePlane(weights, kernel, rot, o * kernel * kernel);
      const f = filters.cells[rot] as Cell;
      paintHeatmap(f.canvas, turned, kernel, kernel, {
        colour: diverging,
        scale: (v) => v / filterScale,
      });
      f.caption.textContent = `${rot * 90}°`;
      const a = original.cells[rot] as Cell;
      paintMap(a.canvas, p4.original, size, scale, plane);
      a.caption.textContent = `plane ${rot}`;
      // Plane rot of p4(T x) is plane (rot − k) of p4(x), turned k times (and shifted).
      const from = quarterTurns(rot - k);
      const b = transformed.cells[rot] as Cell;
      paintMap(b.canvas, p4.transformed, size, scale, plane);
      b.figure.className = `eq-plane eq-r${from}`;
      b.figure.dataset.source = String(from);
      b.caption.textContent = k === 0 ? `plane ${rot} (from ${from})` : `plane ${rot} ← ${from}`;
      paintDifference((difference.cells[rot] as Cell).canvas, p4.difference, size, scale, plane);
    }
    const moves = ROTATIONS.map((s) => quarterTurns(s + k));
    permutation.dataset.perm = moves.join(',');
    permutation.textContent =
      k === 0
        ? 'No turn: every plane stays on its rotation (0→0, 1→1, 2→2, 3→3); a shift only moves them.'
        : `Turned by ${k * 90}°: every plane turns by ${k * 90}° and moves along the rotation axis, ${ROTATIONS.map((s) => `${s}→${moves[s]}`).join(', ')}.`;
    const compared = r.mask.reduce((n, v) => n + v, 0);
    setDifferenceData(number, p4, compared);
    number.textContent = `Largest difference after undoing ${transformWords} and rolling the rotation axis back, over all ${p4.planes / 4} channels and 4 planes: ${describeDifference(p4)}.`;
  };

  picker.addEventListener('change', () => {
    if (last) show(...last);
  });

  return {
    el: h(
      'div',
      { class: 'eq-view', id: 'eq-p4' },
      h(
        'div',
        { class: 'field eq-channel-field' },
        h('label', { for: 'eq-channel' }, 'Channel shown'),
        picker,
        h(
          'small',
          { class: 'hint', id: 'eq-channel-hint' },
          'The numbers below cover all channels; this picks the one drawn.',
        ),
      ),
      filters.el,
      original.el,
      transformed.el,
      difference.el,
      permutation,
      number,
    ),
    show,
  };
}
