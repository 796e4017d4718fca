import './arithmetic.css';
import { LeNet5, summary } from '@stride/layers';
import { h, numberInput, select } from '../ui/dom.js';
import { pytorchCode, strideCode } from './calls.js';
import { type Example, type ExampleOk, runExample } from './example.js';
import { formulaLine } from './formula.js';
import type { AxisMap } from './geometry.js';
import { type Block, type CellStyle, cellSizeFor, drawBlocks, lift, unlift } from './grid-view.js';
import { channelLinks, isDepthwise } from './grouping.js';
import { drawGrouping } from './grouping-view.js';
import {
  type ArithSettings,
  type ConvMode,
  DEFAULT_SETTINGS,
  fieldProblem,
  limitsFor,
  type NumberSetting,
  type SpatialDims,
} from './settings.js';
import { ravel, type Step, type Stepper, stepper } from './steps.js';

/** The number fields, in the order they appear, with their element ids. */
const FIELDS: readonly [NumberSetting, string][] = [
  ['input', 'arith-input'],
  ['kernel', 'arith-kernel'],
  ['stride', 'arith-stride'],
  ['padding', 'arith-padding'],
  ['dilation', 'arith-dilation'],
  ['outputPadding', 'arith-output-padding'],
  ['inChannels', 'arith-in-channels'],
  ['outChannels', 'arith-out-channels'],
  ['groups', 'arith-groups'],
];

/**
 * What each LeNet-5 layer is, by its name: `summary()` reports class names, which a minifying
 * production build shortens.
 */
const KIND: Record<string, string> = { conv: 'Conv2d 5×5', act: 'ReLU', pool: 'MaxPool2d 2×2' };

const COLOUR = {
  input: '#c7d2fe',
  padding: '#f1f5f9',
  paddingLine: '#cbd5e1',
  inserted: '#f8fafc',
  insertedLine: '#a5b4fc',
  read: '#f59e0b',
  readZero: '#fde68a',
  kernel: '#fef3c7',
  done: '#a7f3d0',
  pending: '#e2e8f0',
  zeroInk: '#94a3b8',
};

/** A number as the page writes it: whole numbers, with a real minus sign. */
const num = (v: number) => (v < 0 ? `−${-v}` : String(v));
/** A factor of a product: negative ones in brackets. */
const factor = (v: number) => (v < 0 ? `(${num(v)})` : num(v));

/** Steps shown per second while playing. */
const STEP_MS = 700;
/** Products written out per input channel before the rest is summarised. */
const MAX_TERMS = 12;

/**
 * Panel 5: convolution arithmetic. Convolution or transposed convolution, over 1, 2 or 3 axes,
 * with stride, padding, dilation, output padding and groups: the output size as core computes
 * it (or core's error for settings that cannot work), the same call in Stride and in PyTorch, the
 * channel grouping, and a scrubber that steps through every output value of a small example,
 * showing the cells it reads and the partial sums that make it. A toggle flips the kernel: true
 * convolution against the cross-correlation that deep-learning libraries compute.
 */
export function arithmeticPanel(): HTMLElement {
  const settings: ArithSettings = { ...DEFAULT_SETTINGS };

  // ---- controls ----
  const mode = select(
    'arith-mode',
    [
      ['conv', 'convolution'],
      ['transposed', 'transposed convolution'],
    ],
    settings.mode,
  );
  const dims = select(
    'arith-dims',
    [
      ['1', '1-d (signals)'],
      ['2', '2-d (images)'],
      ['3', '3-d (volumes)'],
    ],
    String(settings.dims),
  );
  const inputs = {} as Record<NumberSetting, HTMLInputElement>;
  const fieldErrors = {} as Record<NumberSetting, HTMLElement>;
  /** The fields whose text is not a value in range, with what their range is. */
  const problems = new Map<NumberSetting, string>();
  /** Checks the field of `key` against the current dimensions; true when it holds a value. */
  const validate = (key: NumberSetting): boolean => {
    const input = inputs[key];
    const problem = fieldProblem(key, input.value, settings.dims);
    const message = fieldErrors[key];
    message.textContent = problem ?? '';
    message.hidden = problem === null;
    if (problem === null) {
      problems.delete(key);
      input.removeAttribute('aria-invalid');
      return true;
    }
    problems.set(key, problem);
    input.setAttribute('aria-invalid', 'true');
    return false;
  };
  const outputPaddingHint = h(
    'small',
    { class: 'hint', id: 'arith-output-padding-hint' },
    'transposed only',
  );
  const numberFields = FIELDS.map(([key, id]) => {
    const l = limitsFor(settings.dims)[key];
    const input = numberInput(id, settings[key], { min: l.min, max: l.max, step: 1 });
    inputs[key] = input;
    // Shown under the field while its text is out of range; update() shows no result meanwhile.
    const message = h('small', { class: 'arith-field-error', id: `${id}-error`, hidden: true });
    fieldErrors[key] = message;
    input.setAttribute('aria-describedby', message.id);
    input.addEventListener('input', () => {
      if (validate(key)) settings[key] = Number(input.value);
      update();
    });
    return h(
      'div',
      { class: 'field' },
      h('label', { for: id }, `${l.label} `, l.symbol ? h('var', {}, l.symbol) : null),
      input,
      key === 'outputPadding' ? outputPaddingHint : null,
      message,
    );
  });
  const flip = h('input', { type: 'checkbox', id: 'arith-flip' });
  const flipField = h(
    'div',
    { class: 'field arith-check-field' },
    h('span', { class: 'label' }, 'Kernel'),
    h('label', { for: 'arith-flip', class: 'arith-toggle' }, flip, ' flip it (true convolution)'),
  );
  const depthwise = h(
    'button',
    { type: 'button', id: 'arith-depthwise', class: 'secondary' },
    'Make it depthwise',
  );

  // ---- result ----
  const output = h('output', {
    id: 'arith-output',
    class: 'big-number',
    for: [mode.id, dims.id, ...FIELDS.map(([, id]) => id), flip.id].join(' '),
  });
  const formula = h('p', { class: 'formula', id: 'arith-formula' });
  const check = h('p', { class: 'hint', id: 'arith-check' });
  const error = h('p', { class: 'arith-error', id: 'arith-error', role: 'status' });

  // ---- generated code ----
  const strideText = h('code', { id: 'arith-stride-code' });
  const torchText = h('code', { id: 'arith-torch-code' });
  const copyStatus = h('span', { class: 'hint', id: 'arith-copy-status', role: 'status' });
  const copyButton = (id: string, what: string, code: HTMLElement) => {
    const b = h('button', { type: 'button', id, class: 'secondary small' }, `Copy ${what}`);
    b.addEventListener('click', async () => {
      try {
        await navigator.clipboard.writeText(code.textContent ?? '');
        copyStatus.textContent = `${what} code copied.`;
      } catch {
        // No clipboard (an insecure page, or permission refused): select it for Ctrl+C.
        const range = document.createRange();
        range.selectNodeContents(code);
        getSelection()?.removeAllRanges();
        getSelection()?.addRange(range);
        copyStatus.textContent = `${what} code selected: press Ctrl+C (⌘C) to copy it.`;
      }
    });
    return b;
  };
  const codeFigure = (title: string, code: HTMLElement, button: HTMLElement) =>
    h(
      'figure',
      { class: 'arith-code-figure' },
      h('figcaption', { class: 'arith-code-head' }, h('strong', {}, title), button),
      h('pre', { class: 'arith-code' }, code),
    );

  // ---- grouping ----
  const grouping = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  grouping.id = 'arith-grouping';
  grouping.setAttribute('role', 'img');
  const groupingCaption = h('figcaption', { id: 'arith-grouping-caption' });

  // ---- the walk ----
  const walkIntro = h('p', { class: 'hint', id: 'arith-walk-intro' });
  const grid = (id: string, label: string) =>
    h('canvas', { id, class: 'arith-grid', role: 'img', 'aria-label': label });
  const sourceCanvas = grid(
    'arith-grid-input',
    'The input the kernel slides over, with the cells it reads at this step highlighted',
  );
  const kernelCanvas = grid('arith-grid-kernel', 'The kernel, as it slides');
  const outputCanvas = grid(
    'arith-grid-output',
    'The output channel being filled: done cells show their values, the current one is highlighted',
  );
  const sourceCaption = h('figcaption', { id: 'arith-grid-input-caption' });
  const kernelCaption = h('figcaption', { id: 'arith-grid-kernel-caption' });
  const figures = h(
    'div',
    { class: 'arith-figures', id: 'arith-figures' },
    h('figure', {}, sourceCanvas, sourceCaption),
    h('figure', {}, kernelCanvas, kernelCaption),
    h('figure', {}, outputCanvas, h('figcaption', {}, 'output')),
    h('figure', { class: 'arith-grouping' }, grouping, groupingCaption),
  );
  const swatch = (colour: string, text: string) =>
    h('span', {}, h('i', { style: `background:${colour}` }), text);
  // Only a transposed convolution with a stride above 1 has zeros between the input's cells.
  const insertedSwatch = swatch(COLOUR.inserted, 'zero between cells (stride)');
  const legend = h(
    'p',
    { class: 'arith-legend', 'aria-hidden': 'true' },
    swatch(COLOUR.input, 'input'),
    swatch(COLOUR.padding, 'zero padding'),
    insertedSwatch,
    swatch(COLOUR.read, 'read at this step'),
    swatch(COLOUR.done, 'computed'),
  );
  const prev = h('button', { type: 'button', id: 'arith-prev', class: 'secondary' }, 'Previous');
  const next = h('button', { type: 'button', id: 'arith-next', class: 'secondary' }, 'Next');
  const play = h(
    'button',
    { type: 'button', id: 'arith-play', class: 'secondary', 'aria-pressed': 'false' },
    'Play',
  );
  const scrub = h('input', {
    id: 'arith-scrub',
    type: 'range',
    min: 0,
    max: 0,
    step: 1,
    value: 0,
  });
  const stepText = h('output', { id: 'arith-step-text', for: 'arith-scrub' });
  const equation = h('div', { class: 'arith-equation', id: 'arith-equation' });
  const tooBig = h('p', { class: 'hint', id: 'arith-walk-none' });
  const receptive = h('p', { class: 'hint', id: 'arith-receptive' });

  const result = h(
    'div',
    { class: 'arith-result', id: 'arith-result' },
    h('span', { class: 'eyebrow' }, 'Output size'),
    output,
    formula,
    check,
    error,
  );
  const copyButtons = [
    copyButton('arith-copy-stride', 'Stride', strideText),
    copyButton('arith-copy-torch', 'PyTorch', torchText),
  ] as const;
  const codes = h(
    'div',
    { class: 'arith-codes', id: 'arith-codes' },
    codeFigure('Stride', strideText, copyButtons[0]),
    codeFigure('PyTorch', torchText, copyButtons[1]),
  );

  /**
   * While a field is out of range: no size, formula, code or walk, since they would be those of
   * other settings than the fields show; the result says which ranges to keep to.
   */
  const showNoResult = (ranges: string[]) => {
    output.textContent = '—';
    output.dataset.value = '';
    output.dataset.shape = '';
    formula.textContent = '';
    check.textContent = `No result until every field is in range (${ranges.join('; ')}).`;
    check.dataset.shape = '';
    error.textContent = '';
    error.hidden = true;
    delete error.dataset.message;
    strideText.textContent = '';
    torchText.textContent = '';
    result.classList.add('arith-stale');
    codes.classList.add('arith-stale');
    for (const b of copyButtons) b.disabled = true;
    receptive.textContent = '';
    walkIntro.textContent = '';
    steps = null;
    position = 0;
    setPlaying(false);
    for (const control of [prev, next, play, scrub]) control.disabled = true;
    figures.hidden = true;
    legend.hidden = true;
    equation.hidden = true;
    tooBig.hidden = false;
    scrub.max = '0';
    scrub.value = '0';
    stepText.textContent = '';
    tooBig.textContent = 'Nothing to step through until every field is in range.';
    for (const key of Object.keys(equation.dataset)) delete equation.dataset[key];
  };

  let example: Example = runExample(settings);
  let steps: Stepper | null = null;
  let position = 0;

  const reduced = matchMedia('(prefers-reduced-motion: reduce)').matches;
  let playing = false;
  const setPlaying = (on: boolean) => {
    playing = on && steps !== null;
    play.textContent = playing ? 'Pause' : 'Play';
    play.setAttribute('aria-pressed', String(playing));
  };

  const drawStep = () => {
    const st = steps;
    const ex = example;
    if (!st || !ex.ok) return;
    const step = st.at(position);
    scrub.value = String(position);
    const pos = step.position.join(', ');
    stepText.textContent = `${position + 1} of ${st.count}`;
    scrub.setAttribute(
      'aria-valuetext',
      `step ${position + 1} of ${st.count}: output channel ${step.outChannel} at (${pos}) is ${num(step.total)}`,
    );
    paintGrids(st, ex, step);
    drawGrouping(
      grouping,
      settings.inChannels,
      settings.outChannels,
      channelLinks(settings),
      step.outChannel,
    );
    showEquation(st, ex, step);
  };

  const paintGrids = (st: Stepper, ex: ExampleOk, step: Step) => {
    const n = settings.dims;
    const inSpatial = ex.xShape.slice(2);
    const kernel = ex.wShape.slice(2);
    const perIn = inSpatial.reduce((a, b) => a * b, 1);
    const perOut = st.outSpatial.reduce((a, b) => a * b, 1);
    const g = st.groupOf(step.outChannel);
    const read = new Set(step.terms.map((t) => `${t.channel}|${t.cell.join(',')}`));
    const sourceExtent = lift(st.axes.map((a) => a.length));
    const kernelExtent = lift(kernel);
    const outExtent = lift(st.outSpatial);
    // 2-d grids fit a phone as drawn; the slices of a volume take more room, and shrink with
    // the canvas on a narrow screen.
    const cell = cellSizeFor([sourceExtent, kernelExtent, outExtent], n === 3 ? 540 : 288);
    const channels = Array.from({ length: st.inPerGroup }, (_, i) => g * st.inPerGroup + i);

    const source: Block[] = channels.map((c) => ({
      title: `input channel ${c}`,
      extent: sourceExtent,
      cell: (at): CellStyle => {
        const q = unlift(at, n);
        const held = q.map((v, a) => (st.axes[a] as AxisMap).cell(v));
        const isRead = read.has(`${c}|${q.join(',')}`);
        if (held.every((x) => x.kind === 'input')) {
          const i = held.map((x) => (x as { index: number }).index);
          return {
            fill: isRead ? COLOUR.read : COLOUR.input,
            text: num(ex.x[c * perIn + ravel(i, inSpatial)] as number),
          };
        }
        const padding = held.some((x) => x.kind === 'padding');
        // Zeros are written out only where the kernel reads them: the input's own numbers
        // stand out, and the products of this step can all be found.
        return {
          fill: isRead ? COLOUR.readZero : padding ? COLOUR.padding : COLOUR.inserted,
          dashed: padding ? COLOUR.paddingLine : COLOUR.insertedLine,
          text: isRead ? '0' : undefined,
          ink: COLOUR.zeroInk,
        };
      },
    }));
    const kernelTaps = kernel.reduce((a, b) => a * b, 1);
    const weights: Block[] = channels.map((c) => {
      const terms = step.terms.filter((t) => t.channel === c);
      return {
        title:
          settings.mode === 'conv'
            ? `w[${step.outChannel}, ${c - g * st.inPerGroup}]`
            : `w[${c}, ${step.outChannel - g * st.outPerGroup}]`,
        extent: kernelExtent,
        // Terms run tap by tap in the sliding kernel's row-major order.
        cell: (at): CellStyle => ({
          fill: COLOUR.kernel,
          text: num((terms[ravel(unlift(at, n), kernel)] as { w: number }).w),
        }),
      };
    });
    kernelCanvas.dataset.values = weights
      .flatMap((_, b) =>
        Array.from(
          { length: kernelTaps },
          (_, t) => (step.terms[b * kernelTaps + t] as { w: number }).w,
        ),
      )
      .join(',');
    const o = step.outChannel;
    const outBlock: Block = {
      title: `output channel ${o}`,
      extent: outExtent,
      cell: (at): CellStyle => {
        const index = o * perOut + ravel(unlift(at, n), st.outSpatial);
        if (index === position) return { fill: COLOUR.read, text: num(st.coreValue(index)) };
        if (index < position) return { fill: COLOUR.done, text: num(st.coreValue(index)) };
        return { fill: COLOUR.pending };
      },
    };
    drawBlocks(sourceCanvas, source, cell);
    drawBlocks(kernelCanvas, weights, cell);
    drawBlocks(outputCanvas, [outBlock], cell);
    outputCanvas.dataset.values = Array.from(
      (ex.y as Float32Array).subarray(o * perOut, (o + 1) * perOut),
    ).join(',');
  };

  const showEquation = (st: Stepper, ex: ExampleOk, step: Step) => {
    const core = st.coreValue(step.index);
    const rows = step.partials.map((p) => {
      const terms = step.terms.filter((t) => t.channel === p.channel);
      const shown = terms.slice(0, MAX_TERMS).map((t) => `${factor(t.x)}·${factor(t.w)}`);
      const rest = terms.length > MAX_TERMS ? ` + … (${terms.length} products)` : '';
      return h(
        'li',
        { 'data-channel': p.channel, 'data-sum': p.sum },
        h('span', { class: 'arith-eq-channel' }, `input channel ${p.channel}: `),
        `${shown.join(' + ')}${rest} = `,
        h('strong', {}, num(p.sum)),
      );
    });
    const sum =
      step.partials.length > 1
        ? `${step.partials.map((p) => factor(p.sum)).join(' + ')} = ${num(step.total)}`
        : num(step.total);
    equation.replaceChildren(
      h(
        'p',
        { class: 'arith-eq-head' },
        `Output channel ${step.outChannel}, position (${step.position.join(', ')}): `,
        `the products of the kernel and the cells it reads, summed per input channel.`,
      ),
      h('ul', {}, ...rows),
      h(
        'p',
        { class: 'arith-eq-total' },
        `Sum: ${sum}. `,
        h(
          'span',
          { class: step.total === core ? 'arith-agree' : 'arith-disagree' },
          `${ex.op} computed ${num(core)} ${step.total === core ? '✓' : '✗'}`,
        ),
      ),
    );
    Object.assign(equation.dataset, {
      step: String(step.index),
      channel: String(step.outChannel),
      position: step.position.join(','),
      partials: step.partials.map((p) => p.sum).join(','),
      total: String(step.total),
      core: String(core),
    });
  };

  const walkText = (): string => {
    const s = settings;
    const axes = s.dims === 1 ? '' : ' on every axis';
    if (s.mode === 'conv') {
      return s.flip
        ? `True convolution, as in signal processing: the kernel is turned around${axes} before it slides (the call passes flip(w)). The sums change; a network would simply learn the flipped kernel, which is why deep-learning libraries skip the flip and compute cross-correlation.`
        : `Cross-correlation, which is what ${example.op} and every deep-learning library compute: the kernel slides over the zero-padded input ${s.stride} cell${s.stride > 1 ? 's' : ''} at a time, multiplies the cells it covers by its weights and adds them up. Flip the kernel to see true convolution.`;
    }
    const a = s.dilation * (s.kernel - 1) - s.padding;
    const pad =
      a >= 0
        ? `padded with D·(F − 1) − P = ${a} zero${a === 1 ? '' : 's'} on each side${s.outputPadding ? ` (and ${s.outputPadding} more at the end: the output padding)` : ''}`
        : `cropped by P − D·(F − 1) = ${-a} cell${a === -1 ? '' : 's'} at each end (padding takes away more than the kernel adds)${s.outputPadding ? `, then ${s.outputPadding} added back at the end (the output padding)` : ''}`;
    return (
      `A transposed convolution drawn as the convolution it equals: the input spread out with ${s.stride - 1} zero${s.stride === 2 ? '' : 's'} between cells (stride ${s.stride}), ${pad}, ` +
      (s.flip
        ? 'and the kernel sliding one cell at a time. A transposed convolution slides its kernel flipped; flipping it here as well undoes that, so the stored kernel slides as it is.'
        : 'and the kernel, flipped, sliding one cell at a time. It is the gradient of the convolution with the same settings, which is why it undoes that convolution’s downsampling in shape.')
    );
  };

  const update = () => {
    const s = settings;
    const limits = limitsFor(s.dims);
    for (const [key] of FIELDS) {
      const input = inputs[key];
      input.max = String(limits[key].max);
      // A value that fit the old dimensions but not these is brought into range; a field that
      // was already out of range keeps its text and is checked again against these limits.
      if (!problems.has(key) && s[key] > limits[key].max) {
        s[key] = limits[key].max;
        input.value = String(s[key]);
      }
      // A convolution ignores output padding (its field is disabled): back to its last value.
      if (key === 'outputPadding' && s.mode === 'conv') input.value = String(s[key]);
      if (validate(key)) s[key] = Number(input.value);
    }
    inputs.outputPadding.disabled = s.mode === 'conv';
    if (problems.size > 0) {
      showNoResult([...problems.values()]);
      return;
    }
    result.classList.remove('arith-stale');
    codes.classList.remove('arith-stale');
    for (const b of copyButtons) b.disabled = false;
    outputPaddingHint.hidden = s.mode !== 'conv';
    insertedSwatch.hidden = s.mode === 'conv' || s.stride === 1;
    example = runExample(s);
    const ex = example;

    if (ex.ok) {
      const spatial = ex.shape.slice(2);
      output.textContent = spatial.join(' × ');
      output.dataset.value = String(spatial[0]);
      output.dataset.shape = ex.shape.join(',');
      formula.textContent =
        formulaLine(s, spatial[0] as number) +
        (s.dims > 1 ? `, on each of the ${s.dims} axes` : '');
      check.textContent = `${ex.op} on a [${ex.xShape.join(', ')}] input with a [${ex.wShape.join(', ')}] weight returns [${ex.shape.join(', ')}].`;
      check.dataset.shape = ex.shape.join(',');
      error.textContent = '';
      error.hidden = true;
      delete error.dataset.message;
    } else {
      output.textContent = 'no output';
      output.dataset.value = '';
      output.dataset.shape = '';
      formula.textContent = formulaLine(s, null);
      check.textContent = '';
      check.dataset.shape = '';
      error.textContent = ex.message;
      error.dataset.message = ex.message;
      error.hidden = false;
    }
    strideText.textContent = strideCode(s, ex);
    torchText.textContent = pytorchCode(s, ex);

    const links = channelLinks(s);
    drawGrouping(grouping, s.inChannels, s.outChannels, links, null);
    grouping.dataset.links = String(links?.length ?? 0);
    const perGroup = `${s.inChannels / s.groups} of the ${s.inChannels} input channel${s.inChannels > 1 ? 's' : ''}`;
    groupingCaption.textContent = !links
      ? `groups ${s.groups} does not divide ${s.inChannels} input and ${s.outChannels} output channels: nothing to connect.`
      : isDepthwise(s) && s.groups > 1
        ? `Depthwise (groups = in = out = ${s.groups}): each channel is filtered on its own, one kernel per channel.`
        : s.groups === 1
          ? `groups 1: every output channel reads ${s.inChannels === 1 ? 'the' : s.inChannels === 2 ? 'both' : `all ${s.inChannels}`} input channel${s.inChannels > 1 ? 's' : ''}; one line is one kernel (${links.length} in all).`
          : `groups ${s.groups}: each output channel reads ${perGroup}; one line is one kernel (${links.length} in all, not ${s.inChannels * s.outChannels}).`;
    grouping.setAttribute('aria-label', groupingCaption.textContent);

    const kernelSpan = s.dilation * (s.kernel - 1) + 1;
    receptive.textContent =
      s.mode === 'conv'
        ? `Each output value sees ${kernelSpan} input cell${kernelSpan > 1 ? 's' : ''} along each axis (the kernel ${s.kernel}` +
          (s.dilation > 1 ? ` spread out by dilation ${s.dilation}` : '') +
          `), and neighbouring outputs are ${s.stride} cell${s.stride > 1 ? 's' : ''} apart in the input.`
        : `Each input cell spreads into ${kernelSpan} output cell${kernelSpan > 1 ? 's' : ''} along each axis (the kernel's footprint), and neighbouring input cells land ${s.stride} cell${s.stride > 1 ? 's' : ''} apart in the output.`;

    walkIntro.textContent = walkText();
    sourceCaption.textContent =
      s.mode === 'conv'
        ? `input${s.padding ? `, padded by ${s.padding}` : ''}`
        : 'input, spread out and padded';
    kernelCaption.textContent =
      (s.mode === 'transposed') !== s.flip ? 'kernel as it slides: flipped' : 'kernel as it slides';

    steps = ex.ok && ex.y ? stepper(s, ex) : null;
    position = 0;
    const none = !steps;
    for (const control of [prev, next, play, scrub]) control.disabled = none;
    figures.hidden = none;
    legend.hidden = none;
    equation.hidden = none;
    tooBig.hidden = !none;
    if (steps) {
      scrub.max = String(steps.count - 1);
      drawStep();
    } else {
      setPlaying(false);
      scrub.max = '0';
      scrub.value = '0';
      stepText.textContent = '';
      tooBig.textContent = ex.ok
        ? `The numbers are left out here: ${ex.tooBig}. Make the input or the kernel smaller to step through them.`
        : 'Nothing to step through: core refuses these settings (the message above says why).';
      for (const key of Object.keys(equation.dataset)) delete equation.dataset[key];
    }
  };

  const goTo = (p: number) => {
    if (!steps) return;
    position = ((p % steps.count) + steps.count) % steps.count;
    drawStep();
  };

  mode.addEventListener('change', () => {
    settings.mode = mode.value as ConvMode;
    update();
  });
  dims.addEventListener('change', () => {
    settings.dims = Number(dims.value) as SpatialDims;
    update();
  });
  flip.addEventListener('change', () => {
    settings.flip = flip.checked;
    // Same settings, other kernel: stay on the same step so the numbers can be compared.
    const keep = position;
    update();
    goTo(keep);
  });
  depthwise.addEventListener('click', () => {
    settings.outChannels = settings.inChannels;
    settings.groups = settings.inChannels;
    inputs.outChannels.value = String(settings.outChannels);
    inputs.groups.value = String(settings.groups);
    update();
  });
  prev.addEventListener('click', () => {
    setPlaying(false);
    goTo(position - 1);
  });
  next.addEventListener('click', () => {
    setPlaying(false);
    goTo(position + 1);
  });
  scrub.addEventListener('input', () => {
    setPlaying(false);
    goTo(Number(scrub.value));
  });
  play.addEventListener('click', () => setPlaying(!playing));

  let last = 0;
  // The animation only runs while the pictures are on screen.
  let visible = false;
  new IntersectionObserver((entries) => {
    visible = entries.some((e) => e.isIntersecting);
  }).observe(figures);
  const tick = (now: number) => {
    if (playing && visible && steps && now - last > STEP_MS) {
      last = now;
      goTo(position + 1);
    }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);

  // How receptive fields grow through a real network: `summary` follows them layer by layer.
  const table = h('table', { class: 'summary', id: 'arith-lenet' });
  const lenet = new LeNet5({ device: 'cpu' });
  const rows = summary(lenet, [1, 1, 28, 28]).rows.filter((r) => r.outputShape.length === 4);
  lenet.dispose();
  // The title sits outside the table's scrolling box, so a narrow screen wraps it whole.
  const tableTitle = h(
    'p',
    { class: 'arith-table-title', id: 'arith-lenet-title' },
    'Receptive fields through LeNet-5, from summary(): stacking layers widens them',
  );
  table.setAttribute('aria-labelledby', tableTitle.id);
  table.append(
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
  setPlaying(!reduced);

  return h(
    'section',
    { class: 'panel', id: 'arithmetic', 'aria-labelledby': 'arith-title' },
    h('h2', { id: 'arith-title' }, h('span', { class: 'step' }, '8'), 'Convolution arithmetic'),
    h(
      'p',
      { class: 'lead' },
      'How big is the output of a convolution, or of a transposed one, and where does each of its numbers come from? ',
      'Choose the settings, then step through the sums.',
    ),
    h(
      'div',
      { class: 'controls arith-controls' },
      h('div', { class: 'field arith-wide' }, h('label', { for: mode.id }, 'Operation'), mode),
      h('div', { class: 'field' }, h('label', { for: dims.id }, 'Dimensions'), dims),
      ...numberFields,
      flipField,
      h('div', { class: 'field arith-button-field' }, depthwise),
    ),
    result,
    codes,
    copyStatus,
    h('h3', { class: 'arith-walk-title' }, 'Step through it'),
    walkIntro,
    h(
      'div',
      { class: 'row arith-scrubber' },
      prev,
      play,
      next,
      h(
        'div',
        { class: 'field arith-scrub-field' },
        h('span', { class: 'arith-scrub-head' }, h('label', { for: scrub.id }, 'Step'), stepText),
        scrub,
      ),
    ),
    figures,
    legend,
    equation,
    tooBig,
    receptive,
    tableTitle,
    h('div', { class: 'arith-table-wrap' }, table),
  );
}
