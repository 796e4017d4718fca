import { h } from '../ui/dom.js';
import type { EquivarianceResult } from './compare.js';
import { describeDifference, paintDifference, paintMap, setDifferenceData } from './paint.js';

export interface PlainView {
  readonly el: HTMLElement;
  show(result: EquivarianceResult, transformWords: string): void;
}

/** A labelled row of one small canvas per channel. */
function mapRow(id: string, label: string, channels: number, what: string) {
  const canvases = Array.from({ length: channels }, (_, c) =>
    h('canvas', { class: 'map eq-map', role: 'img', 'aria-label': `${what}, channel ${c + 1}` }),
  );
  const caption = h('p', { class: 'eq-row-label' }, label);
  const grid = h('div', { class: 'eq-maps', id, style: `--columns: ${channels}` }, ...canvases);
  return { canvases, el: h('div', { class: 'eq-row' }, caption, grid) };
}

/**
 * (a) The plain convolution: conv1's maps of the image and of its transform, channel by channel,
 * and the difference once the transform is undone on the second, with its largest value.
 */
export function plainView(channels: number): PlainView {
  const original = mapRow('eq-plain-original', 'conv1(x)', channels, 'conv1 map of the input');
  const transformed = mapRow(
    'eq-plain-transformed',
    'conv1(T x)',
    channels,
    'conv1 map of the transformed input',
  );
  const difference = mapRow(
    'eq-plain-difference',
    '|T⁻¹ conv1(T x) − conv1(x)|: the difference after undoing T',
    channels,
    'difference after undoing the transform',
  );
  const number = h('p', { class: 'eq-number', id: 'eq-plain-diff', 'aria-live': 'polite' });

  const show = (r: EquivarianceResult, transformWords: string) => {
    const { plain, size } = r;
    const area = size * size;
    let scale = plain.scale;
    for (const v of plain.transformed) scale = Math.max(scale, Math.abs(v));
    for (let c = 0; c < plain.planes; c++) {
      paintMap(original.canvases[c] as HTMLCanvasElement, plain.original, size, scale, c * area);
      paintMap(
        transformed.canvases[c] as HTMLCanvasElement,
        plain.transformed,
        size,
        scale,
        c * area,
      );
      paintDifference(
        difference.canvases[c] as HTMLCanvasElement,
        plain.difference,
        size,
        scale,
        c * area,
      );
    }
    const compared = r.mask.reduce((n, v) => n + v, 0);
    setDifferenceData(number, plain, compared);
    number.textContent = `Largest difference after undoing ${transformWords}: ${describeDifference(plain)}, over ${compared} of ${area} positions per map.`;
  };

  return {
    el: h(
      'div',
      { class: 'eq-view', id: 'eq-plain' },
      original.el,
      transformed.el,
      difference.el,
      number,
    ),
    show,
  };
}
