// What `plot(value)` in a code block of the docs draws, read into plain numbers. Shared by the
// browser runner (which draws it) and the Node test of the code blocks (which only checks that
// the value can be drawn), so a block that plots something wrong fails in both.

/** A value read for plotting: row-major numbers and the shape they have. */
export interface PlotData {
  /** Rank 1 (a line), 2 (a heatmap) or 3 (a row of heatmaps, one per leading index). */
  shape: number[];
  values: number[];
  title?: string;
}

/** What the code of a page may pass to `plot`: a tensor or a nested array of numbers. */
interface TensorLike {
  shape: readonly number[];
  data(): Promise<ArrayLike<number | boolean>>;
}

function isTensorLike(value: unknown): value is TensorLike {
  return (
    typeof value === 'object' &&
    value !== null &&
    Array.isArray((value as TensorLike).shape) &&
    typeof (value as TensorLike).data === 'function'
  );
}

/** The shape of a rectangular nested array of numbers, or a message saying why it is not one. */
function nestedShape(value: unknown): number[] | string {
  if (typeof value === 'number') return [];
  if (!Array.isArray(value)) return `found ${typeof value} where a number or an array belongs`;
  if (value.length === 0) return 'found an empty array';
  const inner = value.map(nestedShape);
  const first = inner[0] as number[] | string;
  if (typeof first === 'string') return first;
  for (const s of inner) {
    if (typeof s === 'string') return s;
    if (s.join() !== first.join()) return 'its rows have different lengths';
  }
  return [value.length, ...first];
}

/**
 * Reads `value` (a tensor of any backend, or a nested array) into a {@link PlotData}; throws a
 * message naming the problem when it cannot be drawn (rank 0 or above 3, not rectangular,
 * not finite).
 */
export async function plotData(
  value: unknown,
  options: { title?: string } = {},
): Promise<PlotData> {
  let shape: number[];
  let values: number[];
  if (isTensorLike(value)) {
    shape = [...value.shape];
    values = Array.from(await value.data(), Number);
  } else {
    const found = nestedShape(value);
    if (typeof found === 'string') throw new TypeError(`plot(value): ${found}`);
    shape = found;
    values = (value as unknown[]).flat(Number.POSITIVE_INFINITY) as number[];
  }
  if (shape.length < 1 || shape.length > 3) {
    throw new TypeError(
      `plot(value): value has shape [${shape.join(', ')}]; plot draws rank 1 (a line), 2 (a heatmap) or 3 (heatmaps)`,
    );
  }
  if (values.some((v) => !Number.isFinite(v))) {
    throw new TypeError('plot(value): value holds NaN or an infinity');
  }
  const data: PlotData = { shape, values };
  if (options.title !== undefined) data.title = String(options.title);
  return data;
}
