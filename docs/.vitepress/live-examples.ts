import type { MarkdownRenderer } from 'vitepress';

/**
 * Makes every ```js live block a `<LiveExample>` (docs/.vitepress/theme/live/LiveExample.vue):
 * the block is highlighted as usual and shown inside it, and the component gets the code and the
 * output the page shows for it (the ```text block right after it), URI-encoded.
 */
export function liveExamples(md: MarkdownRenderer): void {
  const fence = md.renderer.rules.fence;
  if (!fence) throw new Error('live examples: markdown-it has no fence renderer');
  md.renderer.rules.fence = (tokens, idx, options, env, self) => {
    const token = tokens[idx];
    const flags = token?.info.trim().split(/\s+/) ?? [];
    if (!token || flags[0] !== 'js' || !flags.includes('live')) {
      return fence(tokens, idx, options, env, self);
    }
    const next = tokens[idx + 1];
    const expected = next?.type === 'fence' && next.info.trim() === 'text' ? next.content : '';
    token.info = 'js';
    const html = fence(tokens, idx, options, env, self);
    const code = encodeURIComponent(token.content);
    return `<LiveExample code="${code}" expected="${encodeURIComponent(expected)}">${html}</LiveExample>\n`;
  };
}
