import type { Colour } from './colormap.js';

/** Transparent at 0 through red to yellow at 1: a heat colour that leaves the digit readable. */
const HEAT: Colour[] = [
  [220, 38, 38],
  [249, 115, 22],
  [250, 204, 21],
];

function heat(t: number): Colour {
  const x = Math.max(0, Math.min(1, t)) * (HEAT.length - 1);
  const i = Math.min(HEAT.length - 2, Math.floor(x));
  const f = x - i;
  const a = HEAT[i] as Colour;
  const b = HEAT[i + 1] as Colour;
  return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f];
}

/**
 * A `size × size` heat map drawn over a digit: the digit in grey (ink in [0, 1]) and, on top, the
 * heat colour with an opacity that grows with `heatValues[i] / scale`, so that where the map is
 * zero the digit shows unchanged.
 */
export function paintOverlay(
  canvas: HTMLCanvasElement,
  digit: ArrayLike<number>,
  heatValues: ArrayLike<number>,
  size: number,
  scale: number,
): void {
  canvas.width = size;
  canvas.height = size;
  const ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
  const img = ctx.createImageData(size, size);
  for (let i = 0; i < size * size; i++) {
    const grey = 255 - Math.max(0, Math.min(1, digit[i] as number)) * 170;
    const t = scale > 0 ? Math.max(0, Math.min(1, (heatValues[i] as number) / scale)) : 0;
    const [r, g, b] = heat(t);
    const alpha = 0.85 * Math.sqrt(t);
    img.data[i * 4] = grey * (1 - alpha) + r * alpha;
    img.data[i * 4 + 1] = grey * (1 - alpha) + g * alpha;
    img.data[i * 4 + 2] = grey * (1 - alpha) + b * alpha;
    img.data[i * 4 + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

/**
 * Numbers as a `data-values` attribute: the values behind a picture, for whoever inspects the
 * page (and for its tests), to 9 significant digits: enough to give back the same float32.
 */
export function valuesAttribute(values: ArrayLike<number>): string {
  return Array.from(values, (v) => Number(v.toPrecision(9))).join(',');
}
