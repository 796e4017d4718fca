import type { Colour } from '../ui/colormap.js';
import { diverging } from '../ui/colormap.js';
import { paintHeatmap } from '../ui/heatmap.js';
import type { MapComparison } from './compare.js';

/** Where a map is not compared (the band a shift leaves out): a flat grey, unlike any difference. */
const NOT_COMPARED: Colour = [203, 213, 225];

/** 0 white, growing differences through orange to red. */
function differenceColour(t: number): Colour {
  if (Number.isNaN(t)) return NOT_COMPARED;
  const x = Math.max(0, Math.min(1, t));
  // Square root: small but real differences stay visible next to the largest one.
  const s = Math.sqrt(x);
  return [255 - 35 * s, 255 - 217 * s, 255 - 217 * s];
}

/**
 * One `size × size` plane of a feature map (at `offset`), blue negative, red positive, scaled by
 * `scale` so that the maps of the image and of its transform share one colour scale.
 */
export function paintMap(
  canvas: HTMLCanvasElement,
  values: ArrayLike<number>,
  size: number,
  scale: number,
  offset: number,
): void {
  const m = scale || 1;
  paintHeatmap(canvas, values, size, size, { colour: diverging, scale: (v) => v / m }, offset);
}

/** One plane of |undone − original|, on the same scale as the maps; grey where not compared. */
export function paintDifference(
  canvas: HTMLCanvasElement,
  values: ArrayLike<number>,
  size: number,
  scale: number,
  offset: number,
): void {
  const m = scale || 1;
  paintHeatmap(
    canvas,
    values,
    size,
    size,
    { colour: differenceColour, scale: (v) => (Number.isNaN(v) ? v : v / m) },
    offset,
  );
}

/** The largest difference in words: the number, and its share of the largest activation. */
export function describeDifference(c: MapComparison): string {
  const d = c.maxDifference;
  const value = d === 0 ? '0' : d < 1e-3 ? d.toExponential(1) : d.toFixed(3);
  const share = c.scale > 0 ? (100 * d) / c.scale : 0;
  const percent =
    share === 0 ? '0%' : share < 0.01 ? '< 0.01%' : `${share.toFixed(share < 1 ? 2 : 0)}%`;
  return `${value} (${percent} of the largest activation, ${c.scale.toFixed(2)})`;
}

/** The numbers behind a comparison, as `data-*` attributes for whoever inspects the page. */
export function setDifferenceData(el: HTMLElement, c: MapComparison, compared: number): void {
  el.dataset.max = String(c.maxDifference);
  el.dataset.scale = String(c.scale);
  el.dataset.relative = String(c.scale > 0 ? c.maxDifference / c.scale : 0);
  el.dataset.compared = String(compared);
}
