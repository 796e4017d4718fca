/**
 * Template matching with conv2d, as the Waldo panel does it: the normalised score finds Waldo
 * where he was planted, and shifting the scene shifts the best match by the same amount. The
 * shift moves the crowd without wrapping it around the edges: what leaves the frame is gone and
 * plain sand fills the strip it uncovers.
 */
import { cpu } from '@stride/backend-cpu';
import { registerBackend } from '@stride/core';
import { describe, expect, it } from 'vitest';
import { preferredBackend } from '../web/ui/backend-select.js';
import { matchTemplate } from '../web/waldo/match.js';
import {
  blankImage,
  boxInFrame,
  cropImage,
  makeScene,
  type RgbImage,
  SAND,
  SPRITE_HEIGHT,
  SPRITE_WIDTH,
  shiftImage,
  waldoPoster,
} from '../web/waldo/scene.js';

registerBackend(cpu());

describe('the backend Waldo starts on', () => {
  const status = { adapter: '', reason: '' };
  it('is WebGPU only on a real GPU, the CPU on a software adapter or without WebGPU', () => {
    expect(preferredBackend({ ...status, webgpu: true, software: false })).toBe('webgpu');
    expect(preferredBackend({ ...status, webgpu: true, software: true })).toBe('cpu');
    expect(preferredBackend({ ...status, webgpu: false, software: false })).toBe('cpu');
  });
});

describe('finding Waldo with conv2d', () => {
  it('finds the planted Waldo for several seeds', async () => {
    for (const seed of [1, 2, 3, 4]) {
      const scene = makeScene(seed);
      const match = await matchTemplate(scene.image, waldoPoster(), 'normalised', 'cpu');
      expect(match.width).toBe(scene.image.width - SPRITE_WIDTH + 1);
      expect(match.height).toBe(scene.image.height - SPRITE_HEIGHT + 1);
      expect({ x: match.best.x, y: match.best.y }, `seed ${seed}`).toEqual(scene.waldo);
      expect(match.best.score).toBeGreaterThan(0.8);
    }
  });

  it('moves the best match with the scene (translation equivariance)', async () => {
    const scene = makeScene(7);
    const [dx, dy] = [-13, -9];
    const shifted = shiftImage(scene.image, dx, dy);
    const match = await matchTemplate(shifted, waldoPoster(), 'normalised', 'cpu');
    expect(scene.waldo).toEqual({ x: 110, y: 91 });
    expect({ x: match.best.x, y: match.best.y }).toEqual({ x: 97, y: 82 });
    expect(match.best.score).toBeGreaterThan(0.8);
  });

  it('loses Waldo when the shift takes him out of the picture, and finds him nowhere else', async () => {
    const scene = makeScene(1);
    expect(scene.waldo).toEqual({ x: 181, y: 39 });
    const base = await matchTemplate(scene.image, waldoPoster(), 'normalised', 'cpu');
    // The runner-up: the best placement at least a sprite away from Waldo (a decoy in his shirt).
    let runner = { x: -1, y: -1, score: -Infinity };
    for (let y = 0; y < base.height; y++)
      for (let x = 0; x < base.width; x++) {
        const score = base.response[y * base.width + x] as number;
        const nearWaldo =
          Math.abs(x - scene.waldo.x) < SPRITE_WIDTH && Math.abs(y - scene.waldo.y) < SPRITE_HEIGHT;
        if (!nearWaldo && score > runner.score) runner = { x, y, score };
      }
    expect({ x: runner.x, y: runner.y }).toEqual({ x: 111, y: 19 });
    expect(runner.score).toBeLessThan(base.best.score);
    // 5 px to the right: his last 3 columns leave the frame; 48 px: all of him. With wrap-around
    // they would come back at the left edge, and there he would still beat the runner-up.
    for (const dx of [5, 48]) {
      const shifted = shiftImage(scene.image, dx, 0);
      const box = [scene.waldo.x + dx, scene.waldo.y, SPRITE_WIDTH, SPRITE_HEIGHT] as const;
      expect(boxInFrame(shifted, ...box)).toBe(dx === 5 ? 'partly' : 'outside');
      const match = await matchTemplate(shifted, waldoPoster(), 'normalised', 'cpu');
      expect({ x: match.best.x, y: match.best.y }, `dx ${dx}`).toEqual({
        x: runner.x + dx,
        y: runner.y,
      });
      expect(match.best.score).toBeCloseTo(runner.score, 5);
      const left = cropImage(shifted, 0, 0, dx, shifted.height);
      expect(left.data).toEqual(blankImage(dx, shifted.height, SAND).data);
    }
  });

  it('finds a patch cut from the scene exactly where it was cut, with a score of 1', async () => {
    const scene = makeScene(5);
    const patch = cropImage(scene.image, 40, 30, 16, 16);
    const match = await matchTemplate(scene.image, patch, 'normalised', 'cpu');
    expect(match.best.x).toBe(40);
    expect(match.best.y).toBe(30);
    expect(match.best.score).toBeCloseTo(1, 4);
  });
});

/** The value of channel `c` at (x, y). */
function at(img: RgbImage, c: number, x: number, y: number): number {
  return img.data[c * img.width * img.height + y * img.width + x] as number;
}

describe('shifting the crowd', () => {
  // A 5 × 4 picture whose every value is different, so that any pixel out of place shows.
  const img: RgbImage = {
    width: 5,
    height: 4,
    data: Float32Array.from({ length: 3 * 5 * 4 }, (_, i) => i + 1),
  };
  const fill = [0.25, 0.5, 0.75] as const;

  it('moves every pixel by (dx, dy) and fills the uncovered strip, wrapping nothing', () => {
    for (const [dx, dy] of [
      [2, -1],
      [-3, 2],
      [0, 0],
      [4, 3],
      [-1, 0],
    ] as const) {
      const out = shiftImage(img, dx, dy, fill);
      for (let c = 0; c < 3; c++)
        for (let y = 0; y < 4; y++)
          for (let x = 0; x < 5; x++) {
            const [sx, sy] = [x - dx, y - dy];
            const inside = sx >= 0 && sx < 5 && sy >= 0 && sy < 4;
            expect(at(out, c, x, y), `(${dx}, ${dy}) channel ${c} at (${x}, ${y})`).toBe(
              inside ? at(img, c, sx, sy) : (fill[c] as number),
            );
          }
    }
  });

  it('spells out one shift: (2, −1) keeps columns 0–2 of rows 1–3, the rest is fill', () => {
    const out = shiftImage(img, 2, -1, [0, 0, 0]);
    const red = Array.from({ length: 4 }, (_, y) =>
      Array.from({ length: 5 }, (_, x) => at(out, 0, x, y)),
    );
    expect(red).toEqual([
      [0, 0, 6, 7, 8],
      [0, 0, 11, 12, 13],
      [0, 0, 16, 17, 18],
      [0, 0, 0, 0, 0],
    ]);
  });

  it('leaves only fill once the shift is as large as the picture', () => {
    for (const [dx, dy] of [
      [5, 0],
      [0, -4],
      [-7, 9],
    ] as const) {
      expect(shiftImage(img, dx, dy, fill).data).toEqual(blankImage(5, 4, fill).data);
    }
  });

  it('fills with plain sand by default', () => {
    const out = shiftImage(img, 1, 0);
    for (let c = 0; c < 3; c++) expect(at(out, c, 0, 2)).toBeCloseTo(SAND[c] as number, 6);
  });

  it('tells whether a box is wholly, partly or not at all in the picture', () => {
    const frame = { width: 192, height: 128 };
    expect(boxInFrame(frame, 0, 0, 9, 15)).toBe('whole');
    expect(boxInFrame(frame, 183, 113, 9, 15)).toBe('whole');
    expect(boxInFrame(frame, 184, 50, 9, 15)).toBe('partly');
    expect(boxInFrame(frame, -1, 50, 9, 15)).toBe('partly');
    expect(boxInFrame(frame, 50, 114, 9, 15)).toBe('partly');
    expect(boxInFrame(frame, 192, 50, 9, 15)).toBe('outside');
    expect(boxInFrame(frame, -9, 50, 9, 15)).toBe('outside');
    expect(boxInFrame(frame, 50, -15, 9, 15)).toBe('outside');
  });
});
