/**
 * The drawing panel's preprocessing reproduces how MNIST digits were made: fit in 20×20 keeping
 * the aspect ratio, centre of mass at the centre of 28×28.
 */
import { describe, expect, it } from 'vitest';
import { centreOfMass, inkBox, resampleArea, toMnistImage } from '../web/draw/preprocess.js';

function canvasWith(width: number, height: number, fill: (x: number, y: number) => number) {
  const ink = new Float32Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) ink[y * width + x] = fill(x, y);
  return ink;
}

describe('MNIST-style preprocessing of a drawing', () => {
  it('finds no digit on a blank canvas', () => {
    expect(toMnistImage(new Float32Array(280 * 280), 280, 280)).toBeNull();
  });

  it('finds the ink bounding box', () => {
    const ink = canvasWith(50, 40, (x, y) => (x >= 10 && x < 20 && y >= 5 && y < 35 ? 1 : 0));
    expect(inkBox(ink, 50, 40)).toEqual({ left: 10, top: 5, width: 10, height: 30 });
  });

  it('keeps the mean ink when resampling by area', () => {
    const ink = canvasWith(100, 100, (x, y) => ((x + y) % 3 === 0 ? 1 : 0));
    const box = { left: 0, top: 0, width: 100, height: 100 };
    const small = resampleArea(ink, 100, box, 20, 20);
    const mean = (a: Float32Array) => a.reduce((s, v) => s + v, 0) / a.length;
    expect(mean(small)).toBeCloseTo(mean(ink), 5);
  });

  it('scales a tall stroke to 20 pixels high, keeps its aspect ratio and centres its mass', () => {
    // A 20×200 bar somewhere off-centre on a 280×280 canvas.
    const ink = canvasWith(280, 280, (x, y) => (x >= 30 && x < 50 && y >= 60 && y < 260 ? 1 : 0));
    const img = toMnistImage(ink, 280, 280) as Float32Array;
    expect(img).toHaveLength(28 * 28);
    const box = inkBox(img, 28, 28);
    expect(box?.height).toBe(20);
    expect(box?.width).toBe(2);
    const [cx, cy] = centreOfMass(img, 28, 28);
    expect(Math.abs(cx - 14)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(cy - 14)).toBeLessThanOrEqual(0.5);
    expect(Math.max(...img)).toBeLessThanOrEqual(1);
  });
});
