// Helpers for the pages the docs' scripts write as markdown.

/** Text for a markdown table cell or list: no HTML, no column breaks, no Vue interpolation. */
export function esc(text) {
  return String(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\|/g, '\\|')
    .replace(/\{/g, '&#123;');
}
