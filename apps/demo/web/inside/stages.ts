import type { Activation } from '../draw/inference.js';
import { diverging, sequential } from '../ui/colormap.js';
import { h } from '../ui/dom.js';
import { maxAbs, paintHeatmap } from '../ui/heatmap.js';

/** The layers whose outputs are worth a look, with what to call them. */
export const SHOWN: Record<string, string> = {
  conv1: 'conv1',
  act1: 'conv1 → ReLU',
  pool1: 'max pool 2×2',
  conv2: 'conv2',
  act2: 'conv2 → ReLU',
  pool2: 'max pool 2×2',
  act3: 'fc1 → ReLU',
  act4: 'fc2 → ReLU',
  fc3: 'fc3 (logits)',
};

export interface Stage {
  canvases: HTMLCanvasElement[];
  block: HTMLElement;
}

/**
 * One layer's output for one image: a canvas per channel for maps, one strip for a vector.
 * `attribute` names the data attribute that carries the layer's name.
 */
export function stageBlock(a: Activation, title: string, attribute = 'data-layer'): Stage {
  const isMap = a.shape.length === 3;
  const count = isMap ? (a.shape[0] as number) : 1;
  const canvases = Array.from({ length: count }, (_, i) => {
    const c = h('canvas', {
      class: `map ${isMap ? 'activation' : 'vector'}`,
      role: 'img',
      'aria-label': isMap ? `${a.name} channel ${i + 1}` : `${a.name}, ${a.shape[0]} values`,
    });
    return c;
  });
  const block = h(
    'figure',
    { class: `stage ${isMap ? '' : 'stage-vector'}`, [attribute]: a.name },
    h('figcaption', {}, h('strong', {}, title), ` · ${a.shape.join(' × ')}`),
    h('div', { class: 'stage-maps', style: `--columns: ${Math.min(count, 8)}` }, ...canvases),
  );
  return { canvases, block };
}

/** Convolution outputs before ReLU have a sign, shown with the diverging map as for weights. */
const SIGNED = new Set(['conv1', 'conv2']);

/**
 * Paints a layer's output: maps scaled per layer by their largest value (signed ones with the
 * diverging map), vectors by their range (logits can be negative).
 */
export function paintStage(canvases: HTMLCanvasElement[], a: Activation): void {
  if (a.shape.length === 3) {
    const [c, hh, ww] = a.shape as [number, number, number];
    const m = maxAbs(a.data) || 1;
    const signed = SIGNED.has(a.name);
    for (let i = 0; i < c; i++) {
      paintHeatmap(
        canvases[i] as HTMLCanvasElement,
        a.data,
        ww,
        hh,
        signed
          ? { colour: diverging, scale: (v) => v / m }
          : { colour: sequential, scale: (v) => v / m },
        i * hh * ww,
      );
    }
    return;
  }
  let lo = 0;
  let hi = 0;
  for (const v of a.data) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const span = hi - lo || 1;
  paintHeatmap(canvases[0] as HTMLCanvasElement, a.data, a.data.length, 1, {
    colour: sequential,
    scale: (v) => (v - lo) / span,
  });
}
