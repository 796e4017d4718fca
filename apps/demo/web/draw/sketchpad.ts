/**
 * A square drawing pad: mouse, touch and pen through pointer events, and the keyboard (arrow
 * keys move the pen, Space lifts or lowers it, Delete or Backspace clears). Ink is read back as
 * values in [0, 1] from the canvas's alpha channel.
 */

export const PAD_SIZE = 280;
/** Stroke width relative to the pad: a digit drawn across most of the pad shrinks to MNIST's
 * 20-pixel box with strokes about 2 pixels wide, as in the dataset. */
const STROKE = 22;
const KEY_STEP = 14;

export interface Sketchpad {
  readonly element: HTMLElement;
  /** Ink in [0, 1], row-major, PAD_SIZE × PAD_SIZE. */
  ink(): Float32Array;
  clear(): void;
  /** Draws a polyline in pad coordinates (used by the keyboard path and for demos). */
  stroke(points: readonly [number, number][]): void;
  /** Replaces the drawing with a small grey-level image (ink in [0, 1]), scaled to fill the pad. */
  showImage(ink: Float32Array, width: number, height: number): void;
}

export function createSketchpad(onChange: () => void): Sketchpad {
  const wrapper = document.createElement('div');
  wrapper.className = 'pad';
  const canvas = document.createElement('canvas');
  canvas.width = PAD_SIZE;
  canvas.height = PAD_SIZE;
  canvas.id = 'draw-canvas';
  canvas.tabIndex = 0;
  canvas.setAttribute('role', 'img');
  canvas.setAttribute(
    'aria-label',
    'Drawing pad. Draw a digit with the mouse, a finger or a pen. With the keyboard: arrow keys move the pen, Space lowers or lifts it, Delete clears.',
  );
  const cursor = document.createElement('canvas');
  cursor.width = PAD_SIZE;
  cursor.height = PAD_SIZE;
  cursor.className = 'pad-cursor';
  cursor.setAttribute('aria-hidden', 'true');
  wrapper.append(canvas, cursor);

  const ctx = canvas.getContext('2d', { willReadFrequently: true }) as CanvasRenderingContext2D;
  const cursorCtx = cursor.getContext('2d') as CanvasRenderingContext2D;
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';
  ctx.lineWidth = STROKE;
  ctx.strokeStyle = '#111827';
  ctx.fillStyle = '#111827';

  let changeQueued = false;
  const changed = () => {
    if (changeQueued) return;
    changeQueued = true;
    requestAnimationFrame(() => {
      changeQueued = false;
      onChange();
    });
  };

  const segment = (from: [number, number], to: [number, number]) => {
    ctx.beginPath();
    ctx.moveTo(from[0], from[1]);
    ctx.lineTo(to[0], to[1]);
    ctx.stroke();
    // A dot, so that a click without movement leaves a mark.
    ctx.beginPath();
    ctx.arc(to[0], to[1], STROKE / 2, 0, Math.PI * 2);
    ctx.fill();
    changed();
  };

  const toPad = (e: PointerEvent): [number, number] => {
    const r = canvas.getBoundingClientRect();
    return [
      ((e.clientX - r.left) / r.width) * PAD_SIZE,
      ((e.clientY - r.top) / r.height) * PAD_SIZE,
    ];
  };

  let last: [number, number] | null = null;
  canvas.addEventListener('pointerdown', (e) => {
    e.preventDefault();
    canvas.setPointerCapture(e.pointerId);
    last = toPad(e);
    segment(last, last);
  });
  canvas.addEventListener('pointermove', (e) => {
    if (!last) return;
    // Coalesced events keep fast strokes smooth where the browser batches pointer moves.
    const events = e.getCoalescedEvents?.() ?? [e];
    for (const ev of events.length ? events : [e]) {
      const p = toPad(ev);
      segment(last, p);
      last = p;
    }
  });
  const end = () => {
    last = null;
  };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);

  // Keyboard drawing: a visible pen that arrow keys move.
  let pen: [number, number] = [PAD_SIZE / 2, PAD_SIZE / 2];
  let penDown = false;
  const drawCursor = () => {
    cursorCtx.clearRect(0, 0, PAD_SIZE, PAD_SIZE);
    if (document.activeElement !== canvas) return;
    cursorCtx.strokeStyle = penDown ? '#dc2626' : '#6366f1';
    cursorCtx.lineWidth = 2;
    cursorCtx.beginPath();
    cursorCtx.arc(pen[0], pen[1], STROKE / 2 + 2, 0, Math.PI * 2);
    cursorCtx.stroke();
  };
  canvas.addEventListener('focus', drawCursor);
  canvas.addEventListener('blur', drawCursor);
  canvas.addEventListener('keydown', (e) => {
    const moves: Record<string, [number, number]> = {
      ArrowUp: [0, -KEY_STEP],
      ArrowDown: [0, KEY_STEP],
      ArrowLeft: [-KEY_STEP, 0],
      ArrowRight: [KEY_STEP, 0],
    };
    const move = moves[e.key];
    if (move) {
      const next: [number, number] = [
        Math.max(0, Math.min(PAD_SIZE, pen[0] + move[0])),
        Math.max(0, Math.min(PAD_SIZE, pen[1] + move[1])),
      ];
      if (penDown) segment(pen, next);
      pen = next;
    } else if (e.key === ' ' || e.key === 'Enter') {
      penDown = !penDown;
      if (penDown) segment(pen, pen);
    } else if (e.key === 'Delete' || e.key === 'Backspace') {
      pad.clear();
    } else {
      return;
    }
    e.preventDefault();
    drawCursor();
  });

  const pad: Sketchpad = {
    element: wrapper,
    ink() {
      const { data } = ctx.getImageData(0, 0, PAD_SIZE, PAD_SIZE);
      const ink = new Float32Array(PAD_SIZE * PAD_SIZE);
      for (let i = 0; i < ink.length; i++) ink[i] = (data[i * 4 + 3] as number) / 255;
      return ink;
    },
    clear() {
      ctx.clearRect(0, 0, PAD_SIZE, PAD_SIZE);
      penDown = false;
      drawCursor();
      changed();
    },
    showImage(image, width, height) {
      const small = document.createElement('canvas');
      small.width = width;
      small.height = height;
      const smallCtx = small.getContext('2d') as CanvasRenderingContext2D;
      const pixels = smallCtx.createImageData(width, height);
      for (let i = 0; i < width * height; i++) {
        pixels.data[i * 4 + 3] = Math.round(Math.max(0, Math.min(1, image[i] as number)) * 255);
      }
      smallCtx.putImageData(pixels, 0, 0);
      ctx.clearRect(0, 0, PAD_SIZE, PAD_SIZE);
      // Ink colour from the pad's own style: draw the image as a mask over a filled square.
      ctx.save();
      ctx.imageSmoothingEnabled = true;
      ctx.imageSmoothingQuality = 'high';
      ctx.drawImage(small, 0, 0, PAD_SIZE, PAD_SIZE);
      ctx.globalCompositeOperation = 'source-in';
      ctx.fillRect(0, 0, PAD_SIZE, PAD_SIZE);
      ctx.restore();
      changed();
    },
    stroke(points) {
      for (let i = 0; i < points.length; i++) {
        segment(points[Math.max(0, i - 1)] as [number, number], points[i] as [number, number]);
      }
    },
  };
  return pad;
}
