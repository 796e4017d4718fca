import { h } from './dom.js';

/**
 * One labelled number of a panel's `dl.stats` row: `el` goes into the list, `value` (the `dd`,
 * with `id`) takes the number; it reads "–" until there is one.
 */
export function stat(id: string, label: string): { value: HTMLElement; el: HTMLElement } {
  const value = h('dd', { id }, '–');
  return { value, el: h('div', { class: 'stat' }, h('dt', {}, label), value) };
}
