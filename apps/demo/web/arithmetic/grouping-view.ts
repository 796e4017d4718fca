/**
 * The channel grouping as a picture: input channels on the left, output channels on the right,
 * one line per weight slice that connects them, coloured by group. The output channel the
 * scrubber is at, and its lines, stand out.
 */
import type { ChannelLink } from './grouping.js';

const NS = 'http://www.w3.org/2000/svg';
export const GROUP_COLOURS = ['#6366f1', '#f59e0b', '#10b981', '#ef4444', '#0ea5e9', '#a855f7'];

function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number>,
  text?: string,
): SVGElementTagNameMap[K] {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

const ROW = 30;
const WIDTH = 220;

/**
 * Redraws `root` (an `<svg>`) for `inChannels` and `outChannels` joined by `links` (null: groups
 * does not divide the channels, so nothing is joined), `current` the highlighted output channel.
 */
export function drawGrouping(
  root: SVGSVGElement,
  inChannels: number,
  outChannels: number,
  links: readonly ChannelLink[] | null,
  current: number | null,
): void {
  const rows = Math.max(inChannels, outChannels);
  const height = rows * ROW + 24;
  root.setAttribute('viewBox', `0 0 ${WIDTH} ${height}`);
  root.setAttribute('width', String(WIDTH));
  root.setAttribute('height', String(height));
  root.replaceChildren();
  const yOf = (i: number, n: number) => 24 + (i + 0.5) * ROW + ((rows - n) * ROW) / 2;
  const groupOf = (side: 'input' | 'output', i: number) =>
    links?.find((l) => l[side] === i)?.group ?? -1;
  root.append(
    svg('text', { x: 34, y: 12, 'text-anchor': 'middle', class: 'arith-groups-head' }, 'input'),
    svg(
      'text',
      { x: WIDTH - 34, y: 12, 'text-anchor': 'middle', class: 'arith-groups-head' },
      'output',
    ),
  );
  for (const link of links ?? []) {
    const on = link.output === current;
    root.append(
      svg('line', {
        x1: 52,
        y1: yOf(link.input, inChannels),
        x2: WIDTH - 52,
        y2: yOf(link.output, outChannels),
        stroke: GROUP_COLOURS[link.group % GROUP_COLOURS.length] as string,
        'stroke-width': on ? 3.5 : 1.5,
        'stroke-opacity': on || current === null ? 1 : 0.45,
        'data-input': link.input,
        'data-output': link.output,
        'data-group': link.group,
      }),
    );
  }
  const node = (side: 'input' | 'output', i: number, n: number) => {
    const group = groupOf(side, i);
    const x = side === 'input' ? 16 : WIDTH - 52;
    const on = side === 'output' && i === current;
    const colour = group < 0 ? '#94a3b8' : (GROUP_COLOURS[group % GROUP_COLOURS.length] as string);
    root.append(
      svg('rect', {
        x,
        y: yOf(i, n) - 11,
        width: 36,
        height: 22,
        rx: 5,
        fill: on ? colour : '#ffffff',
        stroke: colour,
        'stroke-width': 2,
      }),
      svg(
        'text',
        {
          x: x + 18,
          y: yOf(i, n) + 4,
          'text-anchor': 'middle',
          class: 'arith-groups-label',
          fill: on ? '#ffffff' : '#0f172a',
        },
        `${side === 'input' ? 'in' : 'out'} ${i}`,
      ),
    );
  };
  for (let i = 0; i < inChannels; i++) node('input', i, inChannels);
  for (let o = 0; o < outChannels; o++) node('output', o, outChannels);
}
