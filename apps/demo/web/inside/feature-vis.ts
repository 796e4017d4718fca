import { gradOf, noGrad, slice, type Tensor, tensor, tidy } from '@stride/core';
import type { LeNet5 } from '@stride/layers';
import { MNIST_SIZE } from '../draw/preprocess.js';
import { seededRandom } from '../ui/seeded-random.js';

/** The layer whose channels are visualised (its output before ReLU, so every step has a gradient). */
export const UNIT_LAYER = 'conv2';

export interface AscentOptions {
  /** Gradient steps (default 64). */
  steps?: number;
  /** Largest change of a pixel in one step (default 0.2; pixels are ink in [0, 1]). */
  stepSize?: number;
  /** Random shift of up to this many pixels each step, undone on the gradient (default 2). */
  jitter?: number;
  /** A 3×3 Gaussian blur every this many steps (default 4; 0: never). */
  blurEvery?: number;
  /** Seeds the starting noise and the shifts, so a run can be repeated (default 1). */
  seed?: number;
}

const SIZE = MNIST_SIZE;

/**
 * Feature visualisation by gradient ascent on the input (Erhan et al. 2009; Olah et al. 2017):
 * starting from faint noise, the image moves along the gradient of one conv2 channel's mean
 * activation. Two regularisers keep it from turning into high-frequency noise that no digit
 * contains: each step sees the image shifted by a pixel or two (jitter), and every few steps it
 * is blurred a little. Pixels stay in [0, 1], the range of the drawings the model reads.
 *
 * One `step()` is one forward and backward pass of conv1 and conv2 on the CPU: the page runs a
 * few between frames so that it stays responsive.
 */
export class GradientAscent {
  /** The current image, 28×28 row-major, ink in [0, 1]. */
  readonly image = new Float32Array(SIZE * SIZE);
  /** Steps taken so far. */
  stepsTaken = 0;
  readonly steps: number;
  private readonly stepSize: number;
  private readonly jitter: number;
  private readonly blurEvery: number;
  private readonly random: () => number;

  constructor(
    private readonly model: LeNet5,
    readonly channel: number,
    options: AscentOptions = {},
  ) {
    const channels = model.conv2.outChannels;
    if (!Number.isInteger(channel) || channel < 0 || channel >= channels) {
      throw new Error(
        `GradientAscent: channel must be an integer in [0, ${channels}), got ${channel}`,
      );
    }
    this.steps = options.steps ?? 64;
    this.stepSize = options.stepSize ?? 0.2;
    this.jitter = options.jitter ?? 2;
    this.blurEvery = options.blurEvery ?? 4;
    this.random = seededRandom(options.seed ?? 1);
    for (let i = 0; i < this.image.length; i++) this.image[i] = 0.1 * this.random();
  }

  get done(): boolean {
    return this.stepsTaken >= this.steps;
  }

  /** The channel's mean activation (conv2, before ReLU) for the current image, unshifted. */
  activation(): number {
    return noGrad(() =>
      tidy(() => {
        const a = this.unit(this.input(this.image, false));
        return (a.dataSync() as Float32Array)[0] as number;
      }),
    );
  }

  /** One step of ascent: shift, gradient of the unit, unshift, move, blur now and then, clamp. */
  step(): void {
    const j = this.jitter;
    const dx = Math.floor(this.random() * (2 * j + 1)) - j;
    const dy = Math.floor(this.random() * (2 * j + 1)) - j;
    const shifted = roll(this.image, dx, dy);
    const g = tidy(() => {
      const x = this.input(shifted, true);
      const [dx0] = gradOf(this.unit(x), [x]) as [Tensor];
      return (dx0.dataSync() as Float32Array).slice();
    });
    const back = roll(g, -dx, -dy);
    let top = 0;
    for (const v of back) top = Math.max(top, Math.abs(v));
    // Normalised steps: the gradient's scale differs a lot between channels and as the image
    // changes; its direction is what matters.
    const scale = top > 0 ? this.stepSize / top : 0;
    for (let i = 0; i < this.image.length; i++) {
      this.image[i] = (this.image[i] as number) + scale * (back[i] as number);
    }
    this.stepsTaken++;
    if (this.blurEvery > 0 && this.stepsTaken % this.blurEvery === 0) blur3(this.image);
    for (let i = 0; i < this.image.length; i++) {
      this.image[i] = Math.min(1, Math.max(0, this.image[i] as number));
    }
  }

  private input(image: Float32Array, requiresGrad: boolean): Tensor {
    return tensor(image, {
      shape: [1, 1, SIZE, SIZE],
      dtype: 'float32',
      device: this.model.conv1.weight.device,
      requiresGrad,
    });
  }

  /** The mean over positions of channel `channel` of conv2's output, as a 1-element tensor. */
  private unit(x: Tensor): Tensor {
    let y = x;
    for (const [name, layer] of this.model.namedChildren()) {
      y = layer.forward(y);
      if (name === UNIT_LAYER) break;
    }
    return slice(y, 1, this.channel, this.channel + 1).mean();
  }
}

/** `image` shifted by (dx, dy) pixels, wrapping around at the edges. */
export function roll(image: Float32Array, dx: number, dy: number): Float32Array {
  const out = new Float32Array(image.length);
  for (let y = 0; y < SIZE; y++) {
    const sy = (((y - dy) % SIZE) + SIZE) % SIZE;
    for (let x = 0; x < SIZE; x++) {
      const sx = (((x - dx) % SIZE) + SIZE) % SIZE;
      out[y * SIZE + x] = image[sy * SIZE + sx] as number;
    }
  }
  return out;
}

/** Gaussian weights (σ ≈ 0.6 pixel) of a separable 3-tap blur; they sum to 1. */
const BLUR = [0.2, 0.6, 0.2] as const;

/** Blurs a 28×28 image in place with a 3×3 Gaussian, repeating the edge pixels. */
export function blur3(image: Float32Array): void {
  const tmp = new Float32Array(image.length);
  const at = (a: Float32Array, x: number, y: number) =>
    a[Math.min(SIZE - 1, Math.max(0, y)) * SIZE + Math.min(SIZE - 1, Math.max(0, x))] as number;
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      tmp[y * SIZE + x] =
        BLUR[0] * at(image, x - 1, y) + BLUR[1] * at(image, x, y) + BLUR[2] * at(image, x + 1, y);
    }
  }
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      image[y * SIZE + x] =
        BLUR[0] * at(tmp, x, y - 1) + BLUR[1] * at(tmp, x, y) + BLUR[2] * at(tmp, x, y + 1);
    }
  }
}
