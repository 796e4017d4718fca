// Draws what `plot(value)` recorded: a line for rank 1, a heatmap for rank 2, a row of heatmaps
// for rank 3. Heatmaps are grey from the smallest value (black) to the largest (white), or blue
// through white to red when the values have both signs, so zero stays white.
import type { PlotData } from './plot-data.js';

const svgNS = 'http://www.w3.org/2000/svg';

function range(values: number[]): [number, number] {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

/** The colour of `v` on the scale of [lo, hi] as RGB bytes. */
function colour(v: number, lo: number, hi: number): [number, number, number] {
  if (lo < 0 && hi > 0) {
    const m = Math.max(-lo, hi);
    const t = Math.min(1, Math.abs(v) / m);
    const fade = Math.round(255 * (1 - t));
    return v < 0 ? [fade, fade, 255] : [255, fade, fade];
  }
  const t = hi === lo ? 0.5 : (v - lo) / (hi - lo);
  const g = Math.round(255 * t);
  return [g, g, g];
}

/** One heatmap of an h×w block of `values` starting at `offset`, scaled to `lo`..`hi`. */
function heatmap(values: number[], offset: number, h: number, w: number, lo: number, hi: number) {
  const canvas = document.createElement('canvas');
  canvas.width = w;
  canvas.height = h;
  // About 160 px on the longer side, at least 6 px a cell: a 3×13 map stays readable.
  const cellSize = Math.max(6, Math.min(24, Math.floor(160 / Math.max(h, w))));
  canvas.style.width = `${w * cellSize}px`;
  canvas.style.height = `${h * cellSize}px`;
  canvas.style.imageRendering = 'pixelated';
  const ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
  const image = ctx.createImageData(w, h);
  for (let i = 0; i < h * w; i++) {
    const [r, g, b] = colour(values[offset + i] as number, lo, hi);
    image.data.set([r, g, b, 255], i * 4);
  }
  ctx.putImageData(image, 0, 0);
  return canvas;
}

function line(values: number[]): SVGSVGElement {
  const width = 480;
  const height = 120;
  const [lo, hi] = range(values);
  const span = hi - lo || 1;
  const svg = document.createElementNS(svgNS, 'svg');
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('class', 'live-plot-line');
  const x = (i: number) => (values.length === 1 ? width / 2 : (i / (values.length - 1)) * width);
  const y = (v: number) => height - 4 - ((v - lo) / span) * (height - 8);
  if (lo < 0 && hi > 0) {
    const axis = document.createElementNS(svgNS, 'line');
    axis.setAttribute('x1', '0');
    axis.setAttribute('x2', String(width));
    axis.setAttribute('y1', String(y(0)));
    axis.setAttribute('y2', String(y(0)));
    axis.setAttribute('class', 'axis');
    svg.append(axis);
  }
  const path = document.createElementNS(svgNS, 'polyline');
  path.setAttribute(
    'points',
    values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' '),
  );
  svg.append(path);
  return svg;
}

/** A figure for one plot: its title, the picture, and the range of the values. */
export function drawPlot(plot: PlotData): HTMLElement {
  const figure = document.createElement('figure');
  figure.className = 'live-plot';
  figure.dataset.shape = plot.shape.join('x');
  const [lo, hi] = range(plot.values);
  const pictures = document.createElement('div');
  pictures.className = 'live-plot-pictures';
  if (plot.shape.length === 1) {
    pictures.append(line(plot.values));
  } else {
    const [h, w] = plot.shape.slice(-2) as [number, number];
    const count = plot.shape.length === 3 ? (plot.shape[0] as number) : 1;
    for (let k = 0; k < count; k++) pictures.append(heatmap(plot.values, k * h * w, h, w, lo, hi));
  }
  figure.append(pictures);
  const caption = document.createElement('figcaption');
  const fmt = (v: number) => Number(v.toPrecision(4));
  const scale =
    plot.shape.length === 1
      ? `values ${fmt(lo)} to ${fmt(hi)}`
      : lo < 0 && hi > 0
        ? `blue: negative, white: 0, red: positive (±${fmt(Math.max(-lo, hi))})`
        : `black: ${fmt(lo)}, white: ${fmt(hi)}`;
  caption.textContent = `${plot.title ? `${plot.title} · ` : ''}shape [${plot.shape.join(', ')}] · ${scale}`;
  figure.append(caption);
  return figure;
}
