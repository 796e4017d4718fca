/**
 * Turns a drawing into the kind of image LeNet-5 was trained on. MNIST digits were made this
 * way: the digit's bounding box is scaled to fit a 20×20 box keeping its aspect ratio
 * (anti-aliased), then placed in a 28×28 field so that its centre of mass is at the centre.
 * Pixels are ink in [0, 1], as `ArrayDataset` gives MNIST bytes (v / 255), with no other
 * normalisation: that is what the training CLI fed the network.
 */

export const MNIST_SIZE = 28;
export const DIGIT_BOX = 20;

export interface InkBox {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** The smallest box holding every pixel above `threshold`, or null for a blank image. */
export function inkBox(
  ink: Float32Array,
  width: number,
  height: number,
  threshold = 0.05,
): InkBox | null {
  let left = width;
  let right = -1;
  let top = height;
  let bottom = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if ((ink[y * width + x] as number) <= threshold) continue;
      if (x < left) left = x;
      if (x > right) right = x;
      if (y < top) top = y;
      if (y > bottom) bottom = y;
    }
  }
  if (right < 0) return null;
  return { left, top, width: right - left + 1, height: bottom - top + 1 };
}

/**
 * Resamples a box of `ink` to `outW × outH` by area averaging: each output pixel is the mean of
 * the source area it covers, weighted by overlap. Shrinking a 200-pixel stroke this way
 * anti-aliases it as the MNIST scanner's downsampling did; nearest or bilinear sampling would
 * drop thin strokes.
 */
export function resampleArea(
  ink: Float32Array,
  width: number,
  box: InkBox,
  outW: number,
  outH: number,
): Float32Array {
  const out = new Float32Array(outW * outH);
  const sx = box.width / outW;
  const sy = box.height / outH;
  for (let oy = 0; oy < outH; oy++) {
    const y0 = box.top + oy * sy;
    const y1 = y0 + sy;
    for (let ox = 0; ox < outW; ox++) {
      const x0 = box.left + ox * sx;
      const x1 = x0 + sx;
      let sum = 0;
      for (let y = Math.floor(y0); y < Math.ceil(y1); y++) {
        const wy = Math.min(y + 1, y1) - Math.max(y, y0);
        if (wy <= 0) continue;
        for (let x = Math.floor(x0); x < Math.ceil(x1); x++) {
          const wx = Math.min(x + 1, x1) - Math.max(x, x0);
          if (wx <= 0) continue;
          sum += wx * wy * (ink[y * width + x] as number);
        }
      }
      out[oy * outW + ox] = sum / (sx * sy);
    }
  }
  return out;
}

/** Centre of mass (x, y) of an image in pixel-centre coordinates. */
export function centreOfMass(img: Float32Array, width: number, height: number): [number, number] {
  let total = 0;
  let mx = 0;
  let my = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = img[y * width + x] as number;
      total += v;
      mx += v * (x + 0.5);
      my += v * (y + 0.5);
    }
  }
  return total === 0 ? [width / 2, height / 2] : [mx / total, my / total];
}

/**
 * A drawing (`ink` in [0, 1], row-major, `width × height`) as a 28×28 MNIST-style image, or
 * null if nothing is drawn.
 */
export function toMnistImage(
  ink: Float32Array,
  width: number,
  height: number,
): Float32Array | null {
  const box = inkBox(ink, width, height);
  if (!box) return null;
  const scale = DIGIT_BOX / Math.max(box.width, box.height);
  const w = Math.max(1, Math.round(box.width * scale));
  const h = Math.max(1, Math.round(box.height * scale));
  const digit = resampleArea(ink, width, box, w, h);
  const [cx, cy] = centreOfMass(digit, w, h);
  // Place the digit so its centre of mass lands on the field's centre, kept inside the field.
  const left = clamp(Math.round(MNIST_SIZE / 2 - cx), 0, MNIST_SIZE - w);
  const top = clamp(Math.round(MNIST_SIZE / 2 - cy), 0, MNIST_SIZE - h);
  const out = new Float32Array(MNIST_SIZE * MNIST_SIZE);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      out[(top + y) * MNIST_SIZE + left + x] = Math.min(1, digit[y * w + x] as number);
    }
  }
  return out;
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, v));
}
