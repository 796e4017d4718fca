import { messageOf } from '../backends.js';
import type { DemoState } from '../state.js';
import { preferredBackend } from '../ui/backend-select.js';
import { sequential } from '../ui/colormap.js';
import { field, h, select } from '../ui/dom.js';
import { paintHeatmap } from '../ui/heatmap.js';
import { type Match, type MatchScore, matchTemplate } from './match.js';
import {
  boxInFrame,
  cropImage,
  makeScene,
  type RgbImage,
  type Scene,
  SPRITE_HEIGHT,
  SPRITE_WIDTH,
  shiftImage,
  waldoPoster,
} from './scene.js';

/** Overlays are drawn this many times finer than the scene, for crisp outlines. */
const ZOOM = 4;

function paintRgb(canvas: HTMLCanvasElement, img: RgbImage): void {
  canvas.width = img.width;
  canvas.height = img.height;
  const ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
  const out = ctx.createImageData(img.width, img.height);
  const plane = img.width * img.height;
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++)
      out.data[i * 4 + c] = Math.round((img.data[c * plane + i] as number) * 255);
    out.data[i * 4 + 3] = 255;
  }
  ctx.putImageData(out, 0, 0);
}

function overlayFor(width: number, height: number): HTMLCanvasElement {
  const c = h('canvas', { class: 'overlay', 'aria-hidden': 'true' });
  c.width = width * ZOOM;
  c.height = height * ZOOM;
  return c;
}

function outline(
  canvas: HTMLCanvasElement,
  x: number,
  y: number,
  w: number,
  hh: number,
  colour: string,
  dashed = false,
): void {
  const ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
  ctx.save();
  ctx.strokeStyle = colour;
  ctx.lineWidth = 3;
  ctx.setLineDash(dashed ? [6, 4] : []);
  ctx.strokeRect(x * ZOOM - 2, y * ZOOM - 2, w * ZOOM + 4, hh * ZOOM + 4);
  ctx.restore();
}

/**
 * Panel 4: template matching with `conv2d`. The template (Waldo's poster, or any patch the user
 * picks) slides over the crowd; the response map scores every placement and its peak is the
 * best match. Shifting the crowd shifts the response map by the same amount: convolution is
 * translation-equivariant.
 */
export function waldoPanel(state: DemoState): HTMLElement {
  let seed = 1;
  let scene: Scene = makeScene(seed);
  let picked: { x: number; y: number } | null = null;
  let hasRun = false;

  const sceneCanvas = h('canvas', {
    id: 'waldo-scene',
    class: 'scene',
    tabindex: 0,
    role: 'img',
    'aria-label':
      'A crowd on a beach. Click a spot to use that patch as the template; with the keyboard, arrow keys move the patch selector and Enter picks it.',
  });
  const sceneOverlay = overlayFor(scene.image.width, scene.image.height);
  const templateCanvas = h('canvas', {
    id: 'waldo-template',
    class: 'map template',
    role: 'img',
    'aria-label': 'The template',
  });
  const responseCanvas = h('canvas', {
    id: 'waldo-response',
    class: 'map',
    role: 'img',
    'aria-label': 'Response map: brighter means a better match',
  });
  const responseOverlay = overlayFor(1, 1);

  const templateChoice = select(
    'waldo-template-choice',
    [
      ['poster', 'Waldo’s poster'],
      ['patch', 'the patch you picked'],
    ],
    'poster',
  );
  const score = select(
    'waldo-score',
    [
      ['normalised', 'normalised cross-correlation'],
      ['plain', 'plain cross-correlation (Σ x·t)'],
    ],
    'normalised',
  );
  const device = select(
    'waldo-device',
    [
      ['webgpu', state.backends.webgpu ? 'WebGPU' : 'WebGPU (not available)'],
      ['cpu', 'CPU'],
    ],
    // Matching one scene is a small job: the CPU unless there is a real GPU.
    preferredBackend(state.backends),
  );
  if (!state.backends.webgpu)
    (device.querySelector('option[value="webgpu"]') as HTMLOptionElement).disabled = true;
  const slider = (id: string, max: number) =>
    h('input', { id, type: 'range', min: -max, max, step: 1, value: 0 });
  const shiftX = slider('waldo-shift-x', 48);
  const shiftY = slider('waldo-shift-y', 32);
  const shiftText = h(
    'output',
    { id: 'waldo-shift', for: 'waldo-shift-x waldo-shift-y' },
    '(0, 0)',
  );

  const find = h('button', { type: 'button', id: 'waldo-find' }, 'Find Waldo');
  const again = h('button', { type: 'button', id: 'waldo-new', class: 'secondary' }, 'New crowd');
  const result = h(
    'p',
    { class: 'result', id: 'waldo-result', role: 'status' },
    'Can you find Waldo? Red and white stripes, bobble hat, blue trousers.',
  );
  const equivariance = h('p', { class: 'hint', id: 'waldo-equivariance' });

  const shift = () => ({ dx: Number(shiftX.value), dy: Number(shiftY.value) });
  const shownScene = () => shiftImage(scene.image, shift().dx, shift().dy);
  // Where Waldo stands in the shifted view: possibly partly or wholly out of the frame.
  const planted = () => ({ x: scene.waldo.x + shift().dx, y: scene.waldo.y + shift().dy });
  const template = (): RgbImage =>
    templateChoice.value === 'patch' && picked
      ? cropImage(scene.image, picked.x, picked.y, SPRITE_WIDTH, SPRITE_HEIGHT)
      : waldoPoster();

  // The patch selector the keyboard moves, in unshifted scene coordinates.
  let cursor = { x: 0, y: 0 };
  let showCursor = false;

  const drawScene = (match: Match | null) => {
    paintRgb(sceneCanvas, shownScene());
    const ctx = sceneOverlay.getContext('2d') as CanvasRenderingContext2D;
    ctx.clearRect(0, 0, sceneOverlay.width, sceneOverlay.height);
    const { dx, dy } = shift();
    if (picked && templateChoice.value === 'patch') {
      outline(
        sceneOverlay,
        picked.x + dx,
        picked.y + dy,
        SPRITE_WIDTH,
        SPRITE_HEIGHT,
        '#6366f1',
        true,
      );
    }
    if (showCursor) {
      outline(
        sceneOverlay,
        cursor.x + dx,
        cursor.y + dy,
        SPRITE_WIDTH,
        SPRITE_HEIGHT,
        '#0f172a',
        true,
      );
    }
    if (match)
      outline(sceneOverlay, match.best.x, match.best.y, SPRITE_WIDTH, SPRITE_HEIGHT, '#f59e0b');
  };

  const drawTemplate = () => paintRgb(templateCanvas, template());

  // One match at a time: while one runs, further changes only ask for one more run at the end,
  // so dragging a slider on a slow backend does not queue dozens of them.
  let running = false;
  let pending = false;
  const run = async () => {
    if (running) {
      pending = true;
      return;
    }
    running = true;
    try {
      do {
        pending = false;
        await matchOnce();
      } while (pending);
    } finally {
      running = false;
    }
  };

  const matchOnce = async () => {
    hasRun = true;
    find.disabled = true;
    try {
      const started = performance.now();
      const match = await matchTemplate(
        shownScene(),
        template(),
        score.value as MatchScore,
        device.value,
      );
      const ms = performance.now() - started;
      let lo = Infinity;
      let hi = -Infinity;
      for (const v of match.response) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
      paintHeatmap(responseCanvas, match.response, match.width, match.height, {
        colour: sequential,
        scale: (v) => (v - lo) / (hi - lo || 1),
      });
      responseOverlay.width = match.width * ZOOM;
      responseOverlay.height = match.height * ZOOM;
      const rctx = responseOverlay.getContext('2d') as CanvasRenderingContext2D;
      rctx.strokeStyle = '#f59e0b';
      rctx.lineWidth = 5;
      rctx.beginPath();
      rctx.arc((match.best.x + 0.5) * ZOOM, (match.best.y + 0.5) * ZOOM, 16, 0, Math.PI * 2);
      rctx.stroke();
      drawScene(match);

      const { x, y } = match.best;
      const target =
        templateChoice.value === 'patch' && picked
          ? { x: picked.x + shift().dx, y: picked.y + shift().dy }
          : planted();
      // conv2d scores only placements wholly inside the picture: a target the shift moved
      // partly out of the frame cannot be found, and the page says so rather than "missed".
      const inView = boxInFrame(scene.image, target.x, target.y, SPRITE_WIDTH, SPRITE_HEIGHT);
      const found = inView === 'whole' && x === target.x && y === target.y;
      Object.assign(result.dataset, {
        x: String(x),
        y: String(y),
        targetX: String(target.x),
        targetY: String(target.y),
        inView,
      });
      result.dataset.found = String(found);
      const what = templateChoice.value === 'patch' && picked ? 'your patch' : 'Waldo';
      const pronoun = what === 'Waldo' ? 'him' : 'it';
      const verdict =
        inView === 'whole'
          ? found
            ? 'found ✔'
            : 'missed ✘'
          : inView === 'partly'
            ? `partly out of the picture, so no placement holds all of ${pronoun}`
            : 'out of the picture';
      result.textContent =
        `Best match at (${x}, ${y}), score ${match.best.score.toFixed(3)}; ${what} is at (${target.x}, ${target.y}): ` +
        `${verdict}. ${match.width}×${match.height} placements scored by conv2d on ${device.value === 'webgpu' ? 'WebGPU' : 'the CPU'} in ${ms.toFixed(0)} ms.`;
      const { dx, dy } = shift();
      equivariance.textContent =
        dx === 0 && dy === 0
          ? 'Move the sliders: the crowd shifts, and the response map and its peak shift with it.'
          : inView === 'whole'
            ? `The crowd moved by (${dx}, ${dy}) and the peak moved with it, to (${x}, ${y}): ` +
              `shifting the input shifts a convolution's output by the same amount (translation equivariance).`
            : `The crowd moved by (${dx}, ${dy}), and ${what} with it, to (${target.x}, ${target.y}), ` +
              (inView === 'partly'
                ? `where part of ${pronoun} is out of the picture (sand fills the strip the shift uncovered; nothing wraps around). conv2d only scores placements wholly inside the picture, so the best match is elsewhere. `
                : `out of the picture altogether (sand fills the strip the shift uncovered; nothing wraps around), so the best match is elsewhere. `) +
              `Shift back to bring ${pronoun} into view.`;
      if (score.value === 'plain' && inView === 'whole' && !found) {
        equivariance.textContent +=
          ' Plain correlation rewards bright patches (white shirts, sand) over the right pattern: normalising each patch fixes that.';
      }
    } catch (error) {
      result.textContent = `Matching failed: ${messageOf(error)}`;
    } finally {
      find.disabled = false;
    }
  };
  const rerun = () => {
    shiftText.textContent = `(${shift().dx}, ${shift().dy})`;
    drawTemplate();
    if (hasRun) void run();
    else drawScene(null);
  };

  find.addEventListener('click', () => void run());
  again.addEventListener('click', () => {
    seed++;
    scene = makeScene(seed);
    picked = null;
    templateChoice.value = 'poster';
    rerun();
  });
  for (const control of [templateChoice, score, device]) control.addEventListener('change', rerun);
  for (const control of [shiftX, shiftY]) control.addEventListener('input', rerun);

  // A patch's top-left corner, in unshifted crowd coordinates, kept where the whole patch is
  // both in the crowd and in view after the shift (the uncovered strip is sand, not crowd).
  const clampToView = (x: number, y: number) => {
    const { dx, dy } = shift();
    const { width, height } = scene.image;
    return {
      x: Math.max(Math.max(0, -dx), Math.min(Math.min(width, width - dx) - SPRITE_WIDTH, x)),
      y: Math.max(Math.max(0, -dy), Math.min(Math.min(height, height - dy) - SPRITE_HEIGHT, y)),
    };
  };
  const pick = (x: number, y: number) => {
    picked = clampToView(x, y);
    templateChoice.value = 'patch';
    rerun();
  };
  sceneCanvas.addEventListener('click', (e) => {
    const r = sceneCanvas.getBoundingClientRect();
    const { dx, dy } = shift();
    // Clicks are in the shifted view; the patch is cut from the unshifted crowd.
    const sx = Math.floor(((e.clientX - r.left) / r.width) * scene.image.width);
    const sy = Math.floor(((e.clientY - r.top) / r.height) * scene.image.height);
    pick(sx - dx - Math.floor(SPRITE_WIDTH / 2), sy - dy - Math.floor(SPRITE_HEIGHT / 2));
  });
  sceneCanvas.addEventListener('focus', () => {
    // A shift since the last visit may have moved the selector out of view.
    cursor = clampToView(cursor.x, cursor.y);
    showCursor = true;
    drawScene(null);
  });
  sceneCanvas.addEventListener('blur', () => {
    showCursor = false;
    if (!hasRun) drawScene(null);
  });
  sceneCanvas.addEventListener('keydown', (e) => {
    const step = e.shiftKey ? 8 : 2;
    const moves: Record<string, [number, number]> = {
      ArrowUp: [0, -step],
      ArrowDown: [0, step],
      ArrowLeft: [-step, 0],
      ArrowRight: [step, 0],
    };
    const move = moves[e.key];
    if (move) {
      cursor = clampToView(cursor.x + move[0], cursor.y + move[1]);
      drawScene(null);
    } else if (e.key === 'Enter' || e.key === ' ') {
      pick(cursor.x, cursor.y);
    } else {
      return;
    }
    e.preventDefault();
  });

  drawTemplate();
  drawScene(null);
  // An empty response map of the right size until the first match.
  const placements = {
    width: scene.image.width - SPRITE_WIDTH + 1,
    height: scene.image.height - SPRITE_HEIGHT + 1,
  };
  paintHeatmap(
    responseCanvas,
    new Float32Array(placements.width * placements.height),
    placements.width,
    placements.height,
    {
      colour: () => [241, 245, 249],
      scale: (v) => v,
    },
  );

  return h(
    'section',
    { class: 'panel', id: 'waldo', 'aria-labelledby': 'waldo-title' },
    h('h2', { id: 'waldo-title' }, h('span', { class: 'step' }, '4'), 'Find Waldo'),
    h(
      'p',
      { class: 'lead' },
      'A convolution is a template matcher: conv2d slides a small image (the kernel) over a big one and scores each position by ',
      'multiplying and summing. Here the kernel is Waldo himself. Click the crowd to search for any patch instead.',
    ),
    h(
      'div',
      { class: 'waldo-grid' },
      h('div', { class: 'stack scene-wrap' }, sceneCanvas, sceneOverlay),
      h(
        'div',
        { class: 'waldo-side' },
        h(
          'div',
          { class: 'pair' },
          h('figure', {}, templateCanvas, h('figcaption', {}, 'template (kernel)')),
          h(
            'figure',
            { class: 'response' },
            h('div', { class: 'stack' }, responseCanvas, responseOverlay),
            h('figcaption', {}, 'response map: one score per placement'),
          ),
        ),
        h('div', { class: 'row' }, find, again),
        result,
      ),
    ),
    h(
      'div',
      { class: 'controls' },
      field('Template', templateChoice),
      field('Score', score),
      field('Run on', device),
      field('Shift crowd right', shiftX),
      field('Shift crowd down', shiftY),
      h('div', { class: 'field' }, h('span', { class: 'label' }, 'Shift'), shiftText),
    ),
    equivariance,
  );
}
