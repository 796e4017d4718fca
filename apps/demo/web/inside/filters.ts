import { diverging } from '../ui/colormap.js';
import { h } from '../ui/dom.js';
import { heatmap, maxAbs, paintHeatmap } from '../ui/heatmap.js';

export interface FilterBank {
  element: HTMLElement;
  /** One canvas per 5×5 kernel slice, in the order `paintFilterBank` paints them. */
  canvases: HTMLCanvasElement[];
}

/**
 * One picture per 5×5 kernel slice: conv1's 6 filters in a row; conv2's 16 filters as columns,
 * one row per input channel (each conv2 filter reads all 6 of conv1's maps). Weights use a
 * diverging map (sign matters: red adds, blue subtracts), scaled by the bank's largest |weight|.
 */
export function filterBank(
  name: string,
  caption: string,
  w: Float32Array,
  shape: [number, number, number, number],
  id = `filters-${name}`,
): FilterBank {
  const [out, inC, kh, kw] = shape;
  const m = maxAbs(w) || 1;
  const grid = h('div', {
    class: `filter-grid filter-grid-${name}`,
    id,
    style: `--columns: ${out}`,
  });
  const canvases: HTMLCanvasElement[] = [];
  for (let c = 0; c < inC; c++) {
    for (let o = 0; o < out; o++) {
      const canvas = heatmap(
        w,
        kw,
        kh,
        {
          colour: diverging,
          scale: (v) => v / m,
          className: 'map filter',
          label: `${name} filter ${o + 1}, input channel ${c + 1}`,
        },
        (o * inC + c) * kh * kw,
      );
      canvases.push(canvas);
      grid.append(canvas);
    }
  }
  return {
    element: h('figure', { class: 'filter-bank' }, grid, h('figcaption', {}, caption)),
    canvases,
  };
}

/** Repaints a bank made by `filterBank` with new weights of the same shape; returns the scale. */
export function paintFilterBank(
  canvases: HTMLCanvasElement[],
  w: Float32Array,
  shape: [number, number, number, number],
): number {
  const [out, inC, kh, kw] = shape;
  const m = maxAbs(w) || 1;
  let i = 0;
  for (let c = 0; c < inC; c++) {
    for (let o = 0; o < out; o++) {
      paintHeatmap(
        canvases[i++] as HTMLCanvasElement,
        w,
        kw,
        kh,
        { colour: diverging, scale: (v) => v / m },
        (o * inC + c) * kh * kw,
      );
    }
  }
  return m;
}
