export type Colour = [number, number, number];

/** Control points of a perceptually ordered map from dark blue to yellow (viridis-like). */
const SEQUENTIAL: Colour[] = [
  [68, 1, 84],
  [59, 82, 139],
  [33, 145, 140],
  [94, 201, 98],
  [253, 231, 37],
];

/** Blue for negative, white for zero, red for positive: for weights, whose sign matters. */
const DIVERGING: Colour[] = [
  [37, 99, 235],
  [147, 197, 253],
  [248, 250, 252],
  [252, 165, 165],
  [220, 38, 38],
];

function interpolate(stops: Colour[], t: number): Colour {
  const x = Math.max(0, Math.min(1, Number.isFinite(t) ? t : 0)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const f = x - i;
  const a = stops[i] as Colour;
  const b = stops[i + 1] as Colour;
  return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f];
}

/** `t` in [0, 1] to a colour of the sequential map. */
export const sequential = (t: number): Colour => interpolate(SEQUENTIAL, t);

/** `t` in [−1, 1] to a colour of the diverging map. */
export const diverging = (t: number): Colour => interpolate(DIVERGING, (t + 1) / 2);

/** Ink on paper: 0 white, 1 near black; for images of digits. */
export const ink = (t: number): Colour => {
  const v = 255 - Math.max(0, Math.min(1, t)) * 238;
  return [v, v, v + 4];
};
