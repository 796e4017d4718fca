import type { Colour } from './colormap.js';

export interface HeatmapOptions {
  /** Maps a value (already scaled by `scale`) to a colour. */
  colour: (t: number) => Colour;
  /** Turns a raw value into the colour map's input (e.g. v / max). */
  scale: (v: number) => number;
  /** Accessible description of what the picture shows. */
  label?: string;
  className?: string;
}

/**
 * A `width × height` block of `values` (row-major, starting at `offset`) as a canvas of one
 * pixel per value; CSS scales it up with crisp pixels (`image-rendering: pixelated`).
 */
export function heatmap(
  values: ArrayLike<number>,
  width: number,
  height: number,
  options: HeatmapOptions,
  offset = 0,
): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  paintHeatmap(canvas, values, width, height, options, offset);
  canvas.className = options.className ?? 'map';
  if (options.label) {
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', options.label);
  }
  return canvas;
}

export function paintHeatmap(
  canvas: HTMLCanvasElement,
  values: ArrayLike<number>,
  width: number,
  height: number,
  options: Pick<HeatmapOptions, 'colour' | 'scale'>,
  offset = 0,
): void {
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
  const img = ctx.createImageData(width, height);
  for (let i = 0; i < width * height; i++) {
    const [r, g, b] = options.colour(options.scale(values[offset + i] as number));
    img.data[i * 4] = r;
    img.data[i * 4 + 1] = g;
    img.data[i * 4 + 2] = b;
    img.data[i * 4 + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

/** The largest absolute value in a range of `values`. */
export function maxAbs(values: ArrayLike<number>, from = 0, to = values.length): number {
  let m = 0;
  for (let i = from; i < to; i++) m = Math.max(m, Math.abs(values[i] as number));
  return m;
}
