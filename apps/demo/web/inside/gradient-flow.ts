import { h } from '../ui/dom.js';
import type { InsideSnapshot, LearnableName } from './training-snapshot.js';
import { LEARNABLE } from './training-snapshot.js';

/** The log axis of the bars and the history: RMS gradients from 10⁻⁷ to 1. */
const LOG_MIN = -7;
const LOG_MAX = 0;
/** Refreshes kept in each layer's history line. */
export const HISTORY = 40;

/** Where `v` sits on the log axis, 0 to 1 (clamped; 0 for zero). */
export function logPosition(v: number): number {
  if (!(v > 0)) return 0;
  return Math.min(1, Math.max(0, (Math.log10(v) - LOG_MIN) / (LOG_MAX - LOG_MIN)));
}

/** A gradient's size as the view writes it: three significant digits in scientific notation. */
export function formatGradient(v: number): string {
  return Number.isFinite(v) ? v.toExponential(2) : String(v);
}

const WHAT: Record<LearnableName, string> = {
  conv1: 'conv1 (first convolution)',
  conv2: 'conv2 (second convolution)',
  fc1: 'fc1 (fully connected)',
  fc2: 'fc2 (fully connected)',
  fc3: 'fc3 (logits)',
};

interface Row {
  row: HTMLElement;
  outputBar: HTMLElement;
  outputValue: HTMLElement;
  weightBar: HTMLElement;
  weightValue: HTMLElement;
  history: HTMLCanvasElement;
  past: { output: number; weight: number }[];
}

/**
 * The backward pass made visible: for each learnable layer, from the loss back to the input, how
 * large the gradient is where it reaches the layer (the RMS of ∂loss/∂output over the batch) and
 * how large the gradient of its weights is (the RMS of ∂loss/∂W), as bars on a log axis, with the
 * last few refreshes as a line beside them.
 */
export function gradientFlowView(): {
  element: HTMLElement;
  update: (s: InsideSnapshot) => void;
  reset: () => void;
} {
  const rows = new Map<LearnableName, Row>();
  const body = h('div', { class: 'flow-rows', role: 'list' });
  // Backward order: the loss at the top, the input at the bottom.
  for (const name of [...LEARNABLE].reverse()) {
    const outputBar = h('span', { class: 'flow-bar flow-output' });
    const weightBar = h('span', { class: 'flow-bar flow-weight' });
    const outputValue = h('span', { class: 'flow-value' }, '–');
    const weightValue = h('span', { class: 'flow-value' }, '–');
    const history = h('canvas', {
      class: 'flow-history',
      width: 160,
      height: 48,
      role: 'img',
      'aria-label': `${name}: gradient sizes over the last refreshes`,
    });
    const row = h(
      'div',
      { class: 'flow-row', role: 'listitem', 'data-layer': name },
      h('span', { class: 'flow-name' }, WHAT[name]),
      h(
        'span',
        { class: 'flow-pair' },
        h('span', { class: 'flow-label' }, '∂loss/∂output'),
        h('span', { class: 'flow-track' }, outputBar),
        outputValue,
      ),
      h(
        'span',
        { class: 'flow-pair' },
        h('span', { class: 'flow-label' }, '∂loss/∂weights'),
        h('span', { class: 'flow-track' }, weightBar),
        weightValue,
      ),
      history,
    );
    body.append(row);
    rows.set(name, { row, outputBar, outputValue, weightBar, weightValue, history, past: [] });
  }
  const element = h(
    'div',
    { class: 'flow', id: 'live-gradients' },
    h('p', { class: 'flow-direction', 'aria-hidden': 'true' }, 'loss ↓ backward pass ↓ input'),
    body,
    h(
      'p',
      { class: 'legend' },
      h('span', { class: 'swatch flow-output' }),
      'gradient reaching the layer (∂loss/∂output)',
      h('span', { class: 'swatch flow-weight' }),
      'gradient of its weights (∂loss/∂W)',
      ' · RMS over the batch, log scale from 10⁻⁷ to 1',
    ),
  );

  const update = (s: InsideSnapshot) => {
    for (const layer of s.layers) {
      const r = rows.get(layer.name) as Row;
      const g = layer.gradient;
      r.row.dataset.output = String(g.output);
      r.row.dataset.weight = String(g.weight);
      r.row.dataset.bias = String(g.bias);
      r.outputBar.style.width = `${(100 * logPosition(g.output)).toFixed(1)}%`;
      r.weightBar.style.width = `${(100 * logPosition(g.weight)).toFixed(1)}%`;
      r.outputValue.textContent = formatGradient(g.output);
      r.weightValue.textContent = formatGradient(g.weight);
      r.past.push({ output: g.output, weight: g.weight });
      if (r.past.length > HISTORY) r.past.shift();
      r.row.dataset.history = String(r.past.length);
      paintHistory(r.history, r.past);
    }
    element.dataset.step = String(s.step);
  };

  const reset = () => {
    for (const r of rows.values()) {
      r.past = [];
      for (const key of ['output', 'weight', 'bias', 'history']) delete r.row.dataset[key];
      r.outputBar.style.width = '0';
      r.weightBar.style.width = '0';
      r.outputValue.textContent = '–';
      r.weightValue.textContent = '–';
      paintHistory(r.history, []);
    }
    delete element.dataset.step;
  };

  return { element, update, reset };
}

function paintHistory(canvas: HTMLCanvasElement, past: { output: number; weight: number }[]) {
  const ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
  const { width, height } = canvas;
  ctx.clearRect(0, 0, width, height);
  ctx.strokeStyle = '#e2e8f0';
  ctx.lineWidth = 1;
  // A line at every second decade.
  for (let d = LOG_MIN; d <= LOG_MAX; d += 2) {
    const y = height - 2 - logPosition(10 ** d) * (height - 4);
    ctx.beginPath();
    ctx.moveTo(0, y);
    ctx.lineTo(width, y);
    ctx.stroke();
  }
  const line = (key: 'output' | 'weight', colour: string) => {
    if (past.length === 0) return;
    ctx.strokeStyle = colour;
    ctx.lineWidth = 2;
    ctx.beginPath();
    past.forEach((p, i) => {
      const x = past.length === 1 ? width / 2 : (i / (HISTORY - 1)) * (width - 4) + 2;
      const y = height - 2 - logPosition(p[key]) * (height - 4);
      if (i === 0) ctx.moveTo(x, y);
      else ctx.lineTo(x, y);
    });
    ctx.stroke();
  };
  line('output', '#4f46e5');
  line('weight', '#f59e0b');
}
