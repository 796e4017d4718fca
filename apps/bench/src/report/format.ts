/** Number formatting shared by the table and the chart. */

/** A duration in milliseconds with three significant digits and a unit that fits. */
export function formatMs(ms: number): string {
  if (ms < 1) return `${(ms * 1000).toPrecision(3)} µs`;
  if (ms < 1000) return `${ms.toPrecision(3)} ms`;
  return `${(ms / 1000).toPrecision(3)} s`;
}

export function formatRatio(r: number): string {
  if (r >= 100) return `${Math.round(r)}×`;
  if (r >= 10) return `${r.toFixed(1)}×`;
  return `${r.toPrecision(2)}×`;
}

export function formatGflops(g: number): string {
  return g >= 100 ? g.toFixed(0) : g.toPrecision(3);
}
