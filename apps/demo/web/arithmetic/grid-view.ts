/**
 * Draws grids of cells on a canvas: blocks stacked top to bottom (one per channel), each block
 * one grid for 1-d and 2-d data or its depth slices for 3-d data, laid out in rows of about the
 * square root of their number so that a volume makes a compact picture. Each cell has a fill, an
 * optional outline and an optional number.
 */

/** Depth, height and width, with 1 for the axes the data lacks. */
export type Extent = readonly [number, number, number];
export type Coord = readonly [number, number, number];

export interface CellStyle {
  fill: string;
  /** A dashed outline, for zeros that are not part of the data. */
  dashed?: string;
  text?: string;
  /** The number's colour. */
  ink?: string;
}

export interface Block {
  title: string;
  extent: Extent;
  cell(at: Coord): CellStyle;
}

const TITLE = 16;
const SLICE_LABEL = 14;
const GAP = 10;
const SLICE_LABEL_WIDTH = 48;

/** [D, H, W] of a shape of 1, 2 or 3 spatial sizes. */
export function lift(spatial: readonly number[]): Extent {
  const e = [1, 1, 1];
  for (let i = 0; i < spatial.length; i++) e[3 - spatial.length + i] = spatial[i] as number;
  return e as unknown as Extent;
}

/** The coordinates of the data (1 to 3 of them) at a lifted cell. */
export function unlift(at: Coord, dims: number): number[] {
  return at.slice(3 - dims);
}

/** Depth slices side by side in one row of the picture. */
export function slicesPerRow(depth: number): number {
  return Math.ceil(Math.sqrt(depth));
}

/**
 * A cell size that fits each block's rows of slices in about `width` pixels, readable when it
 * can be (numbers are drawn from 18 px up), never under 3 px.
 */
export function cellSizeFor(extents: readonly Extent[], width: number): number {
  const fits = extents.map((e) => {
    const k = slicesPerRow(e[0]);
    return Math.floor((width - (k - 1) * GAP) / (k * Math.max(1, e[1], e[2])));
  });
  return Math.max(3, Math.min(30, ...fits));
}

/** Draws the blocks at `cell` pixels a cell. */
export function drawBlocks(
  canvas: HTMLCanvasElement,
  blocks: readonly Block[],
  cell: number,
): void {
  // Lay out first, to size the canvas.
  const placed: { block: Block; y: number; slices: { x: number; y: number }[] }[] = [];
  let y = 0;
  let width = 0;
  for (const block of blocks) {
    const [depth, height, wide] = block.extent;
    // A slice is at least as wide as its "depth 12" label.
    const sliceW = depth > 1 ? Math.max(wide * cell, SLICE_LABEL_WIDTH) : wide * cell;
    const sliceH = height * cell + (depth > 1 ? SLICE_LABEL : 0);
    const perRow = slicesPerRow(depth);
    const rows = Math.ceil(depth / perRow);
    const slices = Array.from({ length: depth }, (_, d) => ({
      x: (d % perRow) * (sliceW + GAP),
      y: y + TITLE + Math.floor(d / perRow) * (sliceH + GAP),
    }));
    placed.push({ block, y, slices });
    width = Math.max(width, Math.min(depth, perRow) * (sliceW + GAP) - GAP);
    y += TITLE + rows * sliceH + (rows - 1) * GAP + GAP;
  }
  const height = Math.max(1, y - GAP);
  width = Math.max(width, 1);
  const dpr = globalThis.devicePixelRatio || 1;
  canvas.width = Math.ceil(width * dpr);
  canvas.height = Math.ceil(height * dpr);
  canvas.style.width = `${width}px`;
  const ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, width, height);
  ctx.textBaseline = 'middle';
  const font = Math.max(9, Math.min(13, Math.floor(cell * 0.48)));
  for (const { block, y: top, slices } of placed) {
    const [depth, rows, cols] = block.extent;
    ctx.fillStyle = '#334155';
    ctx.font = '600 12px system-ui, sans-serif';
    ctx.textAlign = 'left';
    ctx.fillText(block.title, 0, top + TITLE / 2);
    for (let d = 0; d < depth; d++) {
      const s = slices[d] as { x: number; y: number };
      let sy = s.y;
      if (depth > 1) {
        ctx.fillStyle = '#64748b';
        ctx.font = '11px system-ui, sans-serif';
        ctx.textAlign = 'left';
        ctx.fillText(`depth ${d}`, s.x, sy + SLICE_LABEL / 2);
        sy += SLICE_LABEL;
      }
      ctx.font = `${font}px system-ui, sans-serif`;
      ctx.textAlign = 'center';
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < cols; c++) {
          const style = block.cell([d, r, c]);
          const x0 = s.x + c * cell;
          const y0 = sy + r * cell;
          const inset = cell >= 6 ? 1 : 0;
          ctx.fillStyle = style.fill;
          ctx.fillRect(x0 + inset, y0 + inset, cell - 2 * inset, cell - 2 * inset);
          if (style.dashed && cell >= 8) {
            ctx.save();
            ctx.strokeStyle = style.dashed;
            ctx.setLineDash([3, 2]);
            ctx.strokeRect(x0 + 1.5, y0 + 1.5, cell - 3, cell - 3);
            ctx.restore();
          }
          if (style.text && cell >= 18 && ctx.measureText(style.text).width <= cell - 3) {
            ctx.fillStyle = style.ink ?? '#0f172a';
            ctx.fillText(style.text, x0 + cell / 2, y0 + cell / 2 + 0.5);
          }
        }
      }
    }
  }
}
