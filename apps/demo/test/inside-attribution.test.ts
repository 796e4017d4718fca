/**
 * What the "look inside" panel computes with autograd, checked against numbers found another way:
 * the saliency against finite differences of the shipped LeNet-5 (in float64), Grad-CAM against
 * a LeNet-5 whose weights are set by hand so that the map is known in advance, and gradient ascent
 * against the unit's own activation. Memory stays flat over repeated calls.
 */
import { cpu } from '@stride/backend-cpu';
import { memory, registerBackend } from '@stride/core';
import { describe, expect, it } from 'vitest';
import { centreOfMass } from '../web/draw/preprocess.js';
import { explain } from '../web/inside/attribution.js';
import { GradientAscent, roll } from '../web/inside/feature-vis.js';
import { largestGain } from '../web/inside/unit-choice.js';
import { checkGradient } from './finite-difference.js';
import { handSetLenet, handSetState } from './hand-set-lenet.js';
import { shippedLenet } from './shipped-lenet.js';

registerBackend(cpu({ threads: 1, relaxedSimd: false }));

/** A 7-like image: a bar across the top and a diagonal down to the bottom left. */
function seven(): Float32Array {
  const img = new Float32Array(28 * 28);
  for (let x = 7; x <= 20; x++) for (let y = 6; y <= 7; y++) img[y * 28 + x] = 1;
  for (let y = 8; y <= 22; y++) {
    const x = Math.round(20 - ((y - 8) * 9) / 14);
    img[y * 28 + x] = 1;
    img[y * 28 + x + 1] = 0.6;
  }
  return img;
}

describe('saliency: the gradient of the class logit with respect to the image', () => {
  it('agrees with finite differences (float64) wherever the logit is smooth', () => {
    const model = shippedLenet();
    const model64 = shippedLenet('float64');
    // Faint noise everywhere breaks the ties of max pooling that a blank background is full of,
    // so that (almost) every pixel is away from a kink.
    const image = seven().map((v, i) => Math.min(1, v + 0.05 * (((i * 7919) % 97) / 97)));
    const a = explain(model, image);
    expect(a.predicted).toBe(7);
    expect(a.classIndex).toBe(7);
    const order = [...a.saliency.keys()].sort(
      (i, j) => (a.saliency[j] as number) - (a.saliency[i] as number),
    );
    const pixels = [...order.slice(0, 6), 30, 200, 406, 407, 600, 656, 783];
    for (const c of [7, 1]) {
      const b = c === a.classIndex ? a : explain(model, image, c);
      expect(b.classIndex).toBe(c);
      const checked = pixels.filter((p) => {
        const g = b.gradient[p] as number;
        expect(b.saliency[p]).toBe(Math.abs(g));
        return checkGradient(model64, image, c, p, g) !== 'kink';
      });
      expect(checked.length, `class ${c}`).toBeGreaterThanOrEqual(pixels.length - 1);
    }
    model.dispose();
    model64.dispose();
  });

  it('matches finite differences on a drawing with a blank background; a blank image has a saliency', () => {
    const model = shippedLenet();
    const model64 = shippedLenet('float64');
    // A blank image: conv1's positive biases pass its ReLU, so the logits still depend on the
    // pixels; the saliency of a blank image is not zero for this model.
    const blankImage = new Float32Array(784);
    const blank = explain(model, blankImage);
    expect(Math.max(...blank.saliency)).toBeGreaterThan(0.01);
    // Its background is one big tie of max pooling, so every pixel sits on a kink there.
    const image = seven();
    const a = explain(model, image);
    const seen = { flat: 0, smooth: 0, kink: 0 };
    for (let p = 0; p < 784; p += 3) {
      seen[checkGradient(model64, image, a.classIndex, p, a.gradient[p] as number)]++;
    }
    // The trained model's biases keep some conv1 channel alive everywhere, so no pixel is
    // flat (its zeros of saliency are kinks where max pooling's tie went elsewhere); the
    // pixels on the strokes are smooth and checked.
    expect(seen.smooth, JSON.stringify(seen)).toBeGreaterThan(5);
    model.dispose();
    model64.dispose();
  });

  it('is exactly zero where a pixel cannot change the logit (hand-set weights)', () => {
    // Logit 3 sums max-pooled copies of the image: a pixel beside a brighter one in its 2×2
    // pooling window cannot change it, a pixel that is the brightest of its window can (the bright
    // ones all differ, so that no pooling window holds a tie).
    const model = handSetLenet();
    const model64 = handSetLenet('float64');
    const image = new Float32Array(784);
    for (let y = 8; y < 20; y++) {
      for (let x = 8; x < 20; x++)
        image[y * 28 + x] = (x + y) % 2 === 0 ? 0.5 + 0.004 * (y * 28 + x - 232) : 0.3;
    }
    const a = explain(model, image, 3);
    const seen = { flat: 0, smooth: 0, kink: 0 };
    for (let y = 8; y < 20; y++) {
      for (let x = 8; x < 20; x++) {
        const p = y * 28 + x;
        seen[checkGradient(model64, image, 3, p, a.gradient[p] as number)]++;
      }
    }
    // Two max poolings keep one pixel in 16: the rest cannot change the logit.
    expect(seen.flat, JSON.stringify(seen)).toBeGreaterThan(100);
    expect(seen.smooth, JSON.stringify(seen)).toBeGreaterThanOrEqual(5);
    model.dispose();
    model64.dispose();
  });

  it('is exactly zero everywhere for a blank image when the network has no biases', () => {
    // Every activation of a blank image is then 0, and ReLU passes no gradient at 0.
    const model = handSetLenet();
    const a = explain(model, new Float32Array(784), 3);
    expect(a.saliency.every((v) => v === 0)).toBe(true);
    expect(a.gradCam.every((v) => v === 0)).toBe(true);
    model.dispose();
  });

  it('leaves memory flat over many drawings and the model without gradients', () => {
    const model = shippedLenet();
    explain(model, seven());
    const before = memory().numTensors;
    for (let i = 0; i < 20; i++) explain(model, roll(seven(), i % 5, 0), i % 10);
    expect(memory().numTensors).toBe(before);
    expect(model.parameters().every((p) => p.grad === null)).toBe(true);
    model.dispose();
  });
});

describe('Grad-CAM on conv2', () => {
  it('is non-negative, 28×28, normalised, and has the map the hand-set weights dictate', () => {
    // handSetLenet: conv1 channel 0 and conv2 channel 0 copy the image, other channels are 0;
    // class 3's logit is the sum of pool2's channel 0, class 5 reads nothing.
    const model = handSetLenet();
    const image = new Float32Array(784);
    // A blob in the upper right: rows 6..9, columns 16..19.
    for (let y = 6; y <= 9; y++) for (let x = 16; x <= 19; x++) image[y * 28 + x] = 1;
    const a = explain(model, image, 3);
    expect(a.gradCam).toHaveLength(784);
    expect(a.gradCam.every((v) => v >= 0 && v <= 1)).toBe(true);
    expect(Math.max(...a.gradCam)).toBe(1);
    // α_0 = 1/4 (pool2 sends the gradient to one position in four); the other channels are 0.
    expect(a.camWeights[0]).toBeCloseTo(0.25, 6);
    // The raw map is α_0 A^0, A^0 being max-pool-1 of the image at rows and columns 2..11.
    const pooled = (y: number, x: number) =>
      Math.max(
        ...[0, 1].flatMap((i) => [0, 1].map((j) => image[(2 * y + i) * 28 + 2 * x + j] as number)),
      );
    for (let i = 0; i < 10; i++) {
      for (let j = 0; j < 10; j++) {
        expect(a.camRaw[i * 10 + j]).toBeCloseTo(0.25 * pooled(i + 2, j + 2), 6);
      }
    }
    // The peak lies on the blob, and the map is zero far from it.
    const peak = a.gradCam.indexOf(1);
    const [py, px] = [Math.floor(peak / 28), peak % 28];
    expect(py).toBeGreaterThanOrEqual(6);
    expect(py).toBeLessThanOrEqual(9);
    expect(px).toBeGreaterThanOrEqual(16);
    expect(px).toBeLessThanOrEqual(19);
    expect(a.gradCam[20 * 28 + 6]).toBe(0);
    // A class with no evidence has no map.
    const none = explain(model, image, 5);
    expect(none.gradCam.every((v) => v === 0)).toBe(true);
    model.dispose();
  });

  it('follows the blob when it moves', () => {
    const model = handSetLenet();
    for (const [top, left] of [
      [5, 5],
      [16, 9],
      [12, 18],
    ] as const) {
      const image = new Float32Array(784);
      for (let y = top; y < top + 4; y++)
        for (let x = left; x < left + 4; x++) image[y * 28 + x] = 1;
      // The map's centre of mass is the blob's centre, to the pooling's 2-pixel grain.
      const [cx, cy] = centreOfMass(explain(model, image, 3).gradCam, 28, 28);
      expect(Math.abs(cy - (top + 2)), `blob at (${left}, ${top})`).toBeLessThanOrEqual(1.5);
      expect(Math.abs(cx - (left + 2)), `blob at (${left}, ${top})`).toBeLessThanOrEqual(1.5);
    }
    model.dispose();
  });

  it('hand-set weights are a valid LeNet-5 state dict', () => {
    const state = handSetState();
    expect(Object.keys(state).sort()).toEqual([
      'conv1.bias',
      'conv1.weight',
      'conv2.bias',
      'conv2.weight',
      'fc1.bias',
      'fc1.weight',
      'fc2.bias',
      'fc2.weight',
      'fc3.bias',
      'fc3.weight',
    ]);
  });
});

describe('feature visualisation by gradient ascent', () => {
  it('raises each conv2 channel’s activation, by a clear margin on average', () => {
    const model = shippedLenet();
    const before = memory().numTensors;
    let gains = 0;
    for (let channel = 0; channel < 16; channel++) {
      const ascent = new GradientAscent(model, channel);
      const start = ascent.activation();
      while (!ascent.done) ascent.step();
      const end = ascent.activation();
      // Some channels cannot go far with pixels in [0, 1]; every one goes up.
      expect(end, `channel ${channel}: ${start} → ${end}`).toBeGreaterThan(start + 0.1);
      expect(ascent.image.every((v) => v >= 0 && v <= 1)).toBe(true);
      gains += end - start;
    }
    // On average by more than half a unit: typical activations of a drawn digit are about 1.
    expect(gains / 16).toBeGreaterThan(0.5);
    expect(memory().numTensors).toBe(before);
    expect(model.parameters().every((p) => p.grad === null)).toBe(true);
    model.dispose();
  });

  it('repeats with the same seed and undoes its shifts', () => {
    const model = shippedLenet();
    const run = (seed: number) => {
      const a = new GradientAscent(model, 3, { steps: 8, seed });
      while (!a.done) a.step();
      return a.image;
    };
    expect(run(4)).toEqual(run(4));
    expect(run(4)).not.toEqual(run(5));
    const img = seven();
    expect(roll(roll(img, 2, -1), -2, 1)).toEqual(img);
    expect(roll(img, 1, 0)[6 * 28 + 8]).toBe(img[6 * 28 + 7]);
    expect(() => new GradientAscent(model, 16)).toThrow(/channel must be an integer in \[0, 16\)/);
    model.dispose();
  });
});

describe('the channel the units view opens on', () => {
  it('is the one whose activation rose most, the lower one on a tie', () => {
    expect(largestGain([0, 0.1, -0.3], [0.5, 0.4, 0.9])).toBe(2);
    expect(largestGain([-0.34, 0, 0.2], [0.17, 0.1, 0.3])).toBe(0);
    expect(largestGain([0, 0, 0], [0.5, 0.5, 0.2])).toBe(0);
    expect(largestGain([1, 0], [0.5, -0.1])).toBe(1);
  });
});
