import { gradOf, interpolate, pad, type Tensor, tensor, tidy } from '@stride/core';
import type { LeNet5 } from '@stride/layers';
import { MNIST_SIZE } from '../draw/preprocess.js';

/** The layer whose output Grad-CAM weighs: conv2 after its ReLU, LeNet-5's last conv features. */
export const CAM_LAYER = 'act2';

/**
 * Where conv2's 10×10 output sits on the 28×28 image: each position is two pixels from the next
 * (one 2×2 pooling before it) and the first is centred 4 pixels in (conv1 keeps 28×28 with its
 * padding, conv2 has none), so the map covers the central 20×20.
 */
const CAM_SCALE = 2;
const CAM_OFFSET = 4;

export interface Attribution {
  /** The class explained: the predicted one unless another was asked for. */
  classIndex: number;
  /** The class the model predicts (the largest logit). */
  predicted: number;
  /** The ten logits. */
  logits: Float32Array;
  /** ∂ logit[classIndex] / ∂ input, 28×28 row-major, with its sign. */
  gradient: Float32Array;
  /** |gradient|: the saliency map of Simonyan et al. (2013). */
  saliency: Float32Array;
  /** The Grad-CAM weights α_k, one per channel of conv2. */
  camWeights: Float32Array;
  /** ReLU(Σ_k α_k A^k) on conv2's 10×10 grid, before placing and normalising. */
  camRaw: Float32Array;
  /** Grad-CAM placed over the 28×28 image (bilinear) and divided by its maximum: in [0, 1]. */
  gradCam: Float32Array;
}

/**
 * Why the model gives the answer it gives for one 28×28 image, from one forward and one backward
 * pass with Stride's autograd: the gradient of the class's logit with respect to the input
 * (saliency) and with respect to conv2's feature maps A^k (Grad-CAM, Selvaraju et al. 2017:
 * α_k = mean over positions of ∂y_c/∂A^k, map = ReLU(Σ_k α_k A^k)). Every tensor made here is
 * freed before it returns; the model's parameters get no `.grad`.
 */
export function explain(model: LeNet5, image: Float32Array, classIndex?: number): Attribution {
  if (image.length !== MNIST_SIZE * MNIST_SIZE) {
    throw new Error(`explain: expected a 28×28 image (784 values), got ${image.length}`);
  }
  return tidy(() => {
    const x = tensor(image, {
      shape: [1, 1, MNIST_SIZE, MNIST_SIZE],
      dtype: 'float32',
      device: model.conv1.weight.device,
      requiresGrad: true,
    });
    // The model's children in the order its forward applies them (as the activations view
    // does), keeping the features Grad-CAM weighs on the way.
    let y: Tensor = x;
    let features: Tensor | null = null;
    for (const [name, layer] of model.namedChildren()) {
      y = layer.forward(y);
      if (name === CAM_LAYER) features = y;
    }
    if (!features) throw new Error(`explain: the model has no layer named ${CAM_LAYER}`);
    const logits = (y.dataSync() as Float32Array).slice();
    let predicted = 0;
    for (let c = 1; c < logits.length; c++) {
      if ((logits[c] as number) > (logits[predicted] as number)) predicted = c;
    }
    const c = classIndex ?? predicted;
    if (!Number.isInteger(c) || c < 0 || c >= logits.length) {
      throw new Error(`explain: classIndex must be an integer in [0, ${logits.length}), got ${c}`);
    }
    // Seeding the backward pass with a one-hot row differentiates the one logit y[0, c].
    const seed = new Float32Array(logits.length);
    seed[c] = 1;
    const [dx, dA] = gradOf(y, [x, features], {
      gradOutputs: tensor(seed, { shape: y.shape, dtype: 'float32', device: y.device }),
    }) as [Tensor, Tensor];
    const gradient = (dx.dataSync() as Float32Array).slice();
    const saliency = gradient.map(Math.abs);

    const [, channels, hh, ww] = features.shape as [number, number, number, number];
    const alpha = dA.mean([2, 3], true); // [1, K, 1, 1]
    const cam = alpha.mul(features).sum(1, true).relu(); // [1, 1, 10, 10]
    const camRaw = (cam.dataSync() as Float32Array).slice();
    const placed = pad(interpolate(cam, { scaleFactor: CAM_SCALE, mode: 'bilinear' }), [
      CAM_OFFSET,
      MNIST_SIZE - CAM_OFFSET - CAM_SCALE * ww,
      CAM_OFFSET,
      MNIST_SIZE - CAM_OFFSET - CAM_SCALE * hh,
    ]);
    const gradCam = (placed.dataSync() as Float32Array).slice();
    let top = 0;
    for (const v of gradCam) top = Math.max(top, v);
    // All zero (no channel speaks for the class) stays zero rather than becoming NaN.
    if (top > 0) for (let i = 0; i < gradCam.length; i++) gradCam[i] = (gradCam[i] as number) / top;
    const camWeights = (alpha.dataSync() as Float32Array).slice(0, channels);
    return { classIndex: c, predicted, logits, gradient, saliency, camWeights, camRaw, gradCam };
  });
}
