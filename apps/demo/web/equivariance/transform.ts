/**
 * The transforms of the equivariance panel, on square planes of `size × size` values (row-major,
 * row 0 at the top): a quarter-turn rotation and a shift that moves pixels out of the frame and
 * zeros in (no wrap-around), composed as "turn, then shift". Also their inverse, for undoing the
 * transform on a feature map, and the positions where a feature map can be compared after undoing.
 * Pure index moves: exact, and the same in Node and the page.
 */
import { fail } from '@stride/core';

/** Quarter turns and a shift: the input is turned `turns` × 90° (counter-clockwise), then moved. */
export interface PlaneTransform {
  /** Columns to the right (negative: to the left). */
  readonly dx: number;
  /** Rows down (negative: up). */
  readonly dy: number;
  /** Counter-clockwise quarter turns as displayed, counted modulo 4 (`rot90` of @stride/equivariant). */
  readonly turns: number;
}

export const IDENTITY: PlaneTransform = { dx: 0, dy: 0, turns: 0 };

/** `turns` as 0, 1, 2 or 3. */
export function quarterTurns(turns: number): number {
  return ((turns % 4) + 4) % 4;
}

function checkPlane(fn: string, plane: ArrayLike<number>, size: number, offset: number): void {
  if (!Number.isSafeInteger(size) || size < 1) {
    fail(fn, `size must be a positive integer, got ${size}`);
  }
  if (!Number.isSafeInteger(offset) || offset < 0 || offset + size * size > plane.length) {
    fail(
      fn,
      `a ${size}×${size} plane at offset ${offset} needs ${offset + size * size} values, got ${plane.length}`,
    );
  }
}

function checkTransform(fn: string, t: PlaneTransform): void {
  for (const key of ['dx', 'dy', 'turns'] as const) {
    if (!Number.isSafeInteger(t[key]))
      fail(fn, `transform.${key} must be an integer, got ${t[key]}`);
  }
}

/**
 * The plane moved `dx` columns right and `dy` rows down: what moves past an edge is gone, and
 * zeros (or `fill`) come in from the other side.
 *
 * @example
 * ```ts
 * shiftPlane([1, 2, 3, 4], 2, 1, 0);   // [0, 1, 0, 3]
 * ```
 */
export function shiftPlane(
  plane: ArrayLike<number>,
  size: number,
  dx: number,
  dy: number,
  fill = 0,
  offset = 0,
): Float32Array {
  checkPlane('shiftPlane', plane, size, offset);
  const out = new Float32Array(size * size).fill(fill);
  for (let y = Math.max(0, dy); y < Math.min(size, size + dy); y++) {
    for (let x = Math.max(0, dx); x < Math.min(size, size + dx); x++) {
      out[y * size + x] = plane[offset + (y - dy) * size + (x - dx)] as number;
    }
  }
  return out;
}

/**
 * The plane turned by `turns` quarter turns, counter-clockwise as displayed: `torch.rot90` (and
 * `rot90` of @stride/equivariant) over its two axes, so that one turn sends the top-right corner
 * to the top left.
 *
 * @example
 * ```ts
 * rotatePlane([1, 2, 3, 4], 2, 1);     // [2, 4, 1, 3]
 * ```
 */
export function rotatePlane(
  plane: ArrayLike<number>,
  size: number,
  turns: number,
  offset = 0,
): Float32Array {
  checkPlane('rotatePlane', plane, size, offset);
  const k = quarterTurns(turns);
  const n = size - 1;
  const out = new Float32Array(size * size);
  for (let i = 0; i < size; i++) {
    for (let j = 0; j < size; j++) {
      // The source pixel of out[i][j] after k turns.
      const [r, c] =
        k === 0 ? [i, j] : k === 1 ? [j, n - i] : k === 2 ? [n - i, n - j] : [n - j, i];
      out[i * size + j] = plane[offset + r * size + c] as number;
    }
  }
  return out;
}

/** The plane turned, then shifted: the panel's transform T. */
export function applyTransform(
  plane: ArrayLike<number>,
  size: number,
  t: PlaneTransform,
  offset = 0,
): Float32Array {
  checkTransform('applyTransform', t);
  return shiftPlane(rotatePlane(plane, size, t.turns, offset), size, t.dx, t.dy);
}

/**
 * T⁻¹: the shift taken back, then the turn. Values that T pushed out of the frame cannot come
 * back; they read as `fill` (use NaN to tell them apart).
 */
export function undoTransform(
  plane: ArrayLike<number>,
  size: number,
  t: PlaneTransform,
  fill = 0,
  offset = 0,
): Float32Array {
  checkTransform('undoTransform', t);
  return rotatePlane(shiftPlane(plane, size, -t.dx, -t.dy, fill, offset), size, -t.turns);
}

/**
 * Where, in the original image's coordinates, a feature map of a `kernel × kernel` convolution
 * with 'same' zero padding can be compared with the undone map of the transformed input: 1 there,
 * 0 elsewhere. A turn loses nothing. A shift loses the pixels pushed out of the frame, which the
 * filter still saw near that edge in the original, and positions whose value came from outside the
 * frame have no counterpart; so under a shift the band of (kernel − 1) / 2 pixels along the
 * shifted frame's edges is left out.
 */
export function comparableMask(size: number, kernel: number, t: PlaneTransform): Uint8Array {
  checkTransform('comparableMask', t);
  if (!Number.isSafeInteger(kernel) || kernel < 1 || kernel % 2 === 0 || kernel > size) {
    fail('comparableMask', `kernel must be an odd integer from 1 to size ${size}, got ${kernel}`);
  }
  if (t.dx === 0 && t.dy === 0) return new Uint8Array(size * size).fill(1);
  const band = (kernel - 1) / 2;
  const inner = new Float32Array(size * size);
  for (let y = band; y < size - band; y++) {
    for (let x = band; x < size - band; x++) inner[y * size + x] = 1;
  }
  return Uint8Array.from(undoTransform(inner, size, t));
}
