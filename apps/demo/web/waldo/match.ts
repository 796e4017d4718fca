import { conv2d, ones, type Tensor, tensor, tidy } from '@stride/core';
import type { RgbImage } from './scene.js';

export type MatchScore = 'normalised' | 'plain';

export interface Match {
  /** Scores of every placement, row-major, `[height − h + 1] × [width − w + 1]`. */
  response: Float32Array;
  width: number;
  height: number;
  /** Top-left corner of the best placement. */
  best: { x: number; y: number; score: number };
}

function imageTensor(img: RgbImage, device: string): Tensor {
  return tensor(img.data, { shape: [1, 3, img.height, img.width], dtype: 'float32', device });
}

/**
 * Slides `template` over `image` with `conv2d` (which is cross-correlation) and scores every
 * placement. 'plain' is the raw correlation Σ image·template, which bright regions win.
 * 'normalised' is the Pearson correlation of the patch and the template (NCC, in [−1, 1]),
 * built from three convolutions:
 *
 *   Σ x·t̂  with t̂ = t − mean(t)   (t̂ sums to zero, so the patch's mean drops out)
 *   Σ x and Σ x², with a kernel of ones, for the patch's variance
 *
 *   NCC = Σ x·t̂ / (‖t̂‖ · sqrt(Σ x² − (Σ x)² / n))
 */
export async function matchTemplate(
  image: RgbImage,
  template: RgbImage,
  score: MatchScore,
  device: string,
): Promise<Match> {
  const result = tidy(() => {
    const x = imageTensor(image, device);
    const t = imageTensor(template, device);
    if (score === 'plain') return conv2d(x, t);
    const n = template.data.length;
    const centred = t.sub(t.mean());
    const norm = centred.square().sum().sqrt();
    const box = ones([1, 3, template.height, template.width], { device });
    const sum = conv2d(x, box);
    const sumSquares = conv2d(x.square(), box);
    const variance = sumSquares.sub(sum.square().div(n)).clamp(1e-6);
    return conv2d(x, centred).div(variance.sqrt().mul(norm));
  });
  const width = result.shape[3] as number;
  const height = result.shape[2] as number;
  const response = (await result.data()) as Float32Array;
  result.dispose();
  return { response, width, height, best: bestOf(response, width) };
}

/** The highest score and where it is; the first one on ties, reading row by row. */
export function bestOf(response: Float32Array, width: number): Match['best'] {
  let at = 0;
  for (let i = 1; i < response.length; i++) {
    if ((response[i] as number) > (response[at] as number)) at = i;
  }
  return { x: at % width, y: Math.floor(at / width), score: response[at] as number };
}
