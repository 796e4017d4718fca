/**
 * A small "Where's Waldo?" crowd, drawn as pixel art from a seed: people with striped shirts on
 * a sandy beach, one of whom is Waldo (red-and-white stripes, bobble hat, blue trousers). Some
 * decoys share part of his outfit, so finding him takes the whole pattern, not one colour.
 * Images are planar RGB in [0, 1], `[3, height, width]`, ready for `conv2d`.
 */
import { seededRandom } from '../ui/seeded-random.js';

export type Rgb = readonly [number, number, number];

export interface RgbImage {
  width: number;
  height: number;
  /** Planar: all red, then all green, then all blue, each row-major. */
  data: Float32Array;
}

export interface Outfit {
  hat: Rgb | null;
  skin: Rgb;
  stripes: readonly [Rgb, Rgb];
  trousers: Rgb;
}

export interface Scene {
  image: RgbImage;
  /** Top-left corner of Waldo's sprite box. */
  waldo: { x: number; y: number };
}

export const SPRITE_WIDTH = 9;
export const SPRITE_HEIGHT = 15;

export const SAND: Rgb = [0.93, 0.85, 0.66];
const RED: Rgb = [0.86, 0.1, 0.12];
const WHITE: Rgb = [0.98, 0.98, 0.98];
const BLUE: Rgb = [0.16, 0.3, 0.7];
const BLACK: Rgb = [0.1, 0.1, 0.12];
const SKINS: Rgb[] = [
  [0.98, 0.8, 0.66],
  [0.84, 0.62, 0.45],
  [0.55, 0.37, 0.24],
  [0.36, 0.24, 0.16],
];
const COLOURS: Rgb[] = [
  RED,
  WHITE,
  BLUE,
  BLACK,
  [0.1, 0.6, 0.3],
  [0.98, 0.8, 0.1],
  [0.95, 0.5, 0.1],
  [0.55, 0.25, 0.65],
  [0.2, 0.7, 0.85],
  [0.45, 0.3, 0.2],
];

export const WALDO: Outfit = {
  hat: RED,
  skin: SKINS[0] as Rgb,
  stripes: [RED, WHITE],
  trousers: BLUE,
};

/**
 * The sprite, one character per pixel: h hat (pompom and band), s skin, a/b the two stripe
 * colours, t trousers, '.' transparent.
 */
const SPRITE = [
  '....h....',
  '...hhh...',
  '..bbbbb..',
  '..sssss..',
  '..sssss..',
  '...sss...',
  '.aaaaaaa.',
  'sbbbbbbbs',
  'saaaaaaas',
  'sbbbbbbbs',
  '.aaaaaaa.',
  '..ttttt..',
  '..tt.tt..',
  '..tt.tt..',
  '..bb.bb..',
];

export function blankImage(width: number, height: number, colour: Rgb): RgbImage {
  const data = new Float32Array(3 * width * height);
  for (let c = 0; c < 3; c++)
    data.fill(colour[c] as number, c * width * height, (c + 1) * width * height);
  return { width, height, data };
}

function setPixel(img: RgbImage, x: number, y: number, colour: Rgb): void {
  if (x < 0 || y < 0 || x >= img.width || y >= img.height) return;
  const plane = img.width * img.height;
  for (let c = 0; c < 3; c++) img.data[c * plane + y * img.width + x] = colour[c] as number;
}

/** Draws a person with `outfit` whose sprite box has its top-left corner at (x, y). */
export function drawPerson(img: RgbImage, x: number, y: number, outfit: Outfit): void {
  for (let r = 0; r < SPRITE_HEIGHT; r++) {
    const row = SPRITE[r] as string;
    for (let c = 0; c < SPRITE_WIDTH; c++) {
      const code = row[c];
      let colour: Rgb | null = null;
      if (code === 'h') colour = outfit.hat;
      else if (code === 's') colour = outfit.skin;
      else if (code === 'a') colour = outfit.stripes[0];
      else if (code === 'b')
        colour = r < 3 ? (outfit.hat ? WHITE : outfit.skin) : outfit.stripes[1];
      else if (code === 't') colour = outfit.trousers;
      // The shoes ('b' in the last row) are always black.
      if (r === SPRITE_HEIGHT - 1 && code === 'b') colour = BLACK;
      if (colour) setPixel(img, x + c, y + r, colour);
    }
  }
}

/** Waldo alone on plain sand: the "wanted" poster the page searches the crowd with. */
export function waldoPoster(): RgbImage {
  const img = blankImage(SPRITE_WIDTH, SPRITE_HEIGHT, SAND);
  drawPerson(img, 0, 0, WALDO);
  return img;
}

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

/**
 * A decoy outfit. About one in four wears Waldo's shirt, but then never his trousers nor his
 * hat, so that he stays the only person matching on all three.
 */
function decoyOutfit(random: () => number): Outfit {
  const skin = pick(random, SKINS);
  if (random() < 0.25) {
    const others = COLOURS.filter((c) => c !== BLUE && c !== RED);
    return {
      hat: random() < 0.5 ? pick(random, others) : null,
      skin,
      stripes: [RED, WHITE],
      trousers: pick(random, others),
    };
  }
  return {
    hat: random() < 0.5 ? pick(random, COLOURS) : null,
    skin,
    stripes: [pick(random, COLOURS), pick(random, COLOURS)],
    trousers: pick(random, COLOURS),
  };
}

/**
 * A `width × height` beach with up to `people` decoys and Waldo, placed from `seed`. Everyone
 * stands in a cell of a jittered grid, so nobody hides part of anybody else: the crowd looks
 * random, and Waldo is always whole.
 */
export function makeScene(seed: number, width = 192, height = 128, people = 60): Scene {
  const random = seededRandom(seed);
  const image = blankImage(width, height, SAND);
  // Grainy sand: small brightness noise everywhere, as in a photograph.
  const plane = width * height;
  for (let i = 0; i < plane; i++) {
    const grain = (random() - 0.5) * 0.06;
    for (let c = 0; c < 3; c++)
      image.data[c * plane + i] = (image.data[c * plane + i] as number) + grain;
  }
  const cellW = SPRITE_WIDTH + 3;
  const cellH = SPRITE_HEIGHT + 3;
  const columns = Math.floor(width / cellW);
  const rows = Math.floor(height / cellH);
  const cells = Array.from({ length: columns * rows }, (_, i) => i);
  // Fisher-Yates: the first cell is Waldo's, the next ones the decoys'.
  for (let i = cells.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [cells[i], cells[j]] = [cells[j] as number, cells[i] as number];
  }
  const place = (cell: number) => ({
    x: (cell % columns) * cellW + Math.floor(random() * (cellW - SPRITE_WIDTH + 1)),
    y: Math.floor(cell / columns) * cellH + Math.floor(random() * (cellH - SPRITE_HEIGHT + 1)),
  });
  const waldo = place(cells[0] as number);
  drawPerson(image, waldo.x, waldo.y, WALDO);
  for (const cell of cells.slice(1, 1 + people)) {
    const at = place(cell);
    drawPerson(image, at.x, at.y, decoyOutfit(random));
  }
  return { image, waldo };
}

/**
 * The image moved by (dx, dy) pixels: a pixel at (x, y) goes to (x + dx, y + dy). What moves past
 * an edge leaves the frame (nothing wraps around to the other side, which would paste a strip of
 * one side of the beach next to the other and cut people in two), and the strip the image
 * uncovers is `fill`: plain sand by default, the beach without its grain.
 */
export function shiftImage(img: RgbImage, dx: number, dy: number, fill: Rgb = SAND): RgbImage {
  const { width, height } = img;
  const out = blankImage(width, height, fill);
  const plane = width * height;
  // The rows and columns of the output that the shifted image still covers.
  const x0 = Math.max(0, dx);
  const x1 = Math.min(width, width + dx);
  const y0 = Math.max(0, dy);
  const y1 = Math.min(height, height + dy);
  if (x0 >= x1 || y0 >= y1) return out;
  for (let c = 0; c < 3; c++) {
    for (let y = y0; y < y1; y++) {
      const from = c * plane + (y - dy) * width + (x0 - dx);
      out.data.set(img.data.subarray(from, from + (x1 - x0)), c * plane + y * width + x0);
    }
  }
  return out;
}

/** How much of a `w × h` box with its top-left corner at (x, y) lies inside the image. */
export function boxInFrame(
  img: Pick<RgbImage, 'width' | 'height'>,
  x: number,
  y: number,
  w: number,
  h: number,
): 'whole' | 'partly' | 'outside' {
  if (x >= 0 && y >= 0 && x + w <= img.width && y + h <= img.height) return 'whole';
  if (x + w <= 0 || y + h <= 0 || x >= img.width || y >= img.height) return 'outside';
  return 'partly';
}

/** The `w × h` patch of `img` with its top-left corner at (x, y). */
export function cropImage(img: RgbImage, x: number, y: number, w: number, h: number): RgbImage {
  const out = new Float32Array(3 * w * h);
  const plane = img.width * img.height;
  for (let c = 0; c < 3; c++) {
    for (let r = 0; r < h; r++) {
      const from = c * plane + (y + r) * img.width + x;
      out.set(img.data.subarray(from, from + w), c * w * h + r * w);
    }
  }
  return { width: w, height: h, data: out };
}
