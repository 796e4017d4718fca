import { conv2d, noGrad, tidy, zeros } from '@stride/core';
import { LeNet5, summary } from '@stride/layers';
import { h, numberInput } from '../ui/dom.js';
import {
  type ConvSettings,
  convOutputSize,
  effectiveKernel,
  isPadding,
  tapsOf,
} from './conv-size.js';

const LIMITS: Record<
  keyof ConvSettings,
  { min: number; max: number; label: string; symbol: string }
> = {
  input: { min: 1, max: 32, label: 'Input size', symbol: 'W' },
  kernel: { min: 1, max: 9, label: 'Kernel size', symbol: 'F' },
  stride: { min: 1, max: 5, label: 'Stride', symbol: 'S' },
  padding: { min: 0, max: 6, label: 'Padding', symbol: 'P' },
  dilation: { min: 1, max: 4, label: 'Dilation', symbol: 'D' },
};

/**
 * What each LeNet-5 layer is, by its name: `summary()` reports class names, which a minifying
 * production build shortens.
 */
const KIND: Record<string, string> = { conv: 'Conv2d 5×5', act: 'ReLU', pool: 'MaxPool2d 2×2' };

/** The shape `conv2d` itself returns for these settings: the formula checked by the library. */
function conv2dShape(s: ConvSettings): number[] | string {
  try {
    return tidy(() =>
      noGrad(() =>
        conv2d(
          zeros([1, 1, s.input, s.input], { device: 'cpu' }),
          zeros([1, 1, s.kernel, s.kernel], { device: 'cpu' }),
          {
            stride: s.stride,
            padding: s.padding,
            dilation: s.dilation,
          },
        ).shape.slice(),
      ),
    );
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/**
 * Panel 5: convolution arithmetic. The output size from the formula (and from `conv2d`), an
 * animation of the kernel sliding over the padded input, and receptive fields: of one layer,
 * and how they grow through LeNet-5.
 */
export function arithmeticPanel(): HTMLElement {
  const settings: ConvSettings = { input: 7, kernel: 3, stride: 1, padding: 0, dilation: 1 };
  const inputs = {} as Record<keyof ConvSettings, HTMLInputElement>;
  const fields = (Object.keys(LIMITS) as (keyof ConvSettings)[]).map((key) => {
    const l = LIMITS[key];
    const input = numberInput(`arith-${key}`, settings[key], { min: l.min, max: l.max, step: 1 });
    inputs[key] = input;
    input.addEventListener('input', () => {
      const v = Math.round(Number(input.value));
      if (!Number.isFinite(v) || v < l.min || v > l.max) {
        input.setAttribute('aria-invalid', 'true');
        return;
      }
      input.removeAttribute('aria-invalid');
      settings[key] = v;
      update();
    });
    return h(
      'div',
      { class: 'field' },
      h('label', { for: input.id }, `${l.label} `, h('var', {}, l.symbol)),
      input,
    );
  });

  const output = h('output', {
    id: 'arith-output',
    class: 'big-number',
    for: Object.values(inputs)
      .map((i) => i.id)
      .join(' '),
  });
  const formula = h('p', { class: 'formula', id: 'arith-formula' });
  const check = h('p', { class: 'hint', id: 'arith-check' });
  const receptive = h('p', { class: 'hint', id: 'arith-receptive' });
  const canvas = h('canvas', {
    id: 'arith-canvas',
    class: 'arith-canvas',
    role: 'img',
    'aria-label': 'The kernel sliding over the padded input (left) and the output it fills (right)',
  });
  const play = h(
    'button',
    { type: 'button', id: 'arith-play', class: 'secondary', 'aria-pressed': 'true' },
    'Pause',
  );
  const stepBtn = h(
    'button',
    { type: 'button', id: 'arith-step', class: 'secondary' },
    'Next position',
  );

  let position = 0;
  const reduced = matchMedia('(prefers-reduced-motion: reduce)').matches;
  let playing = !reduced;
  if (!playing) {
    play.textContent = 'Play';
    play.setAttribute('aria-pressed', 'false');
  }

  const draw = () => {
    const s = settings;
    const out = convOutputSize(s);
    const padded = s.input + 2 * s.padding;
    const cell = Math.max(6, Math.min(22, Math.floor(300 / Math.max(padded, out, 1))));
    const gap = 28;
    const width = padded * cell + gap + Math.max(out, 1) * cell;
    const height = Math.max(padded, out, 1) * cell;
    const dpr = window.devicePixelRatio || 1;
    canvas.width = Math.ceil(width * dpr);
    canvas.height = Math.ceil(height * dpr);
    canvas.style.aspectRatio = `${width} / ${height}`;
    canvas.style.maxWidth = `${width}px`;
    const ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    const oy = Math.floor((height - padded * cell) / 2);
    const taps = new Set<string>();
    const ox = position % Math.max(out, 1);
    const oyPos = Math.floor(position / Math.max(out, 1));
    if (out > 0) {
      for (const r of tapsOf(s, oyPos)) for (const c of tapsOf(s, ox)) taps.add(`${r},${c}`);
    }
    for (let r = 0; r < padded; r++) {
      for (let c = 0; c < padded; c++) {
        const pad = isPadding(s, r) || isPadding(s, c);
        ctx.fillStyle = taps.has(`${r},${c}`) ? '#f59e0b' : pad ? '#f1f5f9' : '#c7d2fe';
        ctx.fillRect(c * cell + 1, oy + r * cell + 1, cell - 2, cell - 2);
        if (pad) {
          ctx.strokeStyle = '#cbd5e1';
          ctx.strokeRect(c * cell + 1.5, oy + r * cell + 1.5, cell - 3, cell - 3);
        }
      }
    }
    if (out > 0) {
      // The receptive field of this output: the span from the first tap to the last.
      const span = effectiveKernel(s);
      ctx.strokeStyle = '#b45309';
      ctx.lineWidth = 2;
      ctx.strokeRect(ox * s.stride * cell, oy + oyPos * s.stride * cell, span * cell, span * cell);
      ctx.lineWidth = 1;
    }
    const left = padded * cell + gap;
    const top = Math.floor((height - out * cell) / 2);
    for (let r = 0; r < out; r++) {
      for (let c = 0; c < out; c++) {
        const i = r * out + c;
        ctx.fillStyle = i === position ? '#f59e0b' : i < position ? '#a7f3d0' : '#e2e8f0';
        ctx.fillRect(left + c * cell + 1, top + r * cell + 1, cell - 2, cell - 2);
      }
    }
    ctx.fillStyle = '#64748b';
    ctx.font = '14px system-ui, sans-serif';
    ctx.fillText('→', padded * cell + gap / 2 - 6, height / 2 + 5);
  };

  const update = () => {
    const s = settings;
    const out = convOutputSize(s);
    const k = effectiveKernel(s);
    output.textContent = out > 0 ? `${out} × ${out}` : 'no output';
    output.dataset.value = String(out);
    formula.textContent =
      `⌊(W + 2P − D·(F − 1) − 1) / S⌋ + 1 = ⌊(${s.input} + ${2 * s.padding} − ${s.dilation}·${s.kernel - 1} − 1) / ${s.stride}⌋ + 1 = ` +
      (out > 0
        ? String(out)
        : `${Math.floor((s.input + 2 * s.padding - k) / s.stride) + 1} → no output`) +
      (s.dilation === 1 ? `   (with D = 1: ⌊(W − F + 2P) / S⌋ + 1)` : '');
    const shape = out > 0 ? conv2dShape(s) : null;
    check.textContent =
      out === 0
        ? `The kernel spans ${k} pixels but the padded input has only ${s.input + 2 * s.padding}: there is nowhere to place it.`
        : Array.isArray(shape)
          ? `conv2d on a [1, 1, ${s.input}, ${s.input}] input returns [${shape.join(', ')}].`
          : `conv2d: ${shape}`;
    check.dataset.shape = Array.isArray(shape) ? shape.join(',') : '';
    receptive.textContent =
      `Each output pixel sees ${k} × ${k} input pixels (the kernel ${s.kernel} × ${s.kernel}` +
      (s.dilation > 1 ? ` spread out by dilation ${s.dilation}` : '') +
      `), and neighbouring outputs are ${s.stride} pixel${s.stride > 1 ? 's' : ''} apart in the input.`;
    position = 0;
    draw();
  };

  let last = 0;
  // The animation only runs while the canvas is on screen.
  let visible = false;
  new IntersectionObserver((entries) => {
    visible = entries.some((e) => e.isIntersecting);
  }).observe(canvas);
  const tick = (now: number) => {
    if (playing && visible && now - last > 450) {
      last = now;
      const count = convOutputSize(settings) ** 2;
      position = count > 0 ? (position + 1) % count : 0;
      draw();
    }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);

  play.addEventListener('click', () => {
    playing = !playing;
    play.textContent = playing ? 'Pause' : 'Play';
    play.setAttribute('aria-pressed', String(playing));
  });
  stepBtn.addEventListener('click', () => {
    const count = convOutputSize(settings) ** 2;
    position = count > 0 ? (position + 1) % count : 0;
    draw();
  });

  // How receptive fields grow through a real network: `summary` follows them layer by layer.
  const table = h('table', { class: 'summary', id: 'arith-lenet' });
  const lenet = new LeNet5({ device: 'cpu' });
  const rows = summary(lenet, [1, 1, 28, 28]).rows.filter((r) => r.outputShape.length === 4);
  lenet.dispose();
  table.append(
    h(
      'caption',
      {},
      'Receptive fields through LeNet-5, from summary(): stacking layers widens them',
    ),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { scope: 'col' }, 'layer'),
        h('th', { scope: 'col' }, 'output'),
        h('th', { scope: 'col' }, 'receptive field'),
        h('th', { scope: 'col' }, 'jump'),
      ),
    ),
    h(
      'tbody',
      {},
      ...rows.map((r) =>
        h(
          'tr',
          {},
          h('td', {}, `${r.name} (${KIND[r.name.replace(/\d+$/, '')] ?? r.type})`),
          h('td', {}, r.outputShape.slice(1).join('×')),
          h('td', {}, `${r.receptiveField.join('×')} px`),
          h('td', {}, String(r.jump[0])),
        ),
      ),
    ),
  );

  update();

  return h(
    'section',
    { class: 'panel', id: 'arithmetic', 'aria-labelledby': 'arith-title' },
    h('h2', { id: 'arith-title' }, h('span', { class: 'step' }, '5'), 'Convolution arithmetic'),
    h(
      'p',
      { class: 'lead' },
      'How big is the output of a convolution? Choose the settings and watch the kernel slide.',
    ),
    h('div', { class: 'controls arith-controls' }, ...fields),
    h(
      'div',
      { class: 'arith-result' },
      h('span', { class: 'eyebrow' }, 'Output size'),
      output,
      formula,
      check,
    ),
    h('div', { class: 'arith-anim' }, canvas),
    h('div', { class: 'row' }, play, stepBtn),
    receptive,
    table,
  );
}
