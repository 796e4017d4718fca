/**
 * Template matching with conv2d, as the Waldo panel does it: the normalised score finds Waldo
 * where he was planted, and shifting the scene shifts the best match by the same amount.
 */
import { cpu } from '@stride/backend-cpu';
import { registerBackend } from '@stride/core';
import { describe, expect, it } from 'vitest';
import { matchTemplate } from '../web/waldo/match.js';
import {
  cropImage,
  makeScene,
  SPRITE_HEIGHT,
  SPRITE_WIDTH,
  shiftImage,
  waldoPoster,
} from '../web/waldo/scene.js';

registerBackend(cpu());

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
    const w = scene.image.width;
    const h = scene.image.height;
    expect({ x: match.best.x, y: match.best.y }).toEqual({
      x: (((scene.waldo.x + dx) % w) + w) % w,
      y: (((scene.waldo.y + dy) % h) + h) % h,
    });
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
