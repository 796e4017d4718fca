/**
 * Line plots of long signals on a canvas: thousands of samples squeezed into a few hundred pixel
 * columns, each column drawn from the smallest to the largest value that falls in it (so that a
 * one-sample click is not lost between two columns), with shaded spans and markers on top.
 */

export const COLOURS = {
  line: '#4f46e5',
  fill: 'rgba(79, 70, 229, 0.35)',
  silence: 'rgba(5, 150, 105, 0.16)',
  silenceEdge: '#059669',
  window: 'rgba(245, 158, 11, 0.28)',
  windowEdge: '#d97706',
  threshold: '#dc2626',
  axis: '#cbd5e1',
  text: '#64748b',
};

export interface Surface {
  ctx: CanvasRenderingContext2D;
  /** Size in CSS pixels. */
  width: number;
  height: number;
}

/**
 * Sizes the canvas's backing store to its laid-out width (times the device pixel ratio, for sharp
 * lines) and the given height, and returns a context that draws in CSS pixels.
 */
export function surface(canvas: HTMLCanvasElement, height: number): Surface {
  const width = Math.max(
    120,
    Math.round(canvas.clientWidth || canvas.parentElement?.clientWidth || 600),
  );
  const dpr = window.devicePixelRatio || 1;
  canvas.width = Math.round(width * dpr);
  canvas.height = Math.round(height * dpr);
  canvas.style.height = `${height}px`;
  const ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, width, height);
  return { ctx, width, height };
}

/**
 * Draws `values` (indices `0..count-1` mapped across the width; `count` defaults to their number)
 * as a min–max envelope per pixel column, with `y` mapping a value to a pixel row.
 */
export function envelope(
  s: Surface,
  values: ArrayLike<number>,
  y: (v: number) => number,
  options: { colour?: string; count?: number; step?: number } = {},
): void {
  const { ctx, width } = s;
  const n = values.length;
  if (n === 0) return;
  // Output j of a strided response stands for sample j · step.
  const step = options.step ?? 1;
  const count = options.count ?? n * step;
  ctx.strokeStyle = options.colour ?? COLOURS.line;
  ctx.lineWidth = 1;
  ctx.beginPath();
  for (let px = 0; px < width; px++) {
    const from = Math.floor(((px / width) * count) / step);
    const to = Math.max(from + 1, Math.floor((((px + 1) / width) * count) / step));
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (let i = from; i < Math.min(to, n); i++) {
      const v = values[i] as number;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    if (lo > hi) continue;
    const top = y(hi);
    const bottom = y(lo);
    ctx.moveTo(px + 0.5, top);
    ctx.lineTo(px + 0.5, Math.max(bottom, top + 1));
  }
  ctx.stroke();
}

/** Shades samples `start` to `end` (of `count`) across the full height. */
export function span(s: Surface, start: number, end: number, count: number, colour: string): void {
  const x0 = (Math.max(0, start) / count) * s.width;
  const x1 = (Math.min(count, end) / count) * s.width;
  s.ctx.fillStyle = colour;
  s.ctx.fillRect(x0, 0, Math.max(1, x1 - x0), s.height);
}

/** A horizontal line at row `y`, with a label at its right end. */
export function hline(s: Surface, y: number, colour: string, label?: string): void {
  const { ctx, width } = s;
  ctx.strokeStyle = colour;
  ctx.setLineDash([5, 4]);
  ctx.beginPath();
  ctx.moveTo(0, Math.round(y) + 0.5);
  ctx.lineTo(width, Math.round(y) + 0.5);
  ctx.stroke();
  ctx.setLineDash([]);
  if (label) {
    ctx.fillStyle = colour;
    ctx.font = '11px system-ui, sans-serif';
    ctx.textAlign = 'right';
    ctx.fillText(label, width - 4, y - 4);
  }
}

/** Small grey text in a corner, for axis hints. */
export function note(s: Surface, text: string, where: 'top' | 'bottom'): void {
  const { ctx } = s;
  ctx.fillStyle = COLOURS.text;
  ctx.font = '11px system-ui, sans-serif';
  ctx.textAlign = 'left';
  ctx.fillText(text, 4, where === 'top' ? 12 : s.height - 4);
}

/** A line through every value (for short signals, where each sample gets pixels of its own). */
export function polyline(
  s: Surface,
  values: ArrayLike<number>,
  y: (v: number) => number,
  colour: string = COLOURS.line,
  x: (i: number) => number = (i) => ((i + 0.5) / values.length) * s.width,
): void {
  const { ctx } = s;
  ctx.strokeStyle = colour;
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  for (let i = 0; i < values.length; i++) {
    const px = x(i);
    const py = y(values[i] as number);
    if (i === 0) ctx.moveTo(px, py);
    else ctx.lineTo(px, py);
  }
  ctx.stroke();
  ctx.lineWidth = 1;
}

/**
 * Vertical bars, one per value: filter taps. Signed taps grow from a middle line; with
 * `baseline: 'bottom'` (taps that are all positive) they grow from the bottom edge.
 */
export function bars(
  s: Surface,
  values: ArrayLike<number>,
  scale: number,
  colour: string,
  baseline: 'middle' | 'bottom' = 'middle',
): void {
  const { ctx, width, height } = s;
  const n = values.length;
  const base = baseline === 'middle' ? height / 2 : height - 1;
  const room = baseline === 'middle' ? height / 2 - 2 : height - 4;
  const w = width / n;
  ctx.strokeStyle = COLOURS.axis;
  ctx.beginPath();
  ctx.moveTo(0, base + 0.5);
  ctx.lineTo(width, base + 0.5);
  ctx.stroke();
  ctx.fillStyle = colour;
  const inset = Math.min(1, w * 0.15);
  for (let i = 0; i < n; i++) {
    const v = ((values[i] as number) / (scale || 1)) * room;
    ctx.fillRect(
      i * w + inset,
      v >= 0 ? base - v : base,
      Math.max(1, w - 2 * inset),
      Math.max(1, Math.abs(v)),
    );
  }
}
