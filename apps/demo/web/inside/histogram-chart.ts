import { h } from '../ui/dom.js';
import type { Histogram } from './histogram.js';

export interface HistogramChart {
  element: HTMLElement;
  update: (hist: Histogram, total: number) => void;
}

/**
 * A histogram as a small bar chart with a line at zero and the range written under it. Bar
 * heights grow with the square root of the count, so that a few hundred values beside a peak of
 * a hundred thousand (conv1's output over the blank background) still show. The counts and edges
 * are in data attributes for whoever inspects the page.
 */
export function histogramChart(id: string, label: string, colour: string): HistogramChart {
  const canvas = h('canvas', {
    class: 'hist-canvas',
    id,
    width: 192,
    height: 64,
    role: 'img',
    'aria-label': label,
  });
  const range = h('figcaption', { class: 'hist-range' }, '–');
  const element = h('figure', { class: 'hist' }, canvas, range);

  const update = (hist: Histogram, total: number) => {
    const ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
    const { width, height } = canvas;
    ctx.clearRect(0, 0, width, height);
    const bins = hist.counts.length;
    let top = 0;
    for (const c of hist.counts) top = Math.max(top, c);
    const barWidth = width / bins;
    ctx.fillStyle = colour;
    hist.counts.forEach((c, i) => {
      const barHeight = top > 0 ? Math.sqrt(c / top) * (height - 2) : 0;
      ctx.fillRect(i * barWidth + 0.5, height - barHeight, barWidth - 1, barHeight);
    });
    // Zero sits at the middle: the range is symmetric.
    ctx.fillStyle = '#0f172a';
    ctx.fillRect(width / 2 - 0.5, 0, 1, height);
    const lo = hist.edges[0] as number;
    const hi = hist.edges[bins] as number;
    range.textContent = `${fmt(lo)} … 0 … ${fmt(hi)} · ${((100 * hist.negative) / Math.max(1, total)).toFixed(0)}% below 0`;
    canvas.dataset.counts = Array.from(hist.counts).join(',');
    canvas.dataset.lo = String(lo);
    canvas.dataset.hi = String(hi);
    canvas.dataset.total = String(total);
    canvas.setAttribute(
      'aria-label',
      `${label}: ${total.toLocaleString('en')} values from ${fmt(lo)} to ${fmt(hi)}, ${hist.negative.toLocaleString('en')} below zero`,
    );
  };
  return { element, update };
}

function fmt(v: number): string {
  const a = Math.abs(v);
  return a !== 0 && (a < 0.01 || a >= 1000) ? v.toExponential(1) : v.toFixed(2);
}
